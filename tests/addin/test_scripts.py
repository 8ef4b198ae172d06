"""The Scrub, Clear marks and Suggest codes scripts, run through xlwings' own runtime.

Each test sends a workbook payload as Office.js does (:mod:`officejs`) to
``xlwings.server.custom_scripts_call`` and reads the actions the runtime would send back to
Excel: which cells get which fill, what is written where, which sheets are added, hidden or
deleted. The marks must equal what the CLI finds on the same workbook file.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
import xlwings as xw
from officejs import apply, fills, payload, sheet_values
from typer.testing import CliRunner
from xlwings.server import custom_scripts_call, custom_scripts_meta

import addin
from addin.painter import RECORD_SHEET
from addin.scripts import ScrubError
from addin.settings import SETTINGS_SHEET
from scrubber import scrub
from scrubber.cli import app
from scrubber.mark.plan import CELL_FILLS, ROW_FILLS, plan_marks

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def run(script: str, data: dict[str, object]) -> tuple[dict[str, object], list[dict]]:
    """Run a script on a payload: (the payload after its actions, the actions)."""
    book = xw.Book(json=copy.deepcopy(data))  # the runtime's model changes its payload
    done = asyncio.run(custom_scripts_call(addin, script, typehint_to_value={xw.Book: book}))
    actions = done.json()["actions"]
    return apply(data, actions), actions


def sheet_payload(path: Path, sheet: str, **extra: list[list[object]]) -> dict[str, object]:
    return payload({sheet: sheet_values(path, sheet), **extra})


def expected_fills(path: Path, findings_column: int) -> dict[tuple[int, int], str]:
    """(row, column) -> '#RRGGBB' that the CLI's mark plan paints on the file."""
    plan = plan_marks(scrub(path).files[0])
    out = {}
    for mark in plan.rows:
        if mark.fill:
            for column in range(1, findings_column + 1):
                out[(mark.row, column)] = f"#{mark.fill[-6:]}".lower()
    for cell in plan.cells:
        out[(cell.row, cell.column_index + 1)] = f"#{cell.fill[-6:]}".lower()
    return out


def values_of(data: dict[str, object], name: str) -> list[list[object]]:
    return next(s["values"] for s in data["sheets"] if s["name"] == name)


@pytest.mark.parametrize("sample", ["infusion_export.xlsx", "clean_export.xlsx"])
def test_scrub_marks_exactly_what_the_cli_flags(sample: str) -> None:
    path = SAMPLES / sample
    sheet = openpyxl.load_workbook(path, read_only=True).sheetnames[0]
    data = sheet_payload(path, sheet)
    width = len(data["sheets"][0]["values"][0])
    after, actions = run("scrub", data)
    painted = fills(actions, 0)
    assert painted == expected_fills(path, width + 2)
    result = scrub(path).files[0]
    flagged = {f.row for f in result.findings if f.row > result.header_row}
    assert {row for row, _ in painted} == flagged
    # the status columns sit right of the table, one per charge line
    values = values_of(after, sheet)
    assert values[result.header_row - 1][width:width + 2] == ["Scrub Status", "Scrub Findings"]
    statuses = {row + 1: r[width] for row, r in enumerate(values) if row + 1 > result.header_row}
    for mark in plan_marks(result).rows:
        assert statuses[mark.row] == mark.status
    issues = values_of(after, "Issues")
    assert len([r for r in issues[1:] if r[0] != ""]) == len(result.findings)


def test_cell_fills_are_stronger_than_row_fills_and_match_severity() -> None:
    path = SAMPLES / "infusion_export.xlsx"
    _, actions = run("scrub", sheet_payload(path, "Charges"))
    colours = set(fills(actions, 0).values())
    assert colours <= {f"#{c[-6:]}".lower() for c in (*ROW_FILLS.values(), *CELL_FILLS.values())}
    assert f"#{CELL_FILLS[next(iter(CELL_FILLS))][-6:]}".lower() in colours


def test_second_scrub_replaces_rather_than_stacks() -> None:
    path = SAMPLES / "infusion_export.xlsx"
    once, first = run("scrub", sheet_payload(path, "Charges"))
    twice, second = run("scrub", once)
    assert [s["name"] for s in twice["sheets"]] == [s["name"] for s in once["sheets"]]
    assert not [a for a in second if a["func"] == "addSheet" and a["args"][1] != SETTINGS_SHEET]
    # the old marks are cleared first, then the same marks painted again
    assert fills(second, 0) == {**{k: None for k in fills(first, 0)}, **fills(first, 0)}
    assert values_of(twice, "Charges") == values_of(once, "Charges")
    # the Issues table (the summary beside it says when it was scrubbed)
    assert [r[:11] for r in values_of(twice, "Issues")] == \
        [r[:11] for r in values_of(once, "Issues")]


def test_clear_marks_undoes_scrub() -> None:
    path = SAMPLES / "infusion_export.xlsx"
    data = sheet_payload(path, "Charges")
    marked, first = run("scrub", data)
    cleared, actions = run("clear_marks", marked)
    assert fills(actions, 0) == {cell: None for cell in fills(first, 0)}
    names = [s["name"] for s in cleared["sheets"]]
    assert "Issues" not in names and RECORD_SHEET not in names
    width = len(data["sheets"][0]["values"][0])
    assert all(all(v == "" for v in row[width:]) for row in values_of(cleared, "Charges"))
    assert [row[:width] for row in values_of(cleared, "Charges")] == \
        data["sheets"][0]["values"]


def test_clear_marks_without_marks_says_so() -> None:
    with pytest.raises(ScrubError, match="nothing to clear"):
        run("clear_marks", payload({"Charges": [["Encounter", "CPT"], ["E1", "96365"]]}))


def test_time_only_cells_and_midnight_crossings_read_as_the_file_does(tmp_path: Path) -> None:
    """Time-only cells arrive on 1899-12-30: a hydration 23:00-01:30 crosses midnight (no
    stop-before-start), and the marks equal the CLI's on the same sheet as a file."""
    rows = [["Encounter", "Date of Service", "CPT", "Units", "Start Time", "Stop Time",
             "Route", "Drug", "Diagnosis"],
            ["E1", dt.date(2026, 3, 2), "96360", 1, dt.time(23, 0), dt.time(1, 30), "IV",
             "Normal saline", "E86.0"],
            ["E1", dt.date(2026, 3, 2), "96361", 2, None, None, "IV", "Normal saline",
             "E86.0"],
            ["E1", dt.date(2026, 3, 2), "J7030", 2, None, None, None, "Normal saline",
             "E86.0"],
            ["E2", dt.date(2026, 3, 2), "96365", 1, dt.time(22, 50), dt.time(0, 5), "IV",
             "Ceftriaxone", "J18.9"],
            ["E2", dt.date(2026, 3, 2), "J0696", 4, None, None, None, "Ceftriaxone", "J18.9"]]
    path = tmp_path / "night.xlsx"
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.active.title = "Night"
    book.save(path)
    _, actions = run("scrub", sheet_payload(path, "Night"))
    result = scrub(path).files[0]
    assert not [f for f in result.findings if f.name == "stop-before-start"]
    assert fills(actions, 0) == expected_fills(path, len(rows[0]) + 2)
    assert {r for r, _ in fills(actions, 0)} == {f.row for f in result.findings}


def test_a_users_own_issues_sheet_is_kept() -> None:
    path = SAMPLES / "infusion_export.xlsx"
    mine = [["my notes"], ["keep me"]]
    data = sheet_payload(path, "Charges", Issues=mine)
    after, _ = run("scrub", data)
    assert values_of(after, "Issues") == mine
    assert "Scrub Issues" in [s["name"] for s in after["sheets"]]
    cleared, _ = run("clear_marks", after)
    assert values_of(cleared, "Issues") == mine
    assert "Scrub Issues" not in [s["name"] for s in cleared["sheets"]]


def test_settings_sheet_is_created_with_defaults_and_read() -> None:
    """A push billed initial before an infusion breaks the facility hierarchy (INF009);
    on a professional claim the hierarchy does not apply."""
    rows = [["Encounter", "CPT", "Units", "Start Time", "Stop Time", "Route", "Drug"],
            ["E1", "96374", 1, "1899-12-30T09:00:00.000Z", "1899-12-30T09:03:00.000Z",
             "IV push", "Ondansetron"],
            ["E1", "96367", 1, "1899-12-30T10:00:00.000Z", "1899-12-30T10:45:00.000Z", "IV",
             "Ceftriaxone"]]
    after, _ = run("scrub", payload({"Charges": rows}))
    settings = values_of(after, SETTINGS_SHEET)
    assert settings[0][:2] == ["Option", "Value"]
    assert settings[1][:2] == ["setting", "facility"]
    assert "INF009" in {r[2] for r in values_of(after, "Issues")[1:]}
    settings[1][1] = "professional"
    professional, _ = run("scrub", after)
    assert "INF009" not in {r[2] for r in values_of(professional, "Issues")[1:]}


def test_a_bad_setting_is_one_clear_message() -> None:
    data = payload({"Charges": [["Encounter", "CPT"], ["E1", "96365"]],
                    SETTINGS_SHEET: [["Option", "Value"], ["colour", "red"]]})
    with pytest.raises(ScrubError, match="colour"):
        run("scrub", data)


def test_scrub_on_our_own_sheet_asks_for_the_charge_sheet() -> None:
    data = payload({"Charges": [["Encounter", "CPT"], ["E1", "96365"]],
                    SETTINGS_SHEET: [["Option", "Value"]]}, active=1)
    with pytest.raises(ScrubError, match="charge lines"):
        run("scrub", data)


def test_text_that_looks_like_a_formula_is_written_as_text() -> None:
    rows = [["Encounter", "CPT", "Units", "Drug", "Diagnosis"],
            ["E1", "=1+1", 1, "=HYPERLINK(\"http://x\",\"y\")", "E86.0"]]
    after, actions = run("scrub", payload({"Charges": rows}))
    written = [v for a in actions if a["func"] == "setValues"
               for row in a["values"] for v in row if isinstance(v, str)]
    assert not [v for v in written if v.startswith(("=", "+", "-", "@"))]
    assert "'=1+1" in written
    links = [v for a in actions if a["func"] == "setFormula" for row in a["values"]
             for v in row]
    assert links and all(v.startswith('=HYPERLINK("#\'Charges\'!') for v in links)


def test_suggest_codes_writes_the_engine_lines_and_the_differences() -> None:
    rows = [["Encounter", "CPT", "Units", "Start Time", "Stop Time", "Route", "Drug"],
            ["E1", "96365", 1, "1899-12-30T10:00:00.000Z", "1899-12-30T11:45:00.000Z", "IV",
             "Infliximab"],
            ["E1", "96366", 2, "", "", "IV", "Infliximab"]]
    after, _ = run("suggest_codes", payload({"Charges": rows}))
    sheet = values_of(after, "Suggested Codes")
    codes = [(r[0], r[2], r[3]) for r in sheet[2:] if r[2] in ("96365", "96366")]
    assert ("E1", "96365", 1) in codes and ("E1", "96366", 1) in codes
    assert ["E1", "", "96366", 2, 1, "units differ"] in [r[:6] for r in sheet]
    again, actions = run("suggest_codes", after)
    assert not [a for a in actions if a["func"] == "addSheet"]
    assert values_of(again, "Suggested Codes") == sheet


def test_scripts_are_registered_with_xlwings() -> None:
    names = {entry["function_name"] for entry in custom_scripts_meta(addin)}
    assert {"scrub", "clear_marks", "suggest_codes"} <= names


def test_clear_marks_refuses_when_the_scrubbed_sheet_was_renamed() -> None:
    path = SAMPLES / "infusion_export.xlsx"
    marked, _ = run("scrub", sheet_payload(path, "Charges"))
    marked["sheets"][0]["name"] = "Oct"
    with pytest.raises(ScrubError, match="'Charges'.*no longer"):
        run("clear_marks", marked)


def test_a_marked_copys_issues_sheet_is_replaced_not_kept(tmp_path: Path) -> None:
    """A copy the CLI marked has our Issues sheet (our headers): Scrub replaces it."""
    source = tmp_path / "charges.xlsx"
    shutil.copy(SAMPLES / "infusion_export.xlsx", source)
    CliRunner().invoke(app, ["scrub", str(source)])
    marked = tmp_path / "charges.scrubbed.xlsx"
    data = payload({name: sheet_values(marked, name) for name in ("Charges", "Issues")})
    after, _ = run("scrub", data)
    names = [s["name"] for s in after["sheets"]]
    assert "Scrub Issues" not in names
    result = scrub(SAMPLES / "infusion_export.xlsx").files[0]
    assert len([r for r in values_of(after, "Issues")[1:] if r[0] != ""]) == \
        len(result.findings)


def test_a_header_without_lines_is_refused() -> None:
    with pytest.raises(ScrubError, match="no charge lines"):
        run("scrub", payload({"Charges": [["Encounter", "CPT", "Units", "Drug"]]}))


def test_row_fills_start_at_the_tables_first_column() -> None:
    rows = [["", "", "Encounter", "CPT", "Units", "Start Time", "Stop Time", "Route", "Drug"],
            ["", "", "E1", "96365", 1, "1899-12-30T10:00:00.000Z", "1899-12-30T10:10:00.000Z",
             "IV", "Ondansetron"]]
    _, actions = run("scrub", payload({"Charges": rows}))
    painted = fills(actions, 0)
    assert painted and min(column for _, column in painted) == 3


def test_settings_words_in_any_case_and_errors_name_the_option() -> None:
    rows = [["Encounter", "CPT", "Units", "Start Time", "Stop Time", "Route", "Drug"],
            ["E1", "96374", 1, "1899-12-30T09:00:00.000Z", "1899-12-30T09:03:00.000Z",
             "IV push", "Ondansetron"],
            ["E1", "96367", 1, "1899-12-30T10:00:00.000Z", "1899-12-30T10:45:00.000Z", "IV",
             "Ceftriaxone"]]
    settings = [["Option", "Value"], ["setting", "Professional"],
                ["payers.medicare.jw_jz", True], ["payer", "Medicare"]]
    after, _ = run("scrub", payload({"Charges": rows, SETTINGS_SHEET: settings}))
    assert "INF009" not in {r[2] for r in values_of(after, "Issues")[1:]}
    settings[1][1] = "hospital"
    with pytest.raises(ScrubError, match="setting") as caught:
        run("scrub", payload({"Charges": rows, SETTINGS_SHEET: settings}))
    assert "payers.medicare" not in str(caught.value)


def test_suggest_codes_dates_each_line_and_lists_what_cannot_be_coded() -> None:
    rows = [["Encounter", "Date of Service", "CPT", "Units", "Start Time", "Stop Time",
             "Route", "Drug"],
            ["E1", "2026-10-05", "96374", 1, "10:00", "10:02", "IV push", "Ondansetron"],
            ["E1", "2026-10-06", "96375", 1, "09:00", "09:02", "IV push", "Morphine"],
            ["E2", "2026-10-05", "96378", 1, "10:00", "10:02", "IV push", "Ondansetron"]]
    after, _ = run("suggest_codes", payload({"Charges": rows}))
    sheet = values_of(after, "Suggested Codes")
    assert sheet[1] == ["Encounter", "Date", "Code", "Units", "Modifiers", "Rows", "Reason"]
    assert [r[:4] for r in sheet[2:4]] == [["E1", "2026-10-05", "96374", 1],
                                           ["E1", "2026-10-06", "96375", 1]]
    assert sheet[4][0] == "E2" and sheet[4][6].startswith("cannot be coded: row 4: 96378")
    assert ["E2", "", "", "", "", "cannot be coded"] in [r[:6] for r in sheet]
