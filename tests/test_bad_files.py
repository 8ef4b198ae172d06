"""The corpus of bad, odd and hostile files (tests/data/bad/make_bad.py), one test per case:
each is read correctly or refused with one line and exit 2, never a traceback."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from scrubber import Config, scrub

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_bad", ROOT / "tests/data/bad/make_bad.py")
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "scrubber", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _cells(result, rule: str) -> list[tuple[int, str, str]]:
    return [(f.row, f.column, f.value) for f in result.findings if f.name == rule]


# --- error cells ---------------------------------------------------------------------------

def test_error_cells_are_findings_where_they_stand(tmp_path):
    result = scrub(make_bad.error_cells(tmp_path))
    (file,) = result.files
    assert _cells(result, "error-cell") == [
        (4, "Units", "#REF!"),
        (5, "Encounter ID", "#N/A"), (5, "Date of Service", "#VALUE!"), (5, "CPT/HCPCS", "#REF!"),
        (5, "Units", "#DIV/0!"), (5, "Start Time", "#NAME?"), (5, "Stop Time", "#NUM!"),
        (5, "Drug", "#NULL!"), (5, "Diagnosis", "#N/A"),
        (6, "Start Time", "#DIV/0!"),
    ]
    message = next(f.message for f in result.findings if f.name == "error-cell")
    assert message == ("The cell holds the Excel error #REF! (a formula refers to cells that "
                       "were deleted), so it has no value")
    # the row made only of error cells is a line: counted, and no row is OK by mistake
    assert file.rows == 5 and set(file.line_rows) == {2, 3, 4, 5, 6}


def test_an_error_cell_is_one_finding_on_its_cell(tmp_path):
    """The cell reads as empty for the other rules; on the error's own cell only error-cell
    speaks (code-format would call the #REF! code cell blank)."""
    result = scrub(make_bad.error_cells(tmp_path))
    on_error = {(5, f.column_letter) for f in result.findings if f.row == 5}
    assert [f.name for f in result.findings if (f.row, f.column_letter) in on_error
            and f.name != "error-cell"] == []


def test_error_cells_off_the_line_leave_a_clean_file_clean(tmp_path):
    """Only the error cells are reported: the same lines without them are OK."""
    path = make_bad._book(tmp_path / "clean.xlsx", [list(r) for r in make_bad.LINES])
    assert scrub(path).findings == ()


def test_a_workbook_without_error_cells_is_not_searched_twice(tmp_path, monkeypatch):
    """The byte search finds nothing in a sheet whose XML holds no '#': no cell scan."""
    from scrubber.io import error_cells as module
    from scrubber.io.limits import Limits
    from scrubber.io.unpack import scan_package

    path = make_bad._book(tmp_path / "clean.xlsx", [list(r) for r in make_bad.LINES])
    scanned = []
    monkeypatch.setattr(module, "_collect", lambda body, cells: scanned.append(body) or True)
    assert scan_package(path, "workbook", Limits()).errors() == {} and scanned == []
    scan_package(make_bad.error_cells(tmp_path), "workbook", Limits())
    assert len(scanned) == 1


def test_error_cells_through_the_command_line(tmp_path):
    path = make_bad.error_cells(tmp_path)
    before = path.read_bytes()
    done = run_cli("scrub", str(path), "--format", "json", "--no-mark", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert '"name": "error-cell"' in done.stdout and done.stderr == ""
    assert path.read_bytes() == before


def test_an_error_text_in_a_csv_is_an_error_cell(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Encounter ID,CPT,Units\nE1,J1745,#REF!\nE1,J1745,#REF\n", "utf-8")
    result = scrub(path, Config(select=("error-cell", "units-format")))
    assert [(f.name, f.row, f.value) for f in result.findings] == [
        ("error-cell", 2, "#REF!"), ("units-format", 3, "#REF")]


# --- formats users have: UTF-16 CSV, .xls, .ods ----------------------------------------------

@pytest.fixture(scope="module")
def other_formats(tmp_path_factory):
    """The same lines as UTF-16 CSV, .xls and .ods (LibreOffice converts the workbooks), and
    as the .xlsx they came from."""
    folder = tmp_path_factory.mktemp("formats")
    made = {"xlsx": make_bad._book(folder / "lines.xlsx",
                                   [list(r) for r in make_bad.LINES + make_bad.ODD_LINES]),
            "csv": make_bad.utf16_csv(folder)}
    for key, build in (("xls", make_bad.legacy_xls), ("ods", make_bad.opendocument_ods)):
        made[key] = build(folder)
    return made


def _needs(path):
    if path is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return path


def _judged(result):
    return [(f.rule, f.row, f.column, f.value) for f in result.findings]


@pytest.mark.parametrize("kind", ["csv", "xls", "ods"])
def test_other_formats_read_as_the_xlsx(other_formats, kind):
    path = _needs(other_formats[kind])
    expected = scrub(other_formats["xlsx"])
    result = scrub(path)
    assert _judged(result) == _judged(expected) == [
        ("INF003", 5, "Stop Time", "10:05"), ("S003", 6, "Units", "four")]
    assert result.files[0].rows == 5


def test_a_utf16_csv_keeps_its_accents(other_formats):
    from scrubber.io.reader import read_csv_grid

    grid = read_csv_grid(other_formats["csv"])
    assert grid[0] == make_bad.HEADERS and grid[3][6] == "Infliximab (Remicade\u00ae)"


@pytest.mark.parametrize("kind", ["xls", "ods"])
def test_an_xls_or_ods_is_marked_as_a_new_xlsx_beside_it(other_formats, kind, tmp_path):
    import openpyxl

    source = tmp_path / _needs(other_formats[kind]).name
    source.write_bytes(other_formats[kind].read_bytes())
    before = source.read_bytes()
    done = run_cli("scrub", source.name, "--exit-zero", cwd=tmp_path)
    copy = tmp_path / f"{source.stem}.scrubbed.xlsx"
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"note: {source.name}: the marked copy is a new .xlsx workbook of the scrubbed "
        f"sheet's values (formats, formulas and other sheets of the .{kind} file are not "
        f"carried over)",
        f"wrote {copy.name}"]
    assert source.read_bytes() == before
    sheet = openpyxl.load_workbook(copy)["Charges"]
    assert [c.value for c in sheet[6]][:4] == ["E7", dt.datetime(2026, 10, 5), "J2405", "four"]
    assert [c.value for c in sheet[6]][8] == "error" and sheet["I2"].value == "OK"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, copy.name])


def test_a_broken_utf16_csv_is_one_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\xff\xfe" + "Encounter ID,CPT\n".encode("utf-16-le") + b"\x00\xd8")
    done = run_cli("scrub", path.name, "--no-mark", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "error: broken.csv: the CSV file is not valid UTF-16 text\n"


@pytest.mark.parametrize(("name", "data", "problem"), [
    ("fake.xls", b"PK\x03\x04 not an ole file", "not an Excel 97-2003 (.xls) workbook"),
    ("fake.ods", b"\xd0\xcf\x11\xe0 not a zip", "not an OpenDocument spreadsheet (the file is "
                                               "not a package)"),
    ("cut.ods", b"PK\x03\x04\x14\x00\x00\x00", "the spreadsheet is damaged (its zip package "
                                               "cannot be read)"),
])
def test_a_false_xls_or_ods_is_one_line(tmp_path, name, data, problem):
    (tmp_path / name).write_bytes(data)
    done = run_cli("scrub", name, "--no-mark", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == f"error: {name}: {problem}\n"


# --- nothing injected ------------------------------------------------------------------------

def _formulas(path: Path) -> list[str]:
    """Sheets of a workbook package that hold a formula (a chart's series references are
    ours, not the input's)."""
    import zipfile

    with zipfile.ZipFile(path) as package:
        return [name for name in package.namelist() if name.startswith("xl/worksheets/")
                and re.search(rb"<(?:\w+:)?f[ >]", package.read(name))]


def test_formula_text_is_never_a_formula_in_any_output(tmp_path):
    import csv as csvlib

    source = make_bad.formula_csv(tmp_path)
    done = run_cli("scrub", source.name, "--exit-zero", "--report", "report.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for report in ("report.json", "report.xlsx"):
        assert run_cli("scrub", source.name, "--exit-zero", "--no-mark", "--report", report,
                       cwd=tmp_path).returncode == 0
    assert _formulas(tmp_path / "formulas.scrubbed.xlsx") == []
    assert _formulas(tmp_path / "report.xlsx") == []
    with (tmp_path / "report.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csvlib.DictReader(handle))
    for row in rows:
        for field, text in row.items():
            assert text[:1] not in "=+-@\t\r" or re.fullmatch(r"-\d+", text), (field, text)
    values = {(int(r["row"]), r["value"]) for r in rows if r["column"] == "CPT/HCPCS"}
    # quoted as the cell is (the tab kept, never trimmed into =1+1), then made inert
    assert {(2, "'\t=1+1"), (3, "'=HYPERLINK(\"http://x\",\"click\")"), (7, "'\r=1+1")} <= values
    assert {(int(r["row"]), r["value"]) for r in rows if r["name"] == "units-format"} == {
        (10, "-5")}
    (finding,) = [f for f in json.loads((tmp_path / "report.json").read_text())["files"][0][
        "findings"] if f["row"] == 2 and f["column"] == "CPT/HCPCS"]
    assert finding["value"] == "\t=1+1"


def test_the_reader_never_trims_a_cell_into_a_formula():
    from scrubber.positions import display_value

    assert [display_value(v) for v in ["\t=1+1", "\r@SUM(A1)", " +1 ", " 96365 ", "   "]] == [
        "\t=1+1", "\r@SUM(A1)", " +1", "96365", None]


# --- nothing leaked, nothing garbled ---------------------------------------------------------

def test_an_unknown_sheet_lists_no_sheet_names(tmp_path):
    path = make_bad._book(tmp_path / "names.xlsx", [list(r) for r in make_bad.LINES],
                          title="SYN Doe Jane")
    done = run_cli("scrub", path.name, "--sheet", "Nope", "--no-mark", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == ("error: names.xlsx: no sheet named 'Nope' (the workbook has 1 "
                           "sheet; --sheet names are case-sensitive)\n")


def test_a_missing_column_message_quotes_no_header_cell(tmp_path):
    path = tmp_path / "lacks.csv"
    path.write_text("CPT,Units,SYN-SECRET Doe\n96365,1,x\n", "utf-8")
    done = run_cli("scrub", path.name, "--no-mark", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "SECRET" not in done.stderr and "lacks" not in done.stderr.split(":")[0]
    assert "fields recognised on row 1: code, units; 1 other header" in done.stderr


def test_file_names_and_cells_reach_the_terminal_escaped(tmp_path):
    hostile = "bad\nname\x1b[31m[bold]"
    (tmp_path / f"{hostile}.csv").write_text("nothing,here\n1,2\n", "utf-8")
    good = make_bad.formula_csv(tmp_path).rename(tmp_path / f"ok\x1b]0;x\x07{hostile}.csv")
    done = run_cli("scrub", f"{hostile}.csv", good.name, "--exit-zero", cwd=tmp_path)
    assert done.returncode == 2
    escaped = "bad\\nname\\x1b[31m[bold]"
    assert done.stderr.splitlines() == [
        f"wrote ok\\x1b]0;x\\x07{escaped}.scrubbed.xlsx",
        f"error: {escaped}.csv: no header row with a code column (CPT/HCPCS, CPT, HCPCS, "
        f"Procedure Code...) or administration-log columns (Drug, Route, Start Time) in the "
        f"first 20 rows of its only sheet"]
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout
    report = done.stdout.splitlines()
    assert report[0].startswith(f"ok\\x1b]0;x\\x07{escaped}.csv  sheet ")
    # codes are quoted upper-cased: the markup is printed, the escape shown
    assert "'[BOLD]X[/BOLD]' is neither" in done.stdout
    assert "'\\x1b[31MRED\\x1b[0M' is neither" in done.stdout


# --- the input is sacred; temporary files are ours to tidy ------------------------------------

def test_a_report_over_the_marked_copy_is_refused_before_anything_is_written(tmp_path):
    source = make_bad.formula_csv(tmp_path)
    before = source.read_bytes()
    done = run_cli("scrub", source.name, "--report", "formulas.scrubbed.xlsx", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == ("error: --report formulas.scrubbed.xlsx is where a marked copy goes; "
                           "give the report another name\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["formulas.csv"]
    assert source.read_bytes() == before


def test_outputs_through_a_hard_link_to_the_input_are_refused(tmp_path):
    source = make_bad.formula_csv(tmp_path)
    before = source.read_bytes()
    os.link(source, tmp_path / "alias.csv")
    done = run_cli("scrub", source.name, "--report", "alias.csv", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("error: --report alias.csv is one "
                                                           "of the inputs")
    os.link(source, tmp_path / "linked.scrubbed.xlsx")
    done = run_cli("scrub", source.name, "--out", "linked.scrubbed.xlsx", "--format", "json",
                   cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == ("error: formulas.csv: its marked copy linked.scrubbed.xlsx would "
                           "overwrite the input formulas.csv; scrub it with another --out\n")
    assert json.loads(done.stdout)["summary"]["rows"] == 9  # the findings are still reported
    assert source.read_bytes() == before


def test_the_marked_copy_writer_refuses_its_own_input_through_a_link(tmp_path):
    from scrubber.io.errors import InputError
    from scrubber.mark import mark_copy

    source = make_bad.formula_csv(tmp_path)
    os.link(source, tmp_path / "linked.scrubbed.xlsx")
    with pytest.raises(InputError, match="the marked copy would overwrite the input"):
        mark_copy(scrub(source).files[0], source, tmp_path / "linked.scrubbed.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["formulas.csv", "linked.scrubbed.xlsx"]


def test_outputs_are_never_wider_than_the_input(tmp_path):
    source = make_bad.formula_csv(tmp_path)
    source.chmod(0o600)
    done = run_cli("scrub", source.name, "--exit-zero", "--report", "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("formulas.scrubbed.xlsx", "r.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name


def _leave_a_temp(target: Path, signal_name: str) -> subprocess.CompletedProcess:
    """A process that makes a temporary file for ``target`` and is killed with it open."""
    code = ("import os, signal, sys\n"
            "from pathlib import Path\n"
            "from scrubber.io.atomic import make_temp\n"
            f"handle, temp = make_temp(Path({str(target)!r}))\n"
            "os.write(handle, b'half a copy')\n"
            "print(temp, flush=True)\n"
            f"os.kill(os.getpid(), signal.{signal_name})\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_killed_runs_temporary_copy_is_removed_by_the_next_run(tmp_path):
    source = make_bad.formula_csv(tmp_path)
    target = tmp_path / "formulas.scrubbed.xlsx"
    killed = _leave_a_temp(target, "SIGKILL")
    stale = Path(killed.stdout.strip())
    assert killed.returncode == -9 and stale.is_file()
    # a live run's temporary file (this process's) is never touched
    live = tmp_path / f".formulas.scrubbed.xlsx.{os.getpid()}.0123abcd.tmp"
    live.write_bytes(b"another run at work")
    done = run_cli("scrub", source.name, "--exit-zero", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not stale.exists() and live.exists() and target.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [source.name, target.name, live.name])


def test_sigterm_mid_write_leaves_no_temporary_file(tmp_path):
    """The command line's SIGTERM handler ends the run through its finally blocks."""
    source = make_bad.formula_csv(tmp_path)
    code = ("import os, signal\n"
            "from scrubber import cli, scrub\n"
            "from scrubber.mark import xlsx\n"
            f"result = scrub({str(source)!r}).files[0]\n"
            "def killed(*args):\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "xlsx._write = killed\n"
            "cli._on_sigterm_exit()\n"
            f"xlsx.mark_copy(result, {str(source)!r}, {str(tmp_path / 'x.scrubbed.xlsx')!r})\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 143, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [source.name]


def test_a_marked_copy_onto_another_input_is_refused_and_the_run_goes_on(tmp_path):
    source = make_bad.formula_csv(tmp_path)
    other = tmp_path / "formulas.scrubbed.xlsx"  # an input of the run, as it happens
    make_bad._book(other, [list(r) for r in make_bad.LINES])
    before = other.read_bytes()
    done = run_cli("scrub", source.name, other.name, "--format", "json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "wrote formulas.scrubbed.scrubbed.xlsx",
        "error: formulas.csv: its marked copy formulas.scrubbed.xlsx would overwrite the input "
        "formulas.scrubbed.xlsx; scrub it with another --out"]
    assert [f["path"] for f in json.loads(done.stdout)["files"]] == [source.name, other.name]
    assert other.read_bytes() == before


@pytest.mark.parametrize("order", [("day.xlsx", "day.csv"), ("day.csv", "day.xlsx")])
def test_inputs_whose_copies_collide_are_both_scrubbed_and_one_copy_is_refused(tmp_path,
                                                                              order):
    """day.xlsx and day.csv both give day.scrubbed.xlsx: the second file is scrubbed and
    reported as if alone; only its copy is refused, with one line, and the run exits 2."""
    folder = make_bad.colliding_copies(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    done = run_cli("scrub", *order, "--format", "json", cwd=folder)
    assert done.returncode == 2
    first, second = order
    assert done.stderr.splitlines() == [
        "wrote day.scrubbed.xlsx",
        f"error: {second}: its marked copy would overwrite the one of {first} "
        f"(day.scrubbed.xlsx); scrub it with another --out"]
    files = json.loads(done.stdout)["files"]
    assert [f["path"] for f in files] == list(order)
    for entry in files:
        alone = scrub(folder / entry["path"]).files[0].to_dict()
        assert {k: v for k, v in entry.items() if k != "path"} == \
            {k: v for k, v in alone.items() if k != "path"}
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.name in before} == before
    assert sorted(p.name for p in folder.iterdir()) == ["day.csv", "day.scrubbed.xlsx",
                                                        "day.xlsx"]
    # the copy is the first file's: its lines and statuses
    import openpyxl

    sheet = openpyxl.load_workbook(folder / "day.scrubbed.xlsx").worksheets[0]
    expected = 6 if first == "day.xlsx" else 3
    assert sheet.max_row == expected and sheet.cell(1, 9).value == "Scrub Status"
