"""The openpyxl fallback of the marked copy, for what the package path cannot edit.

openpyxl re-saves the whole workbook, so this path may drop charts, images and comments;
:func:`scrubber.mark.xlsx.write_marked_copy` says so in a one-line note when it is used. It
paints the same mark plan: a flagged row filled across the sheet's used columns, the flagged
cells more strongly, ``Scrub Status`` and ``Scrub Findings`` added right of the header (or
reused when an earlier scrub added them), and an ``Issues`` sheet with a link to each cell.
Scrubbing a copy marked this way again replaces the marks (our fills are recognised by their
exact colours, ``plan.OUR_RGBS``).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from scrubber.io.errors import InputError
from scrubber.mark.ooxml import ooxml_escape
from scrubber.mark.plan import (
    CELL_TEXT_LIMIT,
    ISSUES_HEADERS,
    OUR_RGBS,
    MarkPlan,
    has_room,
    issues_sheet_name,
    line_statuses,
    no_room_note,
)

_NO_FILL = PatternFill(fill_type=None)
#: the Issues headers of copies written before the Column Letter column; still ours to replace.
_OLD_ISSUES_HEADERS = ("Row", "Encounter", "Rule", "Name", "Severity", "Column", "Value",
                       "Message", "Suggestion")
_ISSUES_WIDTHS = (7, 14, 9, 26, 9, 16, 8, 16, 70, 60)
#: the names our Issues sheet takes (see plan.issues_sheet_name), without regard to case.
_OUR_NAME = re.compile(r"(?:Issues|Scrub Issues(?: \d+)?)", re.I)


def write(plan: MarkPlan, source: Path, temp: str) -> tuple[set[int], bool]:
    """Mark ``source`` with openpyxl into ``temp``; returns the hidden flagged rows and
    whether the sheet had room for the status columns (else they are on the Issues sheet)."""
    book = _load(source, plan.sheet)
    sheet = book[plan.sheet]
    hidden = {m.row for m in plan.rows if m.fill and sheet.row_dimensions[m.row].hidden}
    room = _paint_sheet(sheet, plan)
    _write_issues(book, plan, room)
    book.save(temp)
    return hidden, room


def _text(value: object) -> object:
    """A text we write as Excel stores it: control characters escaped as OOXML does (openpyxl
    refuses them raw), cut visibly at Excel's limit for one cell."""
    if not isinstance(value, str):
        return value
    if len(value) > CELL_TEXT_LIMIT:
        value = value[:CELL_TEXT_LIMIT - 1] + "…"
    return ooxml_escape(value)


def _as_text(cells: tuple[Cell, ...]) -> None:
    """Cell text that starts with '=' stays text: openpyxl would store it as a live formula
    (a CSV cell or a quoted value such as '=HYPERLINK(...)' must never run in Excel)."""
    for cell in cells:
        if cell.data_type == "f":
            cell.data_type = "s"


def _load(source: Path, sheet: str) -> openpyxl.Workbook:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about parts it does not model (x14 validations, slicers); the
            # user's data is still copied, and a warning per file is noise in a batch.
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(source, keep_vba=source.suffix.lower() == ".xlsm",
                                          rich_text=True)
    except Exception as exc:  # openpyxl raises many types for parts it cannot parse
        raise InputError(str(source), f"the workbook cannot be copied ({type(exc).__name__})") \
            from None


def _status_columns(sheet: Worksheet, plan: MarkPlan) -> tuple[int, int, bool] | None:
    """Columns of Scrub Status and Scrub Findings, and whether they were there already; None
    when the sheet has no room for them (its columns reach XFD)."""
    found = {}
    for cell in sheet[plan.header_row]:
        if cell.value in (plan.status_header, plan.findings_header):
            found[cell.value] = cell.column
    if len(found) == 2:
        return found[plan.status_header], found[plan.findings_header], True
    if not has_room(sheet.max_column):
        return None
    status = sheet.max_column + 1
    return status, status + 1, False


def _paint_sheet(sheet: Worksheet, plan: MarkPlan) -> bool:
    """Paint the plan on the sheet; False when it has no room for the status columns (the
    rows and cells are filled all the same)."""
    header = plan.header_row
    columns = _status_columns(sheet, plan)
    reach: dict[int, int] = {}  # no room: a flagged row is filled through its last cell
    if columns is None:
        status_col = findings_col = None
        _clear_marks(sheet, header, None, None)  # an earlier scrub's fills, if any
        last = 0
        for row, column in sheet._cells:  # noqa: SLF001 - the cells each row has
            reach[row] = max(reach.get(row, 0), column)
    else:
        status_col, findings_col, existed = columns
        if existed:
            _clear_marks(sheet, header, status_col, findings_col)
        bold = Font(bold=True)
        for col, text, width in ((status_col, plan.status_header, 14),
                                 (findings_col, plan.findings_header, 70)):
            cell = sheet.cell(header, col, text)
            cell.font = bold
            sheet.column_dimensions[get_column_letter(col)].width = width
        last = max(sheet.max_column, findings_col)
    wrap = Alignment(wrap_text=True, vertical="top")
    fills: dict[str, PatternFill] = {}
    for mark in plan.rows:
        if status_col is not None:
            sheet.cell(mark.row, status_col, mark.status)
            if mark.findings:
                sheet.cell(mark.row, findings_col, _text(mark.findings)).alignment = wrap
        if mark.fill:
            fill = fills.setdefault(mark.fill, PatternFill("solid", fgColor=mark.fill))
            for col in range(1, (reach.get(mark.row, 0) if columns is None else last) + 1):
                sheet.cell(mark.row, col).fill = fill
    for mark in plan.cells:
        fill = fills.setdefault(mark.fill, PatternFill("solid", fgColor=mark.fill))
        sheet.cell(mark.row, mark.column_index + 1).fill = fill
    return columns is not None


def _clear_marks(sheet: Worksheet, header: int, status_col: int | None,
                 findings_col: int | None) -> None:
    """Undo an earlier scrub's marks: our two columns' values (when there) and our fills.
    Only the cells the sheet has are visited (iter_rows would make every cell of its used
    range: millions on a sheet that reaches XFD)."""
    for cell in list(sheet._cells.values()):  # noqa: SLF001 - openpyxl's cells, as they are
        if cell.row <= header:
            continue
        if cell.column in (status_col, findings_col):
            cell.value = None
        if cell.fill is not None and cell.fill.fgColor is not None \
                and cell.fill.fgColor.rgb in OUR_RGBS:
            cell.fill = _NO_FILL


def _write_issues(book: openpyxl.Workbook, plan: MarkPlan, room: bool) -> None:
    """Our Issues sheet, replacing an earlier scrub's; a user's own sheet is never replaced
    (ours then takes a free name: ``Scrub Issues``, ``Scrub Issues 2`` ...)."""
    for old in list(book.worksheets):
        if isinstance(old, Worksheet) and _OUR_NAME.fullmatch(old.title) \
                and _is_our_issues_sheet(old):
            book.remove(old)
    issues = book.create_sheet(issues_sheet_name(book.sheetnames))
    headers = [*plan.issues_headers, *([] if room else [plan.status_header])]
    issues.append(headers)
    for cell in issues[1]:
        cell.font = Font(bold=True)
    statuses = None if room else line_statuses(plan)
    for index, issue in enumerate(plan.issues):
        values = [*issue.cells(), *([] if statuses is None else [statuses[index]])]
        issues.append([_text(value) for value in values])
        _as_text(issues[issues.max_row])
        link = issues.cell(issues.max_row, 1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=issue.link)
        link.style = "Hyperlink"
    for index, width in enumerate((*_ISSUES_WIDTHS, *([] if room else [14])), start=1):
        issues.column_dimensions[get_column_letter(index)].width = width
    issues.freeze_panes = "A2"
    issues.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{issues.max_row}"
    if not room:  # beside the headers, one blank column after them, outside the filter
        issues.cell(1, len(headers) + 2, no_room_note(plan))


def _is_our_issues_sheet(sheet: Worksheet) -> bool:
    """Whether an Issues sheet was written by a scrub (today's headers or the older ones)."""
    headers = tuple(c.value for c in sheet[1])
    return any(headers[:len(ours)] == ours for ours in (ISSUES_HEADERS, _OLD_ISSUES_HEADERS))
