"""Waivers: a Scrub Waive column and --baseline report.json turn reviewed findings into
waived ones, which leave the counts, the marks and the exit status but stay in the report."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from scrubber import Config, ConfigError, prepare, scrub
from scrubber.cli import app
from scrubber.waivers import Baseline, parse_cell
from tests.conftest import HEADERS, ROWS, make_workbook

runner = CliRunner()


def waived_workbook(tmp_path: Path, cells: dict[int, str]) -> Path:
    """The conftest export with a Scrub Waive column; ``cells``: ROWS index -> waive text."""
    rows = [list(r) + [cells.get(i)] for i, r in enumerate(ROWS)]
    return make_workbook(tmp_path / "waive.xlsx", rows=rows, headers=HEADERS + ["Scrub Waive"])


def test_parse_cell_takes_ids_names_and_reasons() -> None:
    assert parse_cell("INF003: documented as 10 min; missing-drug-code, inf005") == {
        "INF003": "documented as 10 min", "missing-drug-code": "waived in the sheet",
        "INF005": "waived in the sheet"}
    assert parse_cell(None) == {} and parse_cell("  ") == {}


def test_a_waived_finding_leaves_the_counts_and_stays_in_the_report(tmp_path: Path) -> None:
    plain = scrub(make_workbook(tmp_path / "plain.xlsx")).files[0]
    assert ("INF003", 8) in {(f.rule, f.row) for f in plain.findings}
    path = waived_workbook(tmp_path, {3: "push-billed-as-infusion: documented as an "
                                          "infusion"})
    file = scrub(path).files[0]
    assert ("INF003", 8) not in {(f.rule, f.row) for f in file.findings}
    assert [(w.finding.rule, w.finding.row, w.reason) for w in file.waived] == [
        ("INF003", 8, "documented as an infusion")]
    assert len(file.findings) == len(plain.findings) - 1
    report = json.loads(runner.invoke(app, ["scrub", str(path), "-f", "json",
                                            "--no-mark"]).stdout)
    assert report["files"][0]["waived"][0]["waiver"] == "documented as an infusion"
    assert report["summary"]["waived"] == 1


def test_a_waiver_naming_no_rule_is_reported(tmp_path: Path) -> None:
    file = scrub(waived_workbook(tmp_path, {3: "INF999; push-billed"})).files[0]
    assert file.waiver_problems == (
        "row 8: 'INF999' is not a rule (give an ID such as INF003 or a name such as "
        "push-billed-as-infusion)",
        "row 8: 'push-billed' is not a rule (give an ID such as INF003 or a name such as "
        "push-billed-as-infusion)")
    assert not file.waived
    text = runner.invoke(app, ["scrub", str(waived_workbook(tmp_path, {3: "INF999"})),
                               "--no-mark"]).stdout
    assert "waiver not understood: row 8: 'INF999'" in text


def test_the_marked_copy_keeps_the_waive_column_and_does_not_mark_waived(tmp_path: Path
                                                                        ) -> None:
    path = waived_workbook(tmp_path, {3: "INF003", 4: "INF001"})
    out = tmp_path / "copy.xlsx"
    runner.invoke(app, ["scrub", str(path), "--out", str(out)])
    sheet = openpyxl.load_workbook(out)["Export"]
    assert sheet["L4"].value == "Scrub Waive" and sheet["L8"].value == "INF003"
    assert sheet["M9"].value == "OK" and not sheet["N9"].value  # its only finding waived


def test_baseline_waives_what_recurs(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "export.xlsx")
    first = runner.invoke(app, ["scrub", str(path), "-f", "json", "--no-mark"])
    assert first.exit_code == 1
    baseline = tmp_path / "baseline.json"
    baseline.write_text(first.stdout)
    again = runner.invoke(app, ["scrub", str(path), "-f", "json", "--no-mark", "--baseline",
                                str(baseline)])
    data = json.loads(again.stdout)
    assert again.exit_code == 0
    assert data["summary"]["errors"] == 0
    assert data["summary"]["waived"] == len(json.loads(first.stdout)["files"][0]["findings"])
    # a new problem is still reported
    rows = [list(r) for r in ROWS]
    rows[0][5] = 3  # 96365 billed with 3 units
    changed = make_workbook(tmp_path / "changed.xlsx", rows=rows)
    later = scrub(changed, prepare(Config(baseline=str(baseline)))).files[0]
    assert later.findings and all(f.row == 5 for f in later.findings)


def test_a_baseline_that_is_not_a_report_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ConfigError, match="not a JSON report"):
        Baseline.load(bad)
    with pytest.raises(ConfigError, match="not found"):
        Baseline.load(tmp_path / "missing.json")
    result = runner.invoke(app, ["scrub", str(make_workbook(tmp_path / "x.xlsx")),
                                 "--baseline", str(bad)])
    assert result.exit_code == 2 and "not a JSON report" in result.stderr
