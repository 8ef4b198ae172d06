"""The one library call: ``scrub(source, config) -> ScrubResult``.

The CLI and the Excel add-in are thin layers over :func:`scrub`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scrubber.config import Config
from scrubber.findings import Finding, Severity
from scrubber.io.errors import InputError
from scrubber.io.reader import Table, read_table, table_from_frame
from scrubber.normalize import canonical_frame, column_map
from scrubber.positions import column_letter, display_value
from scrubber.rules import Rule, lookup, selected_rules
from scrubber.reference.tables import load_reference
from scrubber.rules.base import Context
from scrubber.schema import schema_failures


@dataclass(frozen=True)
class FileResult:
    """Findings for one file (or frame), with where its data sits."""

    path: str
    sheet: str
    header_row: int
    rows: int
    findings: tuple[Finding, ...]
    #: worksheet rows of every charge line (for marking clean rows); not in reports.
    line_rows: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "sheet": self.sheet, "header_row": self.header_row,
                "rows": self.rows, "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class ScrubResult:
    """Findings for one or many files, plus the files that could not be read."""

    files: tuple[FileResult, ...]
    input_errors: tuple[InputError, ...] = field(default=())

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for file in self.files for f in file.findings)

    def count(self, severity: Severity) -> int:
        return sum(f.severity is severity for f in self.findings)

    @property
    def exit_code(self) -> int:
        """0 clean, 1 an error-severity finding, 2 an input error."""
        if self.input_errors:
            return 2
        return 1 if self.count(Severity.ERROR) else 0

    def summary(self) -> dict[str, object]:
        by_rule = Counter(f.name for f in self.findings)
        return {"files": len(self.files), "rows": sum(f.rows for f in self.files),
                "errors": self.count(Severity.ERROR), "warnings": self.count(Severity.WARNING),
                "by_rule": dict(sorted(by_rule.items()))}

    def to_dict(self) -> dict[str, object]:
        """The JSON report: ``{"files": [...], "summary": {...}}``."""
        return {"files": [f.to_dict() for f in self.files], "summary": self.summary()}


def scrub(source: str | Path | pd.DataFrame, config: Config | None = None, *,
          sheet: str | None = None, header_row: int = 1) -> ScrubResult:
    """Scrub one workbook, CSV file or DataFrame.

    Args:
        source: a path to .xlsx/.xlsm/.csv, or a DataFrame whose columns are header texts.
        config: what to check; the defaults when None.
        sheet: the sheet to read (found automatically when None); a DataFrame's sheet name.
        header_row: for a DataFrame, the worksheet row its header sits on.

    Raises:
        InputError: the file cannot be read or lacks the columns the selected rules need.
        ConfigError: the config names an unknown rule.
    """
    config = config or Config()
    rules = selected_rules(config)
    if isinstance(source, pd.DataFrame):
        table = table_from_frame(source, sheet=sheet or "Sheet1", header_row=header_row)
    else:
        table = read_table(source, sheet)
    return ScrubResult((scrub_table(table, config, rules),))


def scrub_table(table: Table, config: Config, rules: list[Rule]) -> FileResult:
    """Run the rules over a table that has been read."""
    mapping = column_map(table)
    present = frozenset(mapping)
    _require_columns(table, present, rules)
    lines = canonical_frame(table, max_midnight_gap=config.midnight_max_gap_minutes)
    ctx = Context(config, present, schema_failures(lines),
                  load_reference(mue=config.mue, hcpcs=config.hcpcs), mapping)
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(_findings(rule, rule.check(lines, ctx), table, lines, mapping, config))
    findings.sort(key=lambda f: f.sort_key)
    return FileResult(table.source, table.sheet, table.header_row, len(lines), tuple(findings),
                      tuple(int(r) for r in lines.index))


def _require_columns(table: Table, present: frozenset[str], rules: list[Rule]) -> None:
    """Raise one clear InputError naming every missing field and the headers seen."""
    available = set(present)
    if "encounter" not in available and {"patient", "service_date"} <= available:
        available.add("encounter")
    missing: dict[str, list[str]] = {}
    for rule in rules:
        for name in rule.requires:
            if name not in available:
                missing.setdefault(name, []).append(rule.name)
    if not missing:
        return
    parts = []
    for name, needers in missing.items():
        what = "encounter (or patient + date of service)" if name == "encounter" else name
        parts.append(f"{what} (needed by {', '.join(needers)})")
    seen = ", ".join(h for h in table.headers if h) or "none"
    raise InputError(table.source, f"sheet '{table.sheet}' lacks columns for "
                                   f"{'; '.join(parts)}; headers seen on row "
                                   f"{table.header_row}: {seen} (add the columns, or skip "
                                   f"those rules with --ignore)")


def _findings(rule: Rule, hits: pd.DataFrame, table: Table, lines: pd.DataFrame,
              mapping: dict[str, list[int]], config: Config) -> list[Finding]:
    """Hits of one rule as Finding records in the user's coordinates."""
    override = next((level for key, level in config.severity.items()
                     if lookup(key) is type(rule)), None)
    out = []
    for row, hit in zip(hits.index, hits.itertuples(index=False), strict=True):
        positions = mapping.get(hit.field) if hit.field else None
        position = positions[0] if positions else None
        value = table.data.at[row, position] if position is not None else None
        out.append(Finding(
            rule=rule.id, name=rule.name,
            severity=override or (Severity(hit.severity) if hit.severity else rule.severity),
            message=str(hit.message), suggestion=None if hit.suggestion is None
            else str(hit.suggestion),
            sheet=table.sheet, row=int(row),
            column=table.headers[position] if position is not None else None,
            column_letter=column_letter(position) if position is not None else None,
            value=display_value(value), encounter=str(lines.at[row, "encounter"])))
    return out
