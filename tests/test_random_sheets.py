"""No sheet crashes the scrub: random sheets through every default rule (issue 8).

Each example is one sheet: a random subset of the export's columns (always the code column),
a few encounters of a few lines, codes from the whole administration range 96360-96549 (real
and not), drug codes and junk, and cells of odd types (None, huge numbers, 9999-12-31, time
objects, '25:99'). The properties: nothing raises, no rule gives up on the sheet, every
finding names a data row, and every charge line is counted.

Deterministic for CI: derandomized, no example database. Shrinking is off because a scrub
takes about a second; a failure prints its sheet (see ``note``) to cut down by hand.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from scrubber import Config, scrub
from scrubber.fields import map_headers
from scrubber.io.error_cells import ERROR_TEXTS
from scrubber.io.errors import InputError
from scrubber.times import PLACEHOLDER

CODE = "CPT/HCPCS"
COLUMNS = ("Encounter ID", "Patient ID", "Date of Service", "Modifier 1", "Modifier 2",
           "Modifier 3", "Units", "Start Time", "Stop Time", "Route", "Drug", "Drug Code",
           "Dose", "Dose Unit", "Diagnosis 1", "Diagnosis 2", "Diagnosis 3", "Site",
           "Ordering Provider", "NDC")
#: a row is a charge line when one of these holds something (normalize's line evidence).
EVIDENCE = (CODE, "Start Time", "Stop Time", "Drug", "Route", "Drug Code", "Dose")
HEADER_ROW = 1

odd = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([10**30, 1709337600000, -1709337600000, 2958465, 46300.5, 0.42, -0.5,
                     1e300, float("nan"), float("inf"), float("-inf"), 0, 99999999999]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([dt.datetime(9999, 12, 31), dt.datetime(9999, 12, 31, 23, 59),
                     dt.date(1, 1, 1), dt.datetime(1899, 12, 30, 10, 5),
                     pd.Timestamp("2262-04-11"), dt.time(23, 59, 59)]),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.times(),
    st.sampled_from(["10:45 AM", "25:99", "#REF!", "#VALUE!", "[x]", "[/]", "[bold]x",
                     "", "  ", "N/A", "--", "=SUM(A1:A3)", "Total", "\x1b[2J", "nan"]),
    st.text(max_size=8),
)
codes = st.one_of(
    st.integers(min_value=96360, max_value=96549).map(str),
    st.integers(min_value=96360, max_value=96549),
    st.sampled_from(["J1745", "J3490", "J2405", "J0696", "J1100", "J7030", "J7050", "Q5103",
                     "Q0138", "J9035", "J1885", "Q9967", "96365.0", " 96374 "]),
    st.sampled_from(["9637", "", "abc", "96365-59", "96365 - IV infusion", "[x]", "J17",
                     "96365XS", None, 96365.0, 1e300]),
)
clock = st.integers(min_value=0, max_value=1439).map(lambda m: f"{m // 60:02d}:{m % 60:02d}")
times = st.one_of(clock, st.times(), clock.map(lambda t: f"2026-10-05 {t}"),
                  st.integers(min_value=0, max_value=1439).map(
                      lambda m: dt.datetime(2026, 10, 5, m // 60, m % 60)),
                  st.sampled_from(["10:45 AM", "1005", "2:30 pm", 0.42, 46300.5]))
NATURAL = {
    "Encounter ID": st.sampled_from(["E1", "E2", "E3", None, ""]),
    "Patient ID": st.sampled_from(["P1", "P2", None]),
    "Date of Service": st.sampled_from([dt.date(2026, 10, 5), "2026-10-05", "10/5/26", 46300,
                                        dt.datetime(9999, 12, 31), None]),
    "Modifier 1": st.sampled_from(["59", "XS", "JZ", "JW", "25", "XU", None]),
    "Modifier 2": st.sampled_from(["59", "XE", None]),
    "Modifier 3": st.sampled_from(["JZ", None]),
    "Units": st.one_of(st.integers(min_value=0, max_value=100),
                       st.sampled_from(["40", "x2", "forty", 1.5, 10**30, -1])),
    "Start Time": times, "Stop Time": times,
    "Route": st.sampled_from(["IV", "IV push", "IVPB", "IM", "SC", "PO", "Ceftriaxone [im]",
                              None]),
    "Drug": st.sampled_from(["Infliximab", "Ondansetron", "Normal saline", "Ceftriaxone",
                             "Remicade 400 mg", "Zofran [im]", None]),
    "Drug Code": codes,
    "Dose": st.sampled_from(["400 mg", "4", 4, "1 L", "abc", None]),
    "Dose Unit": st.sampled_from(["mg", "mL", "units", None]),
    "Diagnosis 1": st.sampled_from(["K50.90", "Z51.11", "R11.0", "ABC", "E86.0", None]),
    "Diagnosis 2": st.sampled_from(["K50.90", "C50.911", None]),
    "Diagnosis 3": st.sampled_from(["R11", None]),
    "Site": st.sampled_from(["L arm", "R hand", None]),
    "Ordering Provider": st.sampled_from(["Dr. A", "[b]Dr. B[/b]", None]),
    "NDC": st.sampled_from(["57894-0030-01", "5789400301", "12345", "abc", None]),
}


@st.composite
def sheets(draw) -> pd.DataFrame:
    """A sheet: random columns (the code column always), encounters of a few lines each."""
    columns = draw(st.lists(st.sampled_from(COLUMNS), unique=True, max_size=len(COLUMNS)))
    columns.insert(draw(st.integers(min_value=0, max_value=len(columns))), CODE)
    if "Encounter ID" not in columns and draw(st.integers(min_value=0, max_value=4)):
        columns.append("Encounter ID")  # mostly: without one most rules cannot run at all
    # mostly values an export really holds, so the rules get past their first checks
    cell = {c: st.one_of(*[codes if c == CODE else NATURAL[c]] * 3, odd) for c in columns}
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=5))):  # encounters
        encounter = draw(st.sampled_from(["E1", "E2", "E3", None]))
        for _ in range(draw(st.integers(min_value=0, max_value=4))):  # its lines
            row = {c: draw(cell[c]) for c in columns}
            if "Encounter ID" in row and draw(st.booleans()):
                row["Encounter ID"] = encounter
            rows.append(row)
    object_columns = draw(st.booleans())  # as xlwings hands cells over, or as pandas infers
    return pd.DataFrame(rows, columns=columns, dtype=object if object_columns else None)


def _empty(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    if value is pd.NaT:
        return True
    text = str(value).strip()
    return not text or re.match(PLACEHOLDER, text) is not None


def _row_number(skipped: object) -> int:
    """A skipped row as the engine reports it: a record with ``row``, a pair, or a number."""
    if hasattr(skipped, "row"):
        return int(skipped.row)
    return int(skipped[0]) if isinstance(skipped, tuple) else int(skipped)


def assert_every_line_accounted(frame: pd.DataFrame, result) -> None:
    """No rule gave up, every finding is on a data row, every charge line is counted."""
    (file,) = result.files
    failed = getattr(file, "failed_rules", ())
    assert not failed, [(f.rule, f.message) for f in file.findings if f.name in failed]
    data_rows = set(range(HEADER_ROW + 1, HEADER_ROW + 1 + len(frame)))
    assert {f.row for f in file.findings} <= data_rows
    present = [c for c in EVIDENCE if c in frame.columns]
    # an Excel error cell (#REF!) in a known column makes its row a line (error-cell)
    known = sorted({p for ps in map_headers(list(map(str, frame.columns))).values() for p in ps})
    lines = {HEADER_ROW + 1 + i for i, (_, row) in enumerate(frame.iterrows())
             if not all(_empty(row[c]) for c in present)
             or any(isinstance(row.iloc[p], str) and row.iloc[p] in ERROR_TEXTS for p in known)}
    # totals rows under the data are left out of the checks, and said so
    skipped = {_row_number(s) for s in getattr(file, "skipped_rows", ())}
    assert skipped <= data_rows
    assert file.rows == len(lines - skipped)
    if file.line_rows:
        assert set(file.line_rows) == lines - skipped


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck))
@given(sheets())
@example(pd.DataFrame({"Encounter ID": ["E1"], CODE: ["96365"]}))  # a one-line sheet
@example(pd.DataFrame({CODE: [], "Encounter ID": []}))  # no lines at all
@example(pd.DataFrame({CODE: ["96365"]}))  # no encounter column
@example(pd.DataFrame({"Encounter ID": ["E1", "E1"], "Date of Service": ["9999-12-31",
                                                                         "2026-01-01"],
                       CODE: ["96365", "96374"], "Start Time": [1709337600000, "10:00"],
                       "Stop Time": ["11:00", "10:05"]}))
def test_no_sheet_crashes_the_scrub(frame):
    note(repr(frame.to_dict("list")))
    if "Encounter ID" not in frame.columns and not {"Patient ID", "Date of Service"} <= set(
            frame.columns):
        # the one documented refusal: a sheet that cannot say which lines belong together
        with pytest.raises(InputError, match=r"lacks columns for encounter"):
            scrub(frame, Config())
        return
    result = scrub(frame, Config())
    assert_every_line_accounted(frame, result)
