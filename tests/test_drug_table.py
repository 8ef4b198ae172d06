"""The shipped HCPCS drug table: every row well-formed, common drugs' units from the CLI, names
(generic, brand, several words) resolving to their codes."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from scrubber.cli import app
from scrubber.reference.drugs import KINDS, billing_entry, drug_candidates, drug_table
from scrubber.reference.units import convert, units_for

runner = CliRunner()

ENTRIES = drug_table().entries


def test_the_table_covers_the_daily_drugs_of_an_ed_an_infusion_center_and_oncology():
    assert len(ENTRIES) >= 300
    assert len({e.code for e in ENTRIES}) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.code)
def test_every_row_is_well_formed(entry):
    assert re.fullmatch(r"[JQC]\d{4}", entry.code)
    assert entry.name and entry.name == entry.name.strip()
    assert entry.kind in KINDS
    if entry.code in ("J3490", "J3590", "J9999"):  # unclassified: billed with the NDC
        assert entry.unit_amount is None
        return
    assert entry.unit_amount is not None and entry.unit_amount > 0
    assert convert(1, entry.unit, entry.unit) == 1  # the unit is one the dose reader knows
    assert entry.unit in ("mg", "mcg", "g", "units", "mL", "mEq")
    assert not entry.hormonal or entry.kind == "chemotherapy"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.biosimilar_of], ids=lambda e: e.code)
def test_biosimilars_point_at_their_reference_product_listed_above_them(entry):
    table = drug_table()
    reference = table.by_code[entry.biosimilar_of]
    assert not reference.biosimilar_of
    assert (entry.unit_amount, entry.unit) == (reference.unit_amount, reference.unit)
    assert entry.name.split("-")[0] == reference.name  # infliximab-dyyb under infliximab
    order = [e.code for e in ENTRIES]
    assert order.index(reference.code) < order.index(entry.code)
    assert entry in table.biosimilars(reference.code)


def test_replaced_codes_are_not_current_codes_and_point_at_one():
    table = drug_table()
    assert not set(table.replaced_by) & set(table.by_code)
    assert set(table.replaced_by.values()) <= set(table.by_code)
    assert table.replaced_by["J3370"] == "J3373"  # vancomycin is billed per 10 mg (DOMAIN.md)


@pytest.mark.parametrize(("drug", "dose", "code", "units"), [
    ("furosemide", "40 mg", "J1940", 2), ("Lasix", "40 mg", "J1940", 2),
    ("ondansetron", "4 mg", "J2405", 4), ("Zofran", "8 mg", "J2405", 8),
    ("ceftriaxone", "1 g", "J0696", 4), ("vancomycin", "1250 mg", "J3373", 125),
    ("ketorolac", "30 mg", "J1885", 2), ("zoledronic acid", "5 mg", "J3489", 5),
    ("diphenhydramine", "25 mg", "J1200", 1), ("dexamethasone", "10 mg", "J1100", 10),
    ("morphine", "4 mg", "J2270", 1), ("fentanyl", "50 mcg", "J3010", 1),
    ("lorazepam", "1 mg", "J2060", 1), ("haloperidol", "5 mg", "J1630", 1),
    ("promethazine", "25 mg", "J2550", 1), ("metoclopramide", "10 mg", "J2765", 1),
    ("prochlorperazine", "10 mg", "J0780", 1), ("Unasyn", "3 g", "J0295", 2),
    ("piperacillin and tazobactam", "4.5 g", "J2543", 4), ("cefazolin", "2 g", "J0690", 4),
    ("meropenem", "1 g", "J2185", 10), ("azithromycin", "500 mg", "J0456", 1),
    ("levetiracetam", "1000 mg", "J1953", 100), ("magnesium sulfate", "2 g", "J3475", 4),
    ("potassium chloride", "20 mEq", "J3480", 10), ("calcium gluconate", "1 g", "J0612", 100),
    ("heparin", "5000 units", "J1644", 5), ("enoxaparin", "40 mg", "J1650", 4),
    ("insulin", "10 units", "J1815", 2), ("iron sucrose", "200 mg", "J1756", 200),
    ("Injectafer", "750 mg", "J1439", 750), ("denosumab", "120 mg", "J0897", 120),
    ("Neulasta", "6 mg", "J2506", 12), ("Udenyca", "6 mg", "Q5111", 12),
    ("infliximab", "400 mg", "J1745", 40), ("Inflectra", "400 mg", "Q5103", 40),
    ("rituximab", "700 mg", "J9312", 70), ("Truxima", "700 mg", "Q5115", 70),
    ("trastuzumab", "420 mg", "J9355", 42), ("Kanjinti", "420 mg", "Q5117", 42),
    ("bevacizumab", "400 mg", "J9035", 40), ("pembrolizumab", "200 mg", "J9271", 200),
    ("nivolumab", "240 mg", "J9299", 240), ("cisplatin", "75 mg", "J9060", 8),
    ("carboplatin", "450 mg", "J9045", 9), ("paclitaxel", "175 mg", "J9267", 175),
    ("docetaxel", "75 mg", "J9171", 75), ("gemcitabine", "1000 mg", "J9201", 5),
    ("fluorouracil", "2400 mg", "J9190", 5), ("oxaliplatin", "85 mg", "J9263", 170),
    ("cyclophosphamide", "600 mg", "J9070", 6), ("doxorubicin", "60 mg", "J9000", 6),
    ("fosaprepitant", "150 mg", "J1453", 150), ("palonosetron", "0.25 mg", "J2469", 10),
    ("granisetron", "1 mg", "J1626", 10), ("ocrelizumab", "600 mg", "J2350", 600),
    ("vedolizumab", "300 mg", "J3380", 300), ("natalizumab", "300 mg", "J2323", 300),
    ("tocilizumab", "480 mg", "J3262", 480), ("Solu-Medrol", "125 mg", "J2919", 25),
])
def test_common_drugs_get_their_units_from_the_cli(drug, dose, code, units):
    shown = runner.invoke(app, ["units", drug, *dose.split()])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout == f"{units}\n"
    assert shown.stderr.startswith(f"{code} ")


def test_a_name_with_several_codes_asks_for_the_code():
    shown = runner.invoke(app, ["units", "immune globulin", "10", "g"])
    assert shown.exit_code == 2 and "several codes" in shown.stderr
    assert "J1569" in shown.stderr and "J1459" in shown.stderr
    assert shown.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["furosemide", "Lasix", "LASIX", " lasix "])
def test_drug_finds_furosemide_by_generic_or_brand(name):
    shown = runner.invoke(app, ["drug", name])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout == "J1940  furosemide: up to 20 mg per unit, therapeutic; also Lasix\n"


def test_drug_lists_a_reference_product_with_its_biosimilars():
    shown = runner.invoke(app, ["drug", "infliximab"]).stdout.splitlines()
    assert [line.split()[0] for line in shown] == ["J1745", "Q5103", "Q5104", "Q5121", "Q5109"]
    assert "biosimilar of J1745" in shown[1]
    assert runner.invoke(app, ["drug", "Remicade"]).stdout.splitlines()[0].startswith("J1745")
    assert len(runner.invoke(app, ["drug", "Remicade"]).stdout.splitlines()) == 1


def test_a_name_of_several_words_and_a_brand_resolve():
    assert [e.code for e in drug_candidates("zoledronic acid")] == ["J3489"]
    assert [e.code for e in drug_candidates("Zometa")] == ["J3489"]
    assert [e.code for e in billing_entry("vancomycin")] == ["J3373"]
    assert units_for("zoledronic   acid", "5 mg")[3] == 5
    shown = runner.invoke(app, ["units", "zoledronic acid", "5", "mg"])
    assert shown.exit_code == 0 and shown.stdout == "5\n"


def test_a_deleted_code_names_its_replacement():
    shown = runner.invoke(app, ["units", "J2930", "125", "mg"])
    assert shown.exit_code == 2 and "J2930 is deleted: bill J2919" in shown.stderr


def test_a_name_of_several_words_may_be_typed_unquoted():
    shown = runner.invoke(app, ["units", "zoledronic", "acid", "5", "mg"])
    assert shown.exit_code == 0 and shown.stdout == "5\n"
    assert runner.invoke(app, ["units", "piperacillin", "and", "tazobactam", "4.5",
                               "g"]).stdout == "4\n"
    assert runner.invoke(app, ["drug", "zoledronic", "acid"]).stdout.startswith("J3489  ")
    bad = runner.invoke(app, ["units", "J1745", "mg"])  # a code: the dose's own message
    assert bad.exit_code == 2 and "cannot read the dose 'mg'" in bad.stderr


def test_several_codes_are_listed_with_their_units():
    shown = runner.invoke(app, ["units", "IVIG", "30", "g"])
    assert shown.exit_code == 2
    assert "J1569 500 mg, J1459 500 mg" in shown.stderr and "give the code" in shown.stderr
    assert runner.invoke(app, ["units", "Privigen", "30", "g"]).stdout == "60\n"
    assert runner.invoke(app, ["units", "vancomycin hcl", "1", "g"]).stdout == "100\n"
