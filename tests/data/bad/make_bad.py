"""Build the corpus of bad, odd and hostile input files (issue 13).

Every file is made here from code, never stored as an opaque blob:
``python tests/data/bad/make_bad.py [FOLDER]`` writes them all (to ``tests/data/bad/out`` by
default), and the tests call the builders one by one into a temporary folder. LibreOffice
(``soffice --headless``) converts the legacy ``.xls`` and OpenDocument ``.ods`` cases; the
builders that need it return None when it is not installed.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import openpyxl

HEADERS = ["Encounter ID", "Date of Service", "CPT/HCPCS", "Units", "Start Time", "Stop Time",
           "Drug", "Diagnosis"]
#: a clean export: an infusion, its hour, the drug with its units.
LINES = [
    ["E1", "2026-10-05", "96365", 1, "10:00", "11:45", "Infliximab", "K50.90"],
    ["E1", "2026-10-05", "96366", 1, "10:00", "11:45", "Infliximab", "K50.90"],
    ["E1", "2026-10-05", "J1745", 40, None, None, "Infliximab", "K50.90"],
]


def _book(path: Path, rows: list[list[object]], title: str = "Charges") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _edit_part(path: Path, part: str, edit: Callable[[str], str]) -> None:
    """Rewrite one part of a package (the others byte for byte)."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in items:
            if info.filename == part:
                data = edit(data.decode("utf-8")).encode("utf-8")
            out.writestr(info, data)


def error_cells(folder: Path) -> Path:
    """Excel error cells (t="e"): a drug line whose units are #REF!, a row made only of
    error cells, and a formula whose cached result is #DIV/0!.

    Rows: 2-4 the clean lines, with row 4's units #REF!; row 5 every cell an error; row 6 a
    line whose start time is the formula =1/0 showing #DIV/0!.
    """
    rows = [list(r) for r in LINES]
    rows[2][3] = "#REF!"  # openpyxl writes an error text as an error cell (t="e")
    rows.append(["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#N/A"])
    rows.append(["E1", "2026-10-05", "96375", 1, "#DIV/0!", None, "Ondansetron", "K50.90"])
    path = _book(folder / "error_cells.xlsx", rows)

    def formula(xml: str) -> str:  # as Excel writes a failed formula: the formula and #DIV/0!
        return re.sub(r'<c r="E6" t="e"><v>#DIV/0!</v></c>',
                      '<c r="E6" t="e"><f>1/0</f><v>#DIV/0!</v></c>', xml)

    _edit_part(path, "xl/worksheets/sheet1.xml", formula)
    return path


#: lines with findings: a push billed as an infusion (row 3) and a drug with text units (row 4)
ODD_LINES = [
    ["E7", "2026-10-05", "96365", 1, "10:00", "10:05", "Ondansetron", "R11.2"],
    ["E7", "2026-10-05", "J2405", "four", None, None, "Ondansetron", "R11.2"],
]


def utf16_csv(folder: Path) -> Path:
    """A CSV saved as Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated,
    with an accented drug name."""
    rows = [HEADERS, *[[("" if v is None else str(v)) for v in r] for r in LINES + ODD_LINES]]
    rows[3][6] = "Infliximab (Remicade\u00ae)"
    path = folder / "utf16.csv"
    path.write_bytes("\r\n".join("\t".join(r) for r in rows).encode("utf-16"))
    return path


def legacy_xls(folder: Path) -> Path | None:
    """The clean and odd lines as an Excel 97-2003 workbook (LibreOffice converts it)."""
    with tempfile.TemporaryDirectory() as scratch:
        source = _book(Path(scratch) / "legacy.xlsx", [list(r) for r in LINES + ODD_LINES])
        return _soffice(source, ".xls", folder)


def opendocument_ods(folder: Path) -> Path | None:
    """The clean and odd lines as an OpenDocument spreadsheet (LibreOffice converts it)."""
    with tempfile.TemporaryDirectory() as scratch:
        source = _book(Path(scratch) / "opendocument.xlsx", [list(r) for r in LINES + ODD_LINES])
        return _soffice(source, ".ods", folder)


#: cell text a spreadsheet would run as a formula, and terminal escapes and markup.
HOSTILE_TEXT = ["\t=1+1", "=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0",
                "@SUM(A1:A3)", "-2+3", "\r=1+1", "\x1b[31mred\x1b[0m", "[bold]x[/bold]"]


def formula_csv(folder: Path) -> Path:
    """A CSV whose code, drug, route and diagnosis cells hold formula text, escapes and rich
    markup (rows 2-9), beside a units cell of -5 (a number, row 10)."""
    rows = [HEADERS]
    for text in HOSTILE_TEXT:
        rows.append(["E9", "2026-10-05", text, "1", "10:00", "11:00", text, text])
    rows.append(["E9", "2026-10-05", "J1745", "-5", "", "", "Infliximab", "K50.90"])
    path = folder / "formulas.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def colliding_copies(folder: Path) -> Path:
    """A folder ``colliding`` of two exports whose marked copies would share a path:
    ``day.xlsx`` (the clean and odd lines) and ``day.csv`` (the odd lines, with a drug in
    text units) both give ``day.scrubbed.xlsx``."""
    here = folder / "colliding"
    here.mkdir(parents=True, exist_ok=True)
    _book(here / "day.xlsx", [list(r) for r in LINES + ODD_LINES])
    with (here / "day.csv").open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([HEADERS, *[["" if v is None else v for v in r]
                                              for r in ODD_LINES]])
    return here


#: Excel's last column, XFD.
LAST_COLUMN = 16_384


def wide_sheet(folder: Path, last: int = LAST_COLUMN) -> Path:
    """A workbook whose used range reaches column ``last`` (XFD: no room left for the two
    status columns; XFC leaves one, still too few): a header note there and a value on
    row 3, beside the clean and odd lines (rows 2-6; rows 5 and 6 have findings)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Charges"
    sheet.append(HEADERS)
    for row in LINES + ODD_LINES:
        sheet.append(row)
    sheet.cell(1, last, "Note")
    sheet.cell(3, last, "far right")
    path = folder / ("wide.xlsx" if last == LAST_COLUMN else f"wide_{last}.xlsx")
    book.save(path)
    return path


def wide_csv(folder: Path) -> Path:
    """The clean and odd lines as a CSV whose header runs to column XFD (a note there)."""
    path = folder / "wide.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(HEADERS + [""] * (LAST_COLUMN - len(HEADERS) - 1) + ["Note"])
        rows.writerows([["" if v is None else v for v in r] for r in LINES + ODD_LINES])
    return path


def batch_onto_inputs(folder: Path) -> Path:
    """A folder ``batch`` for ``scrubber batch in --out out`` whose outputs would land on its
    inputs through links: ``in`` holds ``a.xlsx``, ``b.xlsx``, ``c.xlsx`` (the clean and odd
    lines) and ``d.csv``; in ``out``, ``a.scrubbed.xlsx`` (a's marked copy) is a hard link to
    ``in/b.xlsx``, ``b.scrubbed.json`` (b's report) a symbolic link to ``in/c.xlsx``,
    ``summary.xlsx`` a hard link to ``in/c.xlsx`` and the batch's state file a hard link to
    ``in/d.csv``."""
    here = folder / "batch"
    (here / "in").mkdir(parents=True, exist_ok=True)
    (here / "out").mkdir(exist_ok=True)
    for name in "abc":
        _book(here / "in" / f"{name}.xlsx", [list(r) for r in LINES + ODD_LINES])
    with (here / "in" / "d.csv").open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([HEADERS, *[["" if v is None else v for v in r]
                                              for r in LINES]])
    os.link(here / "in" / "b.xlsx", here / "out" / "a.scrubbed.xlsx")
    os.symlink(Path("..") / "in" / "c.xlsx", here / "out" / "b.scrubbed.json")
    os.link(here / "in" / "c.xlsx", here / "out" / "summary.xlsx")
    os.link(here / "in" / "d.csv", here / "out" / ".scrubber-batch-state.json")
    return here


#: cell text with control characters, as Excel stores them in OOXML (``_x000B_`` is a
#: vertical tab) and as they are (for a CSV); the last keeps a literal ``_x0041_``.
CONTROL_TEXT = {"E\x011": "E_x0001_1", "Ondan\x0bsetron": "Ondan_x000B_setron",
                "\x1b[31mK50.90": "_x001B_[31mK50.90", "lit_x0041_": "lit_x005F_x0041_"}


def control_characters(folder: Path) -> Path:
    """A workbook whose encounter, drug and diagnosis cells hold control characters (as
    ``_xHHHH_`` escapes, the way Excel writes them) on a sheet named with a tab (``Char\tges``,
    written ``&#9;`` in workbook.xml). Rows 2-6 are the clean and odd lines; row 5 has
    encounter ``E\x011``, row 6 drug ``Ondan\x0bsetron``, row 4 diagnosis ``\x1b[31mK50.90``
    and row 3 drug ``lit_x0041_``."""
    rows = [list(r) for r in LINES + ODD_LINES]
    escaped = list(CONTROL_TEXT.values())
    rows[3][0], rows[4][6], rows[2][7], rows[1][6] = escaped
    path = _book(folder / "control.xlsx", rows)
    _edit_part(path, "xl/workbook.xml", lambda xml: xml.replace('name="Charges"',
                                                                'name="Char&#9;ges"'))
    return path


def control_csv(folder: Path) -> Path:
    """The same lines as a CSV holding the control characters themselves, under a file
    name with a bell in it."""
    rows = [["" if v is None else v for v in r] for r in LINES + ODD_LINES]
    raw = list(CONTROL_TEXT)
    rows[3][0], rows[4][6], rows[2][7], rows[1][6] = raw
    path = folder / "ctl\x07name.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([HEADERS, *rows])
    return path


#: a sheet name a link must quote: spaces, apostrophes and an exclamation mark.
QUOTED_SHEET = "Dr O'Brien's !Charges"


def quoted_sheet_name(folder: Path) -> Path:
    """The clean and odd lines on a sheet named ``Dr O'Brien's !Charges``."""
    return _book(folder / "quoted.xlsx", [list(r) for r in LINES + ODD_LINES], QUOTED_SHEET)


def quoted_csv(folder: Path) -> Path:
    """The clean and odd lines as ``Dr O'Brien's !Charges.csv``: its copy's sheet takes the
    file's name, which the links must quote."""
    path = folder / f"{QUOTED_SHEET}.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([HEADERS, *[["" if v is None else v for v in r]
                                              for r in LINES + ODD_LINES]])
    return path


def own_issues_sheets(folder: Path, names: tuple[str, ...] = (
        "Issues", "Scrub Issues", "Scrub Issues 2")) -> Path:
    """The clean and odd lines on ``Charges``, then the user's own sheets with the names our
    Issues sheet takes (each holds a note of the user's in A1 and a number in B2)."""
    path = _book(folder / "own_issues.xlsx", [list(r) for r in LINES + ODD_LINES])
    book = openpyxl.load_workbook(path)
    for number, name in enumerate(names, start=1):
        sheet = book.create_sheet(name)
        sheet["A1"], sheet["B2"] = f"my own list {number}", number
    book.save(path)
    return path


def long_findings(folder: Path) -> Path:
    """A workbook whose row 2 code is 40,000 digits (its finding's message quotes it, over
    Excel's 32,767-character cell limit) and whose row 3 drug name is 40,000 characters."""
    rows = [list(r) for r in LINES + ODD_LINES]
    rows[0][2] = "9" * 40_000
    rows[1][6] = "Infliximab" + "x" * 39_990
    return _book(folder / "long.xlsx", rows)


def long_csv(folder: Path) -> Path:
    """:func:`long_findings` as a CSV, whose fields are not held to Excel's cell limit: a
    40,000-digit code on row 2 and a 40,000-character drug name on row 3."""
    rows = [["" if v is None else v for v in r] for r in LINES + ODD_LINES]
    rows[0][2] = "9" * 40_000
    rows[1][6] = "Infliximab" + "x" * 39_990
    path = folder / "long.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([HEADERS, *rows])
    return path


# --- limits: zip bombs, grids past Excel's, formatting without data (issue 13) ----------------

_SHEET = "xl/worksheets/sheet1.xml"
_SHEET_OPEN = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
               '"http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _parts(rows: list[list[object]]) -> dict[str, bytes]:
    """The parts of a one-sheet workbook of the headers and ``rows`` (openpyxl's), with cell
    styles 1-3 in its styles part (a bold header, a date, a fill)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Charges"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    sheet["A1"].font = openpyxl.styles.Font(bold=True)
    sheet["B2"].number_format = "yyyy-mm-dd"
    sheet["C2"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        return {name: package.read(name) for name in package.namelist()}


def _write_zip(path: Path, parts: Iterable[tuple[str, Iterable[bytes], int | None]]) -> Path:
    """A zip package written as its parts stream (never held whole): each part is
    (name, its bytes in pieces, the unpacked size its entry declares: None for the truth).
    A lie goes in the local header and the central directory alike."""
    directory = []
    with path.open("wb") as out:
        for name, pieces, declared in parts:
            encoded = name.encode("utf-8")
            offset = out.tell()
            out.write(b"\0" * (30 + len(encoded)))  # the local header, written at the end
            packer = zlib.compressobj(1, zlib.DEFLATED, -15)
            crc = size = packed = 0
            for piece in pieces:
                crc, size = zlib.crc32(piece, crc), size + len(piece)
                data = packer.compress(piece)
                packed += len(data)
                out.write(data)
            data = packer.flush()
            packed += len(data)
            out.write(data)
            end = out.tell()
            stated = size if declared is None else declared
            out.seek(offset)
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, packed,
                                  stated, len(encoded), 0) + encoded)
            out.seek(end)
            directory.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0,
                                         0x21, crc, packed, stated, len(encoded), 0, 0, 0, 0,
                                         0, offset) + encoded)
        start = out.tell()
        for entry in directory:
            out.write(entry)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(directory), len(directory),
                              out.tell() - start, start, 0))
    return path


def _with_sheet(path: Path, sheet: Iterable[bytes], declared: int | None = None,
                rows: list[list[object]] | None = None) -> Path:
    """A workbook whose sheet part is ``sheet`` (streamed), the other parts openpyxl's."""
    parts = _parts(rows if rows is not None else [list(r) for r in LINES])
    return _write_zip(path, [*((name, [data], None) for name, data in parts.items()
                               if name != _SHEET), (_SHEET, sheet, declared)])


def _header_row() -> bytes:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
                    for i, h in enumerate(HEADERS))
    return f'<row r="1">{cells}</row>'.encode()


def _repeated_rows(megabytes: float) -> Iterator[bytes]:
    """About ``megabytes`` MiB of sheet XML: the header row, then one charge line again and
    again (rows without references: each follows the one before, so a MiB of the same bytes
    packs to about a KiB)."""
    yield f"{_SHEET_OPEN}<sheetData>".encode() + _header_row()
    line = (b'<row><c t="inlineStr"><is><t>E1</t></is></c><c><v>46300</v></c>'
            b'<c t="inlineStr"><is><t>J1745</t></is></c><c><v>40</v></c></row>')
    block = line * ((1 << 20) // len(line))
    for _ in range(int(megabytes)):
        yield block
    yield b"</sheetData></worksheet>"


def zip_bomb(folder: Path, megabytes: float = 1536, *, lying: bool = True) -> Path:
    """A small workbook whose sheet unpacks to ``megabytes`` MiB of rows (1.5 GiB: a few
    MiB on disk). ``lying``: its zip entry declares 1 KiB (the local header and the central
    directory agree); else it declares the truth."""
    name = "zip_bomb_lying.xlsx" if lying else "zip_bomb_honest.xlsx"
    return _with_sheet(folder / name, _repeated_rows(megabytes), 1024 if lying else None)


def far_cell(folder: Path) -> Path:
    """The clean lines and one value in XFD1048576, Excel's last cell: the grid up to it
    would be 17 billion cells (calamine asked for 512 GiB and ended the process)."""
    rows = b"".join(_line_rows())
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    sheet = (f"{_SHEET_OPEN}<sheetData>".encode() + _header_row() + rows + far
             + b"</sheetData></worksheet>")
    return _with_sheet(folder / "far_cell.xlsx", [sheet])


def rows_past_excel(folder: Path) -> Path:
    """The clean lines and a line in row 1,048,577, one past the last row Excel has."""
    far = (b'<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>E2</t></is></c>'
           b'<c r="D1048577"><v>1</v></c></row>')
    sheet = (f"{_SHEET_OPEN}<sheetData>".encode() + _header_row() + b"".join(_line_rows())
             + far + b"</sheetData></worksheet>")
    return _with_sheet(folder / "rows_past_excel.xlsx", [sheet])


def _line_rows(first: int = 2) -> Iterator[bytes]:
    """The clean lines as sheet rows with their references, from row ``first``."""
    for number, line in enumerate(LINES, start=first):
        cells = []
        for column, value in enumerate(line):
            ref = f"{chr(65 + column)}{number}"
            if isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value is not None:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        yield f'<row r="{number}">{"".join(cells)}</row>'.encode()


def formatted_empty_rows(folder: Path, rows: int = 1_000_000) -> Path:
    """The clean lines, then ``rows`` formatted rows without a value (a style on the row
    and on each of its cells A-P), and a dimension claiming the whole grid, as a sheet
    formatted down to the bottom carries them."""
    def sheet() -> Iterator[bytes]:
        yield (f'{_SHEET_OPEN}<dimension ref="A1:XFD1048576"/><sheetData>'.encode()
               + _header_row() + b"".join(_line_rows()))
        first = 2 + len(LINES)
        for start in range(first, first + rows, 1000):
            yield "".join(
                f'<row r="{n}" s="3" customFormat="1">'
                + "".join(f'<c r="{chr(65 + c)}{n}" s="3"/>' for c in range(16)) + "</row>"
                for n in range(start, min(start + 1000, first + rows))).encode()
        yield b"</sheetData></worksheet>"

    return _with_sheet(folder / "formatted_empty_rows.xlsx", sheet())


_ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="urn:oasis:'
    'names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xml'
    'ns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version='
    '"1.2"><office:body><office:spreadsheet><table:table table:name="Charges">{rows}'
    '</table:table></office:spreadsheet></office:body></office:document-content>')


def _ods_row(values: list[object]) -> str:
    cells = []
    for value in values:
        if value is None:
            cells.append("<table:table-cell/>")
        elif isinstance(value, (int, float)):
            cells.append(f'<table:table-cell office:value-type="float" office:value="{value}">'
                         f"<text:p>{value}</text:p></table:table-cell>")
        else:
            cells.append(f'<table:table-cell office:value-type="string"><text:p>{value}'
                         f"</text:p></table:table-cell>")
    return f"<table:table-row>{''.join(cells)}</table:table-row>"


def ods_repeated(folder: Path, *, values: bool = True) -> Path:
    """An OpenDocument spreadsheet of the clean lines and then one row repeated 1,048,000
    times: with ``values`` each of its 200 repeated cells holds 1 (1.5 KB standing for 210
    million cells, which calamine expanded until the process ended); without, the row and
    its cells are only formatted down to the sheet's bottom, as LibreOffice writes them."""
    cell = ('<table:table-cell table:number-columns-repeated="200" office:value-type="float" '
            'office:value="1"/>' if values else
            '<table:table-cell table:style-name="ce1" table:number-columns-repeated="1024"/>')
    rows = "".join(_ods_row(r) for r in [HEADERS, *LINES]) + (
        f'<table:table-row table:number-rows-repeated="1048000">{cell}</table:table-row>')
    path = folder / ("ods_repeated.ods" if values else "ods_formatted.ods")
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oas'
            'is:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-'
            'path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/'
            'xml"/></manifest:manifest>'), compress_type=zipfile.ZIP_DEFLATED)
        package.writestr("content.xml", _ODS_CONTENT.format(rows=rows),
                         compress_type=zipfile.ZIP_DEFLATED)
    return path


#: the sheet of unreferenced_error_cells: rows and cells without references (legal: each
#: follows the one before); #REF! in D3 and #N/A in B5 (row 4 has no reference, row 5 does).
UNREFERENCED = (
    '<row><c t="inlineStr"><is><t>E1</t></is></c><c t="inlineStr"><is><t>2026-10-05</t></is>'
    '</c><c t="inlineStr"><is><t>96365</t></is></c><c><v>1</v></c><c t="inlineStr"><is><t>'
    '10:00</t></is></c><c t="inlineStr"><is><t>11:45</t></is></c><c t="inlineStr"><is><t>'
    'Infliximab</t></is></c></row>'
    '<row><c t="inlineStr"><is><t>E1</t></is></c><c t="inlineStr"><is><t>2026-10-05</t></is>'
    '</c><c t="inlineStr"><is><t>J1745</t></is></c><c t="e"><v>#REF!</v></c><c/><c/><c t='
    '"inlineStr"><is><t>Infliximab</t></is></c></row>'
    '<row/>'
    '<row r="5"><c t="inlineStr"><is><t>E1</t></is></c><c t="e"><v>#N/A</v></c><c t='
    '"inlineStr"><is><t>96375</t></is></c><c><v>1</v></c></row>')


def unreferenced_error_cells(folder: Path) -> Path:
    """Error cells without a reference, in rows without one (placed by order: #REF! in D3,
    #N/A in B5)."""
    sheet = (f"{_SHEET_OPEN}<sheetData>".encode() + _header_row() + UNREFERENCED.encode()
             + b"</sheetData></worksheet>")
    return _with_sheet(folder / "unreferenced_error_cells.xlsx", [sheet])


def csv_past_excel(folder: Path, lines: int = 1_100_000) -> Path:
    """A CSV export of ``lines`` charge lines (past Excel's 1,048,576 rows): the clean
    infusion again and again, each 1,000th encounter a push billed as an infusion."""
    path = folder / "past_excel.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for number in range(lines // 3 + 1):
            stop = "10:05" if number % 1000 == 999 else "11:45"
            for line in LINES:
                row = ["" if v is None else v for v in line]
                row[0] = f"E{number}"
                if row[2] == "96365":
                    row[5] = stop
                writer.writerow(row)
    return path


def wider_csv(folder: Path, value: bool = True) -> Path:
    """The clean and odd lines as a CSV whose header runs past XFD, to column XFK: with a
    note there (no workbook can hold it), or (``value`` False) only empty fields."""
    path = folder / ("wider.csv" if value else "wider_empty.csv")
    with path.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(HEADERS + [""] * (LAST_COLUMN + 6 - len(HEADERS)) + ["Far" if value else ""])
        rows.writerows([["" if v is None else v for v in r] for r in LINES + ODD_LINES])
    return path


BUILDERS: dict[str, Callable[[Path], Path | None]] = {
    "formula_csv": formula_csv,
    "error_cells": error_cells,
    "utf16_csv": utf16_csv,
    "legacy_xls": legacy_xls,
    "opendocument_ods": opendocument_ods,
    "colliding_copies": colliding_copies,
    "wide_sheet": wide_sheet,
    "wide_csv": wide_csv,
    "wider_csv": wider_csv,
    "batch_onto_inputs": batch_onto_inputs,
    "control_characters": control_characters,
    "control_csv": control_csv,
    "quoted_sheet_name": quoted_sheet_name,
    "quoted_csv": quoted_csv,
    "own_issues_sheets": own_issues_sheets,
    "long_findings": long_findings,
    "long_csv": long_csv,
    "zip_bomb_lying": zip_bomb,
    "zip_bomb_honest": lambda folder: zip_bomb(folder, lying=False),
    "far_cell": far_cell,
    "rows_past_excel": rows_past_excel,
    "formatted_empty_rows": formatted_empty_rows,
    "unreferenced_error_cells": unreferenced_error_cells,
    "csv_past_excel": csv_past_excel,
    "ods_repeated": ods_repeated,
    "ods_formatted": lambda folder: ods_repeated(folder, values=False),
}


def _soffice(source: Path, suffix: str, folder: Path) -> Path | None:
    """``source`` converted by LibreOffice to ``suffix`` in ``folder`` (None without it)."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([binary, f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", suffix.lstrip("."), "--outdir", str(folder),
                        str(source)], check=True, capture_output=True, timeout=180)
    made = folder / f"{source.stem}{suffix}"
    return made if made.is_file() else None


def build_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [p for build in BUILDERS.values() if (p := build(folder)) is not None]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("out")
    for made in build_all(target):
        print(made)
