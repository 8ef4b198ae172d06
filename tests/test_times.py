"""Time arithmetic: every export form parses to the same minute; boundaries hold."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scrubber import Config, scrub
from scrubber.times import (
    PLACEHOLDER,
    PLAUSIBLE_YEARS,
    duration_minutes,
    parse_dates,
    parse_times,
)

minutes_of_day = st.integers(min_value=0, max_value=1439)


def _forms(minute: int) -> list[object]:
    h, m = divmod(minute, 60)
    clock = dt.time(h, m)
    twelve = clock.strftime("%I:%M %p")
    return [f"{h:02d}:{m:02d}", f"{h}:{m:02d}:00", twelve, twelve.lstrip("0").lower(),
            f"{h:02d}{m:02d}", int(f"{h}{m:02d}") if h else None, clock,
            dt.datetime(2026, 10, 5, h, m), minute / 1440, f"2026-10-05 {h:02d}:{m:02d}",
            f"10/05/2026 {twelve}", f"2026-10-05T{h:02d}:{m:02d}:00"]


@given(minutes_of_day)
def test_every_form_reads_as_the_same_minute(minute):
    forms = [f for f in _forms(minute) if f is not None]
    parsed = parse_times(pd.Series(forms, dtype=object))
    assert not parsed["bad"].any()
    assert parsed["minutes"].round(6).tolist() == [float(minute)] * len(forms)


@given(st.text(alphabet="abcxyz!?#", min_size=1, max_size=6))
def test_text_that_is_not_a_time_is_bad_not_blank(text):
    assume(not re.match(PLACEHOLDER, text))
    parsed = parse_times(pd.Series([text], dtype=object))
    assert parsed["bad"].tolist() == [True]


def test_out_of_range_clock_values_are_bad():
    parsed = parse_times(pd.Series(["25:00", "10:60", "99:00 PM", "2401", "24:01"], dtype=object))
    assert parsed["bad"].tolist() == [True, True, True, True, True]


def test_a_bare_date_in_a_time_column_is_midnight_of_that_day():
    """Readers hand back a datetime at exactly 00:00 as a date."""
    span = _span(dt.datetime(2026, 10, 19, 23, 0), dt.date(2026, 10, 20))
    assert span["minutes"].tolist() == [60.0]


def test_blank_cells_and_placeholders_are_blank():
    parsed = parse_times(pd.Series([None, "", "   ", "N/A", "n/a", "--", "?", "NULL"],
                                   dtype=object))
    assert parsed["blank"].all() and not parsed["bad"].any()


def _span(start, stop):
    return duration_minutes(parse_times(pd.Series([start], dtype=object)),
                            parse_times(pd.Series([stop], dtype=object)))


@given(minutes_of_day, st.integers(min_value=0, max_value=720))
def test_crossings_up_to_twelve_hours_are_continuous_time(start, length):
    stop = (start + length) % 1440
    span = _span(f"{start // 60:02d}:{start % 60:02d}", f"{stop // 60:02d}:{stop % 60:02d}")
    assert span["minutes"].tolist() == [float(length)]
    assert not span["impossible"].any()


@given(minutes_of_day, st.integers(min_value=1, max_value=719))
def test_a_stop_that_would_cross_more_than_twelve_hours_is_impossible(start, back):
    """A stop ``back`` minutes before the start would be a crossing of 1440 - back > 720."""
    stop = start - back
    if stop < 0:  # keep the stop on the same clock day, earlier than the start
        return
    span = _span(f"{start // 60:02d}:{start % 60:02d}", f"{stop // 60:02d}:{stop % 60:02d}")
    assert span["impossible"].tolist() == [True]


def test_dated_times_use_the_real_difference():
    span = _span(dt.datetime(2026, 10, 5, 9, 0), dt.datetime(2026, 10, 6, 10, 0))
    assert span["minutes"].tolist() == [1500.0]


def test_dates_in_every_form():
    dates = parse_dates(pd.Series(["2026-10-05", "10/5/2026", "10/05/26", dt.date(2026, 10, 5),
                                   dt.datetime(2026, 10, 5), 46300, "20261005"], dtype=object))
    assert not dates["bad"].any()
    assert dates["date"].iloc[0] == pd.Timestamp("2026-10-05")
    assert dates["date"].iloc[5] == pd.Timestamp("2026-10-05")


@settings(deadline=None, max_examples=40)
@given(st.integers(min_value=1, max_value=240))
def test_push_boundary_follows_the_configured_threshold(minutes):
    frame = pd.DataFrame({"Encounter ID": ["E1"], "CPT": ["96365"], "Route": ["IV"],
                          "Start Time": ["10:00"],
                          "Stop Time": [f"{10 + minutes // 60}:{minutes % 60:02d}"]})
    for threshold in (15, 30):
        findings = scrub(frame, Config(select=("INF003",), push_max_minutes=threshold)).findings
        assert (len(findings) == 1) == (minutes <= threshold)


# Values far out of range: the parsers are total (a value or a ``bad`` flag, never a raise).

ODD_CELLS = [
    dt.datetime(9999, 12, 31), dt.datetime(9999, 12, 31, 23, 59), dt.date(1, 1, 1),
    dt.datetime(1, 1, 1, 10, 0), pd.Timestamp("2262-04-11"), pd.Timestamp("1677-09-22"),
    pd.NaT, dt.time(23, 59, 59, 999999), 1709337600000, -1709337600000, 10**30, 1e300,
    -5, -0.5, float("nan"), float("inf"), float("-inf"), True, False, 0, 1, 2958465,
    2958466, 1e-300, "1e400", "#REF!", "#VALUE!", "[x]", "9999-12-31", "0000-00-00",
    "99991231", "12/31/9999", "", "\x00", "10:45 AM", "25:99", "0 days 10:05:00",
    pd.Timedelta(minutes=605), dt.timedelta(days=3), b"10:05", ["10:05"], {"h": 10},
    complex(1, 2),
]


@pytest.mark.parametrize("parse", [parse_times, parse_dates])
def test_odd_cells_give_a_value_or_a_bad_flag(parse):
    parsed = parse(pd.Series(ODD_CELLS, dtype=object))
    assert parsed["date"].dtype == "datetime64[ns]"
    assert parsed["bad"].dtype == bool and parsed["blank"].dtype == bool
    read = parsed["minutes"].notna() if parse is parse_times else parsed["date"].notna()
    assert (read | parsed["blank"] | parsed["bad"]).all()
    assert not (read & parsed["bad"]).any()


cells = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(), st.times(), st.timedeltas(),
    st.from_regex(r"\d{1,5}[-/:. ]\d{1,4}([-/:. ]\d{1,4})?( ?[ap]m)?", fullmatch=True),
)


@settings(deadline=None, max_examples=60, derandomize=True, database=None)
@given(st.lists(cells, min_size=1, max_size=8))
def test_no_cell_makes_the_parsers_raise(values):
    series = pd.Series(values, dtype=object)
    times, dates = parse_times(series), parse_dates(series)
    assert times["minutes"].dtype == "float64" and times["date"].dtype == "datetime64[ns]"
    assert ((times["minutes"] >= 0) & (times["minutes"] <= 1440)).where(
        times["minutes"].notna(), True).all()
    assert (dates["bad"] == (~dates["blank"] & dates["date"].isna())).all()
    assert not (dates["implausible"] & ~dates["bad"]).any()


def test_a_date_of_service_outside_the_plausible_years_is_a_flagged_placeholder():
    cells = [dt.datetime(9999, 12, 31), "9999-12-31", dt.date(1, 1, 1), "12/31/9999",
             2958465, "2100-01-01", "1899-12-31"]
    dates = parse_dates(pd.Series(cells, dtype=object))
    assert dates["bad"].all() and dates["implausible"].all() and dates["date"].isna().all()


def test_the_plausible_years_are_read_to_their_edges():
    assert PLAUSIBLE_YEARS == (1900, 2099)
    dates = parse_dates(pd.Series(["1900-01-01", "2099-12-31", 73050, "12/31/2099"],
                                  dtype=object))
    assert not dates["bad"].any()
    assert dates["date"].tolist() == [pd.Timestamp("1900-01-01")] + [
        pd.Timestamp("2099-12-31")] * 3


def test_unreadable_dates_are_bad_but_not_placeholders():
    dates = parse_dates(pd.Series(["2026-13-45", "2026-02-29", "0000-00-00", "soon",
                                   1709337600000, 2958466, "#REF", -46300], dtype=object))
    assert dates["bad"].all() and not dates["implausible"].any()


def test_a_date_of_service_with_a_time_of_day_is_its_date():
    dates = parse_dates(pd.Series([dt.datetime(2026, 10, 5, 14, 30), "10/05/2026 2:30 PM",
                                   pd.Timestamp("2026-10-05 14:30", tz="UTC")], dtype=object))
    assert dates["date"].tolist() == [pd.Timestamp("2026-10-05")] * 3


def test_an_epoch_number_in_a_time_column_is_bad():
    """1709337600000 is 2024-03-02 in epoch milliseconds, not an Excel time or date."""
    parsed = parse_times(pd.Series([1709337600000, 1709337600, -0.5, 1e300], dtype=object))
    assert parsed["bad"].all() and parsed["minutes"].isna().all()
    assert not parsed["implausible"].any()


def test_a_timestamp_dated_after_the_plausible_years_is_a_bad_time():
    """9999-12-31 23:59 is a system's "not stopped yet", not a stop at 23:59."""
    parsed = parse_times(pd.Series([dt.datetime(9999, 12, 31, 23, 59), "2100-01-01 10:00",
                                    2958465.5], dtype=object))
    assert parsed["bad"].all() and parsed["implausible"].all()


def test_a_time_on_a_system_day_zero_is_its_time_of_day():
    """Excel's 1899-12-30 and .NET's 0001-01-01 carry a time with no date."""
    parsed = parse_times(pd.Series([dt.datetime(1899, 12, 30, 10, 5),
                                    dt.datetime(1, 1, 1, 10, 5), "1899-12-30 10:05:00"],
                                   dtype=object))
    assert parsed["minutes"].tolist() == [605.0] * 3
    assert parsed["date"].isna().all() and not parsed["bad"].any()


def test_timestamps_with_a_zone_and_day_durations_read_as_the_wall_clock():
    parsed = parse_times(pd.Series([pd.Timestamp("2026-10-05 10:05", tz="US/Eastern"),
                                    "2026-10-05T10:05:00Z", pd.Timedelta(minutes=605)],
                                   dtype=object))
    assert parsed["minutes"].tolist() == [605.0] * 3
    assert parsed["date"].tolist()[:2] == [pd.Timestamp("2026-10-05")] * 2


def test_a_datetime64_column_beyond_the_nanosecond_range_parses():
    """pandas keeps year 9999 in a datetime64[us] column; it must not overflow to ns."""
    column = pd.Series([dt.datetime(9999, 12, 31), dt.datetime(2026, 10, 5, 10, 5)])
    assert parse_dates(column)["implausible"].tolist() == [True, False]
    assert parse_times(column)["minutes"].tolist()[1] == 605.0


def test_excel_error_values_read_as_empty_cells():
    """#REF! and #N/A hold no value: the parsers read them as blank (error-cell reports
    them), while text that only looks like one ('#REF') is unreadable."""
    cells = pd.Series(["#REF!", "#N/A", "#value!", "#DIV/0!", "#NAME?", "#REF"], dtype=object)
    for parse in (parse_times, parse_dates):
        parsed = parse(cells)
        assert parsed["blank"].tolist() == [True] * 5 + [False]
        assert parsed["bad"].tolist() == [False] * 5 + [True]
