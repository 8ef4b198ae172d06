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
from hypothesis import given, settings
from hypothesis import strategies as st
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
from scrubber.mark.package import Unsupported, xml_text
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


# -- the fast paths agree with the row-by-row path ---------------------------------------------

_STYLES = ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
           'patternType="gray125"/></fill></fills><cellXfs count="3"><xf numFmtId="0" '
           'fontId="0" fillId="0" borderId="0"/><xf numFmtId="14" fontId="0" fillId="0" '
           'borderId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="1" '
           'borderId="0" applyFill="1"/></cellXfs></styleSheet>')


def _marker(plan, status=6, *, general=False):
    """A marker on a 5-column sheet; ``general`` makes every row take the row-by-row path
    with no template (the reference the fast paths must match byte for byte)."""
    from scrubber.mark.marker import Marker
    from scrubber.mark.ooxml import Record
    from scrubber.mark.styles import Styles

    styles = Styles(_STYLES, None)
    record = Record("xl/worksheets/sheet1.xml", status, status - 1, styles.xf_base,
                    styles.fill_base, {}, "", "", False)
    marker = Marker(plan, status, styles, record)
    if general:
        from scrubber.mark.ooxml import ROW
        from scrubber.mark.unmark import unmark_row

        def rows(body: bytes, old) -> bytes:
            if old is not None:
                body = "".join(unmark_row(m.group(), old)
                               for m in ROW.finditer(body.decode())).encode()
            return marker._general(body)

        marker.rows = rows
        marker._flagged = lambda *args: None
    return marker


def _plan(flagged: dict[int, tuple[str, ...]], clean: range, header: int = 2):
    """Rows in ``clean`` are clean lines; ``flagged`` maps a row to its flagged columns."""
    from scrubber.findings import Finding, Severity
    from scrubber.result import FileResult

    findings = []
    for row, letters in flagged.items():
        for k, letter in enumerate(letters or (None,)):
            severity = Severity.ERROR if k % 2 == 0 else Severity.WARNING
            findings.append(Finding(rule=f"INF00{k + 1}", name="some-rule", severity=severity,
                                    message=f"bad & <odd> {letter} \x0b", suggestion="fix it",
                                    sheet="S", row=row, column=letter and f"Col {letter}",
                                    column_letter=letter, value="v", encounter="E"))
    result = FileResult(path="x.xlsx", sheet="S", header_row=header, rows=0,
                        line_rows=tuple(sorted({*clean, *flagged})), findings=tuple(findings))
    return plan_marks(result)


def _cell(ref: str, kind: int) -> str:
    return [f'<c r="{ref}" t="inlineStr"><is><t>x{ref}</t></is></c>',
            f'<c r="{ref}" s="1"><v>4{len(ref)}</v></c>',
            f'<c r="{ref}" s="2"/>',
            f'<c r="{ref}" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>é €'
            f'</t></r></is></c>',
            f'<c r="{ref}"><f>A1+1</f><v>2</v></c>',
            f'<c r="{ref}" t="inlineStr"><is><t>say r="5" &amp; 𝄞</t></is></c>'][kind]


SHAPES = {  # row number -> the row's XML ({n} the row number)
    1: '<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>title</t></is></c></row>',
    2: '<row r="{n}" spans="1:5"><c r="A{n}" s="1" t="inlineStr"><is><t>Code</t></is></c>'
       '<c r="E{n}" t="inlineStr"><is><t>Units</t></is></c></row>',
    3: '<row r="{n}">' + "".join(_cell(f"{c}{{n}}", 0) for c in "ABCDE") + "</row>",
    4: '<row r="{n}" spans="1:5" x14ac:dyDescent="0.25">' + _cell("A{n}", 1)
       + _cell("C{n}", 2) + _cell("E{n}", 4) + "</row>",
    5: '<row r="{n}" hidden="1">' + _cell("B{n}", 3) + _cell("D{n}", 5) + "</row>",
    6: '<row r="{n}"/>',
    7: '<row r="{n}"></row>',
    8: '<row r="{n}">' + _cell("C{n}", 0) + _cell("A{n}", 1) + "</row>",  # out of order
    9: '<row r="{n}">' + _cell("A{n}", 0) + "\n  " + _cell("B{n}", 1) + "</row>",
    10: '<row r="{n}">' + _cell("A{n}", 0) + _cell("H{n}", 1) + "</row>",  # past the status
    11: '<row customHeight="1" r="{n}" ht="20">' + _cell("A{n}", 2) + "</row>",
    12: '<row r="{n}">' + '<c s="1" r="A{n}"><v>1</v></c>' + _cell("B{n}", 0) + "</row>",
    13: '<row r="{n}">' + _cell("A{n}", 0) + "<extLst/>" + "</row>",
    14: '<row r="{n}">' + _cell("A{n}", 2) + _cell("B{n}", 2) + "</row>",
    15: '<row r="{n}">' + _cell("E{n}", 0) + "</row>",
    16: '<row r="{n}">' + _cell("A{n}", 0) + '<c r="B{n}" s="1"><v>1</v></c>junk'
        + _cell("C{n}", 1) + "</row>",
}


def _sheet_rows(order: list[int], between: str = "") -> bytes:
    return between.join(SHAPES[(n - 1) % len(SHAPES) + 1].replace("{n}", str(n))
                        for n in order).encode()


@pytest.mark.parametrize("between", ["", "\n", " \r\n\t"])
def test_runs_of_rows_of_every_shape_are_marked_as_row_by_row(between: str) -> None:
    rows = list(range(1, 3 * len(SHAPES) + 1))
    flagged = {n: ("", ("B",), ("A", "D"), ("E", "E"))[n % 4] for n in rows if n % 3 == 0}
    plan = _plan(flagged, range(3, rows[-1] + 1))
    fast, reference = _marker(plan), _marker(plan, general=True)
    body = _sheet_rows(rows, between)
    assert fast.rows(body, None) == reference.rows(body, None)
    assert fast.hidden == reference.hidden and fast.hidden
    assert fast.record.derived == reference.record.derived
    assert fast.styles.text(fast.record) == reference.styles.text(reference.record)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 4 * len(SHAPES)), min_size=1, max_size=40, unique=True),
       st.sets(st.integers(1, 4 * len(SHAPES))), st.sampled_from(["", "\n"]),
       st.integers(5, 12))
def test_any_mix_of_rows_is_marked_as_row_by_row(numbers, flagged_rows, between,
                                                 status) -> None:
    rows = sorted(numbers)
    letters = ("A", "B", "C", "D", "E", "G")
    flagged = {n: letters[n % len(letters):][:n % 3] for n in flagged_rows}
    plan = _plan(flagged, range(3, max(rows) + 1))
    fast, reference = _marker(plan, status), _marker(plan, status, general=True)
    body = _sheet_rows(rows, between)
    try:
        expected = reference.rows(body, None)
    except Unsupported:
        with pytest.raises(Unsupported):
            fast.rows(body, None)
        return
    assert fast.rows(body, None) == expected
    assert fast.hidden == reference.hidden
    assert fast.record.derived == reference.record.derived


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4 * len(SHAPES)), min_size=1, max_size=40, unique=True),
       st.sets(st.integers(1, 4 * len(SHAPES))), st.sets(st.integers(1, 4 * len(SHAPES))))
def test_a_marked_run_unmarks_as_row_by_row(numbers, first_flags, second_flags) -> None:
    """A second scrub: the first scrub's cells and formats come off as the row-by-row path
    takes them off, and the rows are marked again the same way."""
    rows = sorted(numbers)
    first_plan = _plan({n: ("B", "D")[:n % 3] for n in first_flags}, range(3, max(rows) + 1))
    first = _marker(first_plan)
    try:
        marked = first.rows(_sheet_rows(rows), None)
    except Unsupported:
        return
    old = first.record
    old.xf_base, old.fill_base = 3, 2
    plan = _plan({n: ("A", "E")[:n % 3] for n in second_flags}, range(3, max(rows) + 1))
    again, reference = _marker(plan), _marker(plan, general=True)
    try:
        expected = reference.rows(marked, old)
    except Unsupported:
        with pytest.raises(Unsupported):
            again.rows(marked, old)
        return
    assert again.rows(marked, old) == expected
    assert again.record.derived == reference.record.derived


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_rows_split_across_chunks_make_the_same_copy(tmp_path: Path, monkeypatch,
                                                     chunk: int) -> None:
    """The sheet is read in chunks; a chunk that ends inside a row, a tag or a multi-byte
    character changes nothing."""
    from scrubber.mark import zipio

    source = tmp_path / "src.xlsx"
    rewritten(rich_workbook(tmp_path / "rich.xlsx"), source, lambda name, data: data.replace(
        b"Ondansetron", "Ondansétron €".encode()).replace(b"</row>", b"</row>\n"))
    whole = marked(source, tmp_path / "whole.xlsx")
    monkeypatch.setattr(zipio, "CHUNK", chunk)
    pieces = marked(source, tmp_path / "pieces.xlsx")
    assert parts(pieces) == parts(whole)
    again = marked(pieces, tmp_path / "again.xlsx")
    assert parts(again) == parts(whole)


def test_untouched_parts_keep_their_compressed_bytes(tmp_path: Path) -> None:
    source = rich_workbook(tmp_path / "rich.xlsx")
    copy = marked(source, tmp_path / "copy.xlsx")
    changed = {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml",
               "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "_rels/.rels",
               "xl/tables/table1.xml"}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(copy) as new:
        for info in old.infolist():
            if info.filename in changed:
                continue
            other = new.getinfo(info.filename)
            assert (other.CRC, other.compress_size, other.compress_type) == (
                info.CRC, info.compress_size, info.compress_type), info.filename
            assert _raw(source, info) == _raw(copy, other), info.filename
        assert new.testzip() is None


def _raw(path: Path, info: zipfile.ZipInfo) -> bytes:
    with open(path, "rb") as stream:
        stream.seek(info.header_offset)
        header = stream.read(30)
        skip = struct.unpack("<HH", header[26:30])
        stream.seek(info.header_offset + 30 + sum(skip))
        return stream.read(info.compress_size)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.characters(codec="utf-8", exclude_categories=["Cs"])
                | st.sampled_from(["_x0041_", "_x00", "\n", "\t", "\r", "&", "<", ">", "\x0b",
                                   "\ufffe", "\u00a0", "\u2028"])).map("".join))
def test_cell_text_is_escaped_as_before(text: str) -> None:
    """The quick test for plain text gives what the pattern always gave."""
    from xml.sax.saxutils import escape

    from scrubber.mark.ooxml import _CONTROL

    expected = escape(_CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_" if len(m.group()) == 1
                                   else f"_x005F{m.group()}", text))
    assert xml_text(text) == expected


def test_issues_sheet_reads_back_every_value_and_cuts_long_text(tmp_path: Path) -> None:
    """The Issues sheet is built a column at a time; each cell still reads back as the
    finding's value, a long message cut at Excel's limit for one cell."""
    from dataclasses import replace

    from scrubber.mark.issues_sheet import issues_sheet_xml

    result = scrub(make_workbook(tmp_path / "export.xlsx")).files[0]
    long = replace(result.findings[0], message="m & <x> " * 5000, value=None, row=8)
    plan = plan_marks(replace(result, findings=(*result.findings, long)))
    xml = issues_sheet_xml(plan, {8})
    path = tmp_path / "issues.xlsx"
    book = openpyxl.Workbook()
    book.save(path)
    rewritten(path, path, lambda name, data: xml.encode() if name == "xl/worksheets/sheet1.xml"
              else data)
    sheet = openpyxl.load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [*plan.issues_headers, "Row Hidden"]
    for issue, row in zip(plan.issues, rows[1:], strict=True):
        values = [v[:32_766] + "…" if isinstance(v, str) and len(v) > 32_767 else v
                  for v in issue.cells()]
        assert row == [*values, "hidden" if issue.row == 8 else None]
    assert len(rows[-1][8]) == 32_767 and rows[-1][8].endswith("m & <x…")  # cut visibly
    assert [sheet.cell(r, 1).hyperlink.location for r in range(2, sheet.max_row + 1)] == [
        issue.link for issue in plan.issues]


def test_the_issues_sheet_in_slices_is_the_sheet_whole(tmp_path: Path, monkeypatch) -> None:
    """A large run's Issues sheet is made a slice at a time; the slices join to the same XML."""
    from scrubber.mark import issues_sheet

    result = scrub(Path(__file__).parent.parent / "samples" / "infusion_export.xlsx").files[0]
    plan = plan_marks(result)
    assert len(plan.issues) > 7
    whole = issues_sheet.issues_sheet_xml(plan, {plan.issues[0].row})
    monkeypatch.setattr(issues_sheet, "SLICE", 3)
    pieces = list(issues_sheet.issues_sheet_parts(plan, {plan.issues[0].row}))
    assert len(pieces) > len(plan.issues) // 3 * 2
    assert "".join(pieces) == whole
