"""Worksheet coordinates as the user sees them, and cell values as text."""

from __future__ import annotations

import datetime as dt
import math


def column_letter(position: int) -> str:
    """Excel column letter of a 0-based column position (0 -> 'A', 26 -> 'AA')."""
    if position < 0:
        raise ValueError(f"column position must be >= 0, not {position}")
    letters = ""
    number = position + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def display_value(value: object) -> str | None:
    """A cell value as the user would read it; None for an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M" + (":%S" if value.second else ""))
    if isinstance(value, dt.time):
        return value.strftime("%H:%M" + (":%S" if value.second else ""))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return repr(value) if abs(value) < 1e15 else f"{value:g}"
    text = str(value)
    stripped = text.strip()
    if stripped[:1] in _FORMULA_SIGNS and text[:1] != stripped[:1]:
        # quoted as it is: trimmed, a cell such as "\t=1+1" would read as the formula "=1+1"
        return text.rstrip()
    return stripped or None


#: what a spreadsheet runs as a formula at the start of a cell.
_FORMULA_SIGNS = frozenset("=+-@")
