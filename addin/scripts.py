"""The add-in's scripts (task-pane buttons in xlwings Lite and Server, the ribbon's button in
the classic add-in): Scrub, Clear marks and Suggest codes.

Each script reads the active charge sheet in one bulk read, runs the same prepared run as
the CLI (the config comes from the ``Scrubber Settings`` sheet, :mod:`addin.settings`), and
writes in blocks (:mod:`addin.painter`). Excel's undo cannot reverse a script: Clear marks is
the undo of Scrub.

The functions decorated with ``xw.script`` take the book that the runtime injects; the
``run_*`` functions do the work on any :class:`xlwings.Book` (the classic add-in passes
``xw.Book.caller()`` through :func:`main`).
"""

from __future__ import annotations

import datetime as dt
import re

import xlwings as xw

from addin.boundary import grid
from addin.painter import (
    RECORD_SHEET,
    Placement,
    Record,
    clear_sheet,
    paint_sheet,
    text_cell,
    write_issues,
)
from addin.settings import SETTINGS_SHEET, default_rows, read_settings
from scrubber import ConfigError, InputError, scrub_grid
from scrubber.fields import FINDINGS_HEADER, STATUS_HEADER
from scrubber.mark.plan import ISSUES_HEADERS, ISSUES_SHEET, issues_sheet_name, plan_marks
from scrubber.suggest import differences, suggest_grid

SUGGESTED_SHEET = "Suggested Codes"
_SUGGESTED_TITLE = "Suggested codes (infusion-scrubber)"
_HEADER_SEARCH = 30  # rows searched for our own status columns
__all__ = ["clear_marks", "main", "run_clear", "run_scrub", "run_suggest", "scrub",
           "suggest_codes"]


class ScrubError(Exception):
    """What a script tells the user when it cannot run (shown by the runtime)."""


@xw.script
def scrub(book: xw.Book):
    """Scrub the active sheet: mark problem rows and cells, list them on an Issues sheet."""
    run_scrub(book)


@xw.script
def clear_marks(book: xw.Book):
    """Remove everything the last Scrub added (the undo of Scrub)."""
    run_clear(book)


@xw.script
def suggest_codes(book: xw.Book):
    """Write the codes the documentation supports to a Suggested Codes sheet, with where
    they differ from what was billed."""
    run_suggest(book)


def main() -> None:
    """The classic add-in's ribbon button: Scrub the workbook Excel called from."""
    run_scrub(xw.Book.caller())


def run_scrub(book) -> None:
    """Scrub the active charge sheet of ``book`` and paint the marks (replacing old ones)."""
    record = _record(book)
    sheet = _charge_sheet(book, record)
    prepared = _settings(book)
    values, first_row, first_column = _cells(sheet)
    ours = _our_columns(values, first_column, record if record and
                        record.sheet == sheet.name else None)
    for row in values:  # our own columns are output, never input
        for column in ours:
            if 0 <= column - first_column < len(row):
                row[column - first_column] = None
    try:
        result = scrub_grid(values, prepared, sheet=sheet.name, source=sheet.name,
                            first_row=first_row, first_column=first_column)
    except InputError as exc:
        raise ScrubError(f"sheet '{sheet.name}': {exc.problem}") from None
    file = result.files[0]
    if not file.rows:
        raise ScrubError(f"sheet '{sheet.name}': the header row {file.header_row} has no "
                         f"charge lines under it")
    if record is not None:
        _clear(book, record, keep_issues=True)
    last_used = first_column + max((len(r) for r in values), default=1) - 1
    status = min(ours) if ours else last_used + 1
    header = values[file.header_row - first_row]
    table_left = first_column + next((i for i, v in enumerate(header) if v is not None), 0)
    place = Placement(table_left, status, first_row + len(values) - 1)
    plan = plan_marks(file)
    painted = paint_sheet(sheet, plan, place)
    issues = _issues_sheet(book, record)
    write_issues(issues, plan, sheet.name, file.rows)
    _write_record(book, Record(sheet.name, plan.header_row, status, place.last_row,
                               issues.name, painted))
    sheet.activate()  # adding sheets activates them; the user stays on their charge sheet


def run_clear(book) -> None:
    """Remove what the last Scrub added: fills, status columns, Issues sheet, record."""
    record = _record(book)
    if record is None:
        raise ScrubError("nothing to clear: this workbook has no marks from Scrub")
    if record.sheet not in _names(book):
        raise ScrubError(f"the marks are on sheet '{record.sheet}', which is no longer in "
                         f"this workbook (renamed?): give it that name again, then Clear "
                         f"marks")
    _clear(book, record, keep_issues=False)
    book.sheets[RECORD_SHEET].delete()
    book.sheets[record.sheet].activate()


def run_suggest(book) -> None:
    """Code every encounter of the active sheet onto the Suggested Codes sheet."""
    record = _record(book)
    sheet = _charge_sheet(book, record)
    prepared = _settings(book)
    values, _, _ = _cells(sheet)
    try:
        result = suggest_grid(values, prepared.config, sheet=sheet.name, source=sheet.name)
    except InputError as exc:
        raise ScrubError(f"sheet '{sheet.name}': {exc.problem}") from None
    rows: list[list[object]] = [
        [_SUGGESTED_TITLE, f"sheet '{sheet.name}', {prepared.config.setting} setting", None,
         None, None, None, None],
        ["Encounter", "Date", "Code", "Units", "Modifiers", "Rows", "Reason"]]
    for encounter in result.encounters:
        name = text_cell(encounter.encounter)
        for line in encounter.lines:
            rows.append([name, line.date or None, line.code, line.units,
                         " ".join(line.modifiers), ", ".join(str(r) for r in line.rows),
                         text_cell(line.reason)])
        notes = [f"cannot be coded: {encounter.problem}"] if encounter.problem else []
        for note in notes + [f"not billed: {note}" for note in encounter.notes]:
            rows.append([name, None, None, None, None, None, text_cell(note)])
    rows += [[None] * 7, ["Where the bill differs", None, None, None, None, None, None],
             ["Encounter", "Date", "Code", "Billed units", "Suggested units", "Difference",
              None]]
    rows += [[text_cell(d.encounter), d.date or None, d.code, d.billed, d.suggested, d.status,
              None] for d in differences(result)]
    rows += [[text_cell(e.encounter), None, None, None, None, "cannot be coded", None]
             for e in result.encounters if e.problem]
    if rows[-1][0] == "Encounter":
        rows.append(["none: every administration code is billed as suggested", None, None,
                     None, None, None, None])
    target = _owned_sheet(book, SUGGESTED_SHEET, lambda s: _title(s) == _SUGGESTED_TITLE)
    target.range((1, 1)).value = rows
    sheet.activate()


def _record(book) -> Record | None:
    if RECORD_SHEET not in _names(book):
        return None
    return Record.from_rows(grid(book.sheets[RECORD_SHEET].used_range.value))


def _names(book) -> list[str]:
    return [s.name for s in book.sheets]


def _charge_sheet(book, record: Record | None):
    sheet = book.sheets.active
    ours = {RECORD_SHEET, SETTINGS_SHEET, SUGGESTED_SHEET} | (
        {record.issues_sheet} if record else set())
    if sheet.name not in ours:
        return sheet
    if record is not None and record.sheet in _names(book):
        return book.sheets[record.sheet]
    raise ScrubError(f"'{sheet.name}' is the add-in's own sheet: select the sheet with the "
                     f"charge lines, then run again")


def _settings(book):
    if SETTINGS_SHEET in _names(book):
        rows = grid(book.sheets[SETTINGS_SHEET].used_range.value)
    else:
        rows = default_rows()
        added = book.sheets.add(SETTINGS_SHEET, after=book.sheets[len(book.sheets) - 1])
        added.range((1, 1)).value = rows
    wanted = {str(r[1]).strip() for r in rows[1:] if len(r) > 1 and r[1] is not None}
    sheets = {s.name: s.used_range.value for s in book.sheets if s.name in wanted}
    try:
        return read_settings(rows, sheets)
    except ConfigError as exc:
        raise ScrubError(str(exc)) from None


def _cells(sheet) -> tuple[list[list[object]], int, int]:
    """The sheet's used range in one read: its cells and where its top-left cell sits.

    An error cell is read as its text (#REF!), which the core reports as the error it is:
    by default xlwings reads it as an empty cell. xlwings' server runtime (0.37) takes text
    shaped like an ISO date and time without its "Z" for a date, cuts its last character and
    fails: the cells are then read as Office.js sent them, dates (ISO text ending in Z)
    converted here.
    """
    used = sheet.used_range
    try:
        values = used.options(ndim=2, err_to_str=True).value
    except ValueError:
        values = [[_sent(v) for v in row] for row in used.raw_value]
    return grid(values), used.row, used.column


_SENT_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$")


def _sent(value: object) -> object:
    """A cell as Office.js sends it: a date or time as ISO text ending in Z, anything else as
    it is."""
    if isinstance(value, str) and _SENT_DATE.match(value):
        return dt.datetime.fromisoformat(value[:-1])
    return value


def _our_columns(values: list[list[object]], first_column: int, record: Record | None
                 ) -> set[int]:
    """Worksheet columns holding Scrub's own status columns (from the record, or a marked
    copy's headers), so that they are neither read nor duplicated."""
    ours: set[int] = set()
    if record is not None:
        ours |= {record.status_column, record.status_column + 1}
    for row in values[:_HEADER_SEARCH]:
        for offset, value in enumerate(row):
            if value in (STATUS_HEADER, FINDINGS_HEADER):
                ours.add(first_column + offset)
    return ours


def _clear(book, record: Record, *, keep_issues: bool) -> None:
    if record.sheet in _names(book):
        clear_sheet(book.sheets[record.sheet], record)
    if not keep_issues and record.issues_sheet in _names(book):
        book.sheets[record.issues_sheet].delete()


def _issues_sheet(book, record: Record | None):
    """Our Issues sheet: the one the record names, else a new one (``Issues``, or
    ``Scrub Issues`` when the user has an ``Issues`` sheet of their own)."""
    names = _names(book)
    if record is not None and record.issues_sheet in names:
        sheet = book.sheets[record.issues_sheet]
        sheet.clear()
        return sheet
    if ISSUES_SHEET in names and _is_scrub_issues(book.sheets[ISSUES_SHEET]):
        sheet = book.sheets[ISSUES_SHEET]  # a marked copy's, written by the scrubber: stale
        sheet.clear()
        return sheet
    return book.sheets.add(issues_sheet_name(names), after=book.sheets[len(book.sheets) - 1])


def _is_scrub_issues(sheet) -> bool:
    """An Issues sheet the scrubber wrote (a marked copy's): its first row is our headers."""
    values = sheet.used_range.options(ndim=2).value
    first = [v for v in (values[0] if values else []) if v not in (None, "")]
    return tuple(first[:len(ISSUES_HEADERS)]) == ISSUES_HEADERS


def _write_record(book, record: Record) -> None:
    if RECORD_SHEET in _names(book):
        sheet = book.sheets[RECORD_SHEET]
        sheet.clear()
    else:
        sheet = book.sheets.add(RECORD_SHEET, after=book.sheets[len(book.sheets) - 1])
    sheet.range((1, 1)).value = record.rows()
    sheet.visible = False


def _owned_sheet(book, name: str, is_ours):
    names = _names(book)
    candidate, number = name, 1
    while candidate in names:
        sheet = book.sheets[candidate]
        if is_ours(sheet):
            sheet.clear()
            return sheet
        number += 1
        candidate = f"{name} {number}"
    return book.sheets.add(candidate, after=book.sheets[len(book.sheets) - 1])


def _title(sheet) -> object:
    values = sheet.used_range.options(ndim=2).value
    return values[0][0] if values and values[0] else None
