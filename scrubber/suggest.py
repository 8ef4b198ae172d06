"""``suggest(source, config) -> SuggestResult``: the right administration lines per encounter.

The CLI's ``scrubber suggest`` and the add-in call this; the coding itself is
:mod:`scrubber.coding`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scrubber.coding import CodedLine, code_encounter
from scrubber.coding.frame import administrations
from scrubber.config import Config
from scrubber.io.errors import InputError
from scrubber.io.reader import Table, read_table, table_from_frame
from scrubber.normalize import canonical_frame, column_map


@dataclass(frozen=True)
class EncounterSuggestion:
    """The coded lines of one encounter; ``notes`` say what was left unbilled and why."""

    encounter: str
    setting: str
    lines: tuple[CodedLine, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"encounter": self.encounter, "setting": self.setting,
                "lines": [line.to_dict() for line in self.lines]}


@dataclass(frozen=True)
class SuggestResult:
    """Suggestions for every encounter of one sheet, in sheet order."""

    path: str
    sheet: str
    encounters: tuple[EncounterSuggestion, ...]

    def to_dict(self) -> dict[str, object]:
        """The JSON report: ``{"encounters": [...]}``."""
        return {"encounters": [e.to_dict() for e in self.encounters]}


def suggest(source: str | Path | pd.DataFrame, config: Config | None = None, *,
            sheet: str | None = None, header_row: int = 1) -> SuggestResult:
    """Code every encounter of an administration log or charge export.

    Raises:
        InputError: the file cannot be read or lacks the columns coding needs.
    """
    config = config or Config()
    if isinstance(source, pd.DataFrame):
        table = table_from_frame(source, sheet=sheet or "Sheet1", header_row=header_row)
    else:
        table = read_table(source, sheet)
    return suggest_table(table, config)


def suggest_table(table: Table, config: Config) -> SuggestResult:
    """Code the encounters of a table that has been read."""
    present = set(column_map(table))
    needed = {"drug", "route", "start", "stop"} if "code" not in present else {"code"}
    if "encounter" not in present and not {"patient", "service_date"} <= present:
        needed.add("encounter")
    missing = sorted(needed - present)
    if missing:
        seen = ", ".join(h for h in table.headers if h) or "none"
        raise InputError(table.source, f"sheet '{table.sheet}' lacks columns for coding: "
                                       f"{', '.join(missing)}; headers seen on row "
                                       f"{table.header_row}: {seen}")
    lines = canonical_frame(table, max_midnight_gap=config.midnight_max_gap_minutes)
    options = config.options()
    out = []
    for encounter, (admins, place) in administrations(lines, config.drug_kinds).items():
        coded = code_encounter(admins, options, place)
        out.append(EncounterSuggestion(encounter, config.setting, tuple(coded.lines),
                                       tuple(coded.notes)))
    return SuggestResult(table.source, table.sheet, tuple(out))
