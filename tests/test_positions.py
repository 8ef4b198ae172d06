"""User coordinates: column letters and cell values as the user reads them."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import column_index_from_string

from scrubber.positions import column_letter, display_value


@pytest.mark.parametrize(("position", "letter"),
                         [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"),
                          (701, "ZZ"), (702, "AAA"), (16383, "XFD")])
def test_known_letters(position, letter):
    assert column_letter(position) == letter


@given(st.integers(min_value=0, max_value=16383))
def test_letters_agree_with_openpyxl(position):
    assert column_index_from_string(column_letter(position)) == position + 1


def test_negative_position_is_refused():
    with pytest.raises(ValueError):
        column_letter(-1)


@pytest.mark.parametrize(("value", "text"), [
    (None, None), ("", None), ("  ", None), (float("nan"), None),
    (96365.0, "96365"), (0.5, "0.5"), ("IV push", "IV push"),
    (dt.time(10, 5), "10:05"), (dt.time(10, 5, 30), "10:05:30"),
    (dt.datetime(2026, 10, 5, 10, 5), "2026-10-05 10:05"),
    (dt.datetime(2026, 10, 5), "2026-10-05"), (dt.date(2026, 10, 5), "2026-10-05"),
])
def test_display_value(value, text):
    assert display_value(value) == text
