"""Build the corpus of bad, odd and hostile input files (issue 13).

Every file is made here from code, never stored as an opaque blob:
``python tests/data/bad/make_bad.py [FOLDER]`` writes them all (to ``tests/data/bad/out`` by
default), and the tests call the builders one by one into a temporary folder. LibreOffice
(``soffice --headless``) converts the legacy ``.xls`` and OpenDocument ``.ods`` cases; the
builders that need it return None when it is not installed.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
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


BUILDERS: dict[str, Callable[[Path], Path | None]] = {
    "formula_csv": formula_csv,
    "error_cells": error_cells,
    "utf16_csv": utf16_csv,
    "legacy_xls": legacy_xls,
    "opendocument_ods": opendocument_ods,
    "colliding_copies": colliding_copies,
    "wide_sheet": wide_sheet,
    "wide_csv": wide_csv,
    "batch_onto_inputs": batch_onto_inputs,
    "control_characters": control_characters,
    "control_csv": control_csv,
    "quoted_sheet_name": quoted_sheet_name,
    "quoted_csv": quoted_csv,
    "own_issues_sheets": own_issues_sheets,
    "long_findings": long_findings,
    "long_csv": long_csv,
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
