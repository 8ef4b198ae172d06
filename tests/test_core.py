"""The prepared run: exact cells, one finding per cell, no lost file, grid = frame = file."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from scrubber import Config, Severity, prepare, scrub, scrub_grid
from scrubber.cli import app
from scrubber.render import render
from scrubber.rules import REGISTRY
from scrubber.rules.precedence import PRECEDENCE
from tests.conftest import make_workbook

HEADERS = ["Encounter ID", "Date of Service", "CPT/HCPCS", "Modifier 1", "Modifier 2",
           "Units", "Start Time", "Stop Time", "Route", "Drug", "Diagnosis 1", "Diagnosis 2"]


def _frame(*rows: list[object], headers: list[str] = HEADERS) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in rows], columns=headers, dtype=object)


def _cells(findings):
    return [(f.row, f.name, f.column, f.column_letter, f.value) for f in findings]


def test_malformed_code_is_one_finding_on_its_cell():
    frame = _frame(["E1", "2026-10-05", "9637", None, None, 1, None, None, "IV", None,
                    "K50.90", None])
    found = [(row, name, column) for row, name, column, *_ in _cells(scrub(frame).findings)
             if column == "CPT/HCPCS"]
    assert found == [(2, "invalid-code", "CPT/HCPCS")]


def test_a_selected_rule_alone_still_reports():
    frame = _frame(["E1", "2026-10-05", "9637", None, None, 1, None, None, "IV", None,
                    "K50.90", None])
    findings = scrub(frame, Config(select=("code-format",))).findings
    assert _cells(findings) == [(2, "code-format", "CPT/HCPCS", "C", "9637")]


def test_initial_with_two_units_is_one_units_finding():
    frame = _frame(["E1", "2026-10-05", "96365", None, None, 2, "10:00", "11:00", "IV",
                    "Infliximab", "K50.90", None],
                   ["E1", "2026-10-05", "J1745", None, None, 40, None, None, "IV",
                    "Infliximab", "K50.90", None])
    on_units = [(row, name) for row, name, column, *_ in _cells(scrub(frame).findings)
                if column == "Units"]
    assert on_units == [(2, "mue-exceeded")]
    alone = scrub(frame, Config(select=("time-units-mismatch",))).findings
    assert [(f.row, f.name, f.column) for f in alone] == [(2, "time-units-mismatch", "Units")]


def test_precedence_names_registered_rules():
    names = {rule.name for rule in REGISTRY.values()}
    assert {name for group in PRECEDENCE for name in group} <= names


def test_bad_code_in_a_later_diagnosis_and_modifier_column_is_named_there():
    frame = _frame(["E1", "2026-10-05", "96372", "RT", "5", 1, "10:00", None, "IM",
                    "Ceftriaxone", "K50.90", "K50"],
                   ["E1", "2026-10-05", "J0696", None, None, 4, None, None, "IM",
                    "Ceftriaxone", "K50.90", None])
    findings = scrub(frame).findings
    picked = [c for c in _cells(findings) if c[1] in ("invalid-diagnosis", "modifier")]
    assert picked == [(2, "modifier", "Modifier 2", "E", "5"),
                      (2, "invalid-diagnosis", "Diagnosis 2", "L", "K50")]
    assert "K50 is a category" in next(f.message for f in findings
                                       if f.name == "invalid-diagnosis")


def test_no_cell_is_reported_twice_by_one_rule():
    frame = _frame(["E1", "2026-10-05", "96365", None, None, 3, "10:00", "10:30", "IV",
                    "Infliximab", "K50", "K50"])
    keys = [(f.rule, f.row, f.column_letter) for f in scrub(frame).findings]
    assert len(keys) == len(set(keys))


INJECTION_CLINIC = [
    ["E1", "2026-10-05", "96372", None, None, 1, "09:00", None, "IM", "Ceftriaxone",
     "J18.9", None],
    ["E1", "2026-10-05", "J0696", None, None, 4, None, None, "IM", "Ceftriaxone", "J18.9",
     None],
    ["E2", "2026-10-05", "96372", None, None, 1, "09:30", None, "SC", "B12", "D51.0", None],
    ["E2", "2026-10-05", "J3420", None, None, 1, None, None, "SC", "Cyanocobalamin",
     "D51.0", None],
]


def test_injection_only_clinic_is_clean():
    result = scrub(_frame(*INJECTION_CLINIC))
    assert result.files[0].failed_rules == ()
    assert result.findings == () and result.exit_code == 0


@pytest.mark.parametrize("headers", [
    ["Encounter ID", "CPT/HCPCS", "Units"],
    ["Encounter ID", "CPT/HCPCS", "Units", "Start Time", "Stop Time"],
])
def test_odd_sheets_never_lose_a_rule(headers):
    rows = [["E1", "96372", 1], ["E1", "J0696", 4], ["E2", "J1745", 40],
            ["E3", "96365", 1], ["E4", "96523", 1], ["E5", "96549", 1]]
    frame = pd.DataFrame([r + [None] * (len(headers) - 3) for r in rows], columns=headers,
                         dtype=object)
    file = scrub(frame).files[0]
    assert file.failed_rules == ()
    assert {f.row for f in file.findings} <= set(file.line_rows)
    one = scrub(frame.head(1)).files[0]
    assert one.failed_rules == () and one.rows == 1


def test_a_rule_that_fails_becomes_one_finding_and_exit_two(monkeypatch):
    rule = REGISTRY["INF003"]

    def broken(self, lines, ctx):
        raise KeyError("SYN-PATIENT-NAME")

    monkeypatch.setattr(rule, "check", broken)
    result = scrub(_frame(*INJECTION_CLINIC))
    failed = [f for f in result.findings if f.rule == "INF003"]
    assert len(failed) == 1 and failed[0].severity is Severity.ERROR
    assert "push-billed-as-infusion check could not run" in failed[0].message
    assert "KeyError" in failed[0].message and "SYN-PATIENT" not in failed[0].message
    assert result.files[0].failed_rules == ("push-billed-as-infusion",)
    assert result.exit_code == 2
    assert result.files[0].rows == 4  # the other rules ran over every line


def test_totals_rows_are_skipped_and_listed():
    frame = _frame(*INJECTION_CLINIC,
                   ["Total", None, None, None, None, 6, None, None, None, None, None, None],
                   [None, None, "4 lines", None, None, None, None, None, None, None, None,
                    None],
                   [None, None, None, None, None, 6, None, None, None, None, None, None])
    result = scrub(frame)
    file = result.files[0]
    assert file.rows == 4 and result.findings == ()
    assert [(s.row, s.reason) for s in file.skipped_rows] == [
        (6, "totals row ('Total')"), (7, "totals row ('4 lines')"),
        (8, "totals row (numbers only under the data)")]
    data = result.to_dict()
    assert data["summary"]["skipped_rows"] == 3
    assert data["files"][0]["skipped_rows"][0] == {"row": 6, "reason": "totals row ('Total')"}


def test_a_row_named_total_above_the_data_is_not_skipped():
    frame = _frame(["Total", "2026-10-05", "96372", None, None, 1, "09:00", None, "IM",
                    "Ceftriaxone", "J18.9", None], *INJECTION_CLINIC[1:])
    assert scrub(frame).files[0].skipped_rows == ()


def _grid(rows):
    return [["Charge export (synthetic)"], [], [], HEADERS, *rows]


SHEET = [
    ["E1", dt.datetime(2026, 10, 5), "96365", None, None, 1, dt.time(10, 0),
     dt.time(11, 45), "IV", "Infliximab", "K50.90", None],
    ["E1", dt.datetime(2026, 10, 5), "96374", None, None, 1, dt.time(12, 0),
     dt.time(12, 3), "IV push", "Ondansetron", "K50.90", "K50"],
    ["E1", dt.datetime(2026, 10, 5), "9637", "XS", None, 2, dt.time(12, 0), None,
     "IV", "Ondansetron", "K50.90", None],
]


def test_grid_frame_file_and_cli_agree(tmp_path):
    grid = scrub_grid(_grid(SHEET), sheet="Export", source="t.xlsx")
    path = make_workbook(tmp_path / "t.xlsx", headers=HEADERS, rows=SHEET)
    on_file = scrub(path)
    frame = scrub(pd.DataFrame(SHEET, columns=HEADERS, dtype=object), sheet="Export",
                  header_row=4)
    assert grid.files[0].header_row == on_file.files[0].header_row == 4
    expected = [f.to_dict() for f in on_file.findings]
    assert expected and [f.to_dict() for f in grid.findings] == expected
    assert [f.to_dict() for f in frame.findings] == expected
    cli = CliRunner().invoke(app, ["scrub", str(path), "-f", "json", "--no-mark"])
    assert json.loads(cli.stdout)["files"][0]["findings"] == expected


def test_grid_from_a_used_range_that_starts_further_in():
    """xlwings hands over the used range; its top-left cell need not be A1."""
    inner = scrub_grid([HEADERS, *SHEET], first_row=4, first_column=2)
    whole = scrub_grid([[], [], [], [None, *HEADERS], *[[None, *r] for r in SHEET]])
    assert [f.to_dict() for f in inner.findings] == [f.to_dict() for f in whole.findings]
    assert inner.findings[0].row >= 5 and {f.column_letter for f in inner.findings} - {None} \
        <= {"B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M"}


def test_grid_deep_in_the_sheet_and_a_flat_one_row_range():
    deep = scrub_grid([HEADERS, *SHEET], first_row=40, first_column=3)
    near = scrub_grid([HEADERS, *SHEET])
    assert [(f.row - 39, f.name) for f in deep.findings] == [(f.row, f.name)
                                                             for f in near.findings]
    assert deep.files[0].header_row == 40
    flat = scrub_grid(["Encounter ID", "CPT", "Units"])  # a header-only one-row range
    assert flat.files[0].rows == 0 and flat.findings == ()


def test_prepared_run_pickles_and_gives_the_same_findings():
    prepared = prepare(Config())
    again = pickle.loads(pickle.dumps(prepared))
    frame = pd.DataFrame(SHEET, columns=HEADERS, dtype=object)
    assert scrub(frame, again).findings == scrub(frame, prepared).findings == \
        scrub(frame).findings
    assert prepare(prepared) is prepared


def test_a_prepared_run_holds_payer_profiles_and_pickles():
    prepared = prepare(Config(), payers={"medicare": Config(jw_jz=True, payer="medicare"),
                                         "office": Config(setting="professional",
                                                          select=("modifier",))})
    again = pickle.loads(pickle.dumps(prepared))
    assert set(again.payers) == {"medicare", "office"}
    assert again.payers["medicare"].config.jw_jz and not again.config.jw_jz
    assert [r.name for r in again.payers["office"].rules] == ["modifier"]
    assert len(again.rules) == len(REGISTRY)
    with pytest.raises(ValueError):
        prepare(prepared, payers={"x": Config()})


def test_grid_scrub_does_not_import_the_compiled_reader():
    code = ("import sys, datetime as dt, scrubber\n"
            "scrubber.scrub_grid([['Encounter ID', 'CPT', 'Start Time', 'Stop Time'],"
            " ['E1', '96365', '10:00', '11:00']])\n"
            "assert 'python_calamine' not in sys.modules, 'calamine imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("value", ["Ceftriaxone [im]", "[/]", "[bold]x[/bold]",
                                   "[link=http://x]y"])
def test_cell_values_are_never_markup(value):
    frame = _frame([value, "2026-10-05", "96365", None, None, 1, "10:00", None, "IV",
                    value, "K50.90", None])
    result = scrub(frame)
    text = render(result, "text")
    assert value in text and text.count(value) >= 1
    assert value in render(result, "csv") and value in render(result, "json")


def test_values_far_out_of_range_are_findings_on_their_cells():
    frame = _frame(["E1", "9999-12-31", "96365", None, None, 1, 1709337600000, "11:00", "IV",
                    "Infliximab", "K50.90", None],
                   ["E1", "2026-10-05", "J1745", None, None, "9" * 400, None, None, "IV",
                    "Infliximab", "K50.90", None])
    result = scrub(frame)
    assert result.files[0].failed_rules == ()
    cells = {(f.row, f.name): (f.column, f.value) for f in result.findings}
    assert cells[(2, "date-format")] == ("Date of Service", "9999-12-31")
    assert cells[(2, "time-format")] == ("Start Time", "1709337600000")
    assert cells[(3, "units-format")][0] == "Units"
    placeholder = next(f for f in result.findings if f.name == "date-format")
    assert "placeholder" in placeholder.message


def test_text_report_lists_skipped_rows():
    frame = _frame(*INJECTION_CLINIC,
                   ["Grand total", None, None, None, None, 6, None, None, None, None, None,
                    None])
    text = render(scrub(frame), "text")
    assert "row 6 skipped: totals row ('Grand total') (not a charge line)" in text
    assert "4 lines" in text


def test_a_label_in_the_code_column_is_a_totals_row():
    frame = _frame(*INJECTION_CLINIC,
                   [None, None, "Total", None, None, 6, None, None, None, None, None, None],
                   [None, None, "Grand total: 6", None, None, None, None, None, None, None,
                    None, None])
    file = scrub(frame).files[0]
    assert [(s.row, s.reason) for s in file.skipped_rows] == [
        (6, "totals row ('Total')"), (7, "totals row ('Grand total')")]
    assert scrub(frame).findings == ()


@pytest.mark.parametrize("encounter", ["SUM-1", "TOTAL 2", "Count7"])
def test_a_charge_line_whose_encounter_starts_like_a_label_is_checked(encounter):
    frame = _frame(*INJECTION_CLINIC,
                   [encounter, "2026-10-05", None, None, None, 1, "10:00", "10:40", "IV",
                    "Infliximab", "K50.90", None],
                   [encounter, "2026-10-05", "9637", None, None, 1, None, None, "IV",
                    "Infliximab", "K50.90", None])
    result = scrub(frame)
    assert result.files[0].skipped_rows == ()
    assert {(f.row, f.name) for f in result.findings} >= {(6, "code-format"),
                                                          (7, "invalid-code")}


def test_hierarchy_outranks_duplicate_initial_on_the_code_cell():
    frame = _frame(["E1", "2026-10-05", "96360", None, None, 1, "09:00", "10:00", "IV",
                    "Normal saline", "K50.90", None],
                   ["E1", "2026-10-05", "96365", None, None, 1, "10:00", "10:40", "IV",
                    "Infliximab", "K50.90", None],
                   ["E1", "2026-10-05", "J7030", None, None, 1, None, None, "IV",
                    "Normal saline", "K50.90", None],
                   ["E1", "2026-10-05", "J1745", None, None, 30, None, None, "IV",
                    "Infliximab", "K50.90", None])
    on_code = [(f.row, f.name) for f in scrub(frame).findings if f.column == "CPT/HCPCS"]
    assert on_code == [(2, "hierarchy")]
    alone = scrub(frame, Config(select=("duplicate-initial",))).findings
    assert [(f.row, f.name) for f in alone] == [(2, "duplicate-initial")]


def test_unreadable_units_are_one_finding_on_the_units_cell():
    frame = _frame(["E1", "2026-10-05", "96365", None, None, 1, "10:00", "12:00", "IV",
                    "Infliximab", "K50.90", None],
                   ["E1", "2026-10-05", "96366", None, None, "abc", None, None, "IV",
                    "Infliximab", "K50.90", None],
                   ["E1", "2026-10-05", "J1745", None, None, 0, None, None, "IV",
                    "Infliximab", "K50.90", None])
    on_units = [(f.row, f.name) for f in scrub(frame).findings if f.column == "Units"]
    assert on_units == [(3, "units-format"), (4, "units-format")]


def test_an_empty_drug_cell_is_not_reported_twice():
    frame = pd.DataFrame({"Encounter ID": ["E1"], "CPT": ["96372"], "Units": [1],
                          "Drug": [None]}, dtype=object)
    cells = [(f.name, f.column) for f in scrub(frame).findings]
    assert ("missing-drug-code", "CPT") in cells and ("missing-documentation", "Drug") in cells
    assert len(cells) == len({c for _, c in cells})


def test_a_csv_totals_row_of_sums_is_skipped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Encounter ID,CPT,Units,Dose\nE1,96372,1,500\nE1,J0696,4,1000\n"
                    ",,5,1500\n", encoding="utf-8")
    file = scrub(path).files[0]
    assert [s.row for s in file.skipped_rows] == [4] and file.rows == 2
