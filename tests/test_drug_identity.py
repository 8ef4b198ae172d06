"""Drug identity (issue 11 item 1): which drug a drug cell names, one helper for the coding
engine and the rules that compare drugs."""

from __future__ import annotations

import pandas as pd
import pytest

from scrubber.drugnames import reduce_name
from scrubber.normalize import drug_key
from scrubber.reference.identity import drug_identity, identify, identify_one


@pytest.mark.parametrize(("text", "reduced"), [
    ("Furosemide 40 mg/4 mL", "furosemide"),
    ("Vancomycin 1 g in NS 250 mL IVPB", "vancomycin"),
    ("Magnesium sulfate 2 g in 50 mL", "magnesium sulfate"),
    ("KCl 20 mEq in D5W 1000 mL", "kcl"),
    ("Cefazolin 2g IVPB premix bag", "cefazolin"),
    ("Ondansetron HCl 4mg IV push", "ondansetron"),
    ("Sodium chloride 0.9% 1000 mL", "ns"),
    ("sodium chloride 3%", "sodium chloride"),
    ("Dextrose 5% in water 500 mL", "d5w"),
    ("drug B (vancomycin 1 g)", "drug b vancomycin"),
    ("1,000 units", ""),
])
def test_a_name_is_reduced_to_the_words_that_name_a_substance(text, reduced):
    assert reduce_name(text) == reduced


@pytest.mark.parametrize(("first", "second"), [
    ("Lasix 40 mg", "Furosemide 40 mg/4 mL"),
    ("drug B (vancomycin 1 g)", "Vancomycin 1 g in NS 250 mL"),
    ("Vancocin", "vancomycin hydrochloride 1.25 g IVPB"),
    ("Zosyn 3.375 g", "piperacillin/tazobactam 3.375 g in 100 mL premix"),
    ("Remicade (infliximab) 400 mg", "Infliximab-dyyb 400 mg"),  # biosimilar: same substance
    ("Normal saline 1000 mL", "0.9% sodium chloride"),
    ("Potassium 20 mEq", "potassium chloride 20 mEq/100 mL"),
    ("Pepcid 20 mg", "famotidine"),  # an unclassified (J3490) drug keeps its own name
    ("J1940", "furosemide"),  # a code names its entry
])
def test_the_same_drug_written_two_ways(first, second):
    assert identify_one(first).key == identify_one(second).key != ""


@pytest.mark.parametrize(("first", "second"), [
    ("Potassium chloride 10 mEq", "Potassium phosphate 15 mmol"),
    ("Sodium chloride 0.9%", "Sodium bicarbonate 8.4% 50 mEq"),
    ("drug A (meropenem 1 g)", "drug B (vancomycin 1 g)"),
    ("drug A", "drug B"),
    ("Magnesium sulfate 2 g", "Magnesium oxide 400 mg"),
    ("Ampicillin 2 g", "Ampicillin and sulbactam 3 g"),  # a combination is not its part
    ("Ampicillin 2 g", "Unasyn 3 g"),
    ("Lidocaine 1%", "Lidocaine with epinephrine"),
    ("Methylprednisolone acetate 40 mg", "Solu-Medrol 125 mg"),  # salts of one base
    ("Normal saline", "D5W"),
    ("Herceptin", "Herceptin Hylecta"),
])
def test_different_drugs_stay_apart(first, second):
    assert identify_one(first).key != identify_one(second).key


@pytest.mark.parametrize(("text", "code"), [
    ("Sodium chloride 0.9%", "J7030"),  # hydration fluid
    ("D5-1/2NS with 20 mEq KCl", "J7042"),  # the bag's fluid, with a rider
    ("Heparin 5,000 units NS", "J1644"),  # a fluid after the drug is its diluent
    ("Potassium phosphate 15 mmol", None),
    ("drug B (vancomycin 1 g)", "J3373"),
    ("5-FU 400 mg/m2", "J9190"),
])
def test_the_first_table_drug_named_gives_the_entry(text, code):
    found = identify(pd.Series([text], dtype="string"))["code"].iloc[0]
    assert (None if pd.isna(found) else found) == code


def test_the_canonical_frame_key_is_the_identity_once_per_distinct_text():
    names = ["Lasix 40 mg", None, "Furosemide 40 mg/4 mL", "KCl", "K phos", ""] * 200
    drug = pd.Series(names, index=range(10, 1210), dtype="string")
    got = drug_key(drug)
    assert got.index.equals(drug.index)
    assert got.iloc[0] == got.iloc[2] == "furosemide"
    assert pd.isna(got.iloc[1]) and pd.isna(got.iloc[5])
    assert got.iloc[3] == "potassium chloride" and got.iloc[4] == "k phos"
    pd.testing.assert_series_equal(got, drug_identity(drug))
