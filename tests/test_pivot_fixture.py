"""The marked copy of a workbook with a real pivot table (made by LibreOffice, see
tests/fixtures/make_pivot_fixture.py): the pivot table, its cache and every other untouched
part byte-identical, the parts that must change still pointing at them, every original cell
kept, a second scrub identical to the first, and LibreOffice opening the copy with the pivot
intact."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from scrubber import scrub
from scrubber.mark import write_marked_copy

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "pivot_export.xlsx"
PIVOT_PARTS = ("xl/pivotTables/pivotTable1.xml", "xl/pivotTables/_rels/pivotTable1.xml.rels",
               "xl/pivotCache/pivotCacheDefinition1.xml",
               "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels",
               "xl/pivotCache/pivotCacheRecords1.xml")
#: the pivot's sheet, its relationships, the chart beside it and the comment on Charges
OTHER_KEPT = ("xl/worksheets/sheet2.xml", "xl/worksheets/_rels/sheet2.xml.rels",
              "xl/worksheets/_rels/sheet1.xml.rels", "xl/drawings/drawing1.xml",
              "xl/drawings/_rels/drawing1.xml.rels", "xl/charts/chart1.xml",
              "xl/comments1.xml", "xl/drawings/vmlDrawing1.vml", "xl/sharedStrings.xml")
#: the scrubbed sheet, the styles, the Issues sheet's entries and the run's record
MUST_CHANGE = {"xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml",
               "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "docProps/custom.xml"}


def marked(source: Path, target: Path) -> Path:
    write_marked_copy(scrub(source).files[0], source, target)
    return target


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURE, tmp_path / "pivot_export.xlsx"))


def grid(path: Path, sheet: str) -> list[list[object]]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        sheet).to_python()


def test_the_fixture_holds_a_pivot_table_libreoffice_made() -> None:
    """Guards the fixture itself, so the tests below cannot pass on a workbook without one."""
    assert FIXTURE.stat().st_size < 100_000
    package = parts(FIXTURE)
    assert set(PIVOT_PARTS) <= set(package)
    assert b"<Application>LibreOffice" in package["docProps/app.xml"]
    assert b'name="LinesByCode"' in package["xl/pivotTables/pivotTable1.xml"]
    assert b'<worksheetSource ref="A4:P31" sheet="Charges"/>' in package[
        "xl/pivotCache/pivotCacheDefinition1.xml"]
    assert b'recordCount="27"' in package["xl/pivotCache/pivotCacheDefinition1.xml"]
    assert b"<pivotCaches>" in package["xl/workbook.xml"]
    assert b"pivotTable1.xml" in package["xl/worksheets/_rels/sheet2.xml.rels"]
    pivot = grid(FIXTURE, "Pivot")
    assert pivot[3] == ["CPT/HCPCS", "Count - Encounter ID", "Sum - Units"]
    assert pivot[-1] == ["Total Result", 27.0, 764.0]
    assert scrub(FIXTURE).files[0].findings  # the scrub marks rows, so sheet1.xml changes


def test_the_pivot_and_every_untouched_part_are_byte_identical(source: Path, tmp_path: Path,
                                                              capsys) -> None:
    copy = marked(source, tmp_path / "pivot_export.scrubbed.xlsx")
    assert "openpyxl" not in capsys.readouterr().err  # the package writer, no fallback
    before, after = parts(source), parts(copy)
    for name in PIVOT_PARTS + OTHER_KEPT:
        assert name in after, name
        assert after[name] == before[name], name
    changed = {name for name in before if after.get(name) != before[name]}
    assert changed <= MUST_CHANGE
    assert "xl/worksheets/sheet1.xml" in changed
    assert set(before) <= set(after)
    assert set(after) - set(before) == {"xl/worksheets/sheet3.xml"}  # the Issues sheet
    # the order of the parts is kept too
    assert [n for n in zipfile.ZipFile(copy).namelist() if n in before] == list(before)


def test_the_changed_parts_still_reference_the_pivot(source: Path, tmp_path: Path) -> None:
    """Every relationship, content type, sheet, defined name and the pivot cache entry of
    the original are still there, verbatim, in the parts the writer edits."""
    copy = marked(source, tmp_path / "pivot_export.scrubbed.xlsx")
    before, after = parts(source), parts(copy)
    for name, pattern in (("xl/_rels/workbook.xml.rels", r"<Relationship\b[^>]*/>"),
                          ("[Content_Types].xml", r"<(?:Override|Default)\b[^>]*/>"),
                          ("xl/workbook.xml", r"<sheet\b[^>]*/>|<definedNames>.*?"
                                              r"</definedNames>|<pivotCaches>.*?</pivotCaches>")):
        old = re.findall(pattern, before[name].decode())
        new = after[name].decode()
        assert old, name
        for element in old:
            assert element in new, (name, element)
    workbook = after["xl/workbook.xml"].decode()
    cache_rid = re.search(r'<pivotCache cacheId="1" r:id="(\w+)"/>', workbook).group(1)
    assert (f'Id="{cache_rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/pivotCacheDefinition" Target="pivotCache/pivotCacheDefinition1.xml"'
            ) in after["xl/_rels/workbook.xml.rels"].decode()


def test_every_original_cell_reads_back_the_same(source: Path, tmp_path: Path) -> None:
    copy = marked(source, tmp_path / "pivot_export.scrubbed.xlsx")
    old_book, new_book = openpyxl.load_workbook(source), openpyxl.load_workbook(copy)
    compared = 0
    for sheet in ("Charges", "Pivot"):
        old, new = old_book[sheet], new_book[sheet]
        for row in old.iter_rows():
            for cell in row:
                assert new[cell.coordinate].value == cell.value, (sheet, cell.coordinate)
                assert new[cell.coordinate].number_format == cell.number_format
                assert repr(new[cell.coordinate].font) == repr(cell.font)
                compared += cell.value is not None
        old_grid, new_grid = grid(source, sheet), grid(copy, sheet)
        width = len(old_grid[0])
        assert [r[:width] for r in new_grid[:len(old_grid)]] == old_grid, sheet
    assert compared > 350  # 397 non-empty cells on the two sheets
    charges = new_book["Charges"]
    assert charges["A5"].comment.text.strip() == "checked by billing (synthetic)"
    assert charges.cell(4, 17).value == "Scrub Status"
    assert new_book.defined_names["ChargeLines"].attr_text == "Charges!$A$4:$P$31"


def test_a_second_scrub_gives_the_same_file(source: Path, tmp_path: Path) -> None:
    first = marked(source, tmp_path / "first.xlsx")
    second = marked(first, tmp_path / "second.xlsx")
    assert parts(second) == parts(first)


@pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"),
                    reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_libreoffice_opens_the_copy_with_the_pivot_table(source: Path, tmp_path: Path) -> None:
    assert shutil.which("soffice"), "CI must install LibreOffice (see .ci/run)"
    copy = marked(source, tmp_path / "pivot_export.scrubbed.xlsx")
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx", "--outdir", str(out), str(copy)],
                   check=True, capture_output=True, timeout=180)
    converted = out / copy.name
    # LibreOffice read the pivot table as a pivot table (it writes it back as one) ...
    saved = parts(converted)
    assert b'name="LinesByCode"' in saved["xl/pivotTables/pivotTable1.xml"]
    assert b'sheet="Charges"' in saved["xl/pivotCache/pivotCacheDefinition1.xml"]
    # ... and the pivot sheet shows the same summary, every charge line and the marks
    assert grid(converted, "Pivot") == grid(source, "Pivot")
    old, new = grid(source, "Charges"), grid(converted, "Charges")
    assert [r[:len(old[0])] for r in new[:len(old)]] == old
    assert new[3][16:18] == ["Scrub Status", "Scrub Findings"]
    assert grid(converted, "Issues")[0][0]
