"""Reference data: the shipped drug table, units, NDCs, ICD-10-CM and the user's HCPCS file."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from scrubber import Config, ConfigError, scrub
from scrubber.cli import app
from scrubber.reference.drugs import drug_table, find_drug
from scrubber.reference.hcpcs_file import load_hcpcs
from scrubber.reference.icd10 import normalise, verdict
from scrubber.reference.units import billing_units

runner = CliRunner()

#: descriptor units as DOMAIN.md states them (CMS HCPCS file, April 2026 OPPS Addendum B).
PUBLISHED = {"J1745": (10, "mg", False), "J9312": (10, "mg", False),
             "J9271": (1, "mg", False), "J9045": (50, "mg", False), "J9190": (500, "mg", False),
             "J9263": (0.5, "mg", False), "J9041": (0.1, "mg", False),
             "J2506": (0.5, "mg", False), "J1442": (1, "mcg", False),
             "J0885": (1000, "units", False), "J1200": (50, "mg", True),
             "J2270": (10, "mg", True), "J1171": (0.1, "mg", False),
             "J2543": (1.125, "g", False), "J1580": (80, "mg", True),
             "J3480": (2, "mEq", False), "J3420": (1000, "mcg", True),
             "J7120": (1000, "mL", True), "J7050": (250, "mL", False),
             "J2916": (12.5, "mg", False), "J1644": (1000, "units", False),
             "J9217": (7.5, "mg", False), "J1299": (2, "mg", False)}


def test_table_has_source_quarter_and_enough_drugs():
    table = drug_table()
    assert "CMS HCPCS" in table.source and "2026" in table.quarter
    assert len(table.entries) >= 90
    assert len({e.code for e in table.entries}) == len(table.entries)
    assert {e.kind for e in table.entries} == {"chemotherapy", "therapeutic", "hydration"}


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_table_units_match_the_published_descriptors(code):
    entry = drug_table().by_code[code]
    assert (entry.unit_amount, entry.unit, entry.up_to) == PUBLISHED[code]


def test_deleted_codes_point_to_their_replacements():
    replaced = drug_table().replaced_by
    for old, new in {"J2505": "J2506", "J1170": "J1171", "J1300": "J1299",
                     "J2920": "J2919", "J2930": "J2919", "J1040": "J1010",
                     "J2796": "J2802"}.items():
        assert replaced[old] == new
    assert not set(replaced) & set(drug_table().by_code)


def test_find_by_code_generic_brand_and_deleted_code():
    assert [e.code for e in find_drug("j1745")] == ["J1745"]
    assert [e.code for e in find_drug("Remicade")] == ["J1745"]
    assert [e.code for e in find_drug("Zofran")] == ["J2405"]
    assert [e.code for e in find_drug("J2505")] == ["J2506"]
    assert find_drug("no such drug") == []


@given(dose=st.floats(0.01, 5000, allow_nan=False), per=st.sampled_from([0.1, 0.5, 1, 10, 50]))
def test_units_are_the_dose_over_the_unit_rounded_up(dose, per):
    units = billing_units(dose, "mg", per, "mg")
    assert units >= 1 and units * per >= dose - 1e-6 and (units - 1) * per < dose + 1e-6
    assert billing_units(dose / 1000, "g", per, "mg") == units
    assert units == max(1, math.ceil(round(dose / per, 9)))


def test_units_examples_and_unconvertible():
    assert billing_units(400, "mg", 10, "mg") == 40
    assert billing_units(70, "mg", 100, "mg") == 1
    assert billing_units(1, "mL", 10, "mg") is None


def test_icd10_normalises_and_judges():
    assert normalise("k5090") == "K50.90" and normalise(" c50.911 ") == "C50.911"
    assert verdict("K50.90") == ("ok", "")
    assert verdict("K50")[0] == "category" and verdict("K50")[1].startswith("K50.00")
    assert verdict("G35")[0] == "category"
    assert verdict("K50.99")[0] == "unknown" and verdict("hello")[0] == "unknown"


def test_hcpcs_file_marks_unknown_and_terminated_codes(tmp_path):
    path = tmp_path / "HCPC2026_APR_ANWEB.csv"
    path.write_text(
        "HCPCS quarterly update (synthetic test copy)\n\n"
        "HCPC,SEQNUM,RECID,LONG DESCRIPTION,SHORT DESCRIPTION,ADD DT,ACT EFF DT,TERM DT,ACTION CD\n"
        "J1745,00100,3,Injection infliximab excludes biosimilar 10 mg,Infliximab not biosimil "
        "10mg,20130101,20130101,,N\n"
        "J2505,00100,3,Injection pegfilgrastim 6 mg,Injection pegfilgrastim 6mg,20040101,"
        "20040101,20221231,D\n"
        "J2506,00100,3,Injection pegfilgrastim excludes biosimilar 0.5 mg,Pegfilgrastim "
        "0.5mg,20220101,20220101,,N\n", encoding="utf-8")
    table = load_hcpcs(path)
    assert table.loc["J2505", "deleted"] and not table.loc["J1745", "deleted"]
    frame = pd.DataFrame({"Encounter ID": ["E1"] * 4, "CPT": ["J1745", "J9999", "96365",
                                                              "J2506"]})
    config = Config(select=("invalid-code",), hcpcs=str(path))
    assert [(f.row, f.message) for f in scrub(frame, config).findings] == [
        (3, "J9999 is not in the HCPCS file")]
    with pytest.raises(ConfigError, match="not found"):
        load_hcpcs(tmp_path / "none.csv")


def test_jw_jz_under_the_medicare_profile():
    frame = pd.DataFrame({"Encounter ID": ["E1", "E1", "E2", "E3", "E3"],
                          "CPT": ["J1745", "J2405", "J1745", "J1745", "J1745"],
                          "Modifier": [None, None, "JZ", None, "JW"],
                          "Units": [40, 4, 40, 38, 1], "Dose": ["400", "4", "400", "375", "3"],
                          "Dose Unit": ["mg"] * 5})
    config = Config(select=("jw-jz-modifier",), jw_jz=True)
    found = [(f.row, f.severity.value) for f in scrub(frame, config).findings]
    # row 2 lacks JW/JZ; J2405 is not single-dose; row 5 JW is covered by 38 units (380 mg)
    assert found == [(2, "warning"), (5, "warning"), (6, "warning")]
    assert scrub(frame, Config(select=("jw-jz-modifier",))).findings == ()


def test_cli_drug_and_units():
    shown = runner.invoke(app, ["drug", "Remicade"])
    assert shown.exit_code == 0 and shown.stdout.startswith("J1745  infliximab: 10 mg per unit")
    deleted = runner.invoke(app, ["drug", "J2505"])
    assert "J2505 is deleted; replaced by J2506" in deleted.stdout
    units = runner.invoke(app, ["units", "J1745", "400", "mg"])
    assert units.exit_code == 0 and units.stdout == "40\n"
    assert runner.invoke(app, ["units", "J1745", "400mg"]).stdout == "40\n"
    bad = runner.invoke(app, ["units", "J1745", "2", "vials"])
    assert bad.exit_code == 2 and "does not convert" in bad.stderr
    unknown = runner.invoke(app, ["drug", "zzzz"])
    assert unknown.exit_code == 2 and unknown.stderr.count("\n") == 1
