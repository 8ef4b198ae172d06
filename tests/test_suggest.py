"""``scrubber suggest``: administration logs and charge exports in, coded lines out."""

from __future__ import annotations

import json

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


def test_json_shape_is_exact(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    result = runner.invoke(app, ["suggest", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["encounters"]
    first = data["encounters"][0]
    assert list(first) == ["encounter", "setting", "lines"]
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
