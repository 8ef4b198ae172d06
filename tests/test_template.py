"""The bundled billing template is read by the scrubber and matches its generator."""

from __future__ import annotations

import importlib.util

import openpyxl

from scrubber import scrub
from scrubber.fields import field_for_header
from tests.conftest import ROOT

TEMPLATE = ROOT / "templates" / "infusion_billing_template.xlsx"
spec = importlib.util.spec_from_file_location("make_template",
                                              ROOT / "templates" / "make_template.py")
make_template = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_template)


def test_template_scrubs_clean_with_its_header_found():
    result = scrub(TEMPLATE).files[0]
    assert (result.sheet, result.header_row, result.rows, result.findings) == \
        ("Charges", 3, 0, ())


def test_every_template_column_is_a_known_field():
    headers = [c.value for c in openpyxl.load_workbook(TEMPLATE)["Charges"][3] if c.value]
    assert all(field_for_header(h) for h in headers), headers


def test_template_matches_its_generator():
    built, shipped = make_template.build(), openpyxl.load_workbook(TEMPLATE)
    assert built.sheetnames == shipped.sheetnames
    for name in built.sheetnames:
        for row in built[name].iter_rows():
            for cell in row:
                assert shipped[name][cell.coordinate].value == cell.value
    validations = shipped["Charges"].data_validations.dataValidation
    assert sorted(v.type for v in validations) == ["decimal", "list", "time"]


def test_filled_template_is_scrubbed(tmp_path):
    book = openpyxl.load_workbook(TEMPLATE)
    sheet = book["Charges"]
    sheet.append(["E1", "SYN1", None, "96365", None, None, 1, "10:00", "10:10", "IV infusion",
                  "Vancomycin"])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    names = [(f.row, f.name) for f in scrub(path).findings]
    assert (504, "push-billed-as-infusion") in names
