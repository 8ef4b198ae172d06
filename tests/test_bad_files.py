"""The corpus of bad, odd and hostile files (tests/data/bad/make_bad.py), one test per case:
each is read correctly or refused with one line and exit 2, never a traceback."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

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

    path = make_bad._book(tmp_path / "clean.xlsx", [list(r) for r in make_bad.LINES])
    scanned = []
    monkeypatch.setattr(module, "_scan", lambda package, part: scanned.append(part) or {})
    assert module.error_cells(path) == {} and scanned == []
    module.error_cells(make_bad.error_cells(tmp_path))
    assert scanned == ["xl/worksheets/sheet1.xml"]


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
