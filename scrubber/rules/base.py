"""What a rule is, and the small helpers rules share.

A rule is pure: it takes the canonical claim-line frame and a :class:`Context` and returns
*hits*, a frame indexed by worksheet row with the columns ``field``, ``message``,
``suggestion``, ``severity`` (None: the rule's default) and ``position`` (the 0-based column
of the exact cell judged, for fields spread over several columns such as Diagnosis 1..4 and
Modifier 1..4; None: the field's first column). The engine turns hits into
:class:`~scrubber.findings.Finding` records in the user's coordinates.

What a rule may do: read the canonical frame and its context (config, the columns present,
the schema's failures, the raw cells of multi-column fields, the reference tables). What it
may not: read files, print, import openpyxl/xlwings, keep state between runs, or loop over
rows in Python.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar

import numpy as np
import pandas as pd

from scrubber.config import Config
from scrubber.findings import Severity
from scrubber.reference.tables import Reference

HIT_COLUMNS = ("field", "message", "suggestion", "severity", "position")


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the lines.

    Attributes:
        config: the validated configuration.
        present: canonical fields the sheet has a column for.
        schema: what the pandera schema rejected, or how to find out (a call made the
            first time :attr:`schema_failures` is read: only the schema rules read it, so a
            run without them never validates).
        reference: the reference tables of the prepared run (drug table, MUE, HCPCS,
            ICD-10-CM).
        columns: canonical field -> the 0-based positions of its columns in the sheet.
        cells: multi-column field -> its cleaned cell texts, one frame column per sheet
            column (named by position), indexed by row like the lines.
        errors: the Excel error cells (``#REF!``) in the known fields' columns, (row,
            position) -> the error's text; the lines read them as empty cells.
    """

    config: Config
    present: frozenset[str]
    schema: pd.DataFrame | Callable[[], pd.DataFrame]
    reference: Reference
    columns: Mapping[str, list[int]] = field(default_factory=dict)
    cells: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    errors: pd.Series | None = None

    def has(self, *fields: str) -> bool:
        return all(f in self.present for f in fields)

    @cached_property
    def schema_failures(self) -> pd.DataFrame:
        """What the pandera schema rejected, one row per failing cell, with the columns
        ``check`` (the schema check's name) and ``field``, indexed by row."""
        return self.schema() if callable(self.schema) else self.schema

    def field_cells(self, name: str, index: pd.Index) -> pd.DataFrame:
        """The cells of a multi-column field, one column per sheet position (empty frame
        with ``index`` when the sheet has no such column)."""
        found = self.cells.get(name)
        return found if found is not None else pd.DataFrame(index=index, dtype="string")


class Rule:
    """Base of every rule; subclasses set the class attributes and :meth:`check`.

    Attributes:
        id: stable ID, never reused.
        name: kebab-case name of the problem.
        severity: default severity.
        requires: canonical fields the rule reads. A sheet without a code column, or
            without an encounter column (or patient + service date), is refused with a
            message naming them; any other missing column reads as empty cells, so a sheet
            of injections with no time columns is still scrubbed.
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
         severity: pd.Series | Severity | None = None,
         position: pd.Series | int | None = None) -> pd.DataFrame:
    """Hits for the rows where ``mask`` is true; Series arguments align on the row index.

    ``position`` names the exact column of a multi-column field (see the module docstring).
    """
    index = mask.index[mask.fillna(False).astype(bool)]
    values = (field, message, suggestion, severity, position)
    return pd.DataFrame({name: _column(_pick(value, index), len(index))
                         for name, value in zip(HIT_COLUMNS, values, strict=True)},
                        index=index, dtype=object)


def _column(picked: object, size: int) -> np.ndarray:
    """One hit column as an object array (a scalar repeated)."""
    if isinstance(picked, pd.Series):
        return picked.to_numpy(dtype=object)
    column = np.empty(size, dtype=object)
    column[:] = [picked] * size if isinstance(picked, (tuple, list)) else picked
    return column


def cell_hits(cells: pd.Series, field: str, message: pd.Series | str,
              suggestion: pd.Series | str | None = None,
              severity: pd.Series | Severity | None = None) -> pd.DataFrame:
    """Hits for per-cell results of a multi-column field.

    ``cells`` is indexed by (row, position), one entry per offending cell; message and
    suggestion Series align on that same index. One hit per cell, so Diagnosis 2's fault is
    reported on Diagnosis 2.
    """
    if cells.empty:
        return combine()
    frame = pd.DataFrame(index=pd.Index(cells.index.get_level_values(0)),
                         columns=list(HIT_COLUMNS), dtype="object")
    frame["field"] = field
    for name, value in (("message", message), ("suggestion", suggestion),
                        ("severity", severity)):
        picked = _pick(value, cells.index)
        frame[name] = picked.to_numpy() if isinstance(picked, pd.Series) else picked
    frame["position"] = cells.index.get_level_values(1).astype(int).to_numpy()
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


def encounter_ids(lines: pd.DataFrame) -> np.ndarray:
    """Each line's encounter as an integer 0..n-1 (the canonical frame has no missing
    encounter: a line without one is its own)."""
    return pd.factorize(lines["encounter"], use_na_sentinel=False)[0]


def encounter_any(mask: pd.Series | np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Per encounter (indexed by its integer): whether any of its lines has ``mask``."""
    return np.bincount(ids, weights=np.asarray(mask, dtype=bool)) > 0


def any_in_encounter(mask: pd.Series | np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Per line: whether any line of its encounter has ``mask``."""
    return encounter_any(mask, ids)[ids]


def count_in_encounter(mask: pd.Series | np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Per line: how many lines of its encounter have ``mask``."""
    return np.bincount(ids, weights=np.asarray(mask, dtype=bool)).astype("int64")[ids]


def minutes_text(minutes: pd.Series) -> pd.Series:
    """Durations as '45 min' text for messages."""
    return minutes.round().astype("Int64").astype("string") + " min"


def clock_text(minutes: pd.Series) -> pd.Series:
    """Minutes after midnight as 'HH:MM' text for messages."""
    whole = minutes.round().astype("Int64") % 1440
    return ((whole // 60).astype("string").str.zfill(2) + ":"
            + (whole % 60).astype("string").str.zfill(2))
