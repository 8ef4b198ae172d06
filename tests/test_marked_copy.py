"""Round trips: the marked copy is read back by other readers and compared cell by cell."""

from __future__ import annotations

import datetime as dt
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
from scrubber.mark import marked_path, package, write_marked_copy
from scrubber.mark.plan import ERROR_CELL_RGB, ERROR_ROW_RGB, ISSUES_HEADERS, OUR_RGBS, plan_marks
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


def _rgb(cell) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None


def test_status_columns_fills_and_issues_sheet(workbook):
    marked = _marked(workbook)
    result = scrub(workbook).files[0]
    book = openpyxl.load_workbook(marked)
    sheet = book["Export"]
    assert (sheet["L4"].value, sheet["M4"].value) == ("Scrub Status", "Scrub Findings")
    assert [sheet.cell(r, 12).value for r in range(5, 11)] == ["OK", "OK", "OK", "error",
                                                                 "error", "OK"]
    assert sheet["M8"].value == plan_marks(result).rows[3].findings
    assert sheet["M8"].value.splitlines()[0].startswith(
        "Route (I = 'IV push'): ")
    assert sheet["M8"].value.splitlines()[0].endswith("[INF003 push-billed-as-infusion]")
    # one line per row (never spilling over the rows below); the full text is in Issues
    assert not sheet["M8"].alignment.wrap_text
    assert sheet["M9"].value.startswith("Stop Time (H, empty): ")
    # flagged cells (CPT D8, Route I8, Drug J8, Stop Time H9) stronger than their rows
    fills = {sheet.cell(r, c).coordinate: _rgb(sheet.cell(r, c))
             for r in (8, 9) for c in range(1, 14)}
    cells = {"D8", "I8", "J8", "H9"}
    assert {k for k, v in fills.items() if v == ERROR_CELL_RGB} == cells
    assert {k for k, v in fills.items() if v == ERROR_ROW_RGB} == set(fills) - cells
    assert _rgb(sheet["A5"]) is None and _rgb(sheet["B5"]) == "FFDDEEFF"  # the user's own fill
    assert all(_rgb(sheet.cell(r, c)) not in OUR_RGBS for r in (5, 6, 7, 10)
               for c in range(1, 14))
    issues = book["Issues"]
    assert tuple(c.value for c in issues[1]) == ISSUES_HEADERS
    listed = [(r[0].value, r[2].value, r[3].value, r[6].value) for r in
              issues.iter_rows(min_row=2)]
    assert listed == [(f.row, f.rule, f.name, f.column_letter) for f in result.findings]
    assert [issues.cell(r, 1).hyperlink.location for r in range(2, issues.max_row + 1)] == [
        "'Export'!I8", "'Export'!J8", "'Export'!D8", "'Export'!H9"]


def test_issues_links_quote_a_sheet_name_with_an_apostrophe(workbook, tmp_path):
    book = openpyxl.load_workbook(workbook)
    book["Export"].title = "Dr's Export"
    source = tmp_path / "named.xlsx"
    book.save(source)
    marked = _marked(source)
    copy = openpyxl.load_workbook(marked)
    assert copy["Issues"]["A2"].hyperlink.location == "'Dr''s Export'!I8"
    assert _rgb(copy["Dr's Export"]["I8"]) == ERROR_CELL_RGB


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
    assert [_rgb(sheet.cell(8, c)) for c in range(1, 14)] == [None] * 13  # cell fills too
    assert sheet["L9"].value == "error"
    assert {sheet.cell(9, c).coordinate for c in range(1, 14)
            if _rgb(sheet.cell(9, c)) == ERROR_CELL_RGB} == {"H9"}
    assert book.sheetnames == ["Export", "Notes", "Issues"]
    assert [r[3].value for r in book["Issues"].iter_rows(min_row=2)] == ["missing-time"]


def test_an_issues_sheet_of_an_older_copy_is_replaced_not_kept(workbook, tmp_path):
    """Copies written before the Column Letter column have 9 Issues headers; still ours."""
    marked = _marked(workbook)
    book = openpyxl.load_workbook(marked)
    book["Issues"].delete_cols(7)
    assert tuple(c.value for c in book["Issues"][1]) == (
        "Row", "Encounter", "Rule", "Name", "Severity", "Column", "Value", "Message",
        "Suggestion")
    old = tmp_path / "old.xlsx"
    book.save(old)
    again = _marked(old)
    assert openpyxl.load_workbook(again).sheetnames == ["Export", "Notes", "Issues"]


def test_a_users_own_issues_sheet_is_kept(workbook, tmp_path):
    book = openpyxl.load_workbook(workbook)
    book.create_sheet("Issues")["A1"] = "my own list"
    source = tmp_path / "own.xlsx"
    book.save(source)
    copy = openpyxl.load_workbook(_marked(source))
    assert copy.sheetnames == ["Export", "Notes", "Issues", "Scrub Issues"]
    assert copy["Issues"]["A1"].value == "my own list"
    assert copy["Scrub Issues"]["A2"].hyperlink.location == "'Export'!I8"


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
        ["Encounter", "CPT", "Start", "Stop", "Drug"],
        ["E1", "96365", dt.time(10, 0), dt.time(10, 5), "Abc"],
        ["E1", "J3490", None, None, "Abc"]]
    assert sheet["F2"].value == "error"


def test_csv_values_are_typed_and_identifiers_stay_text(tmp_path):
    """Units, dose, date of service and times become values; encounter, MRN, NDC and codes
    keep their leading zeros; nothing becomes a formula."""
    path = tmp_path / "typed.csv"
    path.write_text("Encounter,MRN,Date of Service,CPT/HCPCS,Units,Dose,Start Time,Stop Time,"
                    "NDC,Drug\n"
                    "00123,000456,2026-03-02,96365,1,,10:00,2026-03-02 11:45,00069-0123-01,"
                    "=1+1\n"
                    "00123,000456,03/02/2026,J1745,40,400,,,00069-0123-01,Infliximab\n")
    sheet = openpyxl.load_workbook(_marked(path))["typed"]
    row2 = [c.value for c in sheet[2]][:10]
    assert row2[:4] == ["00123", "000456", dt.datetime(2026, 3, 2), "96365"]
    assert row2[4] == 1 and row2[6] == dt.time(10, 0)
    assert row2[7] == dt.datetime(2026, 3, 2, 11, 45)
    assert row2[8] == "00069-0123-01" and row2[9] == "=1+1"
    assert sheet["C2"].number_format == "yyyy-mm-dd" and sheet["G2"].number_format == "hh:mm"
    assert [c.value for c in sheet[3]][4:6] == [40, 400]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("writer", ["package", "openpyxl"])
def test_failed_save_leaves_no_partial_output(workbook, tmp_path, monkeypatch, writer):
    result = scrub(workbook).files[0]
    target = tmp_path / "out" / "x.xlsx"

    def boom(*args):
        Path(args[-1] if writer == "openpyxl" else args[1]).write_bytes(b"partial")
        raise OSError("disk full")

    if writer == "package":
        monkeypatch.setattr(package, "_write", lambda package_, temp, *rest: boom(None, temp))
    else:
        monkeypatch.setattr(package, "write_package_copy", _unsupported)
        monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(OSError):
        write_marked_copy(result, workbook, target)
    assert list(target.parent.iterdir()) == []


def _unsupported(*args):
    raise package.Unsupported("test")


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
    # fills and links survive a save by another program, so a later scrub still knows them
    plan = plan_marks(scrub(source).files[0])
    saved = openpyxl.load_workbook(out / marked.name)
    charges, issues = saved["Charges"], saved["Issues"]
    assert {m.coordinate: _rgb(charges[m.coordinate]) for m in plan.cells} == {
        m.coordinate: m.fill for m in plan.cells}
    assert [issues.cell(r, 1).hyperlink.location for r in range(2, issues.max_row + 1)] == [
        i.link for i in plan.issues]


def test_cell_text_that_looks_like_a_formula_stays_text(tmp_path):
    """A CSV cell or a quoted value such as =HYPERLINK(...) must never become a live formula
    in the marked copy (on the data sheet of a CSV input, or on the Issues sheet)."""
    source = tmp_path / "charges.csv"
    source.write_text("Encounter ID,CPT,Units,Drug\n"
                      '=1+1,96372,1,"=HYPERLINK(""http://x"",""y"")"\n', encoding="utf-8")
    result = scrub(source).files[0]
    target = write_marked_copy(result, source, tmp_path / "out.xlsx")
    book = openpyxl.load_workbook(target)
    data = book["charges"]
    assert (data["A2"].value, data["A2"].data_type) == ("=1+1", "s")
    assert (data["D2"].value, data["D2"].data_type) == ('=HYPERLINK("http://x","y")', "s")
    issues = book["Issues"]
    texts = [c for row in issues.iter_rows(min_row=2) for c in row if c.value is not None]
    assert texts and all(c.data_type != "f" for c in texts)
    assert any(c.value == "=1+1" for c in texts)  # the encounter, quoted as text
