"""Billing units from the user's quarterly CMS files: the HCPCS file's long descriptions
(``--hcpcs``) and the ASP pricing file's HCPCS Code Dosage column (``--asp``), on synthetic
files in the CMS layouts."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from scrubber import Config, ConfigError, scrub
from scrubber.cli import app
from scrubber.reference.asp import load_asp
from scrubber.reference.hcpcs_file import drug_units, load_hcpcs, unit_from_text
from scrubber.reference.tables import drug_units_table

runner = CliRunner()

ASP_NOTICE = [
    ["Section 508 version of April 2026 ASP Pricing File (synthetic test copy)"],
    ["Payment allowance limits for Medicare Part B drugs, effective April 1, 2026 through "
     "June 30, 2026. Notes are at the end of the file."],
    [],
]
ASP_HEADER = ["HCPCS Code", "Short Description", "HCPCS Code Dosage", "Payment Limit",
              "Vaccine AWP%", "Vaccine Limit", "Blood AWP%", "Blood Limit", "Clotting Factor",
              "Notes"]
ASP_ROWS = [
    ["J1940", "Furosemide injection", "20 MG", "0.991"],
    ["J9380", "Examplimab injection", "5 MG", "1,234.500"],  # not in the shipped table
    ["J1745", "Infliximab not biosimil 10mg", "10 MG", "41.282"],
    ["J2506", "Inj pegfilgrastim excl biosim", "0.5 MG", "228.19"],
    ["J7030", "Normal saline solution infus", "1000 CC", "1.2"],
    ["J9999", "Chemotherapy drug", "1 EA", ""],  # no amount: keeps the table's (none)
    ["J3480", "Inj potassium chloride", "2 MEQ", "0.5"],
    ["J1644", "Inj heparin sodium per 1000u", "1000 UNITS", "0.6"],
    ["J0561", "Penicillin g benzathine inj", "100,000 UNITS", "12.3"],
]


def _asp_csv(path, rows=ASP_ROWS):
    lines = [",".join(f'"{c}"' for c in row) for row in [*ASP_NOTICE, ASP_HEADER, *rows]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_asp_csv_gives_each_codes_dosage_as_its_unit(tmp_path):
    table = load_asp(_asp_csv(tmp_path / "April 2026 ASP Pricing File.csv"))
    units = {code: (row.amount, row.unit) for code, row in table.iterrows()}
    assert units == {"J1940": (20, "mg"), "J9380": (5, "mg"), "J1745": (10, "mg"),
                     "J2506": (0.5, "mg"), "J7030": (1000, "mL"), "J3480": (2, "mEq"),
                     "J1644": (1000, "units"), "J0561": (100000, "units")}
    assert table.loc["J9380", "payment_limit"] == 1234.5
    assert table.loc["J9380", "description"] == "Examplimab injection"


def test_asp_workbook_reads_like_the_csv(tmp_path):
    book = Workbook()
    sheet = book.active
    for row in [*ASP_NOTICE, ASP_HEADER, *ASP_ROWS]:
        sheet.append(row)
    path = tmp_path / "asp.xlsx"
    book.save(path)
    assert load_asp(path)[["amount", "unit"]].equals(
        load_asp(_asp_csv(tmp_path / "asp.csv"))[["amount", "unit"]])


@pytest.mark.parametrize(("content", "problem"), [
    ("just,some\ncells,here\n", "no header row with HCPCS Code and HCPCS Code Dosage"),
    ('"HCPCS Code","Short Description","HCPCS Code Dosage"\n"J9999","Chemo","1 EA"\n',
     "no rows with a HCPCS code and a dosage"),
])
def test_a_bad_asp_file_is_one_line_naming_it(tmp_path, content, problem):
    path = tmp_path / "asp.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem) as error:
        load_asp(path)
    assert str(path) in str(error.value)
    shown = runner.invoke(app, ["units", "--asp", str(path), "J1745", "400", "mg"])
    assert shown.exit_code == 2 and shown.stderr.count("\n") == 1
    assert shown.stderr.startswith(f"error: ASP file {path}: ")


def test_a_missing_or_unreadable_asp_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="ASP file .*none.csv: not found"):
        load_asp(tmp_path / "none.csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(ConfigError, match="ASP file .*broken.xlsx: cannot be read"):
        load_asp(broken)


def test_asp_units_reach_the_units_and_drug_commands(tmp_path):
    path = str(_asp_csv(tmp_path / "asp.csv"))
    shown = runner.invoke(app, ["units", "--asp", path, "J9380", "12", "mg"])
    assert shown.exit_code == 0 and shown.stdout == "3\n"
    assert runner.invoke(app, ["units", "J9380", "12", "mg"]).exit_code == 2  # not shipped
    drug = runner.invoke(app, ["drug", "--asp", path, "J9380"]).stdout
    assert drug == ("J9380  Examplimab injection: 5 mg per unit (unit from the ASP file), "
                    "chemotherapy\n")
    # an "up to" descriptor stays "up to" when the ASP dosage gives the same amount
    assert "up to 20 mg per unit (unit from the ASP file)" in runner.invoke(
        app, ["drug", "--asp", path, "Lasix"]).stdout


def test_asp_units_reach_the_rules_through_the_config(tmp_path):
    path = str(_asp_csv(tmp_path / "asp.csv"))
    frame = pd.DataFrame({"Encounter ID": ["E1", "E1"], "CPT": ["J9380", "J1940"],
                          "Units": [1, 2], "Dose": ["12", "40"], "Dose Unit": ["mg", "mg"]})
    config = Config(select=("drug-units-mismatch",), asp=path)
    found = [(f.row, f.column) for f in scrub(frame, config).findings]
    assert found == [(2, "Units")]  # J9380 12 mg is 3 units of 5 mg, not 1
    assert scrub(frame, Config(select=("drug-units-mismatch",))).findings == ()


@pytest.mark.parametrize(("text", "unit"), [
    ("Injection, furosemide, up to 20 mg", (20, "mg", True)),
    ("Injection, ketorolac tromethamine, per 15 mg", (15, "mg", False)),
    ("Injection, infliximab, excludes biosimilar, 10 mg", (10, "mg", False)),
    ("Injection, fentanyl citrate, 0.1 mg", (0.1, "mg", False)),
    ("Injection, heparin sodium, per 1000 units", (1000, "units", False)),
    ("Injection, penicillin g potassium, up to 600,000 units", (600000, "units", True)),
    ("Injection, dalteparin sodium, per 2500 iu", (2500, "units", False)),
    ("Injection, mepivacaine hydrochloride, per 10 ml", (10, "mL", False)),
    ("Infusion, normal saline solution, 1000 cc", (1000, "mL", False)),
    ("Injection, potassium chloride, per 2 meq", (2, "mEq", False)),
    ("Injection, blinatumomab, 1 microgram", (1, "mcg", False)),
    ("Injection, cefotaxime sodium, per gm", (1, "g", False)),
    ("Injection, piperacillin sodium/tazobactam sodium, 1 g/0.125 g (1.125 g)",
     (1.125, "g", False)),
    ("Injection, epoetin alfa, (for non-esrd use), 1000 units", (1000, "units", False)),
    ("Injection, sumatriptan succinate, 6 mg (code may be used for medicare when drug "
     "administered under the direct supervision of a physician, not for use when drug is "
     "self administered)", (6, "mg", False)),
    ("10 MG", (10, "mg", False)), ("0.5 MG", (0.5, "mg", False)),
    ("100 UNITS", (100, "units", False)), ("1 ML", (1, "mL", False)),
    ("Injection, ceftolozane 50 mg and tazobactam 25 mg", None),
    ("Injection, rho d immune globulin, human, full dose, 300 micrograms (1500 i.u.)", None),
    ("Injection, aldesleukin, per single use vial", None), ("1 EA", None), ("", None),
])
def test_units_are_read_from_every_descriptor_shape(text, unit):
    assert unit_from_text(text) == unit


def _hcpcs_csv(path):
    path.write_text(
        "HCPCS quarterly update (synthetic test copy)\n\n"
        "HCPC,SEQNUM,RECID,LONG DESCRIPTION,SHORT DESCRIPTION,TERM DT,ACTION CD\n"
        "J1940,00100,3,\"Injection, furosemide, up to 20 mg\",Furosemide inj,,N\n"
        "J9381,00100,3,\"Injection, examplizumab-abcd, 2 mg\",Examplizumab 2mg,,N\n"
        "J9382,00100,3,\"Injection, oldumab, 1 mg\",Oldumab,20251231,D\n"
        "J1745,00100,3,\"Injection, infliximab, excludes biosimilar,\",Infliximab,,N\n"
        "J1745,00200,4,10 mg,,,N\n"
        "96365,00100,3,Intravenous infusion,IV infusion,,N\n", encoding="utf-8")
    return path


def test_hcpcs_file_gives_units_of_current_drug_codes(tmp_path):
    table = load_hcpcs(_hcpcs_csv(tmp_path / "HCPC2026_APR_ANWEB.csv"))
    units = drug_units(table)
    assert {c: (r.amount, r.unit, r.up_to) for c, r in units.iterrows()} == {
        "J1940": (20, "mg", True), "J9381": (2, "mg", False), "J1745": (10, "mg", False)}
    assert units.loc["J9381", "description"] == "examplizumab-abcd"


def test_hcpcs_units_reach_the_units_command_and_win_over_the_asp_file(tmp_path):
    hcpcs = str(_hcpcs_csv(tmp_path / "hcpcs.csv"))
    asp = tmp_path / "asp.csv"
    _asp_csv(asp, [["J9381", "Examplizumab", "5 MG", "1"]])
    shown = runner.invoke(app, ["units", "--hcpcs", hcpcs, "--asp", str(asp), "J9381", "9",
                                "mg"])
    assert shown.exit_code == 0 and shown.stdout == "5\n"  # 9 mg / 2 mg, from the descriptor
    assert "(unit from the HCPCS file)" in runner.invoke(
        app, ["drug", "--hcpcs", hcpcs, "J9381"]).stdout
    assert runner.invoke(app, ["units", "--hcpcs", hcpcs, "J9382", "1", "mg"]).exit_code == 2
    table = drug_units_table(hcpcs=hcpcs)
    assert table.by_code["J1940"].unit_source == "HCPCS file"
    assert table.by_code["J2405"].unit_source == "table"  # not in the file: the shipped unit


def test_scrub_takes_asp_on_the_command_line(tmp_path):
    asp = str(_asp_csv(tmp_path / "asp.csv"))
    sheet = tmp_path / "charges.csv"
    sheet.write_text("Encounter ID,CPT,Units,Dose,Dose Unit\nE1,J9380,1,12,mg\n",
                     encoding="utf-8")
    shown = runner.invoke(app, ["scrub", str(sheet), "--no-mark", "--format", "json",
                                "--select", "drug-units-mismatch", "--asp", asp])
    found = json.loads(shown.stdout)["files"][0]["findings"]
    assert [(f["row"], f["name"]) for f in found] == [(2, "drug-units-mismatch")]
    missing = runner.invoke(app, ["scrub", str(sheet), "--no-mark", "--asp",
                                  str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "ASP file" in missing.stderr and "not found" in \
        missing.stderr
