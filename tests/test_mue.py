"""The user's CMS MUE table (--mue): read in the CMS layout, applied per line or per day."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from scrubber import Config, ConfigError, scrub
from scrubber.cli import app
from scrubber.reference.mue import load_mue

NOTICE = ["CPT codes and descriptions only are copyright American Medical Association.",
          "Medically Unlikely Edits - Outpatient Hospital Services (synthetic test copy)", ""]
HEADER = ["HCPCS/CPT Code", "Outpatient Hospital Services MUE Values",
          "MUE Adjudication Indicator", "MUE Rationale"]
ROWS = [["96372", "4", "3 Date of Service Edit: Clinical", "Clinical: Data"],
        ["J1745", "140", "2 Date of Service Edit: Policy", "Prescribing Information"],
        ["96375", "6", "1 Line Edit", "Clinical: Data"]]


def _csv(tmp_path):
    path = tmp_path / "mue.csv"
    lines = [f'"{NOTICE[0]}"', NOTICE[1], "", ",".join(f'"{h}"' for h in HEADER)]
    lines += [",".join(f'"{v}"' for v in row) for row in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _xlsx(tmp_path):
    path = tmp_path / "mue.xlsx"
    book = openpyxl.Workbook()
    for row in [[NOTICE[0]], [NOTICE[1]], [], HEADER, *ROWS]:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("make", [_csv, _xlsx])
def test_the_cms_layout_is_read(tmp_path, make):
    table = load_mue(make(tmp_path))
    assert table.loc["96372"].tolist() == [4, 3]
    assert table.loc["J1745"].tolist() == [140, 2]
    assert table.loc["96375"].tolist() == [6, 1]


def test_units_over_the_table_per_day_and_per_line(tmp_path):
    frame = pd.DataFrame([
        ["E1", "2026-10-05", "96372", 3], ["E1", "2026-10-05", "96372", 2],  # day: 5 > 4
        ["E2", "2026-10-05", "96375", 7],                                      # line: 7 > 6
        ["E3", "2026-10-05", "96375", 4], ["E3", "2026-10-05", "96375", 4],  # 4 + 4 per line
        ["E4", "2026-10-05", "J1745", 140], ["E4", "2026-10-06", "J1745", 140]],
        columns=["Encounter ID", "Date of Service", "CPT", "Units"], dtype=object)
    config = Config(select=("mue-exceeded",), mue=str(_csv(tmp_path)))
    found = [(f.row, f.column) for f in scrub(frame, config).findings]
    assert found == [(3, "Units"), (4, "Units")]


def test_bad_mue_files_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_mue(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no header row with a code column"):
        load_mue(bad)
    result = CliRunner().invoke(app, ["scrub", str(bad), "--mue", str(bad)])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "bad.csv" in result.stderr
