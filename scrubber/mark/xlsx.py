"""Write the marked copy: problem rows filled, two status columns, an Issues sheet.

The input file is only read. The copy keeps every original sheet, value, formula and style
that openpyxl round-trips; scrubbing a marked copy again replaces the marks instead of
stacking them (our fills are recognised by their exact colours).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from scrubber.engine import FileResult
from scrubber.fields import FINDINGS_HEADER, STATUS_HEADER
from scrubber.findings import Finding, Severity
from scrubber.io.errors import InputError
from scrubber.io.reader import read_csv_grid

ERROR_RGB = "FFF4B6B6"
WARNING_RGB = "FFFFE699"
_FILLS = {Severity.ERROR: PatternFill("solid", fgColor=ERROR_RGB),
          Severity.WARNING: PatternFill("solid", fgColor=WARNING_RGB)}
_OUR_RGBS = {ERROR_RGB, WARNING_RGB}
_NO_FILL = PatternFill(fill_type=None)
ISSUES_SHEET = "Issues"
ISSUES_HEADERS = ("Row", "Encounter", "Rule", "Name", "Severity", "Column", "Value", "Message",
                  "Suggestion")
_ISSUES_WIDTHS = (7, 14, 9, 26, 9, 16, 16, 70, 60)


def marked_path(source: str | Path, out: str | Path | None = None) -> Path:
    """Where the marked copy of ``source`` goes: beside it, or under/at ``out``.

    ``NAME.xlsx`` and ``NAME.csv`` give ``NAME.scrubbed.xlsx``; ``NAME.xlsm`` gives
    ``NAME.scrubbed.xlsm`` so its macros survive.
    """
    source = Path(source)
    suffix = ".xlsm" if source.suffix.lower() == ".xlsm" else ".xlsx"
    name = f"{source.stem}.scrubbed{suffix}"
    if out is None:
        return source.parent / name
    out = Path(out)
    if out.suffix.lower() in (".xlsx", ".xlsm"):
        return out
    return out / name


def write_marked_copy(result: FileResult, source: str | Path, target: str | Path) -> Path:
    """Write the marked copy of ``source`` to ``target`` atomically and return ``target``.

    Raises:
        InputError: the target is the input itself, or the workbook cannot be loaded.
    """
    source, target = Path(source), Path(target)
    if target.exists() and target.resolve() == source.resolve():
        raise InputError(str(source), "the marked copy would overwrite the input; "
                                      "choose another --out")
    macros = source.suffix.lower() == ".xlsm"
    if macros != (target.suffix.lower() == ".xlsm"):
        raise InputError(str(source), f"the marked copy {target.name} must end in "
                                      f"{'.xlsm' if macros else '.xlsx'} so Excel opens it "
                                      f"{'with its macros' if macros else ''}".rstrip())
    book = _load(source, result.sheet)
    sheet = book[result.sheet]
    _mark_rows(sheet, result)
    _write_issues(book, result)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix,
                                    dir=target.parent)
    os.close(handle)
    try:
        book.save(temp)
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return target


def _load(source: Path, sheet: str) -> openpyxl.Workbook:
    if source.suffix.lower() == ".csv":
        book = openpyxl.Workbook()
        book.active.title = sheet
        for row in read_csv_grid(source):
            book.active.append(row)
        return book
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


def _status_columns(sheet: Worksheet, header_row: int) -> tuple[int, int, bool]:
    """Columns of Scrub Status and Scrub Findings, and whether they were there already."""
    found = {}
    for cell in sheet[header_row]:
        if cell.value in (STATUS_HEADER, FINDINGS_HEADER):
            found[cell.value] = cell.column
    if len(found) == 2:
        return found[STATUS_HEADER], found[FINDINGS_HEADER], True
    status = sheet.max_column + 1
    return status, status + 1, False


def _mark_rows(sheet: Worksheet, result: FileResult) -> None:
    header = result.header_row
    status_col, findings_col, existed = _status_columns(sheet, header)
    if existed:
        _clear_marks(sheet, header, status_col, findings_col)
    bold = Font(bold=True)
    for col, text, width in ((status_col, STATUS_HEADER, 14), (findings_col, FINDINGS_HEADER, 70)):
        cell = sheet.cell(header, col, text)
        cell.font = bold
        sheet.column_dimensions[get_column_letter(col)].width = width

    by_row: dict[int, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_row[finding.row].append(finding)
    for row in result.line_rows:
        if row not in by_row:
            sheet.cell(row, status_col, "OK")
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, findings in by_row.items():
        worst = min((f.severity for f in findings), key=lambda s: s is not Severity.ERROR)
        sheet.cell(row, status_col, worst.value)
        text = "\n".join(f"{f.rule} {f.name}: {f.message}" for f in findings)
        sheet.cell(row, findings_col, text).alignment = wrap
        for col in range(1, findings_col + 1):
            sheet.cell(row, col).fill = _FILLS[worst]


def _clear_marks(sheet: Worksheet, header: int, status_col: int, findings_col: int) -> None:
    """Undo an earlier scrub's marks: our two columns' values and our fills."""
    for row in sheet.iter_rows(min_row=header + 1, max_row=sheet.max_row):
        for cell in row:
            if cell.column in (status_col, findings_col):
                cell.value = None
            if cell.fill is not None and cell.fill.fgColor is not None \
                    and cell.fill.fgColor.rgb in _OUR_RGBS:
                cell.fill = _NO_FILL


def _write_issues(book: openpyxl.Workbook, result: FileResult) -> None:
    name = ISSUES_SHEET
    if name in book.sheetnames:
        old = book[name]
        if tuple(c.value for c in old[1][:len(ISSUES_HEADERS)]) == ISSUES_HEADERS:
            book.remove(old)
        else:
            name = "Scrub Issues"
            if name in book.sheetnames:
                book.remove(book[name])
    issues = book.create_sheet(name)
    issues.append(ISSUES_HEADERS)
    for cell in issues[1]:
        cell.font = Font(bold=True)
    for finding in result.findings:
        issues.append([finding.row, finding.encounter, finding.rule, finding.name,
                       finding.severity.value, finding.column, finding.value, finding.message,
                       finding.suggestion])
        link = issues.cell(issues.max_row, 1)
        link.hyperlink = Hyperlink(ref=link.coordinate,
                                   location=f"'{result.sheet}'!A{finding.row}")
        link.style = "Hyperlink"
    for index, width in enumerate(_ISSUES_WIDTHS, start=1):
        issues.column_dimensions[get_column_letter(index)].width = width
    issues.freeze_panes = "A2"
    issues.auto_filter.ref = issues.dimensions
