"""Worked coding scenarios (scenarios.yml) run through ``suggest`` exactly as users would."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from scrubber import Config
from scrubber.suggest import suggest

SCENARIOS = yaml.safe_load((Path(__file__).parent / "scenarios.yml").read_text())["scenarios"]
COLUMNS = ["Encounter ID", "Date of Service", "Drug", "Route", "Kind", "Start Time",
           "Stop Time"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    frame.insert(0, "Encounter ID", "E1")
    if "Date of Service" not in frame:
        frame.insert(1, "Date of Service", "2026-10-05")
    for column in COLUMNS:
        if column not in frame:
            frame[column] = None
    return frame


@pytest.mark.parametrize("case", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(case):
    assert case["source"]
    config = Config(setting=case.get("setting", "facility"), **case.get("config", {}))
    result = suggest(_frame(case["rows"]), config)
    lines = result.encounters[0].lines if result.encounters else ()
    # a case that dates its lines is checked per date of service too (one line per date,
    # code and modifiers)
    dated = any("date" in e for e in case["expect"])
    got = sorted((line.code, line.units, tuple(line.modifiers), line.date if dated else "")
                 for line in lines)
    expected = sorted((e["code"], e["units"], tuple(e.get("modifiers", ())),
                       e.get("date", "")) for e in case["expect"])
    notes = result.encounters[0].notes if result.encounters else ()
    assert got == expected, (lines, notes)
    assert all(line.reason and line.rows for line in lines)
