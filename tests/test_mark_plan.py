"""The mark plan for a small hand-built result: exact rows, cells, colours, texts and links."""

from __future__ import annotations

import ast
import json
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from scrubber.findings import Finding, Severity
from scrubber.mark import plan as plan_module
from scrubber.mark.plan import (
    CELL_FILLS,
    CELL_TEXT_LIMIT,
    ERROR_CELL_RGB,
    ERROR_ROW_RGB,
    ISSUES_HEADERS,
    OUR_RGBS,
    ROW_FILLS,
    WARNING_CELL_RGB,
    WARNING_ROW_RGB,
    CellMark,
    IssueRow,
    MarkPlan,
    RowMark,
    cap_cell_text,
    column_index,
    link_target,
    plan_marks,
)
from scrubber.result import FileResult

SHEET = "Dr. O'Neil's Charges"
QUOTED = "'Dr. O''Neil''s Charges'"
E, W = Severity.ERROR, Severity.WARNING


def _finding(rule, name, severity, row, column, letter, value, message, suggestion,
             encounter="E1") -> Finding:
    return Finding(rule=rule, name=name, severity=severity, message=message,
                   suggestion=suggestion, sheet=SHEET, row=row, column=column,
                   column_letter=letter, value=value, encounter=encounter)


PUSH = _finding("INF003", "push-billed-as-infusion", E, 6, "Route", "I", "IV push",
                "96365 is an infusion code but the route is 'IV push'",
                "Bill 96375 (IV push of a new drug after the initial service)")
MUE = _finding("INF011", "mue-exceeded", W, 6, "Units", "F", "40",
               "40 units of J1745 exceed the MUE of 30", "Check the dose; bill at most 30 units")
UNITS = _finding("INF016", "drug-units-mismatch", E, 6, "Units", "F", "40",
                 "100 mg of infliximab is 10 units of J1745, not 40", "Bill 10 units")
DX = _finding("INF014", "invalid-diagnosis", W, 7, "Diagnosis 2", "D", "K50",
              "K50 is a category, not a billable code",
              "Use a billable code under it: K50.00, K50.10", encounter="E2")
ADDON = _finding("INF008", "addon-without-primary", E, 8, None, None, None,
                 "96366 is an add-on code with no primary infusion in the encounter.", None,
                 encounter="E3")
NO_STOP = _finding("INF001", "missing-time", E, 9, "Stop Time", "H", None,
                   "96365 is billed by time but the line has no stop time",
                   "Enter the documented start and stop times", encounter="E3")
FINDINGS = (PUSH, MUE, UNITS, DX, ADDON, NO_STOP)  # engine order: by row, then rule


def _result(findings=FINDINGS, line_rows=(5, 6, 7, 8, 9, 10)) -> FileResult:
    return FileResult(path="charges.xlsx", sheet=SHEET, header_row=4, rows=len(line_rows),
                      findings=tuple(findings), line_rows=line_rows)


PUSH_LINE = ("Route (I = 'IV push'): 96365 is an infusion code but the route is 'IV push' -> "
             "Bill 96375 (IV push of a new drug after the initial service) "
             "[INF003 push-billed-as-infusion]")
UNITS_LINE = ("Units (F = '40'): 100 mg of infliximab is 10 units of J1745, not 40 -> Bill 10 "
              "units [INF016 drug-units-mismatch]")
MUE_LINE = ("Units (F = '40'): 40 units of J1745 exceed the MUE of 30 -> Check the dose; bill "
            "at most 30 units [INF011 mue-exceeded]")
DX_LINE = ("Diagnosis 2 (D = 'K50'): K50 is a category, not a billable code -> Use a billable "
           "code under it: K50.00, K50.10 [INF014 invalid-diagnosis]")
ADDON_LINE = ("Line: 96366 is an add-on code with no primary infusion in the encounter "
              "[INF008 addon-without-primary]")
NO_STOP_LINE = ("Stop Time (H, empty): 96365 is billed by time but the line has no stop time "
                "-> Enter the documented start and stop times [INF001 missing-time]")


def test_rows_status_fill_and_findings_text_errors_first():
    plan = plan_marks(_result())
    assert plan.rows == (
        RowMark(5, None, None, "OK", ""),
        RowMark(6, E, ERROR_ROW_RGB, "error", "\n".join([PUSH_LINE, UNITS_LINE, MUE_LINE])),
        RowMark(7, W, WARNING_ROW_RGB, "warning", DX_LINE),
        RowMark(8, E, ERROR_ROW_RGB, "error", ADDON_LINE),
        RowMark(9, E, ERROR_ROW_RGB, "error", NO_STOP_LINE),
        RowMark(10, None, None, "OK", ""),
    )
    assert (plan.sheet, plan.header_row) == (SHEET, 4)
    assert (plan.status_header, plan.findings_header) == ("Scrub Status", "Scrub Findings")


def test_cells_take_the_worst_severity_of_their_findings():
    plan = plan_marks(_result())
    assert plan.cells == (
        CellMark(6, "F", 5, E, ERROR_CELL_RGB, ("INF011", "INF016")),  # warning + error: error
        CellMark(6, "I", 8, E, ERROR_CELL_RGB, ("INF003",)),
        CellMark(7, "D", 3, W, WARNING_CELL_RGB, ("INF014",)),
        CellMark(9, "H", 7, E, ERROR_CELL_RGB, ("INF001",)),
    )  # row 8's finding names no column, so no cell of it is marked
    assert [c.coordinate for c in plan.cells] == ["F6", "I6", "D7", "H9"]


def test_issue_rows_link_to_the_flagged_cell_or_column_a():
    plan = plan_marks(_result())
    assert [(i.row, i.rule, i.link) for i in plan.issues] == [
        (6, "INF003", f"{QUOTED}!I6"), (6, "INF011", f"{QUOTED}!F6"),
        (6, "INF016", f"{QUOTED}!F6"), (7, "INF014", f"{QUOTED}!D7"),
        (8, "INF008", f"{QUOTED}!A8"), (9, "INF001", f"{QUOTED}!H9")]
    assert plan.issues[3] == IssueRow(
        7, "E2", "INF014", "invalid-diagnosis", W, "Diagnosis 2", "D", "K50",
        "K50 is a category, not a billable code", "Use a billable code under it: K50.00, K50.10",
        f"{QUOTED}!D7")
    assert dict(zip(ISSUES_HEADERS, plan.issues[4].cells(), strict=True)) == {
        "Row": 8, "Encounter": "E3", "Rule": "INF008", "Name": "addon-without-primary",
        "Severity": "error", "Column": None, "Column Letter": None, "Value": None,
        "Message": "96366 is an add-on code with no primary infusion in the encounter.",
        "Suggestion": None}


def test_link_target_quotes_the_sheet_and_doubles_apostrophes():
    assert link_target("Export", "D", 12) == "'Export'!D12"
    assert link_target("Dr's 'Q3' sheet", "AA", 7) == "'Dr''s ''Q3'' sheet'!AA7"


def test_colours_keep_the_old_row_fills_and_cells_are_stronger():
    assert (ERROR_ROW_RGB, WARNING_ROW_RGB) == ("FFF4B6B6", "FFFFE699")  # earlier copies' fills
    assert OUR_RGBS == {ERROR_ROW_RGB, WARNING_ROW_RGB, ERROR_CELL_RGB, WARNING_CELL_RGB}
    assert len(OUR_RGBS) == 4
    for severity in Severity:
        row, cell = _channels(ROW_FILLS[severity]), _channels(CELL_FILLS[severity])
        assert all(c <= r for c, r in zip(cell, row, strict=True)) and sum(cell) < sum(row) - 90
    assert "FFFFC000" not in OUR_RGBS  # Excel's standard gold: a user's fill, never ours


def _channels(argb: str) -> tuple[int, int, int]:
    return int(argb[2:4], 16), int(argb[4:6], 16), int(argb[6:8], 16)


def test_a_finding_on_a_row_outside_the_lines_still_gets_its_row():
    plan = plan_marks(_result(findings=(DX,), line_rows=(5,)))
    assert plan.rows == (RowMark(5, None, None, "OK", ""),
                         RowMark(7, W, WARNING_ROW_RGB, "warning", DX_LINE))


def test_a_finding_on_the_header_row_is_listed_but_not_painted():
    failed = _finding("INF099", "rule-failed", E, 4, None, None, None,
                      "The rule could not run on this sheet", None, encounter=None)
    plan = plan_marks(_result(findings=(failed, DX), line_rows=(5, 7)))
    assert plan.rows == (RowMark(5, None, None, "OK", ""),
                         RowMark(7, W, WARNING_ROW_RGB, "warning", DX_LINE))
    assert [c.coordinate for c in plan.cells] == ["D7"]
    assert [(i.rule, i.link) for i in plan.issues] == [("INF099", f"{QUOTED}!A4"),
                                                       ("INF014", f"{QUOTED}!D7")]


def test_long_values_and_line_breaks_stay_on_one_line():
    note = _finding("INF017", "missing-documentation", W, 5, "Notes", "K",
                    "given over\n2 hours " + "x" * 60, "Route missing\nfrom the order", None)
    assert plan_marks(_result(findings=(note,))).rows[0].findings == (
        "Notes (K = 'given over 2 hours xxxxxxxxxxxxxxxxxxxx…'): Route missing from the "
        "order [INF017 missing-documentation]")


def test_findings_text_is_capped_at_the_excel_cell_limit_with_a_visible_note():
    # 400 findings of exactly 100 characters each: 101 per line with its newline.
    many = [_finding("INF001", "missing-time", E, 5, None, None, None, "x" * 72, None)
            for _ in range(400)]
    line = "Line: " + "x" * 72 + " [INF001 missing-time]"
    assert len(line) == 100
    text = plan_marks(_result(findings=many)).rows[0].findings
    # 324 lines (32,723 characters) + a newline + the 38-character note = 32,762 <= 32,767;
    # a 325th line would need 101 more.
    assert text == "\n".join([line] * 324 + ["… (76 more findings, see Issues sheet)"])
    assert len(text) == 32_762 <= CELL_TEXT_LIMIT


def test_cap_keeps_exactly_the_lines_that_fit_beside_the_note():
    a, b, c = "a" * 50, "b" * 50, "c" * 50
    two_kept = f"{a}\n{b}\n… (1 more finding, see Issues sheet)"
    assert len(two_kept) == 138
    assert cap_cell_text([a, b, c], limit=138) == two_kept
    assert cap_cell_text([a, b, c], limit=137) == f"{a}\n… (2 more findings, see Issues sheet)"
    assert cap_cell_text([a, b, c], limit=152) == f"{a}\n{b}\n{c}"


def test_one_finding_longer_than_a_cell_is_cut_visibly():
    huge = _finding("INF001", "missing-time", E, 5, None, None, None, "y" * 40_000, None)
    alone = plan_marks(_result(findings=(huge,))).rows[0].findings
    assert len(alone) == CELL_TEXT_LIMIT
    tail = "… (cut, see Issues sheet)"  # the text still points to the Issues sheet
    assert alone == ("Line: " + "y" * 40_000)[:CELL_TEXT_LIMIT - len(tail)] + tail
    with_next = plan_marks(_result(findings=(huge, replace(NO_STOP, row=5)))).rows[0].findings
    note = "\n… (1 more finding, see Issues sheet)"
    assert len(with_next) == CELL_TEXT_LIMIT and with_next.endswith("y…" + note)


def test_plan_round_trips_through_json_and_pickle():
    plan = plan_marks(_result())
    data = json.loads(json.dumps(plan.to_dict()))
    assert MarkPlan.from_dict(data) == plan
    assert pickle.loads(pickle.dumps(plan)) == plan
    assert data["cells"][0] == {"row": 6, "column_letter": "F", "column_index": 5,
                                "severity": "error", "fill": ERROR_CELL_RGB,
                                "rules": ["INF011", "INF016"]}
    assert data["rows"][0] == {"row": 5, "severity": None, "fill": None, "status": "OK",
                               "findings": ""}
    assert data["issues_headers"] == list(ISSUES_HEADERS)
    assert data["issues"][4]["link"] == f"{QUOTED}!A8"


def test_column_index_of_letters():
    assert [column_index(x) for x in ("A", "D", "Z", "AA", "AZ", "XFD")] == [
        0, 3, 25, 26, 51, 16383]
    for bad in ("", "A1", "Ä"):
        with pytest.raises(ValueError, match="not a column letter"):
            column_index(bad)


def test_the_plan_module_imports_no_writer_and_no_io():
    tree = ast.parse(Path(plan_module.__file__).read_text())
    imported = set()
    for node in tree.body:  # top level only; the TYPE_CHECKING block is for annotations
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert imported == {"__future__", "bisect", "collections", "collections.abc", "dataclasses",
                        "itertools", "operator", "types", "typing", "scrubber.fields",
                        "scrubber.findings"}


def test_the_plan_does_not_load_openpyxl():
    """The add-in's painter needs only the plan; openpyxl is the file writer's business."""
    import subprocess
    import sys

    code = ("import sys\nfrom scrubber.mark.plan import plan_marks\n"
            "assert 'openpyxl' not in sys.modules, 'openpyxl imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
