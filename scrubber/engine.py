"""The library calls: ``scrub(source, config) -> ScrubResult`` and ``scrub_grid(rows, config)``.

The CLI and the Excel add-in are thin layers over these. Both run a :class:`Prepared` run
(built from a :class:`Config` when one is given), so a batch resolves its rules and reference
tables once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scrubber import collector, parallel, waivers
from scrubber.config import Config
from scrubber.fields import MULTI_FIELDS, headers_seen
from scrubber.findings import Finding, Severity
from scrubber.io.errors import InputError
from scrubber.io.limits import Limits
from scrubber.io.reader import Table, read_table, table_from_frame, table_from_grids
from scrubber.normalize import (
    canonical_frame,
    cleaned_column,
    column_map,
    error_cells,
    split_totals,
)
from scrubber.payers import BASE, assign
from scrubber.positions import column_letter, display_value
from scrubber.prepared import Prepared, Profile, prepare
from scrubber.result import FileResult, ScrubResult, SkippedRow
from scrubber.rules import Rule, lookup
from scrubber.rules.base import Context, any_in_encounter, encounter_ids
from scrubber.rules.precedence import resolve
from scrubber.rules.schema.base import SchemaRule
from scrubber.schema import schema_failures


def scrub(source: str | Path | pd.DataFrame, config: Config | Prepared | None = None, *,
          sheet: str | None = None, header_row: int = 1) -> ScrubResult:
    """Scrub one workbook, CSV file or DataFrame.

    Args:
        source: a path to .xlsx/.xlsm/.xls/.ods/.csv, or a DataFrame whose columns are header texts.
        config: what to check (a Config, or a run already prepared with :func:`prepare`);
            the defaults when None.
        sheet: the sheet to read (found automatically when None); a DataFrame's sheet name.
        header_row: for a DataFrame, the worksheet row its header sits on.

    Raises:
        InputError: the file cannot be read or lacks the columns the selected rules need.
        ConfigError: the config names an unknown rule or an unreadable reference file.
    """
    prepared = prepare(config)
    with collector.paused():  # the grid: millions of objects, no cycles
        if isinstance(source, pd.DataFrame):
            table = table_from_frame(source, sheet=sheet or "Sheet1", header_row=header_row)
        else:
            table = read_table(source, sheet, Limits(prepared.config.max_unpacked_mb))
    with collector.frozen():  # the collector's walks skip the table read
        return _result(scrub_table(table, prepared), prepared)


def scrub_grid(rows: Sequence[Sequence[object]], config: Config | Prepared | None = None, *,
               sheet: str = "Sheet1", source: str = "<grid>", first_row: int = 1,
               first_column: int = 1) -> ScrubResult:
    """Scrub a grid of cell values, as Excel and xlwings hand a sheet's used range over.

    The header row is found as in a file (within the first rows). ``first_row`` and
    ``first_column`` (1-based) say where the grid's top-left cell sits on the worksheet (a
    used range that starts at C3 gives 3 and 3), so findings name the cells the user sees.

    Raises:
        InputError: no header row, or columns the selected rules need are missing.
        ConfigError: the config names an unknown rule or an unreadable reference file.
    """
    prepared = prepare(config)
    if first_row < 1 or first_column < 1:
        raise ValueError("first_row and first_column are 1-based worksheet positions")
    with collector.paused():
        table = _shifted(table_from_grids(source, {sheet: _rows(rows)}), first_row - 1,
                         first_column - 1)
    with collector.frozen():
        return _result(scrub_table(table, prepared), prepared)


def _rows(rows: Sequence[object]) -> list[list[object]]:
    """Rows of cells; a one-row range that xlwings hands over as a flat list is one row."""
    listed = [r.tolist() if hasattr(r, "tolist") else r for r in rows]
    if listed and not any(isinstance(r, (list, tuple)) for r in listed):
        return [list(listed)]
    return [list(r) if isinstance(r, (list, tuple)) else [r] for r in listed]


def _shifted(table: Table, rows: int, columns: int) -> Table:
    """The table as it sits on the worksheet when the grid's top-left cell is not A1."""
    if not rows and not columns:
        return table
    data = table.data.copy()
    data.index = data.index + rows
    data.columns = [c + columns for c in data.columns]
    data = data.reindex(columns=range(columns + len(table.headers)))
    return Table(table.source, table.sheet, table.header_row + rows,
                 [""] * columns + list(table.headers), data, error_cells=table.error_cells)


def _result(file: FileResult, prepared: Prepared) -> ScrubResult:
    return ScrubResult((file,), reference=prepared.reference.quarter)


def warm_up(prepared: Prepared | Config | None = None) -> None:
    """Load now what the first scrub would load on first use: pandera's validation backends
    (without hypothesis: see :mod:`scrubber.schema`), the pandas and pyarrow
    modules loaded on first use and, when a diagnosis rule runs, the ICD-10-CM code set.

    The command line does this while the input's sheets are parsed (see
    :func:`scrubber.io.workbook.while_waiting`), where it costs nothing: on a large export
    that wait is longer than this (about half a second).
    """
    import pandas.core.reshape.reshape  # noqa: F401 - loaded by the first stack()
    import pyarrow.pandas_compat  # noqa: F401 - loaded by the first Arrow-backed frame

    from scrubber.reference.icd10 import code_set
    from scrubber.schema import CHARGE_LINES

    with contextlib.suppress(Exception):  # an empty frame fails the schema: that is the point
        CHARGE_LINES.validate(pd.DataFrame(), lazy=True)
    if prepare(prepared).reference.icd10 is not None:
        code_set()


def scrub_table(table: Table, prepared: Prepared | Profile | Config) -> FileResult:
    """Run the prepared rules over a table that has been read.

    With payer profiles that declare ``match`` (and a Payer column), each line is judged
    under its payer's profile (:mod:`scrubber.payers`): every profile's rules run over the
    whole encounters that hold its lines, so a rule that reads the encounter sees all of it,
    and only the findings on that profile's own lines are kept.
    """
    run = prepared if isinstance(prepared, Profile) else prepare(prepared)
    profile = run if isinstance(run, Profile) else run.default
    matching = {} if isinstance(run, Profile) else {
        name: p for name, p in run.payers.items() if p.config.match}
    config = profile.config
    table, skipped = split_totals(table)
    mapping = column_map(table)
    every_rule = {r.name: r for p in (profile, *matching.values()) for r in p.rules}
    _require_columns(table, frozenset(mapping), list(every_rule.values()))
    lines = canonical_frame(table, max_midnight_gap=config.midnight_max_gap_minutes)
    cells = {name: pd.DataFrame({p: cleaned_column(table, p).loc[lines.index]
                                 for p in mapping[name]}, index=lines.index)
             for name in MULTI_FIELDS if name in mapping}
    sheet = _Sheet(table, mapping, cells, table.data.to_numpy(), error_cells(table, mapping))
    payers: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()
    if not matching:  # the usual run: one profile, no payer column read
        findings, failed = _check(profile, lines, sheet)
    else:
        findings, failed, payers, notes = _check_by_payer(profile, matching, lines, sheet)
    findings = resolve(_merge_same_cell(findings))
    findings.sort(key=lambda f: f.sort_key)
    waive = lines["waive"].dropna()
    findings, waived, problems = waivers.apply(
        findings, {int(row): str(text) for row, text in waive.items()}, profile.baseline)
    return FileResult(table.source, table.sheet, table.header_row, len(lines), tuple(findings),
                      tuple(lines.index.tolist()),
                      tuple(SkippedRow(r, why) for r, why in skipped), tuple(failed),
                      tuple(waived), tuple(problems), payer_profiles=payers,
                      payer_warnings=notes)


@dataclass(frozen=True)
class _Sheet:
    """What every profile's check reads of one sheet: the table, its column map, the cleaned
    cells of multi-column fields (indexed like the lines) and the raw grid as an array."""

    table: Table
    mapping: dict[str, list[int]]
    cells: dict[str, pd.DataFrame]
    grid: np.ndarray
    errors: pd.Series


def _check(profile: Profile, lines: pd.DataFrame, sheet: _Sheet) -> tuple[list[Finding],
                                                                           list[str]]:
    """One profile's rules over ``lines``: the findings and the rules that could not run."""
    config, table = profile.config, sheet.table
    cells = {name: frame if len(frame) == len(lines) else frame.loc[lines.index]
             for name, frame in sheet.cells.items()}
    errors = sheet.errors
    if len(errors):
        errors = errors[errors.index.get_level_values("row").isin(lines.index)]
    ctx = Context(config, frozenset(sheet.mapping), lambda: schema_failures(lines),
                  profile.reference, sheet.mapping, cells, errors)
    encounter_of = lines["encounter"].to_numpy()
    rules = profile.rules

    def run(chosen: Sequence[Rule]) -> list[tuple[list[Finding], bool]]:
        """Each chosen rule's findings, and whether it failed."""
        out = []
        for rule in chosen:
            try:
                out.append((_findings(rule, rule.check(lines, ctx), table, sheet.grid, lines,
                                      encounter_of, sheet.mapping, config), False))
            except Exception as exc:  # noqa: BLE001 - one rule's fault must not lose the file
                out.append(([_rule_failed(rule, exc, table, config)], True))
        return out

    # half the rules run in a forked copy on Linux for a large file (scrubber.parallel)
    ours, other = _halves(rules)
    mine, theirs = parallel.both(lambda: run([rules[i] for i in ours]),
                                 lambda: _packed(run([rules[i] for i in other])),
                                 lines=len(lines))
    ran: list[tuple[list[Finding], bool]] = [([], False)] * len(rules)
    for i, outcome in zip(ours + other, mine + _unpacked(theirs), strict=True):
        ran[i] = outcome
    findings = [f for found, _ in ran for f in found]  # in rule order, as run one by one
    failed = [rule.name for rule, (_, broke) in zip(rules, ran, strict=True) if broke]
    return findings, failed


def _check_by_payer(default: Profile, matching: dict[str, Profile], lines: pd.DataFrame,
                    sheet: _Sheet) -> tuple[list[Finding], list[str],
                                            tuple[tuple[str, int], ...], tuple[str, ...]]:
    """Each line under its payer's profile (see :func:`scrub_table`); also the lines per
    profile and the warnings about payer texts."""
    if "payer" not in sheet.mapping:
        note = ("no Payer column (Payer, Insurance, Plan or Financial Class): every line is "
                "checked under the base settings")
        findings, failed = _check(default, lines, sheet)
        return findings, failed, ((BASE, len(lines)),), (note,)
    assignment = assign(lines["payer"], {n: p.config.match for n, p in matching.items()})
    ids = encounter_ids(lines)
    frames: dict[float, pd.DataFrame] = {default.config.midnight_max_gap_minutes: lines}
    findings: list[Finding] = []
    failed: list[str] = []
    for index, profile in enumerate((default, *matching.values()), start=-1):
        own = assignment.profile == index
        if not own.any():
            continue
        gap = profile.config.midnight_max_gap_minutes
        if gap not in frames:  # a profile that reads midnight crossings its own way
            frames[gap] = canonical_frame(sheet.table, max_midnight_gap=gap).loc[lines.index]
        scope = any_in_encounter(own, ids)  # the whole encounters that hold its lines
        found, broken = _check(profile, frames[gap][scope], sheet)
        rows = set(lines.index[own].tolist())
        findings += [f for f in found if f.row in rows or f.row == sheet.table.header_row]
        failed += [name for name in broken if name not in failed]
    return findings, failed, assignment.counts(), assignment.warnings


#: fields without which a rule cannot judge anything; a missing column of any other field
#: reads as empty cells (no time columns: timed codes get missing-time, injections pass).
HARD_FIELDS = frozenset({"code", "encounter"})


def _require_columns(table: Table, present: frozenset[str], rules: Sequence[Rule]) -> None:
    """Raise one clear InputError naming every missing hard field and the headers seen."""
    available = set(present) | ({f for r in rules for f in r.requires} - HARD_FIELDS)
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
    seen = headers_seen(table.headers, table.header_row)
    raise InputError(table.source, f"the sheet lacks columns for {'; '.join(parts)}; {seen} "
                                   f"(add the columns, or skip those rules with --ignore)")


def _severity_override(rule: Rule, config: Config) -> Severity | None:
    return next((level for key, level in config.severity.items()
                 if lookup(key) is type(rule)), None)


def _findings(rule: Rule, hits: pd.DataFrame, table: Table, cells: np.ndarray,
              lines: pd.DataFrame, encounter_of: np.ndarray, mapping: dict[str, list[int]],
              config: Config) -> list[Finding]:
    """Hits of one rule as Finding records in the user's coordinates.

    ``cells`` is ``table.data`` and ``encounter_of`` the lines' encounters, as arrays (made
    once for all rules). The hit cells' values and encounters are
    gathered for all hits at once (no per-hit lookups in the frames); only the records
    themselves are made one by one.
    """
    if hits.empty:
        return []
    override = _severity_override(rule, config)
    given = hits["position"] if "position" in hits.columns else [None] * len(hits)
    positions = [_position(f, p, mapping) for f, p in zip(hits["field"], given, strict=True)]
    where = table.data.index.get_indexer(hits.index)
    values = [cells[r, p] if p is not None and r >= 0 and p < cells.shape[1] else None
              for r, p in zip(where, positions, strict=True)]
    encounters = encounter_of[lines.index.get_indexer(hits.index)]
    out = []
    for row, field_position, value, encounter, message, suggestion, severity in zip(
            hits.index, positions, values, encounters, hits["message"], hits["suggestion"],
            hits["severity"], strict=True):
        out.append(Finding(
            rule=rule.id, name=rule.name,
            severity=override or (Severity(severity) if severity else rule.severity),
            message=str(message), suggestion=None if suggestion is None else str(suggestion),
            sheet=table.sheet, row=int(row),
            column=table.headers[field_position] if field_position is not None else None,
            column_letter=column_letter(field_position) if field_position is not None
            else None,
            value=display_value(value), encounter=str(encounter)))
    return out


#: what each rule costs on the benchmark export (100k lines), relative to the lightest rules
#: (about 20 ms there); only used to split the rules into halves of equal time, so a rule
#: missing here (1) or a figure out of date costs balance, never a result.
_RULE_COST = {"invalid-diagnosis": 16, "drug-units-mismatch": 9, "missing-drug-code": 9,
              "time-units-mismatch": 8, "hydration-not-separately-billable": 5,
              "modifier": 5, "duplicate-initial": 5, "missing-time": 4,
              "infusion-too-short": 4, "invalid-code": 4, "push-billed-as-infusion": 3,
              "hierarchy": 3, "mue-exceeded": 2, "missing-diagnosis": 2,
              "missing-documentation": 2, "addon-without-primary": 2}


#: the pandera validation that the schema rules share (made by whichever half runs them)
_SCHEMA_COST = 8


def _halves(rules: Sequence[Rule]) -> tuple[list[int], list[int]]:
    """The rules' positions in two halves of about equal cost, heaviest placed first; the
    schema rules stay together, so the schema is validated once."""
    schema = [i for i, rule in enumerate(rules) if isinstance(rule, SchemaRule)]
    units = ([schema] if schema else []) + [
        [i] for i, rule in enumerate(rules) if not isinstance(rule, SchemaRule)]

    def cost(unit: list[int]) -> int:
        return sum(_RULE_COST.get(rules[i].name, 1) for i in unit) + (
            _SCHEMA_COST if unit is schema else 0)

    halves: tuple[list[int], list[int]] = ([], [])
    load = [0, 0]
    for unit in sorted(units, key=cost, reverse=True):
        lighter = 0 if load[0] <= load[1] else 1
        halves[lighter].extend(unit)
        load[lighter] += cost(unit)
    return halves


def _packed(ran: list[tuple[list[Finding], bool]]) -> list[tuple[list[tuple], bool]]:
    """Findings as plain tuples, which pickle several times faster than the records."""
    return [([(f.rule, f.name, f.severity.value, f.message, f.suggestion, f.sheet, f.row,
               f.column, f.column_letter, f.value, f.encounter) for f in found], broke)
            for found, broke in ran]


def _unpacked(ran: list[tuple[list[tuple], bool]]) -> list[tuple[list[Finding], bool]]:
    return [([Finding(r, n, Severity(s), *rest) for r, n, s, *rest in found], broke)
            for found, broke in ran]


def _position(field_name: object, position: object, mapping: dict[str, list[int]]) -> int | None:
    """The 0-based column of a hit: the one it names, else its field's first column."""
    if position is not None and not pd.isna(position):
        return int(position)
    positions = mapping.get(field_name) if isinstance(field_name, str) else None
    return positions[0] if positions else None


def _rule_failed(rule: Rule, exc: Exception, table: Table, config: Config) -> Finding:
    """The one finding that says a rule could not run (its type only: no cell text)."""
    return Finding(
        rule=rule.id, name=rule.name, severity=Severity.ERROR,
        message=f"the {rule.name} check could not run on this sheet "
                f"({type(exc).__name__}); its findings are missing from this report",
        suggestion="Please report this file's shape to the maintainers; skip the check with "
                   f"--ignore {rule.name} meanwhile",
        sheet=table.sheet, row=table.header_row, column=None, column_letter=None, value=None,
        encounter=None)


def _merge_same_cell(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and cell: a rule that judged a cell twice speaks once, its
    messages joined."""
    merged: dict[tuple[object, ...], Finding] = {}
    for f in findings:
        key = (f.rule, f.sheet, f.row, f.column_letter)
        first = merged.get(key)
        if first is None:
            merged[key] = f
            continue
        merged[key] = Finding(
            rule=f.rule, name=f.name,
            severity=Severity.ERROR if Severity.ERROR in (first.severity, f.severity)
            else first.severity,
            message=_join(first.message, f.message), suggestion=_join(first.suggestion,
                                                                      f.suggestion),
            sheet=f.sheet, row=f.row, column=f.column, column_letter=f.column_letter,
            value=f.value, encounter=f.encounter)
    return list(merged.values())


def _join(a: str | None, b: str | None) -> str | None:
    if not a or not b or a == b:
        return a or b
    return f"{a}; {b}"
