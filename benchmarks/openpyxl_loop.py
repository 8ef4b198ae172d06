"""The baseline: the four original checks as a billing analyst would script them in openpyxl.

    python benchmarks/openpyxl_loop.py export.xlsx checked.xlsx

Open the workbook, loop over the rows, fill the rows with a problem red and write what is wrong
in a new column, save a copy. The four checks are the card the tool started from:

1. missing times: an initial infusion or hydration line without a start or a stop time (the
   hourly add-ons usually leave theirs blank);
2. push billed as infusion: an infusion code whose route is a push or that lasted 15 minutes or
   less;
3. missing J-code: an encounter with administration codes but no drug (J) code;
4. duplicate initial: more than one initial administration code in an encounter.

Deliberately plain code, with no attempt at speed: it is what ``bench.py`` compares the
scrubber with. It reads the header names the generated exports use (``samples/generate.py``).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import defaultdict

import openpyxl
from openpyxl.styles import PatternFill

TIMED = {"96360", "96365", "96367", "96368", "96369", "96413", "96416", "96417", "96422"}
INFUSIONS = {"96360", "96361", "96365", "96366", "96367", "96368", "96413", "96415", "96417"}
INITIALS = {"96360", "96365", "96369", "96374", "96409", "96413"}
RED = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")


def to_minutes(value):
    """Minutes after midnight of whatever the export put in a time cell, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.hour * 60 + value.minute
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    if isinstance(value, (int, float)):
        return round((value % 1) * 1440)
    text = str(value).strip().upper()
    if " " in text and "-" in text:  # 2026-10-09 09:31
        text = text.split(" ")[1]
    pm = text.endswith("PM")
    text = text.replace("AM", "").replace("PM", "").strip()
    try:
        if ":" in text:
            parts = text.split(":")
            hours, minutes = int(parts[0]), int(parts[1])
        else:
            hours, minutes = int(text[:-2] or 0), int(text[-2:])
    except ValueError:
        return None
    if pm and hours < 12:
        hours += 12
    return hours * 60 + minutes


def main(source, target):
    book = openpyxl.load_workbook(source)
    sheet = book.active
    header_row = None
    for row in sheet.iter_rows(min_row=1, max_row=20):
        if any(cell.value == "Encounter ID" for cell in row):
            header_row = row[0].row
            break
    columns = {cell.value: cell.column - 1 for cell in sheet[header_row] if cell.value}
    enc, code_col = columns["Encounter ID"], columns["CPT/HCPCS"]
    start_col, stop_col, route_col = (columns["Start Time"], columns["Stop Time"],
                                      columns["Route"])
    notes_col = sheet.max_column + 1
    sheet.cell(header_row, notes_col, "Problems")

    # first pass: what each encounter holds
    has_drug = defaultdict(bool)
    initials_seen = defaultdict(int)
    for row in sheet.iter_rows(min_row=header_row + 1):
        code = str(row[code_col].value or "").strip()
        encounter = row[enc].value
        if code.startswith("J"):
            has_drug[encounter] = True

    # second pass: check each line, fill it and say why
    problems_found = 0
    for row in sheet.iter_rows(min_row=header_row + 1):
        code = str(row[code_col].value or "").strip()
        encounter = row[enc].value
        start = to_minutes(row[start_col].value)
        stop = to_minutes(row[stop_col].value)
        route = str(row[route_col].value or "").lower().replace("/", " ").split()
        problems = []
        if code in TIMED and (start is None or stop is None):
            problems.append("missing start or stop time")
        if code in INFUSIONS:
            minutes = None
            if start is not None and stop is not None:
                minutes = (stop - start) % 1440
            pushed = "push" in route or "ivp" in route or "bolus" in route
            if pushed or (minutes is not None and minutes <= 15):
                problems.append("push billed as infusion")
        if (code.startswith("963") or code.startswith("964")) and not has_drug[encounter]:
            problems.append("no J-code in the encounter")
        if code in INITIALS:
            initials_seen[encounter] += 1
            if initials_seen[encounter] > 1:
                problems.append("second initial code in the encounter")
        if problems:
            problems_found += 1
            for cell in row:
                cell.fill = RED
            sheet.cell(row[0].row, notes_col, "; ".join(problems))
    book.save(target)
    print(f"{problems_found} rows with problems")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
