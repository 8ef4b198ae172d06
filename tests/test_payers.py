"""Payer per line: a [payers.NAME] profile with ``match`` checks the lines whose Payer
(Insurance, Plan, Financial Class) cell names it; every other line the base settings."""

from __future__ import annotations

import json
import pickle

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from scrubber import ConfigError, prepare, scrub
from scrubber.cli import app
from scrubber.config_file import config_from_table, load_config
from scrubber.payers import BASE, assign
from scrubber.render import render
from tests.conftest import SAMPLES

PROFILES = """
[payers.medicare]
match = ["Medicare", "part b"]
jw_jz = true

[payers.commercial]
match = ["aetna", "medicare advantage"]
min_minutes = { 96365 = 31 }

[payers.office]
setting = "professional"
"""

HEADERS = ["Encounter ID", "Date of Service", "CPT", "Units", "Modifier", "Start Time",
           "Stop Time", "Payer"]
#: a mixed sheet: E1 Medicare, E2 a commercial plan, E3 self-pay (base), E4 Medicare
#: Advantage (both profiles' texts; the longer, commercial, wins)
MIXED = [["E1", "2026-04-01", "96365", 1, None, "10:00", "10:20", "MEDICARE PART B"],
         ["E1", "2026-04-01", "J1745", 40, None, None, None, "MEDICARE PART B"],
         ["E2", "2026-04-01", "96365", 1, None, "10:00", "10:20", "Aetna PPO"],
         ["E2", "2026-04-01", "J1745", 40, None, None, None, "Aetna PPO"],
         ["E3", "2026-04-01", "96365", 1, None, "10:00", "10:20", "Self pay"],
         ["E3", "2026-04-01", "J1745", 40, None, None, None, None],
         ["E4", "2026-04-01", "J1745", 40, None, None, None, "Medicare Advantage HMO"]]
RULES = ("jw-jz-modifier", "infusion-too-short")


def _config(tmp_path, text=PROFILES, **kwargs):
    path = tmp_path / "scrubber.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, **kwargs).with_rules(RULES)


def _found(result):
    return [(f.row, f.name) for f in result.findings]


def test_each_line_is_checked_under_its_payers_profile(tmp_path):
    frame = pd.DataFrame(MIXED, columns=HEADERS, dtype=object)
    result = scrub(frame, _config(tmp_path))
    # Medicare's line lacks JW/JZ; the commercial line's 20 minutes are under its 31
    assert _found(result) == [(3, "jw-jz-modifier"), (4, "infusion-too-short")]
    file = result.files[0]
    assert file.payer_profiles == ((BASE, 2), ("medicare", 2), ("commercial", 3))
    assert len(file.payer_warnings) == 1
    warning = file.payer_warnings[0]
    assert "'Medicare Advantage HMO' (1 line(s))" in warning
    assert "medicare and commercial" in warning and "checked under commercial" in warning
    summary = result.to_dict()["summary"]
    assert summary["lines_by_profile"] == {BASE: 2, "medicare": 2, "commercial": 3}


def test_payer_forces_one_profile_on_every_line(tmp_path):
    frame = pd.DataFrame(MIXED, columns=HEADERS, dtype=object)
    result = scrub(frame, _config(tmp_path, payer="medicare"))
    assert _found(result) == [(3, "jw-jz-modifier"), (5, "jw-jz-modifier"),
                              (7, "jw-jz-modifier"), (8, "jw-jz-modifier")]
    assert result.files[0].payer_profiles == () and "lines_by_profile" not in \
        result.to_dict()["summary"]


def test_without_match_profiles_nothing_changes(tmp_path):
    frame = pd.DataFrame(MIXED, columns=HEADERS, dtype=object)
    text = "[payers.medicare]\njw_jz = true\n"
    config = _config(tmp_path, text)
    assert config.payers == {} and prepare(config).payers == {}
    result = scrub(frame, config)
    assert _found(result) == [] and "lines_by_profile" not in result.to_dict()["files"][0]


def test_a_sheet_without_a_payer_column_is_checked_under_the_base_settings(tmp_path):
    frame = pd.DataFrame([row[:-1] for row in MIXED], columns=HEADERS[:-1], dtype=object)
    file = scrub(frame, _config(tmp_path)).files[0]
    assert file.findings == () and file.payer_profiles == ((BASE, 7),)
    assert file.payer_warnings == ("no Payer column (Payer, Insurance, Plan or Financial "
                                   "Class): every line is checked under the base settings",)


@pytest.mark.parametrize("header", ["Insurance", "Plan", "Financial Class", "Primary Payer",
                                    "Ins. Plan", "payor", "Payer/Plan"])
def test_the_payer_column_goes_by_several_names(tmp_path, header):
    frame = pd.DataFrame(MIXED[:2], columns=[*HEADERS[:-1], header], dtype=object)
    assert _found(scrub(frame, _config(tmp_path))) == [(3, "jw-jz-modifier")]


def test_encounter_rules_see_the_whole_encounter_under_each_lines_profile(tmp_path):
    # one encounter, two payers: each line is judged by its own profile, with every line of
    # the encounter in view (the 96374 is a second initial only beside the 96365)
    text = ('[payers.medicare]\nmatch = ["medicare"]\nignore = ["duplicate-initial"]\n'
            '[payers.commercial]\nmatch = ["aetna"]\n')
    rows = [["E1", "2026-04-01", "96365", 1, None, "10:00", "11:00", "Medicare"],
            ["E1", "2026-04-01", "96374", 1, None, "11:05", "11:07", "Aetna"],
            ["E2", "2026-04-01", "96365", 1, None, "10:00", "11:00", "Aetna"],
            ["E2", "2026-04-01", "96374", 1, None, "11:05", "11:07", "Medicare"]]
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path).with_rules(("duplicate-initial",))
    result = scrub(pd.DataFrame(rows, columns=HEADERS, dtype=object), config)
    assert _found(result) == [(3, "duplicate-initial")]


def test_match_texts_are_case_insensitive_pieces_and_the_longest_wins():
    payer = pd.Series(["Medicare Part B", "AETNA", None, "Medicare Advantage", "x", "aetna"],
                      dtype="string")
    got = assign(payer, {"medicare": ("medicare",), "commercial": ("aetna", "advantage"),
                         "ma": ("medicare advantage",)})
    assert got.profile.tolist() == [0, 1, -1, 2, -1, 1]
    assert got.counts() == ((BASE, 2), ("medicare", 1), ("commercial", 2), ("ma", 1))
    assert len(got.warnings) == 1 and "medicare, commercial and ma" in got.warnings[0]
    tie = assign(pd.Series(["abc"], dtype="string"), {"a": ("ab",), "b": ("bc",)})
    assert tie.profile.tolist() == [0] and "checked under a" in tie.warnings[0]


def test_a_long_payer_text_is_quoted_short_on_one_line():
    text = "Plan\nwith a very long name " + "x" * 200
    got = assign(pd.Series([text], dtype="string"), {"a": ("plan",), "b": ("long",)})
    quoted = got.warnings[0].split("'")[1]
    assert len(quoted) == 40 and quoted.endswith("…") and "\n" not in quoted


@pytest.mark.parametrize(("text", "problem"), [
    ("match = ['medicare']\n", r"'match' belongs in a \[payers.NAME\] profile"),
    ("[payers.m]\nmatch = ['medicare', ' ']\n", "payers.m"),
    ("[payers.m]\nmatch = 3\n", "'match' must be a list of texts"),
])
def test_match_mistakes_name_themselves(tmp_path, text, problem):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_config(path)


def test_command_line_options_reach_every_profile(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(PROFILES, encoding="utf-8")
    config = load_config(path, overrides={"setting": "professional"}).with_rules(
        ignore=("modifier",))
    assert set(config.payers) == {"medicare", "commercial"}  # office has no match
    for profile in config.payers.values():
        assert profile.setting == "professional" and "modifier" in profile.ignore
    assert config.payers["medicare"].payer == "medicare"
    assert config.payers["medicare"].match == ("medicare", "part b")


def test_a_prepared_run_with_profiles_pickles_and_shares_its_reference(tmp_path):
    prepared = prepare(_config(tmp_path))
    assert prepared.payers["medicare"].reference is prepared.reference
    again = pickle.loads(pickle.dumps(prepared))
    frame = pd.DataFrame(MIXED, columns=HEADERS, dtype=object)
    assert scrub(frame, again).findings == scrub(frame, prepared).findings


def test_cli_batch_report_and_marked_copy(tmp_path):
    config = tmp_path / "scrubber.toml"
    config.write_text(PROFILES, encoding="utf-8")
    sheet = tmp_path / "mixed.xlsx"
    book = openpyxl.Workbook()
    for row in [HEADERS, *MIXED]:
        book.active.append(row)
    book.save(sheet)
    other = tmp_path / "other.csv"
    pd.DataFrame(MIXED, columns=HEADERS).to_csv(other, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["scrub", str(sheet), str(other), "--config", str(config),
                                      "--select", ",".join(RULES), "--format", "json",
                                      "--out", str(out), "--jobs", "2", "--quiet"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert [[(f["row"], f["name"]) for f in file["findings"]] for file in report["files"]] \
        == [[(3, "jw-jz-modifier"), (4, "infusion-too-short")]] * 2
    assert report["summary"]["lines_by_profile"] == {BASE: 4, "medicare": 4, "commercial": 6}
    marked = openpyxl.load_workbook(out / "mixed.scrubbed.xlsx").active
    status = [c.value for c in marked[1]].index("Scrub Status")
    assert [marked.cell(r, status + 1).value is not None for r in (3, 4)] == [True, True]
    text = CliRunner().invoke(app, ["scrub", str(sheet), "--config", str(config), "--no-mark",
                                    "--select", ",".join(RULES)])
    assert "lines under medicare" in text.stdout and "warning: payer 'Medicare Advantage" \
        in text.stdout


def test_the_add_in_settings_sheet_declares_match_texts():
    from addin.settings import read_settings

    rows = [["Option", "Value", "What it does"],
            ["payers.medicare.match", "Medicare, Part B", ""],
            ["payers.medicare.jw_jz", True, ""]]
    prepared = read_settings(rows, {})
    assert prepared.payers["medicare"].config.match == ("medicare", "part b")
    frame = pd.DataFrame(MIXED, columns=HEADERS, dtype=object)
    assert (3, "jw-jz-modifier") in _found(scrub(frame, prepared))


def test_config_from_table_as_the_add_in_reads_it():
    config = config_from_table({"payers": {"m": {"match": "medicare", "jw_jz": True}}})
    assert config.payers["m"].match == ("medicare",) and not config.jw_jz


def test_the_sample_config_declares_a_match_profile():
    config = load_config(SAMPLES / "scrubber.toml")
    assert config.payers and all(p.match for p in config.payers.values())
    text = render(scrub(pd.DataFrame(MIXED, columns=HEADERS, dtype=object),
                        config.with_rules(RULES)), "text")
    assert "lines under medicare" in text


def test_batch_checks_each_line_under_its_payers_profile(tmp_path):
    config = tmp_path / "scrubber.toml"
    config.write_text(PROFILES, encoding="utf-8")
    exports = tmp_path / "exports"
    exports.mkdir()
    pd.DataFrame(MIXED, columns=HEADERS).to_csv(exports / "mixed.csv", index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(exports), "--out", str(out), "--config",
                                      str(config), "--select", ",".join(RULES), "--jobs", "1",
                                      "--quiet", "--no-mark"])
    assert result.exit_code == 1, result.output
    entry = json.loads((out / "summary.json").read_text(encoding="utf-8"))["files"][0]
    report = json.loads((out / entry["report"]).read_text(encoding="utf-8"))["files"][0]
    assert [(f["row"], f["name"]) for f in report["findings"]] == [
        (3, "jw-jz-modifier"), (4, "infusion-too-short")]
    assert report["lines_by_profile"] == {BASE: 2, "medicare": 2, "commercial": 3}


def test_the_add_in_reads_pasted_ncci_edits():
    from addin.settings import read_settings

    rows = [["Option", "Value", "What it does"], ["ncci sheet", "PTP", ""],
            ["select", "ncci-ptp", ""]]
    pasted = [["CPT only copyright 2025 American Medical Association."],
              ["Column 1", "Column 2", "Effective Date", "Deletion Date", "Modifier"],
              ["96413", "96360", 20100101, "*", 0]]
    prepared = read_settings(rows, {"PTP": pasted})
    frame = pd.DataFrame([["E1", "2026-04-01", "96413"], ["E1", "2026-04-01", "96360"]],
                         columns=["Encounter ID", "Date of Service", "CPT"], dtype=object)
    assert _found(scrub(frame, prepared)) == [(3, "ncci-ptp")]


def test_a_profile_that_reads_midnight_crossings_its_own_way(tmp_path):
    # 23:30 to 00:45 crosses midnight for the base settings (up to 12 h), not for a profile
    # that allows 60 minutes: its line alone is a stop before its start
    text = '[payers.strict]\nmatch = ["strict"]\nmidnight_max_gap_minutes = 60\n'
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    rows = [["E1", "2026-04-01", "96360", 1, None, "23:30", "00:45", "Strict plan"],
            ["E2", "2026-04-01", "96360", 1, None, "23:30", "00:45", "Other plan"]]
    config = load_config(path).with_rules(("stop-before-start",))
    result = scrub(pd.DataFrame(rows, columns=HEADERS, dtype=object), config)
    assert _found(result) == [(2, "stop-before-start")]


def test_the_excel_report_counts_lines_per_profile(tmp_path):
    from scrubber.render import render_report

    result = scrub(pd.DataFrame(MIXED, columns=HEADERS, dtype=object), _config(tmp_path))
    path = tmp_path / "report.xlsx"
    path.write_bytes(render_report(result, "xlsx"))
    sheet = openpyxl.load_workbook(path)["Summary"]
    cells = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert (cells["Lines under medicare"], cells[f"Lines under {BASE}"]) == (2, 2)
