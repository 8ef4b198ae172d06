"""A CSV input as a workbook with typed values, for the marked copy.

A CSV holds only text. The marked copy of one is a new workbook in which the columns that
hold quantities and moments get real values (units and dose as numbers, dates of service as
dates, start and stop as times or datetimes, with Excel number formats), so they sort, sum
and filter as they should; every other cell stays text, so identifiers keep their leading
zeros (encounter, MRN, NDC, codes) and no cell ever becomes a formula. The cells are read by
the core's own parsers (:mod:`scrubber.times`), so a value is typed exactly when the scrubber
read it as one. The package writer then marks this workbook as it marks any other.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import pandas as pd

from scrubber.fields import map_headers
from scrubber.io.errors import InputError
from scrubber.io.reader import read_csv_grid, table_from_grids
from scrubber.mark.package import xml_text
from scrubber.mark.plan import CELL_TEXT_LIMIT, MAX_COLUMN
from scrubber.positions import column_letter
from scrubber.times import parse_dates, parse_times

_NUMBER_FIELDS = ("units", "dose")
_DATE_FIELDS = ("service_date", "start_date", "stop_date")
_TIME_FIELDS = ("start", "stop")
_EPOCH = pd.Timestamp("1899-12-30")
# cell formats of the styles part below: 0 text/general, 1 date, 2 time, 3 date and time
_DATE, _TIME, _MOMENT = 1, 2, 3
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="hh:mm"/>'
    '<numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/></Types>')


def write_typed_workbook(source: Path, sheet: str, target: str,
                         grid: list[list[object]] | None = None) -> None:
    """Write the CSV ``source`` (or the ``grid`` read from a workbook the package path cannot
    edit, an .xls or .ods) as a one-sheet workbook named ``sheet`` with typed values.

    Raises:
        InputError: the CSV cannot be read, or has a value right of column XFD (Excel's
            last), which no workbook can hold.
    """
    grid = read_csv_grid(source) if grid is None else grid
    _check_width(grid, source)
    typed = _typed_columns(grid, str(source), sheet)
    rows = []
    for number, row in enumerate(grid, start=1):
        cells = []
        for position, value in enumerate(row):
            cell = _cell(column_letter(position) + str(number), value,
                         typed.get((number, position)))
            if cell:
                cells.append(cell)
        rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    width = min(max((len(r) for r in grid), default=1), MAX_COLUMN)
    last = f"{column_letter(max(width, 1) - 1)}{max(len(grid), 1)}"
    sheet_xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:{last}"/>'
                 f"<sheetData>{''.join(rows)}</sheetData></worksheet>")
    name = xml_text(sheet).replace('"', "&quot;")
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
                f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for part, text in (
                ("[Content_Types].xml", _TYPES),
                ("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                                f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                                f"</Relationships>"),
                ("xl/workbook.xml", workbook),
                ("xl/_rels/workbook.xml.rels",
                 f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                 f'Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
                 f"</Relationships>"),
                ("xl/styles.xml", _STYLES),
                ("xl/worksheets/sheet1.xml", sheet_xml)):
            out.writestr(zipfile.ZipInfo(part, (1980, 1, 1, 0, 0, 0)), text.encode("utf-8"),
                         zipfile.ZIP_DEFLATED)


def _check_width(grid: list[list[object]], source: Path) -> None:
    """Refuse a grid with a value right of XFD (trailing empty fields are no cells)."""
    for row in grid:
        if len(row) > MAX_COLUMN and any(v not in (None, "") for v in row[MAX_COLUMN:]):
            raise InputError(str(source), f"no marked copy: it has values right of column "
                                          f"XFD, past the {MAX_COLUMN:,} columns of an Excel "
                                          f"sheet (every line is in the report; --no-mark "
                                          f"skips the copy)")


def _typed_columns(grid: list[list[object]], source: str, sheet: str
                   ) -> dict[tuple[int, int], tuple[float, int]]:
    """(row, position) -> (value, cell format) for the cells of typed columns that the
    core's parsers read; everything else stays text."""
    table = table_from_grids(source, {sheet: grid})
    mapping = map_headers(table.headers)
    out: dict[tuple[int, int], tuple[float, int]] = {}
    data = table.data
    for field in _NUMBER_FIELDS:
        for position in mapping.get(field, []):
            numbers = pd.to_numeric(data[position].astype("string").str.strip()
                                    .str.replace(",", "", regex=False), errors="coerce")
            for row, value in numbers.dropna().items():
                if math.isfinite(value):
                    out[(row, position)] = (float(value), 0)
    for field in _DATE_FIELDS:
        for position in mapping.get(field, []):
            dates = parse_dates(data[position])["date"]
            for row, value in dates.dropna().items():
                out[(row, position)] = (float((value - _EPOCH).days), _DATE)
    for field in _TIME_FIELDS:
        for position in mapping.get(field, []):
            times = parse_times(data[position])
            for row in times.index[times["minutes"].notna()]:
                fraction = float(times.at[row, "minutes"]) / 1440
                day = times.at[row, "date"]
                if pd.isna(day):
                    out[(row, position)] = (fraction, _TIME)
                else:
                    out[(row, position)] = ((day - _EPOCH).days + fraction, _MOMENT)
    return out


def _cell(reference: str, value: object, typed: tuple[float, int] | None) -> str:
    if typed is not None:
        number, style = float(typed[0]), typed[1]
        text = repr(number) if not number.is_integer() else str(int(number))
        return f'<c r="{reference}"{f" s={chr(34)}{style}{chr(34)}" if style else ""}>' \
               f"<v>{text}</v></c>"
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        number = float(value)  # a number read from a workbook stays a number
        text = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
        return f'<c r="{reference}"><v>{text}</v></c>'
    text = str(value)
    if len(text) > CELL_TEXT_LIMIT:  # a CSV field can hold more than an Excel cell
        text = text[:CELL_TEXT_LIMIT - 1] + "…"
    return (f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">'
            f"{xml_text(text)}</t></is></c>")
