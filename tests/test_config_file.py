"""The TOML config: where it is found, payer profiles, and loud errors that name the key."""

from __future__ import annotations

import pytest

from scrubber import Config, ConfigError, scrub
from scrubber.config_file import load_config
from tests.conftest import SAMPLES


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_scrubber_toml_then_pyproject_then_defaults(tmp_path):
    assert load_config(cwd=tmp_path) == Config()
    _write(tmp_path / "pyproject.toml", "[tool.scrubber]\nsetting = 'professional'\n")
    assert load_config(cwd=tmp_path).setting == "professional"
    _write(tmp_path / "scrubber.toml", "push_max_minutes = 10\n")
    found = load_config(cwd=tmp_path)
    assert (found.setting, found.push_max_minutes) == ("facility", 10)


def test_explicit_file_and_command_line_win(tmp_path):
    path = _write(tmp_path / "c.toml", "setting = 'professional'\n[min_minutes]\n96365 = 20\n")
    config = load_config(path, overrides={"setting": "facility", "mue": None})
    assert config.setting == "facility" and config.min_minutes == {"96365": 20.0}


def test_payer_profile_merges_tables_and_replaces_values(tmp_path):
    path = _write(tmp_path / "c.toml", """
hydration_split_added = true
[min_minutes]
96360 = 31
[severity]
hierarchy = "warning"
[payers.commercial]
hydration_split_added = false
min_minutes = { 96365 = 31 }
""")
    config = load_config(path, payer="commercial")
    assert config.min_minutes == {"96360": 31.0, "96365": 31.0}
    assert config.hydration_split_added is False and config.payer == "commercial"
    assert config.severity == {"hierarchy": "warning"}
    assert load_config(path).min_minutes == {"96360": 31.0}


@pytest.mark.parametrize(("text", "payer", "names"), [
    ("pushmax = 3\n", None, ["c.toml", "pushmax"]),
    ("[payers.aetna]\nhydration_split = false\n", None, ["payers.aetna", "hydration_split"]),
    ("[payers.a]\n", "b", ["unknown payer 'b'", "profiles: a"]),
    ("select = ['hierarchy', 'no-such-rule']\n", None, ["no-such-rule"]),
    ("[payers.x.severity]\nno-such-rule = 'warning'\n", None, ["payers.x", "no-such-rule"]),
    ("[min_minutes]\n99213 = 5\n", None, ["min_minutes", "99213"]),
    ("[drug_kinds]\ninfliximab = 'biologic'\n", None, ["drug_kinds", "infliximab"]),
    ("setting = 'hospital'\n", None, ["setting", "hospital"]),
    ("setting = \n", None, ["not valid TOML"]),
])
def test_mistakes_are_errors_that_name_them(tmp_path, text, payer, names):
    path = _write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, payer=payer)
    for name in names:
        assert name in str(caught.value)


def test_the_sample_config_profiles_change_the_findings():
    medicare = load_config(SAMPLES / "scrubber.toml", payer="medicare")
    commercial = load_config(SAMPLES / "scrubber.toml", payer="commercial")
    assert commercial.min_minutes["96365"] == 31 and medicare.min_minutes["96365"] == 16
    export = SAMPLES / "infusion_export.xlsx"
    short = {f.row for f in scrub(export, commercial).findings if f.name == "infusion-too-short"}
    base = {f.row for f in scrub(export, medicare).findings if f.name == "infusion-too-short"}
    assert base < short  # 16-30 minute infusions are short only for the commercial payer


def test_hierarchy_is_a_facility_rule():
    import pandas as pd

    frame = pd.DataFrame({"Encounter ID": ["E1", "E1"], "CPT": ["96365", "96417"],
                          "Start Time": ["09:00", "10:00"], "Stop Time": ["09:45", "11:00"]})
    facility = scrub(frame, Config(select=("hierarchy",))).findings
    office = scrub(frame, Config(select=("hierarchy",), setting="professional")).findings
    assert [f.row for f in facility] == [2] and office == ()
