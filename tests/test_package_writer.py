"""The marked copy written by editing the package: untouched parts byte-identical, every
original cell kept, tables and autofilters grown, hidden flagged rows listed, a second scrub
identical to the first, and the openpyxl fallback only where the package path cannot edit."""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table
from typer.testing import CliRunner

from scrubber import scrub
from scrubber.cli import app
from scrubber.mark import write_marked_copy
from scrubber.mark.package import xml_text
from scrubber.mark.plan import ERROR_CELL_RGB, plan_marks
from tests.conftest import HEADERS, ROWS, make_workbook


def rich_workbook(path: Path) -> Path:
    """The conftest export plus a chart, comments, validation, conditional formatting, a
    defined name, an Excel table over the charge lines and a hidden flagged row."""
    make_workbook(path)
    book = openpyxl.load_workbook(path)
    sheet = book["Export"]
    last = 4 + len(ROWS)
    sheet.add_table(Table(displayName="Charges", ref=f"A4:K{last}"))
    sheet["A5"].comment = Comment("checked by billing", "Analyst")
    validation = DataValidation(type="list", formula1='"IV,IV push,SC,IM"')
    sheet.add_data_validation(validation)
    validation.add(f"I5:I{last}")
    sheet.conditional_formatting.add(f"F5:F{last}", CellIsRule(
        operator="greaterThan", formula=["10"], fill=PatternFill("solid", fgColor="FFFFC7CE")))
    book.defined_names["Units"] = DefinedName("Units", attr_text=f"Export!$F$5:$F${last}")
    sheet.row_dimensions[9].hidden = True
    notes = book["Notes"]
    chart = BarChart()
    chart.add_data(Reference(notes, min_col=2, min_row=2, max_row=2))
    notes.add_chart(chart, "D2")
    book.save(path)
    _add_image(path)
    return path


def _png() -> bytes:
    """A 1x1 PNG, made here (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _add_image(path: Path) -> None:
    """A picture beside the chart on the Notes sheet, added to the package as Excel does."""
    pic = ('<twoCellAnchor><from><col>0</col><colOff>0</colOff><row>5</row><rowOff>0'
           '</rowOff></from><to><col>1</col><colOff>0</colOff><row>6</row><rowOff>0</rowOff>'
           '</to><pic><nvPicPr><cNvPr id="9" name="Logo"/><cNvPicPr/></nvPicPr><blipFill>'
           '<a:blip r:embed="rIdImg"/><a:stretch><a:fillRect/></a:stretch></blipFill><spPr>'
           '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></spPr></pic><clientData/>'
           '</twoCellAnchor>')
    rel = ('<Relationship Id="rIdImg" Type="http://schemas.openxmlformats.org/officeDocument/'
           '2006/relationships/image" Target="../media/image1.png"/>')

    def add(name: str, data: bytes) -> bytes:
        if name == "xl/drawings/drawing1.xml":
            assert data.endswith(b"</wsDr>")  # openpyxl's default namespace
            return data.replace(b"</wsDr>", pic.encode() + b"</wsDr>")
        if name == "xl/drawings/_rels/drawing1.xml.rels":
            return data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
        if name == "[Content_Types].xml":
            return data.replace(b"<Default ", b'<Default Extension="png" '
                                b'ContentType="image/png"/><Default ', 1)
        return data

    rewritten(path, path, add)
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("xl/media/image1.png", _png())


def rewritten(source: Path, target: Path, change) -> Path:
    """A copy of a workbook with ``change(part name, bytes) -> bytes`` applied to its parts,
    to make the package shapes other programs write."""
    original = source.read_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, change(info.filename, old.read(info.filename)))
    return target


def marked(source: Path, target: Path, capsys=None) -> Path:
    write_marked_copy(scrub(source).files[0], source, target)
    return target


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_only_the_parts_that_must_change_do(tmp_path: Path, capsys) -> None:
    source = rich_workbook(tmp_path / "rich.xlsx")
    copy = marked(source, tmp_path / "rich.scrubbed.xlsx")
    assert "openpyxl" not in capsys.readouterr().err  # no fallback
    before, after = parts(source), parts(copy)
    changed = {n for n in before if before[n] != after.get(n)}
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml",
                       "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "_rels/.rels",
                       "xl/tables/table1.xml"}
    assert "xl/worksheets/sheet1.xml" in changed and "xl/tables/table1.xml" in changed
    assert set(before) <= set(after)
    assert any("chart" in n for n in after) and any("comments" in n for n in after)
    assert after["xl/media/image1.png"] == before["xl/media/image1.png"]


def test_every_original_cell_reads_back_the_same(tmp_path: Path) -> None:
    source = rich_workbook(tmp_path / "rich.xlsx")
    copy = marked(source, tmp_path / "copy.xlsx")
    for sheet in ("Export", "Notes"):
        old = openpyxl.load_workbook(source)[sheet]
        new = openpyxl.load_workbook(copy)[sheet]
        for row in old.iter_rows():
            for cell in row:
                assert new[cell.coordinate].value == cell.value, cell.coordinate
                assert new[cell.coordinate].number_format == cell.number_format
                assert repr(new[cell.coordinate].font) == repr(cell.font)
        old_grid = python_calamine.CalamineWorkbook.from_path(str(source)).get_sheet_by_name(
            sheet).to_python()
        new_grid = python_calamine.CalamineWorkbook.from_path(str(copy)).get_sheet_by_name(
            sheet).to_python()
        width = len(old_grid[0])
        assert [r[:width] for r in new_grid[:len(old_grid)]] == old_grid
    assert openpyxl.load_workbook(copy)["Export"]["A5"].comment.text == "checked by billing"


def test_table_and_marks_and_hidden_rows(tmp_path: Path) -> None:
    source = rich_workbook(tmp_path / "rich.xlsx")
    copy = marked(source, tmp_path / "copy.xlsx")
    result = scrub(source).files[0]
    book = openpyxl.load_workbook(copy)
    sheet = book["Export"]
    table = sheet.tables["Charges"]
    assert table.ref == f"A4:M{4 + len(ROWS)}"
    assert [c.name for c in table.tableColumns][-2:] == ["Scrub Status", "Scrub Findings"]
    for mark in plan_marks(result).cells:
        assert sheet[mark.coordinate].fill.fgColor.rgb == mark.fill
    assert sheet["B5"].fill.fgColor.rgb == "FFDDEEFF"  # the user's own fill on a clean row
    issues = book["Issues"]
    headers = [c.value for c in issues[1]]
    assert headers[-1] == "Row Hidden"
    hidden = {r[0].value for r in issues.iter_rows(min_row=2) if r[-1].value == "hidden"}
    assert hidden == {9}
    assert issues.freeze_panes == "A2" and issues.auto_filter.ref
    assert issues.page_setup.fitToWidth == 1


def test_a_second_scrub_gives_the_same_file(tmp_path: Path) -> None:
    source = rich_workbook(tmp_path / "rich.xlsx")
    first = marked(source, tmp_path / "first.xlsx")
    second = marked(first, tmp_path / "second.xlsx")
    assert parts(second) == parts(first)


def test_xlsm_macros_byte_identical(tmp_path: Path) -> None:
    quickstart = Path(__import__("xlwings").__file__).parent / "quickstart.xlsm"
    book = openpyxl.load_workbook(quickstart, keep_vba=True)
    sheet = book.worksheets[0]
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    source = tmp_path / "macro.xlsm"
    book.save(source)
    copy = marked(source, tmp_path / "macro.scrubbed.xlsm")
    assert parts(copy)["xl/vbaProject.bin"] == parts(source)["xl/vbaProject.bin"]


def test_control_characters_are_escaped_as_ooxml_does() -> None:
    assert xml_text("a\x0bb<c>") == "a_x000B_b&lt;c&gt;"
    assert xml_text("_x0041_") == "_x005F_x0041_"


def test_cell_text_with_control_characters_makes_a_readable_copy(tmp_path: Path) -> None:
    plain = make_workbook(tmp_path / "plain.xlsx")
    source = tmp_path / "ctl.xlsx"
    # a vertical tab in a drug name, as OOXML writes it
    rewritten(plain, source, lambda name, data: data.replace(
        b"Ondansetron", b"Ondan_x000B_setron =1+1"))
    copy = marked(source, tmp_path / "ctl.scrubbed.xlsx")
    book = openpyxl.load_workbook(copy)
    assert "Issues" in book.sheetnames
    assert all(c.data_type != "f" for row in book["Issues"].iter_rows() for c in row)


def test_a_sheet_without_cell_references_falls_back_with_a_notice(tmp_path: Path,
                                                                  capsys) -> None:
    source = make_workbook(tmp_path / "plain.xlsx")
    stripped = tmp_path / "noref.xlsx"
    rewritten(source, stripped, lambda name, data: data.replace(b' r="A5"', b"")
              if name == "xl/worksheets/sheet1.xml" else data)
    copy = marked(stripped, tmp_path / "noref.scrubbed.xlsx")
    assert "marked with openpyxl" in capsys.readouterr().err
    assert openpyxl.load_workbook(copy)["Export"]["L4"].value == "Scrub Status"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not "
                    "installed; .ci/run installs it")
def test_libreoffice_opens_the_copy_and_a_libreoffice_workbook_is_edited(tmp_path: Path,
                                                                         capsys) -> None:
    source = rich_workbook(tmp_path / "rich.xlsx")
    copy = marked(source, tmp_path / "copy.xlsx")
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", str(out),
                    str(copy)], check=True, capture_output=True, timeout=180)
    text = (out / "copy.csv").read_text(encoding="utf-8", errors="replace")
    assert "Scrub Status" in text and "Encounter ID" in text
    # a workbook LibreOffice wrote is edited directly too
    converted = tmp_path / "lo2"
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir",
                    str(converted), str(source)], check=True, capture_output=True, timeout=180)
    capsys.readouterr()
    again = marked(converted / "rich.xlsx", tmp_path / "lo.scrubbed.xlsx")
    assert "openpyxl" not in capsys.readouterr().err
    sheet = openpyxl.load_workbook(again)["Export"]
    first_flag = plan_marks(scrub(converted / "rich.xlsx").files[0]).cells[0]
    assert sheet[first_flag.coordinate].fill.fgColor.rgb == ERROR_CELL_RGB or \
        sheet[first_flag.coordinate].fill.fgColor.rgb == first_flag.fill


def test_hidden_flagged_rows_are_in_the_run_summary(tmp_path: Path) -> None:
    source = rich_workbook(tmp_path / "rich.xlsx")
    result = CliRunner().invoke(app, ["scrub", str(source), "-f", "json", "--out",
                                      str(tmp_path / "o")])
    data = json.loads(result.stdout)
    assert data["files"][0]["hidden_flagged_rows"] == [9]
    assert data["summary"]["hidden_flagged_rows"] == 1
    text = CliRunner().invoke(app, ["scrub", str(source), "--out", str(tmp_path / "o")])
    assert "flagged but hidden in the sheet: row(s) 9" in text.stdout


def test_excel_markup_rows_keep_their_attributes_and_spans_cover_the_new_cells(
        tmp_path: Path) -> None:
    """Rows as Excel writes them (spans, x14ac:dyDescent, line breaks between rows)."""
    plain = make_workbook(tmp_path / "plain.xlsx")
    source = tmp_path / "excel.xlsx"

    def excel_rows(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        text = data.decode().replace(
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/'
            'spreadsheetml/2009/9/ac"', 1)
        text = re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:11" x14ac:dyDescent="0.25"',
                      text)
        return text.replace("</row>", "</row>\n").encode()

    rewritten(plain, source, excel_rows)
    copy = marked(source, tmp_path / "excel.scrubbed.xlsx")
    sheet_xml = parts(copy)["xl/worksheets/sheet1.xml"].decode()
    assert '<row r="8" spans="1:13" x14ac:dyDescent="0.25">' in sheet_xml
    assert '<row r="1" spans="1:11" x14ac:dyDescent="0.25">' in sheet_xml  # untouched row
    assert openpyxl.load_workbook(copy)["Export"]["L8"].value == "error"
    assert marked(copy, tmp_path / "again.xlsx") and parts(tmp_path / "again.xlsx")[
        "xl/worksheets/sheet1.xml"] == parts(copy)["xl/worksheets/sheet1.xml"]
