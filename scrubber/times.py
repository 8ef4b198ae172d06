"""Vectorised parsing of the times and dates that charge exports contain.

Every form is turned into text once and read with regular expressions over the whole column:
Excel time fractions (``0.42``), Excel serial datetimes (``46300.42``), ``datetime``/``time``
cells, ``10:05``, ``10:05:00``, ``10:05 AM``, ``1005``, ``2026-10-05 10:05`` and
``10/05/2026 10:05 PM``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MINUTES_PER_DAY = 1440
#: Excel serial numbers below this are not read as dates (1908-03-18); smaller numbers in a
#: time column are typos, not timestamps.
_MIN_SERIAL = 3000
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")

_DATE = r"(?P<date>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})"
_AMPM = r"\s*(?:(?P<ap>[ap])\.?\s*m?\.?)?"
_CLOCK = (rf"^(?:{_DATE}[ t]+)?(?P<h>\d{{1,2}}):(?P<m>\d{{2}})"
          rf"(?::(?P<s>\d{{2}})(?:\.\d+)?)?{_AMPM}$")
_HHMM = rf"^(?P<h>\d{{1,2}})(?P<m>\d{{2}})(?:\.0+)?{_AMPM}$"
_HOUR = r"^(?P<h>\d{1,2})\s*(?P<ap>[ap])\.?\s*m\.?$"
_NUMBER = r"^(?P<num>\d+(?:\.\d+)?(?:e-?\d+)?)$"
_DATE_ONLY = rf"^{_DATE}(?:[ t]+0{{1,2}}:00(?::00)?)?$"
_COMPACT_DATE = r"^(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})$"


#: what exports put in a cell that has nothing to say; read as empty.
PLACEHOLDER = r"(?i)^(?:n/?a|none|null|nil|-+|\?+|\(blank\)|unknown|not documented|tbd)$"


def as_text(values: pd.Series) -> pd.Series:
    """Raw cells as lower-case stripped text (blanks and placeholders become <NA>)."""
    text = values.astype("string").str.strip().str.lower()
    return text.mask((text == "") | text.str.match(PLACEHOLDER).fillna(False))


def parse_times(values: pd.Series) -> pd.DataFrame:
    """Parse a column of time cells.

    Returns:
        A frame on the same index with ``minutes`` (minutes after midnight, float, NaN when
        blank or unreadable), ``date`` (the calendar date when the cell carried one, else NaT),
        ``blank`` (nothing in the cell) and ``bad`` (something in the cell that is not a time).
    """
    text = as_text(values)
    minutes = pd.Series(np.nan, index=values.index, dtype="float64")
    date = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if text.isna().all():  # an absent or empty column: nothing to parse
        return pd.DataFrame({"minutes": minutes, "date": date, "blank": True, "bad": False},
                            index=values.index)

    clock = text.str.extract(_CLOCK)
    hhmm = text.str.extract(_HHMM)
    hour = text.str.extract(_HOUR)
    for parts in (hhmm, hour, clock):  # later patterns win; they are the most specific
        found = _clock_minutes(parts)
        minutes = minutes.mask(found.notna(), found)
    date = date.mask(clock["date"].notna(), _parse_date_text(clock["date"]))
    # a datetime at exactly midnight comes out of some readers as a bare date
    midnight = _parse_date_text(text.str.extract(_DATE_ONLY)["date"])
    minutes = minutes.mask(minutes.isna() & midnight.notna(), 0.0)
    date = date.fillna(midnight)

    number = pd.to_numeric(text.str.extract(_NUMBER)["num"], errors="coerce")
    unread = minutes.isna() & number.notna()
    fraction = unread & (number >= 0) & (number < 1)
    serial = unread & (number >= _MIN_SERIAL)
    seconds = ((number % 1) * 86400).round()
    minutes = minutes.mask(fraction | serial, seconds / 60)
    serial_day = _EXCEL_EPOCH + pd.to_timedelta(number.where(serial).floordiv(1), unit="D")
    date = date.mask(serial, serial_day)

    blank = text.isna()
    return pd.DataFrame({"minutes": minutes.astype("float64"), "date": date,
                         "blank": blank.astype(bool),
                         "bad": (~blank & minutes.isna()).astype(bool)})


def parse_dates(values: pd.Series) -> pd.DataFrame:
    """Parse a column of date cells (date/datetime cells, ISO or US text, Excel serials).

    Returns:
        A frame with ``date`` (NaT when blank or unreadable), ``blank`` and ``bad``.
    """
    text = as_text(values)
    if text.isna().all():  # an absent or empty column: nothing to parse
        return pd.DataFrame({"date": pd.Series(pd.NaT, index=values.index,
                                               dtype="datetime64[ns]"),
                             "blank": True, "bad": False}, index=values.index)
    date = _parse_date_text(text.str.extract(_DATE_ONLY)["date"])
    compact = text.str.extract(_COMPACT_DATE)
    date = date.fillna(_assemble(compact["y"], compact["mo"], compact["d"]))
    number = pd.to_numeric(text.str.extract(_NUMBER)["num"], errors="coerce")
    serial = date.isna() & (number >= _MIN_SERIAL) & (number < 2_958_466)
    serial_day = _EXCEL_EPOCH + pd.to_timedelta(number.where(serial).floordiv(1), unit="D")
    date = date.mask(serial, serial_day)
    blank = text.isna()
    return pd.DataFrame({"date": date, "blank": blank.astype(bool),
                         "bad": (~blank & date.isna()).astype(bool)})


def _clock_minutes(parts: pd.DataFrame) -> pd.Series:
    """Minutes after midnight from extracted h/m/s/am-pm parts (NaN where invalid)."""
    zero = pd.Series("0", index=parts.index)
    h = pd.to_numeric(parts["h"], errors="coerce")
    m = pd.to_numeric(parts.get("m", zero), errors="coerce")
    s = pd.to_numeric(parts.get("s", zero), errors="coerce").fillna(0)
    ap = parts["ap"]
    pm, am = ap.eq("p").fillna(False), ap.eq("a").fillna(False)
    h = h.mask(pm & (h < 12), h + 12).mask(am & (h == 12), 0)
    valid = (m < 60) & (s < 60) & ((h < 24) | ((h == 24) & (m == 0) & (s == 0)))
    valid &= ~((am | pm) & (h > 24))
    return (h * 60 + m + s / 60).where(valid)


def _parse_date_text(text: pd.Series) -> pd.Series:
    """Dates from 'YYYY-MM-DD' or 'M/D/YYYY' (or 'M/D/YY') text; NaT elsewhere."""
    iso = text.str.extract(r"^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})$")
    us = text.str.extract(r"^(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2,4})$")
    us_year = pd.to_numeric(us["y"], errors="coerce")
    us["y"] = us_year.mask(us_year < 100, us_year + 2000)
    us["y"] = us["y"].astype("Int64").astype("string")
    parts = iso.fillna(us)
    return _assemble(parts["y"], parts["mo"], parts["d"])


def _assemble(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """Datetimes from year/month/day text columns; NaT where missing or not a real date."""
    text = (year.astype("string") + "-" + month.astype("string").str.zfill(2) + "-"
            + day.astype("string").str.zfill(2))
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")


def duration_minutes(start: pd.DataFrame, stop: pd.DataFrame, *,
                     max_midnight_gap: float = 720) -> pd.DataFrame:
    """Minutes from start to stop, with midnight crossings resolved.

    When the stop carries a later calendar date than the start, the real difference is used.
    Otherwise a stop earlier than the start is read as crossing midnight only when the result
    is at most ``max_midnight_gap`` minutes (12 hours by default); longer "crossings" are
    almost always swapped or mistyped times.

    Returns:
        A frame with ``minutes`` (NaN when a time is missing or the order is impossible) and
        ``impossible`` (both times present but the order or length cannot be right before the
        24-hour check, which callers apply to ``minutes``).
    """
    both = start["minutes"].notna() & stop["minutes"].notna()
    raw = stop["minutes"] - start["minutes"]
    day_gap = (stop["date"] - start["date"]).dt.days
    dated = both & day_gap.notna() & (day_gap != 0)
    span = raw + day_gap.fillna(0) * MINUTES_PER_DAY
    crossing = both & ~dated & (raw < 0)
    span = span.mask(crossing, raw + MINUTES_PER_DAY)
    impossible = (crossing & (span > max_midnight_gap)) | (dated & (span < 0))
    minutes = span.where(both & ~impossible)
    return pd.DataFrame({"minutes": minutes, "impossible": impossible.astype(bool)})
