"""Shared shape of the reserved schema rules: their hits are the pandera schema's failures."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from scrubber.rules.base import Context, Rule, combine, hits


class SchemaRule(Rule):
    """A rule whose findings are the cells the pandera schema rejected for one field."""

    fields: ClassVar[tuple[str, ...]]

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        failures = ctx.schema_failures
        parts = []
        for name in self.fields:  # one finding per failing cell: start and stop both count
            mine = failures[failures["field"] == name]
            flagged = lines.index[lines.index.isin(mine.index)]
            if flagged.empty:
                continue
            rows = lines.loc[flagged]  # the texts are made for the failing lines only
            field = pd.Series(name, index=flagged, dtype="string")
            parts.append(hits(pd.Series(True, index=flagged), name,
                              self.message(rows, field), self.suggestion(rows, field)))
        return combine(*parts)

    def message(self, lines: pd.DataFrame, field: pd.Series) -> pd.Series | str:
        raise NotImplementedError

    def suggestion(self, lines: pd.DataFrame, field: pd.Series) -> pd.Series | str | None:
        return None
