"""Round trips: the marked copy is read back by other readers and compared cell by cell."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from typer.testing import CliRunner

from scrubber import scrub
from scrubber.cli import app
from scrubber.mark import marked_path, write_marked_copy
from scrubber.mark.xlsx import ERROR_RGB, ISSUES_HEADERS
from tests.conftest import SAMPLES

runner = CliRunner()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _calamine_cells(path: Path) -> dict[str, list[list[object]]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names}


def _marked(workbook: Path, *args: str) -> Path:
    result = runner.invoke(app, ["scrub", str(workbook), *args])
    assert result.exit_code in (0, 1), result.stderr
    return marked_path(workbook)


def test_input_bytes_unchanged_and_copy_beside_it(workbook):
    before = _sha(workbook)
    marked = _marked(workbook)
    assert _sha(workbook) == before
    assert marked == workbook.with_name("export.scrubbed.xlsx") and marked.exists()
    assert sorted(p.name for p in workbook.parent.iterdir()) == ["export.scrubbed.xlsx",
                                                                 "export.xlsx"]


def test_every_original_cell_kept_openpyxl(workbook):
    marked = _marked(workbook)
    original, copy = openpyxl.load_workbook(workbook), openpyxl.load_workbook(marked)
    assert copy.sheetnames == original.sheetnames + ["Issues"]
    flagged = {f.row for f in scrub(workbook).findings}
    for sheet in original.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                other = copy[sheet.title][cell.coordinate]
                assert other.value == cell.value, cell.coordinate
                assert other.number_format == cell.number_format
                assert repr(other.font) == repr(cell.font)  # style proxies compare by repr
                if not (sheet.title == "Export" and cell.row in flagged):
                    assert repr(other.fill) == repr(cell.fill), cell.coordinate
    assert copy["Export"]["K5"].value == "=F6*2"


def test_every_original_cell_kept_calamine(workbook):
    marked = _marked(workbook)
    before, after = _calamine_cells(workbook), _calamine_cells(marked)
    for name, grid in before.items():
        for r, row in enumerate(grid):
            assert after[name][r][: len(row)] == row


def test_status_columns_fills_and_issues_sheet(workbook):
    marked = _marked(workbook)
    findings = scrub(workbook).findings
    book = openpyxl.load_workbook(marked)
    sheet = book["Export"]
    assert (sheet["L4"].value, sheet["M4"].value) == ("Scrub Status", "Scrub Findings")
    assert [sheet.cell(r, 12).value for r in range(5, 11)] == ["OK", "OK", "OK", "error",
                                                                 "error", "OK"]
    assert sheet["M8"].value.splitlines()[0].startswith("INF003 push-billed-as-infusion: ")
    for col in range(1, 14):
        assert sheet.cell(8, col).fill.fgColor.rgb == ERROR_RGB
    assert sheet.cell(5, 1).fill.fill_type is None
    issues = book["Issues"]
    assert tuple(c.value for c in issues[1]) == ISSUES_HEADERS
    listed = [(r[0].value, r[2].value, r[3].value) for r in issues.iter_rows(min_row=2)]
    assert listed == [(f.row, f.rule, f.name) for f in findings]
    assert issues["A2"].hyperlink.location == "'Export'!A8"


def test_scrubbing_a_marked_copy_replaces_marks(workbook, tmp_path):
    marked = _marked(workbook)
    again = tmp_path / "again.xlsx"
    result = runner.invoke(app, ["scrub", str(marked), "--select", "missing-time", "--out",
                                 str(again)])
    assert result.exit_code == 1
    book = openpyxl.load_workbook(again)
    sheet = book["Export"]
    headers = [c.value for c in sheet[4]]
    assert headers.count("Scrub Status") == 1 and headers.count("Scrub Findings") == 1
    assert sheet["L8"].value == "OK" and sheet["M8"].value is None
    assert sheet.cell(8, 1).fill.fill_type is None
    assert sheet["L9"].value == "error"
    assert book.sheetnames == ["Export", "Notes", "Issues"]
    assert [r[3].value for r in book["Issues"].iter_rows(min_row=2)] == ["missing-time"]


def _make_xlsm(workbook: Path, target: Path) -> bytes:
    """Turn an .xlsx into a macro-enabled package with a (dummy) VBA project part."""
    vba = b"VBA-PROJECT-BYTES" * 10
    with zipfile.ZipFile(workbook) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                data = data.replace(b"</Types>", b'<Default Extension="bin" ContentType='
                                    b'"application/vnd.ms-office.vbaProject"/></Types>')
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVBA" Type='
                                    b'"http://schemas.microsoft.com/office/2006/relationships/'
                                    b'vbaProject" Target="vbaProject.bin"/></Relationships>')
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", vba)
    return vba


def test_xlsm_keeps_its_macros(workbook, tmp_path):
    xlsm = tmp_path / "macro.xlsm"
    vba = _make_xlsm(workbook, xlsm)
    marked = _marked(xlsm)
    assert marked.name == "macro.scrubbed.xlsm"
    with zipfile.ZipFile(marked) as package:
        assert package.read("xl/vbaProject.bin") == vba
        assert b"macroEnabled" in package.read("[Content_Types].xml")


def test_macro_workbook_copy_must_keep_the_xlsm_suffix(workbook, tmp_path):
    xlsm = tmp_path / "macro.xlsm"
    _make_xlsm(workbook, xlsm)
    result = runner.invoke(app, ["scrub", str(xlsm), "--out", str(tmp_path / "copy.xlsx")])
    assert result.exit_code == 2
    assert "copy.xlsx must end in .xlsm so Excel opens it with its macros" in result.stderr
    assert not (tmp_path / "copy.xlsx").exists()


def test_csv_input_gets_a_marked_workbook(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Encounter,CPT,Start,Stop,Drug\nE1,96365,10:00,10:05,Abc\nE1,J3490,,,Abc\n")
    marked = _marked(path)
    assert marked.name == "export.scrubbed.xlsx"
    sheet = openpyxl.load_workbook(marked)["export"]
    assert [[c.value for c in row][:5] for row in sheet.iter_rows(max_row=3)] == [
        ["Encounter", "CPT", "Start", "Stop", "Drug"], ["E1", "96365", "10:00", "10:05", "Abc"],
        ["E1", "J3490", None, None, "Abc"]]
    assert sheet["F2"].value == "error"


def test_failed_save_leaves_no_partial_output(workbook, tmp_path, monkeypatch):
    result = scrub(workbook).files[0]
    target = tmp_path / "out" / "x.xlsx"

    def boom(self, filename):
        Path(filename).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OSError):
        write_marked_copy(result, workbook, target)
    assert list(target.parent.iterdir()) == []


@pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"),
                    reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_libreoffice_opens_the_marked_copy_with_every_value(tmp_path):
    assert shutil.which("soffice"), "CI must install LibreOffice (see .ci/run)"
    source = tmp_path / "infusion_export.xlsx"
    shutil.copy(SAMPLES / "infusion_export.xlsx", source)
    marked = _marked(source)
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx", "--outdir", str(out), str(marked)],
                   check=True, capture_output=True, timeout=180)
    before = _calamine_cells(source)
    after = _calamine_cells(out / marked.name.replace(".xlsm", ".xlsx"))
    grid, converted = before["Charges"], after["Charges"]
    compared = 0
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value != "":
                assert converted[r][c] == value, (r + 1, c + 1)
                compared += 1
    assert compared > 3000
    assert after["Issues"][0][: len(ISSUES_HEADERS)] == list(ISSUES_HEADERS)
