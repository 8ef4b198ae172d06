"""The bundled templates: read by the scrubber, clean, rebuilt reproducibly by their generator,
and opened by openpyxl, python-calamine and LibreOffice."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import zipfile
from importlib.metadata import version
from xml.etree import ElementTree

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from scrubber import scrub
from scrubber.fields import field_for_header
from scrubber.mark.plan import ERROR_CELL_RGB, ERROR_ROW_RGB, WARNING_CELL_RGB, WARNING_ROW_RGB
from scrubber.suggest import code_one, suggest
from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("make_template",
                                              ROOT / "templates" / "make_template.py")
make_template = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_template)

XLSX, XLSM = make_template.XLSX, make_template.XLSM
SHIPPED = [XLSX, XLSM]
HEADERS = make_template.HEADERS
HEADER_ROW, FIRST_ROW = make_template.HEADER_ROW, make_template.FIRST_ROW
LAST_ROW = make_template.LAST_EXAMPLE_ROW
#: the Suggested Code cells and what the coding engine gives for their rows.
SUGGESTED = {"L4": "96365", "L6": "96360", "L9": "96375", "L11": "96413"}
XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and not os.environ.get("CI"),
    reason="LibreOffice (soffice) is not installed; .ci/run installs it")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Both templates freshly built by the generator."""
    return make_template.build_all(tmp_path_factory.mktemp("built"))


def _column(header: str) -> str:
    return make_template.LETTER[header]


# --- the charge table ------------------------------------------------------------------------

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_table_has_the_canonical_headers_and_covers_the_examples(path):
    sheet = openpyxl.load_workbook(path)["Charges"]
    table = sheet.tables["Charges"]
    assert table.ref == f"A{HEADER_ROW}:S{LAST_ROW}" == f"A3:S{3 + len(make_template.EXAMPLES)}"
    assert [c.name for c in table.tableColumns] == HEADERS
    assert [c.value for c in sheet[HEADER_ROW]][:len(HEADERS)] == HEADERS
    grid = CalamineWorkbook.from_path(path).get_sheet_by_name("Charges").to_python()
    assert grid[HEADER_ROW - 1][:len(HEADERS)] == HEADERS
    assert [row[0] for row in grid[FIRST_ROW - 1:LAST_ROW]] == \
        [line["Encounter ID"] for line in make_template.EXAMPLES]


def test_every_column_is_a_scrubber_field_except_the_helper():
    fields = {h: field_for_header(h) for h in HEADERS}
    assert [h for h, f in fields.items() if f is None] == ["Suggested Code"]
    assert fields["Kind"] == "kind" and fields["Route"] == "route"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_drop_downs_list_the_routes_and_kinds(path):
    sheet = openpyxl.load_workbook(path)["Charges"]
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation
             if v.type == "list"}
    last = HEADER_ROW + make_template.BODY_ROWS
    route, kind = (f"{_column(h)}{FIRST_ROW}:{_column(h)}{last}" for h in ("Route", "Kind"))
    assert lists == {route: '"IV infusion,IV push,SC,IM,Intra-arterial,SC infusion"',
                     kind: '"hydration,therapeutic,chemotherapy"'}
    kinds = {line["Kind"] for line in make_template.EXAMPLES} - {None}
    routes = {line["Route"] for line in make_template.EXAMPLES} - {None}
    assert kinds == set(make_template.KINDS) and routes <= set(make_template.ROUTES)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_suggested_code_formulas_carry_the_engines_code(path):
    formulas = openpyxl.load_workbook(path)["Charges"]
    values = openpyxl.load_workbook(path, data_only=True)["Charges"]
    grid = CalamineWorkbook.from_path(path).get_sheet_by_name("Charges").to_python()
    column = _column("Suggested Code")
    found = {f"{column}{r}": formulas[f"{column}{r}"].value for r in range(FIRST_ROW, LAST_ROW + 1)
             if formulas[f"{column}{r}"].value is not None}
    assert sorted(found) == sorted(SUGGESTED)
    for ref, text in found.items():
        row = int(ref[1:])
        initial = not text.endswith(",FALSE)")
        assert text == f"=INFUSION_CODE(H{row},I{row},J{row},K{row}{'' if initial else ',FALSE'})"
        start, stop, route, kind = (formulas[f"{c}{row}"].value for c in "HIJK")
        code = code_one(start, stop, route, kind, initial=initial).code
        assert values[ref].value == grid[row - 1][11] == code == SUGGESTED[ref], ref
        assert formulas[f"D{row}"].value == code, f"row {row} is billed as the engine codes it"


# --- the examples are clean ------------------------------------------------------------------

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_example_rows_scrub_clean(path):
    result = scrub(path).files[0]
    assert (result.sheet, result.header_row, result.rows, result.findings) == \
        ("Charges", HEADER_ROW, len(make_template.EXAMPLES), ())


def test_example_administrations_are_what_the_engine_codes():
    coded = {e.encounter: [(line.code, line.units) for line in e.lines]
             for e in suggest(XLSX).encounters}
    assert coded == {"V1001": [("96365", 1)],
                     "V1002": [("96360", 1), ("96361", 1)],
                     "V1003": [("96413", 1), ("96415", 1), ("96375", 1)]}


def test_a_line_typed_below_the_table_is_scrubbed(tmp_path):
    book = openpyxl.load_workbook(XLSX)
    sheet = book["Charges"]
    row = LAST_ROW + 1
    for header, value in {"Encounter ID": "V2001", "Patient ID": "SYN2", "CPT/HCPCS": "96365",
                          "Units": 1, "Start Time": "10:00", "Stop Time": "10:10",
                          "Route": "IV infusion", "Drug": "Vancomycin"}.items():
        sheet[f"{_column(header)}{row}"] = value
    book.save(tmp_path / "filled.xlsx")
    assert (row, "push-billed-as-infusion") in \
        [(f.row, f.name) for f in scrub(tmp_path / "filled.xlsx").findings]


# --- Instructions ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_instructions_explain_columns_setup_and_colours(path):
    sheet = openpyxl.load_workbook(path)["Instructions"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    assert set(HEADERS) <= set(rows)
    swatches = {name: rows[name][0].fill.fgColor.rgb
                for name in ("error row", "warning row", "error cell", "warning cell")}
    assert swatches == {"error row": ERROR_ROW_RGB, "warning row": WARNING_ROW_RGB,
                        "error cell": ERROR_CELL_RGB, "warning cell": WARNING_CELL_RGB}
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    for needed in ("scrubber addin install", "scrubber addin lite", "xlwings Lite",
                   "scrubber scrub", "#NAME?", "=INFUSION_CODE(H4,I4,J4,K4)"):
        assert needed in text, needed
    assert ("keep the file name infusion_scrubber_excel.xlsm" in text) == (path == XLSM)


# --- the macro-enabled template --------------------------------------------------------------

def test_xlsm_keeps_the_quickstart_vba_project_byte_for_byte(built):
    quickstart = zipfile.ZipFile(make_template.quickstart_path()).read("xl/vbaProject.bin")
    with zipfile.ZipFile(built[1]) as package:
        assert package.read("xl/vbaProject.bin") == quickstart
        types = package.read("[Content_Types].xml").decode()
        rels = package.read("xl/_rels/workbook.xml.rels").decode()
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert 'Target="vbaProject.bin"' in rels
    book = openpyxl.load_workbook(built[1], keep_vba=True)
    assert book.sheetnames == ["Charges", "Instructions", "Codes", "_xlwings.conf"]
    assert book.code_name == "ThisWorkbook"
    assert [s.sheet_properties.codeName for s in book] == ["Sheet1", "Sheet3", "Sheet4", "Sheet2"]


def test_shipped_xlsm_has_the_installed_quickstart_vba():
    made_from = openpyxl.load_workbook(XLSM).properties.description
    if made_from != f"Made from xlwings {version('xlwings')} quickstart.xlsm":
        pytest.skip(f"installed xlwings {version('xlwings')}; the template says {made_from!r}")
    quickstart = zipfile.ZipFile(make_template.quickstart_path()).read("xl/vbaProject.bin")
    assert zipfile.ZipFile(XLSM).read("xl/vbaProject.bin") == quickstart


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_only_the_xlsm_has_a_scrub_button_running_samplecall(path):
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        if path == XLSX:
            assert not [n for n in names if "drawing" in n or "vba" in n]
            return
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
        rels = package.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        types = package.read("[Content_Types].xml").decode()
        drawing = ElementTree.fromstring(package.read("xl/drawings/drawing1.xml"))
    rid = re.search(r'<drawing [^>]*r:id="(rId\d+)"', sheet)[1]
    assert f'Target="/xl/drawings/drawing1.xml" Id="{rid}"' in rels
    assert 'PartName="/xl/drawings/drawing1.xml"' in types
    shapes = drawing.findall(f"{XDR}twoCellAnchor/{XDR}sp")
    assert [(s.get("macro"), "".join(s.itertext())) for s in shapes] == \
        [("[0]!SampleCall", "Scrub")]


def test_xlsm_refuses_another_name(tmp_path):
    with pytest.raises(ValueError, match="infusion_scrubber_excel.xlsm"):
        make_template.build_xlsm(tmp_path / "charges.xlsm")


# --- the generator ---------------------------------------------------------------------------

def test_rebuilding_gives_the_same_bytes(built, tmp_path):
    again = make_template.build_all(tmp_path)
    for first, second in zip(built, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


@pytest.mark.parametrize("index", [0, 1], ids=["xlsx", "xlsm"])
def test_shipped_templates_match_their_generator(built, index):
    """Content, not bytes: another openpyxl version may write the same cells differently."""
    fresh, shipped = built[index], SHIPPED[index]
    for data_only in (False, True):
        new = openpyxl.load_workbook(fresh, data_only=data_only)
        old = openpyxl.load_workbook(shipped, data_only=data_only)
        assert new.sheetnames == old.sheetnames
        for name in new.sheetnames:
            cells = {c.coordinate: c.value for row in new[name].iter_rows() for c in row}
            assert cells == {c.coordinate: c.value for row in old[name].iter_rows() for c in row}
    parts = {"xl/drawings/drawing1.xml", "xl/tables/table1.xml"}
    with zipfile.ZipFile(fresh) as new, zipfile.ZipFile(shipped) as old:
        for part in parts & set(new.namelist()):
            assert new.read(part) == old.read(part), f"{part}: run templates/make_template.py"


# --- LibreOffice -----------------------------------------------------------------------------

@needs_soffice
def test_libreoffice_converts_both_templates(built, tmp_path):
    assert shutil.which("soffice"), "CI must install LibreOffice (see .ci/run)"
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx", "--outdir", str(out), *map(str, built)],
                   check=True, capture_output=True, timeout=300)
    for path in built:
        converted = out / f"{path.stem}.xlsx"
        sheet = openpyxl.load_workbook(converted)["Charges"]
        assert [c.value for c in sheet[HEADER_ROW]][:len(HEADERS)] == HEADERS
        assert sheet.tables["Charges"].ref == f"A{HEADER_ROW}:S{LAST_ROW}"
        shown = openpyxl.load_workbook(converted, data_only=True)["Charges"]
        assert {ref: shown[ref].value for ref in SUGGESTED} == SUGGESTED
        assert scrub(converted).findings == ()


@needs_soffice
def test_libreoffice_binds_the_button_to_the_quickstart_macro(built, tmp_path):
    """LibreOffice imports the VBA and the shape's macro: the button calls Module1.SampleCall,
    which runs the Python module named after the workbook."""
    assert shutil.which("soffice"), "CI must install LibreOffice (see .ci/run)"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "ods", "--outdir", str(tmp_path), str(built[1])],
                   check=True, capture_output=True, timeout=300)
    with zipfile.ZipFile(tmp_path / f"{built[1].stem}.ods") as ods:
        content = ods.read("content.xml").decode()
        module = ods.read("Basic/VBAProject/Module1.xml").decode()
    assert re.findall(r'<draw:custom-shape[^>]*draw:name="([^"]+)".*?xlink:href="([^"]+)"',
                      content) == [("Scrub button", "vnd.sun.star.script:VBAProject.Module1."
                                                    "SampleCall?language=Basic&amp;"
                                                    "location=document")]
    assert "Sub SampleCall()" in module and "Left(ThisWorkbook.Name" in module
    assert "RunPython &quot;import &quot; &amp; mymodule" in module
