"""The one place where Excel's values become the core's types.

Each runtime hands Excel values over differently:

- xlwings Lite and xlwings Server (Office.js): a cell function's date or time arrives as an
  Excel serial number (``0.4479`` for 10:45, ``46300.4479`` with a date); a workbook's cells
  arrive as ISO text that xlwings turns into ``datetime`` values, a time-only cell into
  ``1899-12-30 10:45`` (Excel's day zero); an empty cell is ``""`` or ``None``.
- the classic add-in (COM): ``datetime`` values, a time-only cell again on 1899-12-30.
- anywhere: text such as ``10:45`` or ``10:45 AM``, a range where one cell was expected (as a
  list), and booleans or numbers where text was expected.

A time-only cell is a time of day, never a date in 1899: :func:`time_value` and :func:`grid`
turn Excel's day zero into a ``datetime.time``, so a stop at 01:00 after a start at 23:00
still crosses midnight. Everything that cannot be read raises :class:`CellInputError` with a
short message, which Excel shows as ``#VALUE!``; no traceback reaches a cell.

No xlwings import: these are plain values in, plain values out.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence

#: Excel's day zero: a time-only cell is a datetime on this date.
DAY_ZERO = dt.date(1899, 12, 30)
_EPOCH = dt.datetime(1899, 12, 30)
_ISO_DAY_ZERO = re.compile(r"^1899-12-(?:30|31)[T ](\d{1,2}:\d{2}(?::\d{2})?)")
_TRUE = frozenset({"true", "yes", "y", "1", "x", "wahr", "vrai"})
_FALSE = frozenset({"false", "no", "n", "0", "falsch", "faux"})
#: the largest Excel serial (9999-12-31).
_MAX_SERIAL = 2_958_466


class CellInputError(ValueError):
    """A cell function's argument cannot be read; the message is what the user sees."""


def scalar(value: object, name: str) -> object:
    """One cell's value: a 1x1 range unwrapped, a larger range refused."""
    while isinstance(value, (list, tuple)):
        cells = [v for row in value for v in (row if isinstance(row, (list, tuple)) else [row])]
        if len(cells) != 1:
            raise CellInputError(f"{name}: expects one cell, got a range of {len(cells)} cells")
        value = cells[0]
    return None if value == "" else value


def time_value(value: object, name: str) -> dt.time | dt.datetime | str | None:
    """A start or stop as the core reads it: a time of day, a datetime, or text to parse.

    Serial numbers below 1 are times of day; larger ones carry a date. A datetime on Excel's
    day zero (a time-only cell) is its time of day. ``None`` for an empty cell.
    """
    value = scalar(value, name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellInputError(f"{name}: expects a time, got {str(value).upper()}")
    if isinstance(value, (int, float)):
        return _serial(float(value), name)
    if isinstance(value, dt.datetime):
        return value.time() if value.date() == DAY_ZERO else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, dt.time):
        return value
    text = str(value).strip()
    found = _ISO_DAY_ZERO.match(text)
    return found.group(1) if found else (text or None)


def bool_value(value: object, name: str, default: bool) -> bool:
    """TRUE/FALSE as Excel, text (yes/no) or a number gives it; the default when empty."""
    value = scalar(value, name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellInputError(f"{name}: expects TRUE or FALSE, got {str(value)[:30]!r}")


def text_value(value: object, name: str, default: str = "") -> str:
    """A text argument (a number is written as Excel shows it: 96365, not 96365.0)."""
    value = scalar(value, name)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def number_value(value: object, name: str) -> float:
    """A finite number (or text that is one)."""
    value = scalar(value, name)
    if isinstance(value, bool) or value is None:
        raise CellInputError(f"{name}: expects a number")
    try:
        number = float(str(value).replace(",", "")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise CellInputError(f"{name}: expects a number, got {str(value)[:30]!r}") from None
    if not math.isfinite(number):
        raise CellInputError(f"{name}: expects a finite number")
    return number


def grid(values: object) -> list[list[object]]:
    """A range's values as rows of cells the core reads like a file's.

    ``""`` becomes ``None`` (an empty cell); a datetime on Excel's day zero becomes its time
    of day, as a time-only cell reads from a file. Serial numbers stay numbers: the core reads
    a fraction in a time column as a time and a serial in a date column as a date.
    """
    if not isinstance(values, (list, tuple)):
        return [[_cell(values)]]
    rows = list(values)
    if rows and not any(isinstance(r, (list, tuple)) for r in rows):
        rows = [rows]  # one row handed over as a flat list
    return [[_cell(v) for v in (r if isinstance(r, (list, tuple)) else [r])] for r in rows]


def _cell(value: object) -> object:
    if value == "" or value is None:
        return None
    if isinstance(value, dt.datetime) and value.date() == DAY_ZERO:
        return value.time()
    return value


def _serial(number: float, name: str) -> dt.time | dt.datetime:
    if not math.isfinite(number) or number < 0 or number >= _MAX_SERIAL:
        raise CellInputError(f"{name}: {number:g} is not an Excel date or time")
    moment = _EPOCH + dt.timedelta(seconds=round(number * 86400))
    return moment.time() if number < 1 else moment


def is_grid(value: object) -> bool:
    """Whether a value is a range of more than one cell (rows of cells)."""
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 1
