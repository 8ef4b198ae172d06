"""The copy always comes out (issue 13): a sheet whose columns reach XFD, control characters,
sheet names a link must quote, a user's own Issues sheets and findings over Excel's cell
limit each give a marked copy that openpyxl, python-calamine and LibreOffice read back."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from scrubber import scrub
from scrubber.mark import mark_copy, package
from scrubber.mark.plan import (
    ERROR_CELL_RGB,
    ERROR_ROW_RGB,
    ISSUES_HEADERS,
    no_room_note,
    plan_marks,
)

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_bad", ROOT / "tests/data/bad/make_bad.py")
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)

#: a cell reference past XFD, Excel's last column
_PAST_XFD = re.compile(r'\br="(?:XF[E-Z]|X[G-Z][A-Z]|[YZ][A-Z]{2}|[A-Z]{4,})\d+"')
_NEEDS_SOFFICE = pytest.mark.skipif(shutil.which("soffice") is None,
                                    reason="LibreOffice (soffice) is not installed; "
                                           ".ci/run installs it")


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "scrubber", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _calamine(path: Path) -> dict[str, list[list[object]]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names}


def _unsupported(*args):
    raise package.Unsupported("forced for the test")


def _rgb(cell) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None


# --- status columns past XFD -------------------------------------------------------------------

def _wide(kind: str, folder: Path) -> Path:
    if kind == "csv":
        return make_bad.wide_csv(folder)
    return make_bad.wide_sheet(folder, 16_383 if kind == "xfc" else 16_384)


@pytest.mark.parametrize(("kind", "writer"), [
    ("xfd", "package"), ("xfc", "package"), ("csv", "package"),  # a CSV's copy: package only
    ("xfd", "openpyxl"), ("xfc", "openpyxl")])
def test_a_sheet_without_room_for_the_status_columns_has_them_on_the_issues_sheet(
        tmp_path, capsys, monkeypatch, kind, writer):
    if writer == "openpyxl":
        monkeypatch.setattr(package, "write_package_copy", _unsupported)
    source = _wide(kind, tmp_path)
    result = scrub(source).files[0]
    plan = plan_marks(result)
    target, _ = mark_copy(result, source, tmp_path / "copy.xlsx")
    err = capsys.readouterr().err
    assert f"note: {source}: the sheet's columns reach XFD, Excel's last, so the marked " \
           f"copy's Scrub Status and Scrub Findings are on its Issues sheet instead, " \
           f"with a note\n" in err
    # nothing past XFD, in any sheet of the package
    with zipfile.ZipFile(target) as copy:
        for name in copy.namelist():
            if name.startswith("xl/worksheets/"):
                assert not _PAST_XFD.search(copy.read(name).decode("utf-8")), name
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [result.sheet, "Issues"]
    sheet = book[result.sheet]
    assert sheet.max_column == (16_383 if kind == "xfc" else 16_384)
    header = [c.value for c in sheet[1]]
    assert "Scrub Status" not in header and "Scrub Findings" not in header
    assert header[:8] == make_bad.HEADERS and header[-1] == "Note"
    # every original value where it was; the flagged rows filled through their last column
    if kind != "csv":
        original = openpyxl.load_workbook(source)["Charges"]
        for row in original.iter_rows():
            for cell in row:
                assert sheet[cell.coordinate].value == cell.value, cell.coordinate
        assert sheet.cell(3, sheet.max_column).value == "far right"
    flagged = {m.row for m in plan.rows if m.fill}
    assert flagged == {5, 6}
    for row in flagged:  # through the row's last cell, not through XFD
        assert [_rgb(sheet.cell(row, c)) for c in (1, 2, 8)] == [ERROR_ROW_RGB] * 3
        assert _rgb(sheet.cell(row, 9)) is None
        assert _rgb(sheet.cell(row, sheet.max_column)) is None
    assert {c.coordinate for c in plan.cells} == {"F5", "D6"}
    assert _rgb(sheet["F5"]) == _rgb(sheet["D6"]) == ERROR_CELL_RGB
    assert _rgb(sheet["A2"]) is None
    # the Issues sheet: each finding's line status, and the note beside the headers
    issues = book["Issues"]
    headers = [*ISSUES_HEADERS, "Scrub Status"]
    assert [c.value for c in issues[1]][:len(headers) + 2] == [*headers, None,
                                                               no_room_note(plan)]
    assert issues.auto_filter.ref == f"A1:K{len(plan.issues) + 1}"
    status = {m.row: m.status for m in plan.rows}
    listed = [(r[0].value, r[2].value, r[10].value) for r in issues.iter_rows(min_row=2)]
    assert listed == [(i.row, i.rule, status[i.row]) for i in plan.issues]
    assert listed == [(5, "INF003", "error"), (6, "S003", "error")]
    # python-calamine reads the same
    cells = _calamine(target)
    assert cells["Issues"][0][:len(headers) + 2] == [*headers, "", no_room_note(plan)]
    assert [(r[0], r[2], r[10]) for r in cells["Issues"][1:]] == listed
    assert cells[result.sheet][0][-1] == "Note"


def test_the_command_line_writes_the_wide_copy_with_one_note(tmp_path):
    source = make_bad.wide_sheet(tmp_path)
    before = source.read_bytes()
    done = run_cli("scrub", source.name, cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # error findings, and the copy written
    assert done.stderr.splitlines() == [
        "note: wide.xlsx: the sheet's columns reach XFD, Excel's last, so the marked copy's "
        "Scrub Status and Scrub Findings are on its Issues sheet instead, with a note",
        "wrote wide.scrubbed.xlsx"]
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wide.scrubbed.xlsx", "wide.xlsx"]


def test_a_second_scrub_of_a_wide_copy_gives_the_same_sheet(tmp_path):
    source = make_bad.wide_sheet(tmp_path)
    first, _ = mark_copy(scrub(source).files[0], source, tmp_path / "first.xlsx", quiet=True)
    second, _ = mark_copy(scrub(first).files[0], first, tmp_path / "second.xlsx", quiet=True)
    with zipfile.ZipFile(first) as one, zipfile.ZipFile(second) as two:
        assert one.read("xl/worksheets/sheet1.xml") == two.read("xl/worksheets/sheet1.xml")
        assert one.read("xl/worksheets/sheet2.xml") == two.read("xl/worksheets/sheet2.xml")
    assert openpyxl.load_workbook(second).sheetnames == ["Charges", "Issues"]


def test_a_dimension_that_claims_xfd_is_checked_against_the_cells(tmp_path):
    """Some programs write A1:XFD... for a sheet whose cells end far sooner: the status
    columns go right of the last real cell."""
    source = make_bad._book(tmp_path / "claims.xlsx", [list(r) for r in make_bad.LINES])
    make_bad._edit_part(source, "xl/worksheets/sheet1.xml",
                        lambda xml: re.sub(r'<dimension ref="[^"]*"/>',
                                           '<dimension ref="A1:XFD4"/>', xml))
    target, _ = mark_copy(scrub(source).files[0], source, tmp_path / "copy.xlsx", quiet=True)
    sheet = openpyxl.load_workbook(target)["Charges"]
    assert (sheet["I1"].value, sheet["J1"].value) == ("Scrub Status", "Scrub Findings")
    assert [sheet.cell(r, 9).value for r in (2, 3, 4)] == ["OK", "OK", "OK"]


def test_a_csv_with_values_past_xfd_is_reported_and_its_copy_declined(tmp_path):
    source = make_bad.wider_csv(tmp_path)
    done = run_cli("scrub", source.name, "--format", "json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == ("error: wider.csv: no marked copy: it has values right of column "
                           "XFD, past the 16,384 columns of an Excel sheet (every line is in "
                           "the report; --no-mark skips the copy)\n")
    alone = scrub(source).files[0].to_dict()
    assert json.loads(done.stdout)["files"][0] == {**alone, "path": "wider.csv"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wider.csv"]  # no copy, no temp


def test_a_csv_whose_fields_past_xfd_are_empty_gets_its_copy(tmp_path):
    source = make_bad.wider_csv(tmp_path, value=False)
    target, _ = mark_copy(scrub(source).files[0], source, tmp_path / "copy.xlsx", quiet=True)
    with zipfile.ZipFile(target) as copy:
        assert not _PAST_XFD.search(copy.read("xl/worksheets/sheet1.xml").decode("utf-8"))
    sheet = openpyxl.load_workbook(target)["wider_empty"]
    assert (sheet["I1"].value, sheet["I5"].value) == ("Scrub Status", "error")


@_NEEDS_SOFFICE
@pytest.mark.parametrize("kind", ["xfd", "csv"])
def test_libreoffice_opens_the_wide_copy(tmp_path, kind):
    source = _wide(kind, tmp_path)
    result = scrub(source).files[0]
    target, _ = mark_copy(result, source, tmp_path / "copy.xlsx", quiet=True)
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx", "--outdir", str(out), str(target)],
                   check=True, capture_output=True, timeout=180)
    cells = _calamine(out / "copy.xlsx")
    assert list(cells) == [result.sheet, "Issues"]
    assert cells[result.sheet][0][:8] == make_bad.HEADERS
    assert cells[result.sheet][0][16_383] == "Note"
    assert cells["Issues"][0][12] == no_room_note(plan_marks(result))
    assert [r[10] for r in cells["Issues"][1:]] == ["error", "error"]


# --- control characters ------------------------------------------------------------------------

_WRITERS = [("xlsx", "package"), ("xlsx", "openpyxl"), ("csv", "package")]


def _marked(kind: str, writer: str, builders: tuple, tmp_path: Path, monkeypatch
            ) -> tuple[Path, Path]:
    """The corpus case (``builders``: its .xlsx and .csv builder) marked by ``writer``."""
    if writer == "openpyxl":
        monkeypatch.setattr(package, "write_package_copy", _unsupported)
    source = builders[0 if kind == "xlsx" else 1](tmp_path)
    target, _ = mark_copy(scrub(source).files[0], source, tmp_path / "copy.xlsx", quiet=True)
    return source, target


@pytest.mark.parametrize(("kind", "writer"), _WRITERS)
def test_control_characters_come_out_as_ooxml_escapes_them(tmp_path, monkeypatch, kind,
                                                           writer):
    source, target = _marked(kind, writer, (make_bad.control_characters, make_bad.control_csv),
                             tmp_path, monkeypatch)
    result = scrub(source).files[0]
    sheet = "Char\tges" if kind == "xlsx" else "ctl_name"
    assert result.sheet == sheet
    cells = _calamine(target)
    assert list(cells) == [sheet, "Issues"]
    # every text cell reads back as the character, not as its escape
    texts = [[row[c] for c in (0, 6, 7)] for row in cells[sheet][1:6]]
    expected = [["E1", "Infliximab", "K50.90"], ["E1", "lit_x0041_", "K50.90"],
                ["E1", "Infliximab", "\x1b[31mK50.90"], ["E\x011", "Ondansetron", "R11.2"],
                ["E7", "Ondan\x0bsetron", "R11.2"]]
    literal = writer == "openpyxl"  # its reader drops the _x005F_ that keeps _x0041_ literal
    if literal:  # (README: The fallback), so the original cell reads back as "litA" there
        texts[1][1] = expected[1][1] = None
    assert texts == expected
    # the Issues sheet quotes the cells and encounters as they are (what we write, escaped)
    issues = cells["Issues"][1:]
    assert [(r[0], r[1], r[7]) for r in issues] == [
        (f.row, f.encounter or "", f.value or "") for f in result.findings]
    quoted = {r[7] for r in issues} | {r[1] for r in issues}
    assert {"E\x011", "\x1b[31mK50.90", "lit_x0041_"} <= quoted
    # openpyxl opens it, and every link names the sheet with its tab
    book = openpyxl.load_workbook(target)
    links = [book["Issues"].cell(r, 1).hyperlink.location
             for r in range(2, book["Issues"].max_row + 1)]
    assert links == [i.link for i in plan_marks(result).issues]
    assert all(link.startswith(f"'{sheet}'!") for link in links)


# --- sheet names a link must quote ------------------------------------------------------------

def _target_cell(book: openpyxl.Workbook, location: str):
    found = re.fullmatch(r"'((?:[^']|'')+)'!([A-Z]+\d+)", location)
    assert found, location
    return book[found[1].replace("''", "'")][found[2]]


@pytest.mark.parametrize(("kind", "writer"), _WRITERS)
def test_links_quote_a_sheet_name_with_apostrophes_spaces_and_a_bang(tmp_path, monkeypatch,
                                                                     kind, writer):
    source, target = _marked(kind, writer, (make_bad.quoted_sheet_name, make_bad.quoted_csv),
                             tmp_path, monkeypatch)
    result = scrub(source).files[0]
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [make_bad.QUOTED_SHEET, "Issues"]
    issues = book["Issues"]
    links = [issues.cell(r, 1).hyperlink.location for r in range(2, issues.max_row + 1)]
    assert links == ["'Dr O''Brien''s !Charges'!F5", "'Dr O''Brien''s !Charges'!D6"]
    # each link lands on the finding's cell
    for finding, link in zip(result.findings, links, strict=True):
        cell = _target_cell(book, link)
        assert cell.parent.title == make_bad.QUOTED_SHEET
        assert (cell.row, cell.column_letter) == (finding.row, finding.column_letter)
    assert list(_calamine(target)) == [make_bad.QUOTED_SHEET, "Issues"]


@_NEEDS_SOFFICE
def test_libreoffice_keeps_the_quoted_links(tmp_path):
    source = make_bad.quoted_sheet_name(tmp_path)
    result = scrub(source).files[0]
    target, _ = mark_copy(result, source, tmp_path / "copy.xlsx", quiet=True)
    out = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx", "--outdir", str(out), str(target)],
                   check=True, capture_output=True, timeout=180)
    book = openpyxl.load_workbook(out / "copy.xlsx")
    issues = book["Issues"]
    links = [issues.cell(r, 1).hyperlink.location for r in range(2, issues.max_row + 1)]
    assert links == [i.link for i in plan_marks(result).issues]
    assert [_target_cell(book, link).coordinate for link in links] == ["F5", "D6"]


# --- a user's own Issues sheets ---------------------------------------------------------------

def _user_sheets(book: openpyxl.Workbook, names: tuple[str, ...]) -> list[tuple]:
    return [(name, book[name]["A1"].value, book[name]["B2"].value) for name in names]


@pytest.mark.parametrize("writer", ["package", "openpyxl"])
@pytest.mark.parametrize(("names", "ours"), [
    (("Issues", "Scrub Issues", "Scrub Issues 2"), "Scrub Issues 3"),
    (("issues",), "Scrub Issues"),  # Excel's sheet names are unique without regard to case
])
def test_a_users_own_issues_sheets_are_never_replaced(tmp_path, monkeypatch, writer, names,
                                                      ours):
    if writer == "openpyxl":
        monkeypatch.setattr(package, "write_package_copy", _unsupported)
    source = make_bad.own_issues_sheets(tmp_path, names)
    mine = [(name, f"my own list {n}", n) for n, name in enumerate(names, start=1)]
    result = scrub(source).files[0]
    first, _ = mark_copy(result, source, tmp_path / "first.xlsx", quiet=True)
    # a second scrub of the copy replaces ours, and only ours
    second, _ = mark_copy(scrub(first).files[0], first, tmp_path / "second.xlsx", quiet=True)
    for copy in (first, second):
        book = openpyxl.load_workbook(copy)
        assert book.sheetnames == ["Charges", *names, ours], copy.name
        assert _user_sheets(book, names) == mine
        assert [c.value for c in book[ours][1]][:len(ISSUES_HEADERS)] == list(ISSUES_HEADERS)
        assert book[ours].max_row == len(result.findings) + 1
        assert list(_calamine(copy)) == ["Charges", *names, ours]


# --- findings over Excel's cell limit ------------------------------------------------------------

@pytest.mark.parametrize(("kind", "writer"), _WRITERS)
def test_findings_over_the_cell_limit_end_with_a_pointer_to_the_issues_sheet(
        tmp_path, monkeypatch, kind, writer):
    source, target = _marked(kind, writer, (make_bad.long_findings, make_bad.long_csv),
                             tmp_path, monkeypatch)
    result = scrub(source).files[0]
    assert max(len(f.message) for f in result.findings) > 32_767
    for cells in (_calamine(target), {n: [[c.value if c.value is not None else ""
                                          for c in row] for row in s.iter_rows()]
                                      for n, s in zip(openpyxl.load_workbook(target).sheetnames,
                                                      openpyxl.load_workbook(target).worksheets,
                                                      strict=True)}):
        sheet = cells[result.sheet]
        assert sheet[0][8:10] == ["Scrub Status", "Scrub Findings"]
        findings = {number: row[9] for number, row in enumerate(sheet[1:], start=2) if row[9]}
        assert all(len(text) <= 32_767 for text in findings.values())
        assert findings[2].endswith("… (cut, see Issues sheet)") and len(findings[2]) == 32_767
        assert findings[3].endswith("see Issues sheet)")
        # no cell of the copy is over the limit; the long ones are cut visibly
        for name, grid in cells.items():
            for row in grid:
                for value in row:
                    assert not isinstance(value, str) or len(value) <= 32_767, name
        messages = [row[8] for row in cells["Issues"][1:]]
        assert max(map(len, messages)) == 32_767
        assert [m for m in messages if len(m) == 32_767][0].endswith("…")
