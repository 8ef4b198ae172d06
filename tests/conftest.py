"""Shared fixtures: small synthetic workbooks built in a temporary folder."""

from __future__ import annotations

import datetime as dt
import os

# The add-in's tests drive xlwings' own runtime without Excel: its server runtime, under the
# noncommercial licence key. Both are set here, in the test configuration only (never by the
# product), before anything imports xlwings (its decorators read XLWINGS_ON_SERVER on import).
os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
from pathlib import Path

import openpyxl
import pytest
from hypothesis import settings

# No time limits in tests (speed is the benchmark's business): a shared, loaded CI machine must
# not fail a property because one example was slow. No example database in the work tree.
settings.register_profile("scrubber", deadline=None, database=None)
settings.load_profile("scrubber")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

HEADERS = ["Encounter ID", "Patient ID", "Date of Service", "CPT/HCPCS", "Modifier", "Units",
           "Start Time", "Stop Time", "Route", "Drug", "Notes"]
ROWS = [
    ["E100", "SYN001", dt.date(2026, 10, 5), "96365", None, 1, dt.time(10, 0), dt.time(11, 45),
     "IV", "Infliximab", "=F6*2"],
    ["E100", "SYN001", dt.date(2026, 10, 5), "96366", None, 1, None, None, "IV", "Infliximab",
     None],
    ["E100", "SYN001", dt.date(2026, 10, 5), "J1745", None, 40, None, None, None, "Infliximab",
     "lot 7"],
    ["E200", "SYN002", dt.date(2026, 10, 5), 96365, None, 1, "10:00", "10:05", "IV push",
     "Ondansetron", None],
    ["E200", "SYN002", dt.date(2026, 10, 5), "96365", None, 1, "1100", None, "IV",
     "Famotidine", None],
    ["E200", "SYN002", dt.date(2026, 10, 5), "J3490", None, 1, None, None, None, "Famotidine",
     None],
]


def make_workbook(path: Path, rows=ROWS, headers=HEADERS, title_rows=2) -> Path:
    """A small export with title rows, a formula, styles and a second sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Export"
    sheet["A1"] = "Charge export (synthetic)"
    sheet["A1"].font = openpyxl.styles.Font(bold=True, size=14)
    header_row = title_rows + 2
    for col, text in enumerate(headers, start=1):
        sheet.cell(header_row, col, text).font = openpyxl.styles.Font(bold=True)
    for offset, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(header_row + offset, col, value)
            if isinstance(value, dt.time):
                cell.number_format = "hh:mm"
    sheet.cell(header_row + 1, 2).fill = openpyxl.styles.PatternFill("solid", fgColor="FFDDEEFF")
    notes = book.create_sheet("Notes")
    notes["A1"] = "Keep this sheet"
    notes["B2"] = 42
    book.save(path)
    return path


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return make_workbook(tmp_path / "export.xlsx")
