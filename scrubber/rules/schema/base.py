"""Shared shape of the reserved schema rules: their hits are the pandera schema's failures."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from scrubber.rules.base import Context, Rule, hits


class SchemaRule(Rule):
    """A rule whose findings are the cells the pandera schema rejected for one field."""

    fields: ClassVar[tuple[str, ...]]

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        failures = ctx.schema_failures
        mine = failures[failures["field"].isin(self.fields)]
        mine = mine[~mine.index.duplicated()]
        mask = pd.Series(lines.index.isin(mine.index), index=lines.index)
        field = mine["field"].reindex(lines.index)
        return hits(mask, field, self.message(lines, field), self.suggestion(lines, field))

    def message(self, lines: pd.DataFrame, field: pd.Series) -> pd.Series | str:
        raise NotImplementedError

    def suggestion(self, lines: pd.DataFrame, field: pd.Series) -> pd.Series | str | None:
        return None
