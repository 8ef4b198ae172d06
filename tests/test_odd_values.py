"""Values far out of range are findings, never crashes (issue 8).

A date of service of 9999-12-31 is a placeholder, not a day of care: date-format says so. An
epoch in milliseconds in a time column is no time of day: time-format. Units of 400 digits are
no quantity: units-format. Every other rule must still run on such a sheet.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from scrubber import Config, scrub
from scrubber.rules.schema.s002_time_format import TimeFormat
from scrubber.rules.schema.s004_date_format import DateFormat
from tests.test_random_sheets import assert_every_line_accounted

#: the sheet from the issue: it raised OutOfBoundsDatetime from scrubber/times.py.
ISSUE_SHEET = {"Encounter ID": ["E1", "E1"], "Date of Service": ["9999-12-31", "2026-01-01"],
               "CPT": ["96365", "96374"], "Start Time": [1709337600000, "10:00"],
               "Stop Time": ["11:00", "10:05"]}
SCHEMA = Config(select=("S001", "S002", "S003", "S004"))


def _found(result) -> list[tuple[str, int, str | None, str | None]]:
    return [(f.rule, f.row, f.column, f.value) for f in result.findings]


def test_the_issue_sheet_gives_findings_not_a_crash():
    result = scrub(pd.DataFrame(ISSUE_SHEET), SCHEMA)
    assert _found(result) == [("S002", 2, "Start Time", "1709337600000"),
                              ("S004", 2, "Date of Service", "9999-12-31")]


def test_every_rule_runs_on_the_issue_sheet():
    frame = pd.DataFrame(ISSUE_SHEET)
    result = scrub(frame, Config())
    assert_every_line_accounted(frame, result)
    assert {("S002", 2), ("S004", 2)} <= {(f.rule, f.row) for f in result.findings}


#: (start time cell, readable?) in the order of the sheet's rows.
TIME_CELLS = [
    (dt.datetime(9999, 12, 31, 23, 59), False), (1709337600000, False), (-5, False),
    (1e300, False), (float("inf"), False), (True, False), ("#REF", False), ("25:99", False),
    (10**30, False), (2958465, False), ("[x]", False), (dt.time(10, 5), True),
    ("10:45 AM", True), (dt.datetime(1899, 12, 30, 10, 5), True),
    (dt.datetime(1, 1, 1, 10, 5), True), (pd.Timestamp("2026-10-05 10:05"), True),
    (float("nan"), True), (None, True), (46300.5, True), (0.42, True),
]


def test_odd_time_cells_are_time_format_findings_on_their_rows():
    cells = [cell for cell, _ in TIME_CELLS]
    frame = pd.DataFrame({"Encounter ID": "E1", "CPT": "96372", "Start Time": cells,
                          "Stop Time": "23:50"}, dtype=object)
    result = scrub(frame, SCHEMA)
    assert [(f.rule, f.row, f.column) for f in result.findings] == [
        ("S002", 2 + i, "Start Time") for i, (_, ok) in enumerate(TIME_CELLS) if not ok]
    assert [f.value for f in result.findings][:3] == ["9999-12-31 23:59", "1709337600000", "-5"]


#: (date of service cell, readable?)
DATE_CELLS = [
    (dt.datetime(9999, 12, 31), False), ("9999-12-31", False), (dt.date(1, 1, 1), False),
    ("12/31/9999", False), (2958465, False), (1709337600000, False), (-46300, False),
    (float("inf"), False), ("#REF", False), (True, False), (pd.Timestamp("2262-04-11"), False),
    (dt.date(2026, 10, 5), True), (dt.datetime(2026, 10, 5, 14, 30), True), (46300, True),
    ("20261005", True), (None, True),
]


def test_odd_dates_of_service_are_date_format_findings_on_their_rows():
    cells = [cell for cell, _ in DATE_CELLS]
    frame = pd.DataFrame({"Encounter ID": "E1", "CPT": "96372", "Date of Service": cells},
                         dtype=object)
    result = scrub(frame, SCHEMA)
    assert [(f.rule, f.row) for f in result.findings] == [
        ("S004", 2 + i) for i, (_, ok) in enumerate(DATE_CELLS) if not ok]
    assert result.findings[0].value == "9999-12-31"


def test_a_placeholder_date_of_service_is_named_as_one():
    lines = pd.DataFrame({"service_date_implausible": [True, False]}, index=[2, 3])
    field = pd.Series("service_date", index=lines.index)
    message = DateFormat().message(lines, field)
    assert message.tolist() == [
        "Date of service is a placeholder, outside any plausible date of service "
        "(years 1900-2099)",
        "Date of service cannot be read as a date"]


def test_a_placeholder_stop_time_is_named_as_one():
    lines = pd.DataFrame({"start_implausible": [False, False, True],
                          "stop_implausible": [True, False, False]}, index=[2, 3, 4])
    field = pd.Series(["stop", "stop", "start"], index=lines.index)
    assert TimeFormat().message(lines, field).tolist() == [
        "Stop time is a placeholder: it is dated after 2099, outside any plausible date of "
        "service",
        "Stop time cannot be read as a time of day",
        "Start time is a placeholder: it is dated after 2099, outside any plausible date of "
        "service"]


def test_the_messages_are_plain_when_the_lines_carry_no_placeholder_flags():
    lines = pd.DataFrame(index=[2])
    assert DateFormat().message(lines, pd.Series("service_date", index=[2])).tolist() == [
        "Date of service cannot be read as a date"]
    assert TimeFormat().message(lines, pd.Series("start", index=[2])).tolist() == [
        "Start time cannot be read as a time of day"]


UNITS = ["9" * 400, 10**30, 1e300, "1e400", -5, float("inf"), 1709337600000, True, "40"]


def test_huge_units_are_units_format_findings_not_crashes():
    frame = pd.DataFrame({"Encounter ID": "E1", "CPT": "J1745", "Units": UNITS}, dtype=object)
    result = scrub(frame, SCHEMA)
    # 400 digits read as inf; 1e300 and 1e400 are written as exponents, not unit counts
    assert [(f.rule, f.row) for f in result.findings] == [
        ("S003", 2), ("S003", 4), ("S003", 5), ("S003", 6), ("S003", 7), ("S003", 9)]


def test_every_rule_runs_on_huge_units():
    frame = pd.DataFrame({"Encounter ID": "E1", "CPT": "J1745", "Units": UNITS,
                          "Drug": "Infliximab", "Dose": "400 mg", "Route": "IV"}, dtype=object)
    assert_every_line_accounted(frame, scrub(frame, Config()))


#: odd values for every column: each row gets them rotated, so every column sees each one.
ODD = [None, dt.datetime(9999, 12, 31), dt.date(1, 1, 1), dt.time(10, 45), 1709337600000,
       -1709337600000, 10**30, 1e300, float("nan"), float("inf"), -5, True, 46300.5, 0.42,
       "#REF!", "10:45 AM", "25:99", "[x]", "[/]", "Ceftriaxone [im]", "96365-59", "9637", "",
       pd.Timestamp("2262-04-11"), "=SUM(A1)"]
COLUMNS = ["Encounter ID", "Patient ID", "Date of Service", "CPT/HCPCS", "Modifier 1",
           "Modifier 2", "Units", "Start Time", "Stop Time", "Route", "Drug", "Drug Code",
           "Dose", "Dose Unit", "Diagnosis 1", "Diagnosis 2", "Site", "Ordering Provider", "NDC"]


@pytest.mark.parametrize("codes", ["odd", "real"])
def test_every_rule_runs_on_odd_values_in_every_column(codes):
    rows = [[ODD[(r + c) % len(ODD)] for c in range(len(COLUMNS))] for r in range(len(ODD))]
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    frame["Encounter ID"] = ["E1", "E2", None, "E1", "E3"] * (len(ODD) // 5)
    if codes == "real":  # so the coding rules get past the code check
        frame["CPT/HCPCS"] = ["96365", "96366", "96374", "96375", "J1745"] * (len(ODD) // 5)
    assert_every_line_accounted(frame, scrub(frame, Config()))
