"""Excel report: the findings as an Excel table, a per-rule summary and a bar chart of findings
by rule, written with openpyxl in write-only mode (rows stream to disk, not into a DOM).

Text from the user's file never becomes anything but text:

- every string is written as a string cell, so ``=HYPERLINK(...)`` or ``#N/A`` stay the text
  they were (openpyxl would otherwise write the first as a formula and the second as an error
  value); the CSV report's leading apostrophe is not needed, so values match the JSON report;
- control characters XML cannot carry (C0 other than tab and newline) and the carriage
  return (which an XML parser would read back as a newline) are written as OOXML escapes
  (``_x001B_``), as Excel writes them, and an underscore that would otherwise start such an
  escape is escaped too (``_x005F_``), so Excel, LibreOffice and python-calamine read back
  exactly the text of the JSON report (openpyxl returns the escapes undecoded);
- U+FFFE, U+FFFF and lone surrogates, which are not text and which the readers do not give
  back alike (LibreOffice drops what follows a surrogate), become U+FFFD, the replacement
  character;
- a text longer than Excel's cell limit (32,767 characters) is cut there and ends in ``…``.

A result with more findings than a sheet has rows continues on ``Findings 2``, ``Findings 3``.
"""

from __future__ import annotations

import io
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from scrubber.findings import Finding, Severity
from scrubber.result import ScrubResult
from scrubber.version import __version__

#: (report field, header, widest column in characters) of the findings table, in order.
FIELDS = (("path", "File", 40), ("sheet", "Sheet", 20), ("row", "Row", 8),
          ("encounter", "Encounter", 16), ("rule", "Rule", 8), ("name", "Name", 34),
          ("severity", "Severity", 9), ("column", "Column", 20),
          ("column_letter", "Column letter", 14), ("value", "Value", 30),
          ("message", "Message", 80), ("suggestion", "Suggestion", 80))
SUMMARY_HEADERS = ("Rule", "Name", "Errors", "Warnings", "Findings")
#: Excel's limit on the characters in one cell.
CELL_LIMIT = 32_767
#: data rows on one findings sheet: Excel's 1,048,576 rows less the header.
SHEET_ROWS = 1_048_575
_STYLE = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\r"
#: a control character, or an underscore a reader would take for the start of an escape.
_ESCAPE = re.compile(rf"[{_CONTROL}]|_(?=x[0-9A-Fa-f]{{4}}(?:_|[{_CONTROL}]))")
_NOT_TEXT = re.compile("[\ud800-\udfff\ufffe\uffff]")


def ooxml_text(value: str) -> str:
    """``value`` as OOXML stores text: within the cell limit, control characters escaped."""
    value = _NOT_TEXT.sub("\ufffd", value)
    if len(value) > CELL_LIMIT:
        value = value[:CELL_LIMIT - 1] + "…"
    escaped = _escape(value)
    while len(escaped) > CELL_LIMIT:  # escapes lengthen the text; Excel counts what is stored
        value = value[:len(value) - (len(escaped) - CELL_LIMIT) - 1] + "…"
        escaped = _escape(value)
    return escaped


def _escape(value: str) -> str:
    return _ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def render_xlsx(result: ScrubResult) -> bytes:
    """The Excel report's bytes: ``Findings`` (an Excel table) and ``Summary`` sheets."""
    book = Workbook(write_only=True)
    rows = [{"path": file.path, "sheet": file.sheet, **f.to_dict()}
            for file in result.files for f in file.findings]
    for number, chunk in enumerate(_chunks(rows, SHEET_ROWS), start=1):
        _findings_sheet(book, "Findings" if number == 1 else f"Findings {number}", chunk)
    _summary_sheet(book, result)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _chunks(rows: list[dict[str, object]], size: int) -> Iterator[list[dict[str, object]]]:
    yield rows[:size]  # one sheet even with no findings
    for start in range(size, len(rows), size):
        yield rows[start:start + size]


def _cell(sheet, value: object, bold: bool = False) -> WriteOnlyCell:
    """A cell that holds ``value`` as it is: text as text, never a formula or error value."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, ooxml_text(value))
        cell.data_type = "s"
    else:
        cell = WriteOnlyCell(sheet, value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def _table(sheet, name: str, headers: Sequence[str], data_rows: int) -> None:
    """An Excel table (header, filter buttons, banded rows) over the sheet's top rows; an
    empty one keeps a blank row, as Excel's own tables do."""
    ref = f"A1:{get_column_letter(len(headers))}{max(data_rows, 1) + 1}"
    table = Table(displayName=name, ref=ref, tableStyleInfo=_STYLE,
                  autoFilter=AutoFilter(ref=ref))
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
    with warnings.catch_warnings():  # write-only mode warns even when the columns are given
        warnings.filterwarnings("ignore", "In write-only mode", UserWarning)
        sheet.add_table(table)


def _widths(sheet, columns: Iterable[tuple[int, int]]) -> None:
    for index, width in columns:
        sheet.column_dimensions[get_column_letter(index)].width = width


def _findings_sheet(book: Workbook, title: str, rows: list[dict[str, object]]) -> None:
    sheet = book.create_sheet(title)
    _widths(sheet, ((i, min(cap, max([len(header), *(len(str(r[key] or "")) for r in rows)]) + 2))
                    for i, (key, header, cap) in enumerate(FIELDS, start=1)))
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, header) for _, header, _ in FIELDS])
    for row in rows:
        sheet.append([_cell(sheet, row[key]) for key, _, _ in FIELDS])
    _table(sheet, "Findings" if title == "Findings" else f"Findings{title.split()[-1]}",
           [header for _, header, _ in FIELDS], len(rows))


def _by_rule(findings: Iterable[Finding]) -> list[tuple[str, str, int, int]]:
    """(ID, name, errors, warnings) per rule, most findings first."""
    counts = Counter((f.rule, f.name, f.severity) for f in findings)
    rules = sorted({(rule, name) for rule, name, _ in counts},
                   key=lambda r: (-sum(n for k, n in counts.items() if k[:2] == r), r))
    return [(rule, name, counts[rule, name, Severity.ERROR], counts[rule, name, Severity.WARNING])
            for rule, name in rules]


def _summary_sheet(book: Workbook, result: ScrubResult) -> None:
    sheet = book.create_sheet("Summary")
    rules = _by_rule(result.findings)
    _widths(sheet, ((1, 24), (2, 36), (3, 10), (4, 10), (5, 10)))
    sheet.append([_cell(sheet, header) for header in SUMMARY_HEADERS])
    for rule, name, errors, warns in rules:
        sheet.append([_cell(sheet, v) for v in (rule, name, errors, warns, errors + warns)])
    if not rules:
        sheet.append([])
    sheet.append([])
    summary = result.summary()
    totals = [("Files", summary["files"]), ("Lines", summary["rows"]),
              ("Skipped rows", summary["skipped_rows"]), ("Errors", summary["errors"]),
              ("Warnings", summary["warnings"]),
              *((f"Lines under {name}", lines)
                for name, lines in summary.get("lines_by_profile", {}).items()),
              ("Scrubber version", __version__),
              *((f"Reference: {key}", value) for key, value in result.reference.items())]
    for label, value in totals:
        sheet.append([_cell(sheet, label, bold=True), _cell(sheet, value)])
    _table(sheet, "RuleSummary", SUMMARY_HEADERS, len(rules))
    if rules:
        sheet.add_chart(_chart(sheet, len(rules)), "G2")


def _chart(sheet, count: int) -> BarChart:
    """Horizontal bars, one per rule, the most frequent on top."""
    chart = BarChart()
    chart.type, chart.style, chart.legend = "bar", 10, None
    chart.title, chart.y_axis.title = "Findings by rule", "Findings"
    chart.add_data(Reference(sheet, min_col=5, min_row=1, max_row=count + 1), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=2, min_row=2, max_row=count + 1))
    chart.x_axis.scaling.orientation = "maxMin"  # the category axis: first row at the top
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl hides both axes by default
    chart.height, chart.width = max(7.5, 0.6 * count + 2), 18
    return chart
