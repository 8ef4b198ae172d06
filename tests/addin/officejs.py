"""Workbook payloads as Office.js sends them to xlwings (Lite and Server), for the tests.

A sheet's cells become JSON values the way the Office.js client serialises them: numbers and
text as they are, an empty cell as ``""``, a date or datetime as ISO text, and a time-only
cell as ISO text on Excel's day zero (``1899-12-30T10:45:00.000Z``). ``xw.Book(json=...)``
then turns the ISO text back into datetimes, exactly as in the real runtimes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import python_calamine
import xlwings as xw


def iso(value: object) -> object:
    """One cell as Office.js sends it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, dt.time):
        return f"1899-12-30T{value.strftime('%H:%M:%S')}.000Z"
    if isinstance(value, dt.timedelta):  # calamine's reading of a duration cell
        return f"1899-12-30T{(dt.datetime(1899, 12, 30) + value).strftime('%H:%M:%S')}.000Z"
    return value


def sheet_values(path: Path, name: str) -> list[list[object]]:
    """A sheet's cells from A1 to its last used cell, as Office.js sends them."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    sheet = book.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=False)
    width = max((len(r) for r in rows), default=1)
    return [[iso(v) for v in r] + [""] * (width - len(r)) for r in rows] or [[""]]


def payload(sheets: dict[str, list[list[object]]], active: int = 0,
            hidden: frozenset[str] = frozenset()) -> dict[str, object]:
    """A book payload with these sheets (name -> rows of Office.js values)."""
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": "charges.xlsx", "active_sheet_index": active, "selection": "A1"},
        "names": [],
        "sheets": [{"name": name, "values": rows, "pictures": [], "tables": [],
                    "visibility": "Hidden" if name in hidden else "Visible"}
                   for name, rows in sheets.items()],
    }


def book_from_file(path: Path) -> xw.Book:
    """The payload of a workbook file's sheets (the first sheet active), as a book."""
    names = python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names
    return xw.Book(json=payload({n: sheet_values(path, n) for n in names}))


def apply(book_json: dict[str, object], actions: list[dict[str, object]]) -> dict[str, object]:
    """The next payload after the client ran ``actions``: values written, sheets added,
    cleared, deleted and hidden. Fills are not part of a payload (Office.js does not send
    them), so they are returned apart by :func:`fills`."""
    data = {**book_json, "sheets": [dict(s, values=[list(r) for r in s["values"]])
                                    for s in book_json["sheets"]]}
    sheets = data["sheets"]
    for action in actions:
        func, position = action["func"], action.get("sheet_position")
        if func == "addSheet":
            index, name = action["args"]
            sheets.insert(index, {"name": name, "values": [[""]], "pictures": [], "tables": [],
                                  "visibility": "Visible"})
        elif func == "setSheetVisibility":
            sheets[position]["visibility"] = action["args"][0]
        elif func in ("sheetClear", "sheetClearContents"):
            sheets[position]["values"] = [[""]]
        elif func == "sheetDelete":
            del sheets[position]
        elif func in ("setValues", "setFormula"):
            _write(sheets[position], action)
        elif func in ("rangeClearContents", "rangeClear"):
            blank = [[""] * action["column_count"] for _ in range(action["row_count"])]
            _write(sheets[position], {**action, "values": blank})
    return data


def _write(sheet: dict[str, object], action: dict[str, object]) -> None:
    values = sheet["values"]
    top, left = action["start_row"], action["start_column"]
    block = action["values"]
    bottom = top + len(block)
    right = left + max(len(r) for r in block)
    width = max(len(values[0]) if values else 0, right)
    while len(values) < bottom:
        values.append([""] * width)
    for row in values:
        row.extend([""] * (width - len(row)))
    for i, row in enumerate(block):
        for j, value in enumerate(row):
            values[top + i][left + j] = "" if value is None else value


def fills(actions: list[dict[str, object]], position: int) -> dict[tuple[int, int], object]:
    """(row, column) -> the fill set there (1-based; None: no fill) by setRangeColors and
    setRangeColor actions on one sheet, in order."""
    out: dict[tuple[int, int], object] = {}
    for action in actions:
        if action.get("sheet_position") != position:
            continue
        if action["func"] == "setRangeColors":
            for i, row in enumerate(action["args"][0]):
                for j, colour in enumerate(row):
                    if colour != "keep":
                        out[(action["start_row"] + i + 1, action["start_column"] + j + 1)] = \
                            colour
        elif action["func"] == "setRangeColor":
            for i in range(action["row_count"]):
                for j in range(action["column_count"]):
                    out[(action["start_row"] + i + 1, action["start_column"] + j + 1)] = \
                        action["args"][0]
    return out
