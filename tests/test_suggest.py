"""``scrubber suggest``: administration logs and charge exports in, coded lines out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from scrubber import Config
from scrubber.cli import app
from scrubber.suggest import suggest
from tests.conftest import SAMPLES

runner = CliRunner()
LOG = ("Encounter ID,Date of Service,Drug,Route,Kind,Start Time,Stop Time,Site,Primary\n"
       "A1,2026-10-05,Infliximab,IV,,10:00,11:45,,\n"
       "A1,2026-10-05,Diphenhydramine,IV push,,09:50,09:52,,\n"
       "A2,2026-10-05,Morphine,IV push,,10:00,10:02,,\n"
       "A2,2026-10-05,Morphine,IV push,,10:45,10:47,,\n")


def _documented_shape() -> tuple[list[str], list[str]]:
    """The encounter and line keys the README's suggest section documents for --format
    json."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    shape = re.search(r'prints exactly `(\{"encounters".*?)`', readme, re.S).group(1)
    line = re.search(r'LINE = `(\{.*?\})`', readme, re.S).group(1)
    encounter = re.search(r'\[\{(.*)\}\]\}$', shape, re.S).group(1)
    return re.findall(r'"(\w+)"', encounter), re.findall(r'"(\w+)"', line)


def test_json_shape_is_exact(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    result = runner.invoke(app, ["suggest", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["encounters"]
    first = data["encounters"][0]
    encounter_keys, line_keys = _documented_shape()
    assert line_keys == ["date", "code", "units", "modifiers", "rows", "reason"]
    # an administration log has no billed lines: "billed" is left out
    assert list(first) == [k for k in encounter_keys if k != "billed"]
    assert list(first) == ["encounter", "setting", "lines", "notes"]
    assert (first["encounter"], first["setting"]) == ("A1", "facility")
    assert [list(line) for line in first["lines"]] == [
        ["date", "code", "units", "modifiers", "rows", "reason"]] * 3
    assert [(x["date"], x["code"], x["units"], x["modifiers"], x["rows"])
            for x in first["lines"]] == [("2026-10-05", "96365", 1, [], [2]),
                                         ("2026-10-05", "96366", 1, [], [2]),
                                         ("2026-10-05", "96375", 1, [], [3])]
    assert "105 min" in first["lines"][0]["reason"]
    assert data == suggest(path).to_dict()


def test_setting_changes_repeat_pushes(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    facility = runner.invoke(app, ["suggest", str(path), "-f", "json"]).stdout
    office = runner.invoke(app, ["suggest", str(path), "-f", "json", "--setting",
                                 "professional"]).stdout
    codes = [[x["code"] for x in e["lines"]] for e in json.loads(facility)["encounters"]]
    assert codes[1] == ["96374", "96376"]
    codes = [[x["code"] for x in e["lines"]] for e in json.loads(office)["encounters"]]
    assert codes[1] == ["96374"]
    assert json.loads(office)["encounters"][1]["setting"] == "professional"


def test_text_output_gives_reasons_and_what_is_not_billed(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG + "A3,2026-10-05,Normal saline,IV,hydration,10:00,10:20,,\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["suggest", str(path)])
    assert "96365 x1" in result.stdout and "A3 (facility)" in result.stdout
    assert "not billed" in result.stdout and "under 31 min" in result.stdout


def test_charge_export_uses_its_administration_rows():
    result = suggest(SAMPLES / "clean_export.xlsx")
    assert len(result.encounters) == 40
    frame = pd.read_excel(SAMPLES / "clean_export.xlsx", header=3, dtype=object,
                          engine="openpyxl")
    billed = frame[frame["HCPCS"].astype(str).str.startswith("96")]
    # the clean export is coded right: suggestions match what was billed, unit for unit
    for encounter in result.encounters:
        lines = billed[billed["Visit ID"] == encounter.encounter]
        want = lines.groupby(lines["HCPCS"].astype(str))["Qty"].sum().to_dict()
        got = {}
        for line in encounter.lines:
            got[line.code] = got.get(line.code, 0) + line.units
        assert got == want, encounter


def test_bad_input_is_one_line(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("Encounter ID,Drug,Route\nA1,Infliximab,IV\n", encoding="utf-8")
    result = runner.invoke(app, ["suggest", str(path)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "lacks columns for coding" in result.stderr
    missing = runner.invoke(app, ["suggest", str(tmp_path / "nope.xlsx")])
    assert missing.exit_code == 2 and "nope.xlsx" in missing.stderr


def test_dataframe_in_with_drug_kind_override():
    frame = pd.DataFrame({"Encounter ID": ["E1"], "Drug": ["Rituximab"], "Route": ["IV"],
                          "Start Time": ["09:00"], "Stop Time": ["10:00"]})
    assert suggest(frame).encounters[0].lines[0].code == "96413"
    config = Config(drug_kinds={"rituximab": "therapeutic"})
    assert suggest(frame, config).encounters[0].lines[0].code == "96365"


def test_a_log_with_drug_codes_still_codes_every_row():
    frame = pd.DataFrame({"Encounter ID": ["E1", "E1"], "HCPCS": ["J1745", "J2405"],
                          "Drug": ["Infliximab", "Ondansetron"], "Route": ["IV", "IVP"],
                          "Start Time": ["10:00", "09:50"], "Stop Time": ["11:00", "09:52"]})
    lines = suggest(frame).encounters[0].lines
    assert [(x.code, x.units) for x in lines] == [("96365", 1), ("96375", 1)]


STAY = ("Encounter ID,Date of Service,Drug,Route,Kind,Start Time,Stop Time,Stop Date\n"
        "OBS1,2026-10-05,Vancomycin,IV,,20:00,21:30,\n"
        "OBS1,2026-10-05,Ondansetron,IV push,,21:40,21:42,\n"
        "OBS1,2026-10-05,Normal saline,IV,hydration,22:00,01:00,2026-10-06\n"
        "OBS1,2026-10-06,Ondansetron,IV push,,08:00,08:02,\n"
        "OBS1,2026-10-06,Ceftriaxone,IV,,09:00,10:00,\n"
        "OBS1,2026-10-06,Morphine,IV push,,12:00,12:02,\n")


def test_a_multi_day_stay_reports_lines_per_date_of_service(tmp_path):
    """An observation stay over two dates (CMS Transmittal 2130: one initial for the stay):
    each line carries the date its service started, the hydration's hours past midnight stay
    on the day it started, and a code given on both dates (96375) is a line per date."""
    path = tmp_path / "stay.csv"
    path.write_text(STAY, encoding="utf-8")
    data = json.loads(runner.invoke(app, ["suggest", str(path), "-f", "json"]).stdout)
    lines = [(x["date"], x["code"], x["units"], x["rows"])
             for x in data["encounters"][0]["lines"]]
    assert lines == [("2026-10-05", "96365", 1, [2]), ("2026-10-05", "96375", 1, [3]),
                     ("2026-10-05", "96361", 3, [4]), ("2026-10-06", "96376", 1, [5]),
                     ("2026-10-06", "96367", 1, [6]), ("2026-10-06", "96375", 1, [7])]
    text = runner.invoke(app, ["suggest", str(path)]).stdout
    assert "  2026-10-05  96361 x3  (rows 4)" in text
    assert "  2026-10-06  96375 x1  (rows 7)" in text


def test_lines_without_any_date_have_a_null_date():
    frame = pd.DataFrame({"Encounter ID": ["E1"], "Drug": ["Ceftriaxone"], "Route": ["IV"],
                          "Start Time": ["09:00"], "Stop Time": ["10:00"]})
    line = suggest(frame).to_dict()["encounters"][0]["lines"][0]
    assert (line["date"], line["code"]) == (None, "96365")


# A charge export, billed vs right (issue 11 item 8): E1 bills a wrong add-on count, E2 misses
# the hydration's 96361, E3 has a broken code, E4 a drug line and no administration, E5 is
# right. Drug J-code lines are not compared.
EXPORT = ("Encounter ID,Date of Service,CPT,Modifier,Units,Start Time,Stop Time,Route,Drug\n"
          "E1,2026-10-05,96365,,1,10:00,11:45,IV,Infliximab\n"
          "E1,2026-10-05,96366,,2,,,IV,Infliximab\n"
          "E1,2026-10-05,J1745,,40,,,IV,Infliximab\n"
          "E2,2026-10-05,96360,,1,13:00,16:00,IV,Normal saline\n"
          "E2,2026-10-05,J7030,,1,,,IV,Normal saline\n"
          "E3,2026-10-05,96365,,1,09:00,10:00,IV,Ceftriaxone\n"
          "E3,2026-10-05,96378,,1,10:05,10:07,IV push,Ondansetron\n"
          "E3,2026-10-05,J2405,,4,,,IV push,Ondansetron\n"
          "E4,2026-10-05,J0897,,60,,,SC,Denosumab\n"
          "E5,2026-10-05,96372,,1,08:00,08:01,IM,Ceftriaxone\n"
          "E5,2026-10-05,J0696,,4,,,IM,Ceftriaxone\n")


def _lines(lines):
    return [(x["date"], x["code"], x["units"], x["modifiers"], x["rows"]) for x in lines]


def test_billed_versus_right_json(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    result = runner.invoke(app, ["suggest", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == suggest(path).to_dict()
    e1, e2, e3, e4, e5 = data["encounters"]
    assert [e["encounter"] for e in data["encounters"]] == ["E1", "E2", "E3", "E4", "E5"]
    assert all(list(e) == _documented_shape()[0] for e in data["encounters"])
    day = "2026-10-05"
    # a wrong add-on count: 105 minutes bill 96366 x1, not x2
    assert _lines(e1["billed"]) == [(day, "96365", 1, [], [2]), (day, "96366", 2, [], [3])]
    assert _lines(e1["lines"]) == [(day, "96365", 1, [], [2]), (day, "96366", 1, [], [2])]
    assert [x["reason"] for x in e1["billed"]] == [
        "as the documentation supports", "billed x2; the documentation supports x1"]
    # a missing code: 180 minutes of hydration are 96360 + 96361 x2
    assert _lines(e2["billed"]) == [(day, "96360", 1, [], [5])]
    assert _lines(e2["lines"]) == [(day, "96360", 1, [], [5]), (day, "96361", 2, [], [5])]
    # cannot be coded: listed with the reason, what was billed kept
    assert e3["lines"] == [] and _lines(e3["billed"]) == [(day, "96365", 1, [], [7]),
                                                          (day, "96378", 1, [], [8])]
    assert e3["notes"] == ["cannot be coded: row 8: 96378 is not a CPT administration code, "
                           "so which administration it bills is not known"]
    assert e4["lines"] == [] and e4["billed"] == []
    assert e4["notes"] == ["cannot be coded: no administration row to code from (billed: "
                           "J0897): is its administration code missing?"]
    assert _lines(e5["billed"]) == _lines(e5["lines"]) == [(day, "96372", 1, [], [11])]
    assert e5["notes"] == []


def test_billed_versus_right_text_marks_each_difference(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    text = runner.invoke(app, ["suggest", str(path)], env={"COLUMNS": "100"}).stdout
    assert text.splitlines()[0].endswith("5 encounter(s): 1 billed as the documentation "
                                         "supports, 2 differ, 2 cannot be coded")
    marked = [line for line in text.splitlines() if line.startswith("  !")]
    assert marked == ["  ! 2026-10-05  96366 x2  96366 x1   units differ",
                      "  ! 2026-10-05  -         96361 x2   missing from the bill"]
    assert "E5 (facility): billed as the documentation supports" in text
    assert "    2026-10-05  96372 x1  96372 x1\n" in text
    assert "E3 (facility): cannot be coded: row 8: 96378" in text
    assert "J1745" not in text and "\x1b" not in text


def test_diff_prints_only_what_differs_and_exits_1(tmp_path, monkeypatch):
    """The README's example is this run's output, exactly."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export.csv").write_text(EXPORT, encoding="utf-8")
    result = runner.invoke(app, ["suggest", "export.csv", "--diff"], env={"COLUMNS": "100"})
    assert result.exit_code == 1
    assert "E5 (facility)" not in result.stdout
    assert [line.split(" (")[0] for line in result.stdout.splitlines()
            if line.startswith("E")] == ["E1", "E2", "E3", "E4"]
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```\n\$ scrubber suggest export.csv --diff\n(.*?)```", readme,
                        re.S).group(1)
    assert result.stdout == example
    data = json.loads(runner.invoke(app, ["suggest", "export.csv", "--diff", "-f",
                                          "json"]).stdout)
    assert [e["encounter"] for e in data["encounters"]] == ["E1", "E2", "E3", "E4"]
    assert runner.invoke(app, ["suggest", "export.csv"]).exit_code == 0


def test_diff_on_a_right_bill_prints_no_encounter_and_exits_0():
    result = runner.invoke(app, ["suggest", str(SAMPLES / "clean_export.xlsx"), "--diff"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{SAMPLES / 'clean_export.xlsx'} (sheet Charges): 40 encounter(s): 40 billed as the "
        f"documentation supports, 0 differ, 0 cannot be coded"]


def test_diff_on_a_log_is_a_usage_error(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    result = runner.invoke(app, ["suggest", str(path), "--diff"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "bills none" in result.stderr


def test_billed_lines_compare_per_date_of_service(tmp_path):
    """An infusion over midnight is dated by the day it started, its hour past midnight
    included: its 96366 billed on the next date is a difference of date."""
    rows = ("Encounter ID,Date of Service,CPT,Units,Start Time,Stop Time,Route,Drug\n"
            "OBS1,2026-10-05,96365,1,23:00,01:30,IV,Vancomycin\n"
            "OBS1,2026-10-06,96366,1,,,IV,Vancomycin\n")
    path = tmp_path / "stay.csv"
    path.write_text(rows, encoding="utf-8")
    compared = suggest(path).encounters[0].compared()
    assert [(c.date, c.code, c.billed_units, c.supported_units, c.status)
            for c in compared] == [("2026-10-05", "96365", 1, 1, ""),
                                   ("2026-10-05", "96366", 0, 1, "missing from the bill"),
                                   ("2026-10-06", "96366", 1, 0, "not supported")]
    path.write_text(rows.replace("2026-10-06", "2026-10-05"), encoding="utf-8")
    assert not suggest(path).encounters[0].differs


def test_a_distinct_service_modifier_matches_whichever_is_billed(tmp_path):
    """A second site's initial is supported with XS; 59 billed there is not a coding
    difference (which one to use is the modifier rule's concern), a missing one is."""
    rows = ("Encounter ID,Date of Service,CPT,Modifier,Units,Start Time,Stop Time,Route,Drug,"
            "Site\n"
            "E1,2026-10-05,96365,,1,10:00,11:00,IV,Vancomycin,L forearm\n"
            "E1,2026-10-05,96365,{m},1,10:05,10:50,IV,Amphotericin,R hand\n")
    path = tmp_path / "sites.csv"
    path.write_text(rows.format(m="59"), encoding="utf-8")
    encounter = suggest(path).encounters[0]
    assert [(x.code, x.modifiers) for x in encounter.lines] == [("96365", ()),
                                                                ("96365", ("XS",))]
    assert not encounter.differs
    path.write_text(rows.format(m=""), encoding="utf-8")
    compared = suggest(path).encounters[0].compared()
    assert [(c.code, c.billed_units, c.supported_units, c.status) for c in compared] == [
        ("96365", 2, 1, "units differ"), ("96365", 0, 1, "missing from the bill")]


def test_unreadable_units_and_times(tmp_path):
    rows = ("Encounter ID,Date of Service,CPT,Units,Start Time,Stop Time,Route,Drug\n"
            "E1,2026-10-05,96372,one,08:00,08:01,IM,Ceftriaxone\n"
            "E2,2026-10-05,96365,1,10:00,25:75,IV,Vancomycin\n")
    path = tmp_path / "odd.csv"
    path.write_text(rows, encoding="utf-8")
    e1, e2 = suggest(path).encounters
    assert [(x.code, x.units, x.reason) for x in e1.billed] == [
        ("96372", 0, "billed x0; the documentation supports x1; row 2: units cannot be read, "
                     "counted as 0")]
    assert e2.problem == "row 3: the stop time cannot be read" and e2.lines == ()
    text = runner.invoke(app, ["suggest", str(path)]).stdout
    assert "  ! 2026-10-05  96372 x0  96372 x1   units differ (units cannot be read)" in text


def test_a_log_row_with_an_unreadable_time_is_listed_with_the_reason(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG + "A3,2026-10-05,Vancomycin,IV,,10:00,1o:45,,\n", encoding="utf-8")
    result = runner.invoke(app, ["suggest", str(path), "-f", "json"])
    a3 = json.loads(result.stdout)["encounters"][2]
    assert (a3["encounter"], a3["lines"], a3["notes"]) == (
        "A3", [], ["cannot be coded: row 6: the stop time cannot be read"])
    assert "billed" not in a3
    text = runner.invoke(app, ["suggest", str(path)]).stdout
    assert "A3 (facility): cannot be coded: row 6: the stop time cannot be read\n" in text


def test_an_encounter_without_drug_or_administration_lines_has_nothing_to_code(tmp_path):
    """An E/M visit in a charge export is listed, not flagged: nothing billed, nothing to
    bill; an encounter with only a drug line cannot be coded (its administration?)."""
    rows = ("Encounter ID,Date of Service,CPT,Units,Start Time,Stop Time,Route,Drug\n"
            "E1,2026-10-05,96372,1,08:00,08:01,IM,Ceftriaxone\n"
            "E2,2026-10-05,99283,1,,,,\n"
            "E3,2026-10-05,J0696,4,,,IM,Ceftriaxone\n")
    path = tmp_path / "visits.csv"
    path.write_text(rows, encoding="utf-8")
    e1, e2, e3 = suggest(path).encounters
    assert (e2.encounter, e2.lines, e2.billed, e2.notes, e2.problem, e2.differs) == (
        "E2", (), (), ("no administration documented",), "", False)
    assert e3.problem.startswith("no administration row to code from (billed: J0696)")
    result = runner.invoke(app, ["suggest", str(path), "--diff"])
    assert result.exit_code == 1
    assert [line.split(" (")[0] for line in result.stdout.splitlines()[1:]
            if line[:1] == "E"] == ["E3"]
