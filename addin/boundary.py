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

#: Excel's day zero: a time-only cell is a datetime on this date.
DAY_ZERO = dt.date(1899, 12, 30)
_EPOCH = dt.datetime(1899, 12, 30)
_ISO_DAY_ZERO = re.compile(r"^1899-12-(?:30|31)[T ](\d{1,2}:\d{2}(?::\d{2})?)")
_TRUE = frozenset({"true", "yes", "y", "1", "x", "wahr", "vrai"})
_FALSE = frozenset({"false", "no", "n", "0", "falsch", "faux"})
#: the largest Excel serial (9999-12-31).
_MAX_SERIAL = 2_958_466
#: the smallest serial read as a date and time (1908): below it a number is a typed clock
#: time or a typo, as in the scrubber's own time parser.
_MIN_SERIAL = 3000


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

    Serial numbers below 1 are times of day; larger ones carry a date, and must carry a time
    too (a whole number is a date cell, not a start or stop). A whole number that reads as
    a 24-hour clock (``1045``, typed into a number cell) is that time, as the scrubber reads
    it in a sheet. A datetime on Excel's day zero (a time-only cell) is its time of day.
    ``None`` for an empty cell.
    """
    value = scalar(value, name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellInputError(f"{name}: expects a time, got {str(value).upper()}")
    if isinstance(value, (int, float)):
        number = float(value)
        if number.is_integer() and 100 <= number < _MIN_SERIAL:
            return _clock(int(number), name)
        return _serial(number, name)
    if isinstance(value, dt.datetime):
        return value.time() if value.date() == DAY_ZERO else value
    if isinstance(value, dt.date):
        raise CellInputError(f"{name}: {value.isoformat()} is a date without a time of day")
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


def _clock(number: int, name: str) -> str:
    """A whole number as a 24-hour clock (1045 -> '1045', which the core reads as 10:45)."""
    hours, minutes = divmod(number, 100)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise CellInputError(f"{name}: {number} is neither a time (hhmm) nor an Excel date "
                             f"and time")
    return f"{number:04d}"


def _serial(number: float, name: str) -> dt.time | dt.datetime:
    if not math.isfinite(number) or number < 0 or number >= _MAX_SERIAL or \
            1 <= number < _MIN_SERIAL:
        raise CellInputError(f"{name}: {number:g} is not an Excel date or time")
    if number.is_integer() and number >= 1:
        moment = _EPOCH + dt.timedelta(days=number)
        raise CellInputError(f"{name}: {moment.date().isoformat()} is a date without a time "
                             f"of day")
    moment = _EPOCH + dt.timedelta(seconds=round(number * 86400))
    return moment.time() if number < 1 else moment

