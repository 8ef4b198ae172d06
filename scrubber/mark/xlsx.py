"""Write the marked copy: :func:`write_marked_copy` picks the writer.

Workbooks are marked by editing their package (:mod:`scrubber.mark.package`); a CSV input is
first made a workbook with typed values (:mod:`scrubber.mark.csv_book`). openpyxl, in this
module, is the fallback for what the package path refuses (it says why, in one line on
stderr): rows or cells without references, prefixed XML, copies marked by older versions.

With openpyxl, what is marked comes from :func:`scrubber.mark.plan.plan_marks`; this module
only decides where it lands. A flagged row is filled across the sheet's used columns,
``Scrub Status`` and ``Scrub Findings`` included, then each flagged cell gets the stronger
cell fill. ``Scrub Status`` and ``Scrub Findings`` are added at the right of the header (or
reused when an earlier scrub added them), and an ``Issues`` sheet lists every finding with a
link to its cell.

The input file is only read. The copy keeps every original sheet, value, formula and style
that openpyxl round-trips; scrubbing a marked copy again replaces the marks instead of
stacking them (our fills are recognised by their exact colours, ``plan.OUR_RGBS``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from scrubber.io.errors import InputError
from scrubber.mark import package
from scrubber.mark.csv_book import write_typed_workbook
from scrubber.mark.plan import ISSUES_HEADERS, OUR_RGBS, MarkPlan, plan_marks
from scrubber.result import FileResult

_NO_FILL = PatternFill(fill_type=None)
ISSUES_SHEET = "Issues"
#: the Issues headers of copies written before the Column Letter column; still ours to replace.
_OLD_ISSUES_HEADERS = ("Row", "Encounter", "Rule", "Name", "Severity", "Column", "Value",
                       "Message", "Suggestion")
_ISSUES_WIDTHS = (7, 14, 9, 26, 9, 16, 8, 16, 70, 60)


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


def write_marked_copy(result: FileResult, source: str | Path, target: str | Path, *,
                      quiet: bool = False) -> Path:
    """Write the marked copy of ``source`` to ``target`` atomically and return ``target``.

    When the package path cannot edit the workbook, openpyxl marks it and a one-line note
    says so on stderr (``quiet`` keeps it silent).

    Raises:
        InputError: the target is the input itself, or the workbook cannot be loaded.
    """
    return mark_copy(result, source, target, quiet=quiet)[0]


def mark_copy(result: FileResult, source: str | Path, target: str | Path, *,
              quiet: bool = False) -> tuple[Path, tuple[int, ...]]:
    """:func:`write_marked_copy`, also giving the flagged rows the sheet hides (they are
    listed in Issues, not unhidden)."""
    source, target = Path(source), Path(target)
    if target.exists() and target.resolve() == source.resolve():
        raise InputError(str(source), "the marked copy would overwrite the input; "
                                      "choose another --out")
    macros = source.suffix.lower() == ".xlsm"
    if macros != (target.suffix.lower() == ".xlsm"):
        raise InputError(str(source), f"the marked copy {target.name} must end in "
                                      f"{'.xlsm' if macros else '.xlsx'} so Excel opens it "
                                      f"{'with its macros' if macros else ''}".rstrip())
    plan = plan_marks(result)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix,
                                    dir=target.parent)
    os.close(handle)
    try:
        hidden = _write(plan, source, temp, quiet)
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return target, tuple(sorted(hidden))


def _write(plan: MarkPlan, source: Path, temp: str, quiet: bool) -> set[int]:
    """The package writer for workbooks, and for a CSV input made a typed workbook first;
    openpyxl for what the package path cannot edit. Returns the hidden flagged rows."""
    if source.suffix.lower() == ".csv":
        with tempfile.TemporaryDirectory(dir=Path(temp).parent) as folder:
            book = str(Path(folder) / "typed.xlsx")
            write_typed_workbook(source, plan.sheet, book)
            return package.write_package_copy(plan, book, temp)
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return package.write_package_copy(plan, str(source), temp)
        except package.Unsupported as why:
            if not quiet:
                sys.stderr.write(f"note: {source}: marked with openpyxl ({why}); charts, images "
                                 f"and comments may not be kept\n")
        except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
            raise InputError(str(source), f"the workbook cannot be copied "
                                          f"({type(exc).__name__})") from None
    book = _load(source, plan.sheet)
    sheet = book[plan.sheet]
    hidden = {m.row for m in plan.rows if m.fill and sheet.row_dimensions[m.row].hidden}
    _paint_sheet(sheet, plan)
    _write_issues(book, plan)
    book.save(temp)
    return hidden


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


def _status_columns(sheet: Worksheet, plan: MarkPlan) -> tuple[int, int, bool]:
    """Columns of Scrub Status and Scrub Findings, and whether they were there already."""
    found = {}
    for cell in sheet[plan.header_row]:
        if cell.value in (plan.status_header, plan.findings_header):
            found[cell.value] = cell.column
    if len(found) == 2:
        return found[plan.status_header], found[plan.findings_header], True
    status = sheet.max_column + 1
    return status, status + 1, False


def _paint_sheet(sheet: Worksheet, plan: MarkPlan) -> None:
    header = plan.header_row
    status_col, findings_col, existed = _status_columns(sheet, plan)
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
        sheet.cell(mark.row, status_col, mark.status)
        if mark.findings:
            sheet.cell(mark.row, findings_col, mark.findings).alignment = wrap
        if mark.fill:
            fill = fills.setdefault(mark.fill, PatternFill("solid", fgColor=mark.fill))
            for col in range(1, last + 1):
                sheet.cell(mark.row, col).fill = fill
    for mark in plan.cells:
        fill = fills.setdefault(mark.fill, PatternFill("solid", fgColor=mark.fill))
        sheet.cell(mark.row, mark.column_index + 1).fill = fill


def _clear_marks(sheet: Worksheet, header: int, status_col: int, findings_col: int) -> None:
    """Undo an earlier scrub's marks: our two columns' values and our fills."""
    for row in sheet.iter_rows(min_row=header + 1, max_row=sheet.max_row):
        for cell in row:
            if cell.column in (status_col, findings_col):
                cell.value = None
            if cell.fill is not None and cell.fill.fgColor is not None \
                    and cell.fill.fgColor.rgb in OUR_RGBS:
                cell.fill = _NO_FILL


def _write_issues(book: openpyxl.Workbook, plan: MarkPlan) -> None:
    name = ISSUES_SHEET
    if name in book.sheetnames:
        old = book[name]
        if _is_our_issues_sheet(old):
            book.remove(old)
        else:
            name = "Scrub Issues"
            if name in book.sheetnames:
                book.remove(book[name])
    issues = book.create_sheet(name)
    issues.append(plan.issues_headers)
    for cell in issues[1]:
        cell.font = Font(bold=True)
    for issue in plan.issues:
        issues.append(issue.cells())
        _as_text(issues[issues.max_row])
        link = issues.cell(issues.max_row, 1)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=issue.link)
        link.style = "Hyperlink"
    for index, width in enumerate(_ISSUES_WIDTHS, start=1):
        issues.column_dimensions[get_column_letter(index)].width = width
    issues.freeze_panes = "A2"
    issues.auto_filter.ref = issues.dimensions


def _is_our_issues_sheet(sheet: Worksheet) -> bool:
    """Whether an Issues sheet was written by a scrub (today's headers or the older ones)."""
    headers = tuple(c.value for c in sheet[1])
    return any(headers[:len(ours)] == ours for ours in (ISSUES_HEADERS, _OLD_ISSUES_HEADERS))
