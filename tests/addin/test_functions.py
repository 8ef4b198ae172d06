"""The cell functions, called the way Excel calls them: Office.js payloads (2D ``args``,
serial times, ``runtime``, ``date_format``) through ``xlwings.server.custom_functions_call``,
and their registration (``custom_functions_meta``) with the help Excel shows."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
import xlwings as xw
from hypothesis import given, settings
from hypothesis import strategies as st
from xlwings.server import custom_functions_call, custom_functions_meta

import addin
import addin.functions
from addin.boundary import CellInputError, grid, time_value
from scrubber.suggest import code_one

FUNCTIONS = {"INFUSION_CODE", "INFUSION_UNITS", "INFUSION_MINUTES", "INFUSION_CODES",
             "DRUG_CODE", "DRUG_UNITS", "SCRUB_TABLE"}


def serial(hours: float, minutes: float = 0, day: int = 0) -> float:
    """An Excel serial for a time of day (day 0: a time-only cell)."""
    return day + (hours * 60 + minutes) / 1440


def call(name: str, *args: object) -> object:
    """One call as Office.js sends it; returns the converted result (a 2D list)."""
    data = {"func_name": name, "args": [a if isinstance(a, list) else [[a]] for a in args],
            "caller_address": "Sheet1!K2", "formula_name": name.upper(),
            "version": xw.__version__, "client": "Office.js", "runtime": "1.4",
            "culture_info_name": "en-US", "date_format": "M/d/yyyy"}
    return asyncio.run(custom_functions_call(data, addin))


def value(name: str, *args: object) -> object:
    result = call(name, *args)
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def test_every_function_is_registered_with_its_help() -> None:
    meta = custom_functions_meta(addin)
    found = {f["name"]: f for f in meta["functions"]}
    assert set(found) == FUNCTIONS
    for function in found.values():
        assert len(function["description"]) > 30
        for parameter in function["parameters"]:
            assert not parameter["description"].startswith("Positional argument"), \
                (function["name"], parameter["name"])
    optional = {p["name"] for p in found["INFUSION_CODE"]["parameters"] if p.get("optional")}
    assert optional == {"route", "kind", "initial"}


def test_functions_module_holds_no_scripts() -> None:
    """Classic "Import Functions" would turn a script in the UDF module into VBA."""
    assert not [n for n in vars(addin.functions) if hasattr(getattr(addin.functions, n),
                                                             "__xlscript__")]


@pytest.mark.parametrize(("start", "stop", "route", "kind", "initial", "code"), [
    (serial(10), serial(11, 45), "IV", None, None, "96365"),
    (serial(10), serial(10, 12), "IV", None, None, "96374"),
    (serial(10), serial(11, 45), "IV", None, False, "96367"),
    (serial(9), serial(10, 30), "IV", "hydration", None, "96360"),
    (serial(10), serial(13), None, "chemotherapy", None, "96413"),
    (serial(10), serial(11), "IV", "chemotherapy", False, "96417"),
    (serial(10), serial(10, 4), "IV push", None, False, "96375"),
    (serial(10), serial(10, 4), "IV push", "chemotherapy", None, "96409"),
    (serial(23), serial(1, 30), "IV", "hydration", None, "96360"),  # across midnight
    (serial(22, 30), serial(0, 15), "IV", None, True, "96365"),
    (serial(10), serial(10, 2), "IM", None, None, "96372"),
    ("10:00 AM", "11:45 AM", "IV", None, None, "96365"),
    ("23:00", "00:45", "IV", "hydration", "FALSE", "96361"),
])
def test_infusion_code(start, stop, route, kind, initial, code) -> None:
    assert value("infusion_code", start, stop, route, kind, initial) == code


def test_a_datetime_on_excels_day_zero_is_a_time_of_day() -> None:
    """What the classic add-in passes for time-only cells: never a date in 1899."""
    start, stop = dt.datetime(1899, 12, 30, 23, 0), dt.datetime(1899, 12, 30, 1, 30)
    assert addin.infusion_code(start, stop, "IV", "hydration") == "96360"
    assert addin.infusion_units(start, stop, "hydration") == 1  # 150 min: 96360 + 1 hour
    assert addin.infusion_minutes(start, stop) == 150


def test_not_billable_is_text_with_the_reason() -> None:
    result = value("infusion_code", serial(10), serial(10, 25), "IV", "hydration")
    assert result.startswith("not billable: ") and "31" in result


@pytest.mark.parametrize(("start", "stop", "kind", "initial", "units"), [
    (serial(10), serial(11, 30), None, None, 0),
    (serial(10), serial(11, 31), None, None, 1),
    (serial(10), serial(13, 31), None, None, 3),
    (serial(9), serial(11, 31), "hydration", None, 2),
    (serial(10), serial(13), "chemotherapy", None, 2),
    (serial(10), serial(12), "hydration", False, 2),
    (serial(10), serial(10, 45), "hydration", False, 1),
    (serial(22), serial(1), None, None, 2),
])
def test_infusion_units(start, stop, kind, initial, units) -> None:
    assert value("infusion_units", start, stop, kind, initial) == units


@pytest.mark.parametrize(("start", "stop", "minutes"), [
    (serial(10), serial(11, 45), 105), (serial(23, 30), serial(0, 15), 45),
    ("10:00 PM", "1:00 AM", 180), (serial(8, 0, day=46300), serial(9, 30, day=46300), 90),
])
def test_infusion_minutes(start, stop, minutes) -> None:
    assert value("infusion_minutes", start, stop) == minutes


@pytest.mark.parametrize(("args", "message"), [
    (("abc", serial(11)), "start time 'abc'"),
    ((serial(10), None), "stop time is empty"),
    (([[serial(10), serial(11)]], serial(12)), "expects one cell"),
    ((True, serial(11)), "expects a time"),
    ((-3, serial(11)), "not an Excel date or time"),
    ((serial(10), serial(11), "IV", None, "maybe"), "TRUE or FALSE"),
])
def test_bad_input_is_a_short_message(args, message) -> None:
    with pytest.raises(CellInputError, match=message):
        call("infusion_code", *args)


def test_infusion_codes_spills_the_engine_lines() -> None:
    table = [["Encounter", "Start Time", "Stop Time", "Route", "Drug", "Kind"],
             ["E1", serial(10), serial(11, 45), "IV", "Infliximab", ""],
             ["E1", serial(9, 30), serial(9, 32), "IV push", "Ondansetron", ""],
             ["E2", serial(23), serial(1), "IV", "Normal saline", "hydration"]]
    rows = call("infusion_codes", table)
    assert rows[0][:3] == ["Encounter", "Code", "Units"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("E1", "96365", 1), ("E1", "96366", 1), ("E1", "96375", 1), ("E2", "96360", 1),
        ("E2", "96361", 1)]
    professional = call("infusion_codes", table, "professional")
    assert professional[0] == rows[0]
    with pytest.raises(CellInputError, match="setting"):
        call("infusion_codes", table, "hospital")


def test_drug_code() -> None:
    assert value("drug_code", "Remicade") == "J1745"
    biosimilars = call("drug_code", "infliximab")  # each biosimilar has its own code
    assert biosimilars[0][0] == "J1745" and len(biosimilars) > 1
    heparin = call("drug_code", "heparin")
    assert {row[0] for row in heparin} == {"J1644", "J1642"}
    assert all("per unit" in row[1] for row in heparin)
    with pytest.raises(CellInputError, match="no drug"):
        call("drug_code", "unobtainium")


@pytest.mark.parametrize(("args", "units"), [
    (("J1745", 400, "mg"), 40), (("J1745", "400 mg"), 40), (("Remicade", 350, "mg"), 35),
    (("J2405", 4, "mg"), 4), (("J1745", 1, "g"), 100),
])
def test_drug_units(args, units) -> None:
    assert value("drug_units", *args) == units


def test_drug_units_errors() -> None:
    with pytest.raises(CellInputError, match="does not convert"):
        call("drug_units", "J1745", 4, "mL")
    with pytest.raises(CellInputError, match="several codes"):
        call("drug_units", "immune globulin", 10, "g")


def test_scrub_table_spills_status_and_findings_per_row() -> None:
    table = [["Encounter", "CPT", "Units", "Start Time", "Stop Time", "Route", "Drug",
              "Diagnosis"],
             ["E1", "96365", 1, serial(10), serial(10, 10), "IV", "Ondansetron", "R11.2"],
             ["E1", "J2405", 4, "", "", "", "Ondansetron", "R11.2"],
             ["", "", "", "", "", "", "", ""]]
    rows = call("scrub_table", table)
    assert len(rows) == len(table)
    assert rows[0] == ["Scrub Status", "Scrub Findings"]
    assert rows[1][0] == "error" and "push-billed-as-infusion" in rows[1][1]
    assert rows[2][0] in ("OK", "warning", "error")
    assert rows[3] == ["", ""]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 1439), st.integers(1, 720),
       st.sampled_from(["IV", "IV push", "IM", "SC"]),
       st.sampled_from(["", "hydration", "therapeutic", "chemotherapy"]), st.booleans())
def test_serial_text_and_day_zero_forms_agree(start, length, route, kind, initial) -> None:
    """The same administration gives the same code whichever form its times take."""
    stop = (start + length) % 1440
    forms = [(start / 1440, stop / 1440),
             (f"{start // 60}:{start % 60:02d}", f"{stop // 60}:{stop % 60:02d}"),
             (dt.datetime(1899, 12, 30) + dt.timedelta(minutes=start),
              dt.datetime(1899, 12, 30) + dt.timedelta(minutes=stop))]
    answers = {addin.infusion_code(a, b, route, kind, initial) for a, b in forms}
    assert len(answers) == 1
    expected = code_one(time_value(forms[1][0], "start"), time_value(forms[1][1], "stop"),
                        route, kind, initial)
    assert answers == {expected.code or "not billable: " + expected.reason}


def test_boundary_grid_reads_office_js_cells() -> None:
    rows = grid([["Start", "Date"], [dt.datetime(1899, 12, 30, 10, 45), ""],
                 [None, dt.datetime(2026, 3, 2)]])
    assert rows == [["Start", "Date"], [dt.time(10, 45), None], [None, dt.datetime(2026, 3, 2)]]
    assert grid(["a", "b"]) == [["a", "b"]]


@pytest.mark.parametrize(("args", "message"), [
    ((serial(10), serial(10, 5), "PO"), "route 'PO' is not IV"),
    ((serial(10), serial(11), "IV", "KVO"), "kind 'KVO' is not"),
    ((46300, 46300.5), "2026-10-05 is a date without a time of day"),
    ((serial(10), serial(9)), "the stop is before the start"),
    ((serial(10, day=46300), serial(11, day=46302)), "longer than 1440 min"),
    ((2460, 2500), "neither a time"),
])
def test_input_the_codes_cannot_bill_is_refused(args, message) -> None:
    with pytest.raises(CellInputError, match=message):
        call("infusion_code", *args)


def test_minutes_and_code_say_the_same_about_a_stop_before_the_start() -> None:
    for name in ("infusion_code", "infusion_minutes"):
        with pytest.raises(CellInputError, match="the stop is before the start"):
            call(name, serial(10), serial(9))


def test_a_clock_time_typed_as_a_number_reads_as_the_sheet_reads_it() -> None:
    """1045 in a number cell is 10:45 (as the scrubber reads it in a sheet), not 1902."""
    assert value("infusion_code", 1045, 1050) == "96374"
    assert value("infusion_minutes", 1045, 1050) == 5
    assert value("infusion_units", 1045, 1050) == 0


@pytest.mark.parametrize(("route", "code"), [("IVPB", "96365"), ("subq", "96369"),
                                             ("IV piggyback", "96365")])
def test_route_spellings(route: str, code: str) -> None:
    assert value("infusion_code", serial(10), serial(10, 40), route) == code


def test_scrub_table_without_a_code_column_says_what_to_use() -> None:
    table = [["Encounter", "Start Time", "Stop Time", "Route", "Drug"],
             ["E1", serial(10), serial(10, 10), "IV", "Vancomycin"]]
    with pytest.raises(CellInputError, match="no CPT/HCPCS code column.*INFUSION_CODES"):
        call("scrub_table", table)


@pytest.mark.parametrize(("args", "message"), [
    (("J2505", 6, "mg"), "J2505 is deleted: bill J2506"),
    (("Zofran", 4), "has no unit"),
    (("Remicade", "400 mg", "g"), "says mg but the dose unit says g"),
    (("J1745", -10, "mg"), "negative"),
    (("J1745", 0, "mg"), "zero"),
])
def test_drug_units_refuses_what_it_cannot_bill(args, message) -> None:
    with pytest.raises(CellInputError, match=message):
        call("drug_units", *args)


def test_product_code_never_sets_a_licence_key() -> None:
    """xlwings' server runtime runs here under the noncommercial key that the test
    configuration sets; no product file may set or ship one."""
    root = Path(addin.__file__).resolve().parents[1]
    sources = [*root.glob("addin/**/*.py"), *root.glob("scrubber/**/*.py"),
               root / "infusion_scrubber_excel.py", *root.glob("templates/*.py")]
    assert sources
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert "LICENSE_KEY" not in text and "noncommercial" not in text, source
