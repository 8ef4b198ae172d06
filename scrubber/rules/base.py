"""What a rule is, and the small helpers rules share.

A rule is pure: it takes the canonical claim-line frame and a :class:`Context` and returns
*hits*, a frame indexed by worksheet row with the columns ``field``, ``message``,
``suggestion`` and ``severity`` (None: the rule's default). The engine turns hits into
:class:`~scrubber.findings.Finding` records in the user's coordinates.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from scrubber.config import Config
from scrubber.findings import Severity

HIT_COLUMNS = ("field", "message", "suggestion", "severity")


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the lines.

    Attributes:
        config: the validated configuration.
        present: canonical fields the sheet has a column for.
        schema_failures: what the pandera schema rejected, one row per failing cell, with the
            columns ``check`` (the schema check's name) and ``field``, indexed by row.
    """

    config: Config
    present: frozenset[str]
    schema_failures: pd.DataFrame

    def has(self, *fields: str) -> bool:
        return all(f in self.present for f in fields)


class Rule:
    """Base of every rule; subclasses set the class attributes and :meth:`check`.

    Attributes:
        id: stable ID, never reused.
        name: kebab-case name of the problem.
        severity: default severity.
        requires: canonical fields the sheet must have for the rule to run; ``encounter``
            is satisfied by an encounter column or by patient + service date.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    requires: ClassVar[tuple[str, ...]] = ("code",)
    #: config options the docstring examples assume (a rule a payer profile turns on).
    example_options: ClassVar[dict[str, object]] = {}

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().splitlines()[0] if cls.doc() else ""


def hits(mask: pd.Series, field: pd.Series | str, message: pd.Series | str,
         suggestion: pd.Series | str | None = None,
         severity: pd.Series | Severity | None = None) -> pd.DataFrame:
    """Hits for the rows where ``mask`` is true; Series arguments align on the row index."""
    index = mask.index[mask.fillna(False).astype(bool)]
    frame = pd.DataFrame(index=index, columns=list(HIT_COLUMNS), dtype="object")
    frame["field"] = _pick(field, index)
    frame["message"] = _pick(message, index)
    frame["suggestion"] = _pick(suggestion, index)
    frame["severity"] = _pick(severity, index)
    return frame


def combine(*parts: pd.DataFrame) -> pd.DataFrame:
    """Concatenate hit frames (skipping empty ones)."""
    kept = [p for p in parts if len(p)]
    if not kept:
        return pd.DataFrame(columns=list(HIT_COLUMNS), dtype="object")
    return pd.concat(kept)


def _pick(value: pd.Series | object, index: pd.Index) -> object:
    if isinstance(value, pd.Series):
        return value.reindex(index).astype("object").where(lambda s: s.notna(), None)
    return value


def minutes_text(minutes: pd.Series) -> pd.Series:
    """Durations as '45 min' text for messages."""
    return minutes.round().astype("Int64").astype("string") + " min"


def clock_text(minutes: pd.Series) -> pd.Series:
    """Minutes after midnight as 'HH:MM' text for messages."""
    whole = minutes.round().astype("Int64") % 1440
    return ((whole // 60).astype("string").str.zfill(2) + ":"
            + (whole % 60).astype("string").str.zfill(2))
