"""Time arithmetic: every export form parses to the same minute; boundaries hold."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scrubber import Config, scrub
from scrubber.times import PLACEHOLDER, duration_minutes, parse_dates, parse_times

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
