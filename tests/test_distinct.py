"""The speed-ups give the same answers as the plain code: per-distinct-value parsing and the
Arrow regular-expression path."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scrubber import distinct, normalize, times
from scrubber.strings import extract

#: every kind of cell a reader hands over, with the collisions Python's == makes (1 == 1.0 ==
#: True) and text that only the Python engine reads (non-ASCII digits and spaces, a newline).
CELLS = ["10:05", "10:05 PM", "1005", 1005, 1005.0, 0.42, 46300.42, True, False, 1, 1.0, 0, "",
         None, float("nan"), "N/A", "2026-10-05 10:05", "10/05/2026 10:05 PM", "9999-12-31",
         dt.datetime(2026, 10, 5, 10, 5), dt.time(10, 5), dt.date(2026, 10, 5), "96365-59",
         "96365 - IV inf", "J1745", " x2 units ", "Remicade 100 mg", "normal saline",
         "10:05\u00a0PM", "１０:05", "10:05\n", "IV push", "subcut", "é", 1e300, float("inf"),
         -3, 10**30, "2 ", "  "]
ELEMENTWISE = [normalize.clean_text, normalize._codes, normalize._units, normalize.route_kind,
               normalize.drug_key, times.as_text, times.parse_times, times.parse_dates]


def _column(seed: int, size: int = 700) -> pd.Series:
    rng = np.random.default_rng(seed)
    cells = np.empty(size, dtype=object)
    cells[:] = [CELLS[i] for i in rng.integers(0, len(CELLS), size)]
    return pd.Series(cells, index=pd.RangeIndex(5, 5 + size), dtype=object)


def _text(column: pd.Series) -> pd.Series:
    return column.map(lambda v: None if v is None or v != v else str(v)).astype("string")


@pytest.mark.parametrize("func", ELEMENTWISE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_once_per_distinct_value_gives_the_plain_answer(func, seed: int) -> None:
    plain = func.__wrapped__
    for column in (_column(seed), _text(_column(seed))):
        if func in (normalize._codes, normalize._units, normalize.route_kind,
                    normalize.drug_key) and column.dtype == object:
            column = normalize.clean_text.__wrapped__(column)  # these take cleaned text
        expected = plain(column)
        got = func(column)
        assert len(column) >= distinct.MIN_ROWS  # the distinct path really ran
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(got, expected)
        else:
            pd.testing.assert_series_equal(got, expected)


def test_numbers_that_compare_equal_are_not_merged() -> None:
    column = pd.Series([1, 1.0, True] * 400, dtype=object)
    as_text = distinct.per_value(lambda s: s.astype("string"))
    assert as_text(column).iloc[:3].tolist() == ["1", "1.0", "True"]


def test_a_function_that_is_not_elementwise_is_run_on_the_whole_column() -> None:
    column = pd.Series(["a", "b"] * 600, dtype="string")
    ranked = distinct.per_value(lambda s: s.iloc[::-1])  # another index: not element-wise
    pd.testing.assert_series_equal(ranked(column), column.iloc[::-1])


@pytest.mark.parametrize("pattern", [
    r"^(?P<h>\d{1,2}):(?P<m>\d{2})\s*(?P<ap>[ap])?$",
    r"(?i)^x?\s*(?P<n>\d+(?:\.\d+)?)\s*(?:units?|u)?$",
    r"(?P<word>[a-z]{4,})",
    r"^(\d+)(\w*)$",  # unnamed groups: pandas' path
])
def test_extract_agrees_with_pandas(pattern: str) -> None:
    texts = ["10:05", "1:05 p", "x2 units", "2.5 U", "remicade", "10:05\u00a0p", "１０:05",
             "10:05\n", "", None, "é 10", "12ab"]
    for column in (pd.Series(texts * 3, dtype="string"),  # non-ASCII: pandas' engine
                   pd.Series([t for t in texts if t is None or t.isascii() and "\n" not in t]
                             * 3, dtype="string")):  # ASCII only: Arrow's engine
        expected = column.str.extract(pattern, expand=True)
        expected = expected.mask(expected == "")
        pd.testing.assert_frame_equal(extract(column, pattern), expected,
                                      check_dtype=False)


def test_drug_mentions_match_the_name_by_name_reading() -> None:
    from scrubber.reference.identity import drug_mentions, identify_one

    def plain(drug: pd.Series) -> pd.Series:
        pairs = [(row, key) for row, text in drug.items() if not pd.isna(text)
                 for key in identify_one(text).mentions]
        return pd.Series([k for _, k in pairs], index=[r for r, _ in pairs], dtype="string")

    names = ["Remicade (infliximab) 400 mg", None, "Zofran", "normal saline", "x", "",
             "zofran ondansetron", "Heparin 5000 units in NS", "LR bolus", "Ondansetron",
             "D5-1/2NS with 20 mEq KCl", "IVPB"]
    rng = np.random.default_rng(7)
    for size in (0, 1, 5, 40):
        drug = pd.Series([names[i] for i in rng.integers(0, len(names), size)],
                         index=rng.permutation(1000)[:size], dtype="string")
        pd.testing.assert_series_equal(drug_mentions(drug), plain(drug),
                                       check_index_type=False)


def test_any_in_encounter_is_isin_of_the_masked_encounters() -> None:
    from scrubber.rules.base import any_in_encounter, encounter_ids

    rng = np.random.default_rng(3)
    encounter = pd.Series([f"E{i}" for i in rng.integers(0, 30, 300)], dtype="string")
    ids = encounter_ids(pd.DataFrame({"encounter": encounter}))
    for _ in range(5):
        mask = pd.Series(rng.random(300) < 0.05)
        expected = encounter.isin(encounter[mask].unique()).to_numpy()
        assert (any_in_encounter(mask, ids) == expected).all()
    assert not any_in_encounter(pd.Series(False, index=encounter.index), ids).any()
