"""Vectorised parsing of the times and dates that charge exports contain.

Every form is turned into text once and read with regular expressions over the whole column:
Excel time fractions (``0.42``), Excel serial datetimes (``46300.42``), ``datetime``/``time``
cells, ``10:05``, ``10:05:00``, ``10:05 AM``, ``1005``, ``2026-10-05 10:05`` and
``10/05/2026 10:05 PM``.

The parsers are total: whatever a cell holds (a date in year 9999, an epoch in milliseconds,
``inf``, a bool, ``#REF!``), they return a value or a ``bad`` flag and never raise. Dates are
read only inside :data:`PLAUSIBLE_YEARS`; outside it a date is a placeholder, not a day of
care (see :data:`PLAUSIBLE_YEARS`), and the window also keeps every date inside pandas'
nanosecond range (1677-2262), so the ``datetime64[ns]`` columns never overflow.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from scrubber.distinct import per_value
from scrubber.io.error_cells import ERROR_TEXTS
from scrubber.strings import extract

MINUTES_PER_DAY = 1440
#: The first and last year a charge line's date can plausibly fall in. Dates outside are the
#: "no date" values systems write (0001-01-01 from .NET, 1899-12-30 Excel's day zero,
#: 9999-12-31 "open-ended", 2999-12-31) or typos, never a day a patient was treated. A date of
#: service outside is ``bad`` and ``implausible``; in a time cell an earlier date is a
#: system's day zero (the time of day is what the cell means) and a later one is ``bad``.
PLAUSIBLE_YEARS = (1900, 2099)
#: Excel serial numbers below this are not read as dates (1908-03-18); smaller numbers in a
#: time column are typos, not timestamps.
_MIN_SERIAL = 3000
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: the serial of the day after the plausible window (2100-01-01) and after 9999-12-31: serials
#: in between are real but implausible dates; larger numbers are not dates at all.
_END_SERIAL = (pd.Timestamp(f"{PLAUSIBLE_YEARS[1] + 1}-01-01") - _EXCEL_EPOCH).days
_MAX_SERIAL = 2_958_466
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

_DATE = r"(?P<date>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})"
_AMPM = r"\s*(?:(?P<ap>[ap])\.?\s*m?\.?)?"
#: a UTC offset after a timestamp ('+00:00', 'Z'): the wall-clock time as written is kept.
_ZONE = r"(?:\s*(?:z|utc|[+-]\d{2}:?\d{2}))?"
_CLOCK = (rf"^(?:{_DATE}[ t]+|0 days )?(?P<h>\d{{1,2}}):(?P<m>\d{{2}})"
          rf"(?::(?P<s>\d{{2}})(?:\.\d+)?)?{_AMPM}{_ZONE}$")
_HHMM = rf"^(?P<h>\d{{1,2}})(?P<m>\d{{2}})(?:\.0+)?{_AMPM}$"
_HOUR = r"^(?P<h>\d{1,2})\s*(?P<ap>[ap])\.?\s*m\.?$"
_NUMBER = r"^(?P<num>\d+(?:\.\d+)?(?:e-?\d+)?)$"
_DATE_ONLY = rf"^{_DATE}(?:[ t]+0{{1,2}}:00(?::00(?:\.0+)?)?{_ZONE})?$"
#: a date with any time of day: a date of service given as a timestamp is still its date.
_DATE_TIME = rf"^{_DATE}(?:[ t]+\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?{_AMPM}{_ZONE})?$"
_COMPACT_DATE = r"^(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})$"


#: what exports put in a cell that has nothing to say, and Excel's error values (#REF!, #N/A:
#: the error-cell rule reports them), which hold no value either; read as empty.
PLACEHOLDER = (r"(?i)^(?:n/?a|none|null|nil|-+|\?+|\(blank\)|unknown|not documented|tbd|"
               + "|".join(re.escape(text) for text in ERROR_TEXTS) + ")$")


@per_value
def as_text(values: pd.Series) -> pd.Series:
    """Raw cells as lower-case stripped text (blanks and placeholders become <NA>)."""
    text = values.astype("string").str.strip().str.lower()
    return text.mask((text == "") | text.str.match(PLACEHOLDER).fillna(False))


@per_value
def parse_times(values: pd.Series) -> pd.DataFrame:
    """Parse a column of time cells.

    Returns:
        A frame on the same index with ``minutes`` (minutes after midnight, float, NaN when
        blank or unreadable), ``date`` (the calendar date when the cell carried one, else NaT),
        ``blank`` (nothing in the cell), ``bad`` (something in the cell that is not a time)
        and ``implausible`` (bad because it carries a date after :data:`PLAUSIBLE_YEARS`,
        such as 9999-12-31 23:59).
    """
    text = as_text(values)
    minutes = pd.Series(np.nan, index=values.index, dtype="float64")
    if text.isna().all():  # an absent or empty column: nothing to parse
        return pd.DataFrame({"minutes": minutes, "date": _no_dates(values.index), "blank": True,
                             "bad": False, "implausible": False}, index=values.index)

    clock = extract(text, _CLOCK)
    hhmm = extract(text, _HHMM)
    hour = extract(text, _HOUR)
    for parts in (hhmm, hour, clock):  # later patterns win; they are the most specific
        found = _clock_minutes(parts)
        minutes = minutes.mask(found.notna(), found)
    # a datetime at exactly midnight comes out of some readers as a bare date
    bare = extract(text, _DATE_ONLY)["date"]
    day = _read_dates(clock["date"].fillna(bare))
    minutes = minutes.mask(minutes.isna() & bare.notna() & day["readable"], 0.0)
    date = day["date"]

    number = _number(text)
    unread = minutes.isna() & number.notna()
    fraction = unread & (number >= 0) & (number < 1)
    serial = _serial(number.where(unread))
    seconds = ((number % 1) * 86400).round()
    minutes = minutes.mask(fraction | serial["date"].notna(), seconds / 60)
    date = date.mask(serial["date"].notna(), serial["date"])

    late = day["late"] | serial["late"]
    minutes = minutes.mask(late)
    blank = text.isna()
    return pd.DataFrame({"minutes": minutes.astype("float64"), "date": date,
                         "blank": blank.astype(bool),
                         "bad": (~blank & minutes.isna()).astype(bool),
                         "implausible": late.astype(bool)})


@per_value
def parse_dates(values: pd.Series) -> pd.DataFrame:
    """Parse a column of date cells (date/datetime cells, ISO or US text, Excel serials).

    Returns:
        A frame with ``date`` (NaT when blank, unreadable or implausible), ``blank``, ``bad``
        and ``implausible`` (bad because it is a real date outside :data:`PLAUSIBLE_YEARS`,
        such as 9999-12-31 or 0001-01-01).
    """
    text = as_text(values)
    if text.isna().all():  # an absent or empty column: nothing to parse
        return pd.DataFrame({"date": _no_dates(values.index), "blank": True, "bad": False,
                             "implausible": False}, index=values.index)
    found = _read_dates(extract(text, _DATE_TIME)["date"])
    compact = extract(text, _COMPACT_DATE)
    found = found.where(found["readable"], _calendar(compact["y"], compact["mo"], compact["d"]))
    serial = _serial(_number(text).where(~found["readable"]))
    found = found.where(found["readable"], serial)
    blank = text.isna()
    implausible = found["early"] | found["late"]
    return pd.DataFrame({"date": found["date"].astype("datetime64[ns]"),
                         "blank": blank.astype(bool),
                         "bad": (~blank & found["date"].isna()).astype(bool),
                         "implausible": implausible.astype(bool)})


def _no_dates(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")


def _number(text: pd.Series) -> pd.Series:
    """Cells that are plain non-negative numbers, as finite floats (NaN elsewhere)."""
    number = pd.to_numeric(extract(text, _NUMBER)["num"], errors="coerce")
    number = number.astype("float64")
    return number.where(np.isfinite(number))


def _clock_minutes(parts: pd.DataFrame) -> pd.Series:
    """Minutes after midnight from extracted h/m/s/am-pm parts (NaN where invalid)."""
    zero = pd.Series(0.0, index=parts.index)
    # the groups hold ASCII digits only (or nothing): a plain cast reads them
    h = parts["h"].astype("float64")
    m = parts["m"].astype("float64") if "m" in parts else zero
    s = parts["s"].astype("float64").fillna(0) if "s" in parts else zero
    ap = parts["ap"]
    pm, am = ap.eq("p").fillna(False), ap.eq("a").fillna(False)
    h = h.mask(pm & (h < 12), h + 12).mask(am & (h == 12), 0)
    valid = (m < 60) & (s < 60) & ((h < 24) | ((h == 24) & (m == 0) & (s == 0)))
    valid &= ~((am | pm) & (h > 24))
    return (h * 60 + m + s / 60).where(valid)


def _read_dates(text: pd.Series) -> pd.DataFrame:
    """Dates from 'YYYY-MM-DD' or 'M/D/YYYY' (or 'M/D/YY') text; see :func:`_calendar`."""
    parts = extract(text, r"^(?:(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
                             r"|(?P<um>\d{1,2})/(?P<ud>\d{1,2})/(?P<uy>\d{2,4}))$")
    parts = parts.astype("float64")  # the groups hold digits only
    us_year = parts["uy"].mask(parts["uy"] < 100, parts["uy"] + 2000)
    return _calendar(parts["iy"].fillna(us_year), parts["im"].fillna(parts["um"]),
                     parts["id"].fillna(parts["ud"]))


def _calendar(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.DataFrame:
    """Dates from year/month/day parts (text or numbers).

    Returns:
        A frame with ``date`` (NaT unless a real date inside :data:`PLAUSIBLE_YEARS`),
        ``early`` and ``late`` (a real calendar date before or after the window) and
        ``readable`` (a real calendar date, plausible or not).
    """
    y, m, d = (pd.to_numeric(p, errors="coerce").astype("float64").to_numpy()
               for p in (year, month, day))
    with np.errstate(invalid="ignore"):
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        month_ok = (m >= 1) & (m <= 12)
        length = _MONTH_DAYS[np.where(month_ok, m, 1).astype(int) - 1] + (month_ok & (m == 2)
                                                                           & leap)
        real = (y >= 1) & month_ok & (d >= 1) & (d <= length)
    early, late = real & (y < PLAUSIBLE_YEARS[0]), real & (y > PLAUSIBLE_YEARS[1])
    inside = real & ~early & ~late
    # inside the window every date is a valid datetime64[ns]; elsewhere a harmless stand-in
    months = (np.where(inside, y, 2000).astype(int) - 1970) * 12 + np.where(inside, m, 1) - 1
    days = (months.astype("datetime64[M]").astype("datetime64[D]")
            + (np.where(inside, d, 1).astype(int) - 1))
    date = pd.Series(days.astype("datetime64[ns]"), index=year.index).where(inside)
    index = year.index
    return pd.DataFrame({"date": date, "early": pd.Series(early, index=index),
                         "late": pd.Series(late, index=index),
                         "readable": pd.Series(real, index=index)})


def _serial(number: pd.Series) -> pd.DataFrame:
    """Excel serial dates (day 1 = 1900-01-01), in the shape :func:`_calendar` returns."""
    real = (number >= _MIN_SERIAL) & (number < _MAX_SERIAL)
    late = real & (number >= _END_SERIAL)
    inside = real & ~late
    days = pd.to_timedelta(number.where(inside).floordiv(1), unit="D")
    date = (_EXCEL_EPOCH + days).astype("datetime64[ns]")
    return pd.DataFrame({"date": date, "early": False, "late": late, "readable": real})


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
