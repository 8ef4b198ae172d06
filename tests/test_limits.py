"""Limits, not exhaustion (issue 13): zip bombs with honest and lying sizes, grids past
Excel's, formatting without data, error cells without references and CSV files longer than
a sheet, from tests/data/bad/make_bad.py. Each is read correctly, or refused with one line
naming the limit (and the option that raises it), exit 2, under a memory cap."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from scrubber import Config, ConfigError, InputError, scrub
from scrubber.batch import BatchOptions, scrub_many
from scrubber.io import limits as limits_module
from scrubber.io.limits import Limits
from scrubber.io.unpack import scan_package

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_bad", ROOT / "tests/data/bad/make_bad.py")
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)

#: the address space a run gets here: a grid of 17 billion cells or a GiB of rows would
#: need far more (calamine alone asked for 512 GiB)
MEMORY_CAP = 3 << 30


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "scrubber", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, preexec_fn=_capped)


def _one_error_line(run: subprocess.CompletedProcess, name: str) -> str:
    """The run's one error line about ``name``, checked to be the only line on stderr."""
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "panicked" not in run.stderr
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"error: {name}: "), line
    return line.removeprefix(f"error: {name}: ")


# --- zip bombs ------------------------------------------------------------------------------

def test_a_zip_bomb_with_lying_sizes_is_refused_at_once(tmp_path):
    """Its entry declares 1 KiB; the sheet unpacks to 64 MiB. The part is measured as it
    streams and refused at the first byte past what it declares."""
    path = make_bad.zip_bomb(tmp_path, 64)
    assert path.stat().st_size < 1 << 20
    before = path.read_bytes()
    run = run_cli("scrub", path.name, cwd=tmp_path)
    assert _one_error_line(run, path.name) == (
        "the workbook is damaged (a part unpacks to more than its zip entry declares, as a "
        "zip bomb does)")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no copy, no temporary


def test_the_lying_sizes_are_told_by_the_bytes_not_the_entry(tmp_path):
    """The same sheet declared truthfully is read: only the lie is refused."""
    honest = make_bad.zip_bomb(tmp_path, 1, lying=False)
    assert scan_package(honest, "workbook", Limits()).unpacked > 1 << 20
    lying = make_bad.zip_bomb(tmp_path, 1)
    with pytest.raises(InputError, match="more than its zip entry declares"):
        scan_package(lying, "workbook", Limits())


def test_a_zip_bomb_over_the_limit_is_refused_naming_the_option(tmp_path):
    path = make_bad.zip_bomb(tmp_path, 24, lying=False)
    run = run_cli("scrub", path.name, "--max-unpacked-mb", "16", cwd=tmp_path)
    assert _one_error_line(run, path.name) == (
        "the workbook unpacks to 24 MiB, over the 16 MiB limit (--max-unpacked-mb raises it)")
    batch = run_cli("batch", path.name, "--out", "out", "--max-unpacked-mb", "16",
                    "--jobs", "1", cwd=tmp_path)
    assert batch.returncode == 2
    assert (f"error: {path.name}: the workbook unpacks to 24 MiB, over the 16 MiB limit "
            f"(--max-unpacked-mb raises it)") in batch.stderr.splitlines()


def test_the_option_and_the_config_key_raise_the_limit(tmp_path):
    """A workbook of 2 MiB is refused under a 1 MiB limit, and read under the default."""
    path = make_bad.zip_bomb(tmp_path, 2, lying=False)
    with pytest.raises(InputError, match=r"unpacks to 2 MiB, over the 1 MiB limit"):
        scrub(path, Config(max_unpacked_mb=1))
    (file,) = scrub(path).files
    rows = scan_package(path, "workbook", Limits()).sheets["Charges"].rows
    assert rows > 10_000 and file.rows == rows - 1 and file.line_rows[:2] == (2, 3)
    (tmp_path / "scrubber.toml").write_text("max_unpacked_mb = 1\n")
    run = run_cli("scrub", path.name, "--no-mark", cwd=tmp_path)
    assert "over the 1 MiB limit" in _one_error_line(run, path.name)
    run = run_cli("scrub", path.name, "--no-mark", "--max-unpacked-mb", "8", "-q",
                  "--format", "json", cwd=tmp_path)
    assert run.returncode == 1 and run.stderr == ""  # a finding (no diagnosis) on each line
    assert json.loads(run.stdout)["summary"]["rows"] == file.rows


def test_a_lower_limit_holds_for_a_workbook_parsed_ahead(tmp_path):
    """The command line parses the first workbook while it starts, within the default
    limits; a lower --max-unpacked-mb still refuses it."""
    path = make_bad.zip_bomb(tmp_path, 2, lying=False)
    run = run_cli("scrub", path.name, "--no-mark", "--max-unpacked-mb", "1", cwd=tmp_path)
    assert "over the 1 MiB limit" in _one_error_line(run, path.name)


@pytest.mark.parametrize("value", [0, -5, "big", True])
def test_the_limit_must_be_a_positive_number(value):
    with pytest.raises(ConfigError, match="option 'max_unpacked_mb' must be a number"):
        Config(max_unpacked_mb=value)


# --- grids past Excel's, far cells --------------------------------------------------------

def test_a_value_in_excels_last_cell_is_refused_not_a_crash(tmp_path):
    """Five kilobytes whose grid, up to XFD1048576, is 17 billion cells: calamine made it
    in one block and ended the process (a Rust allocation failure, exit 134)."""
    path = make_bad.far_cell(tmp_path)
    run = run_cli("scrub", path.name, cwd=tmp_path)
    assert _one_error_line(run, path.name) == (
        "a worksheet's values reach row 1,048,576 and column 16,384, a grid of "
        "17,179,869,184 cells, over the 33,554,432 cells the 1024 MiB limit allows "
        "(--max-unpacked-mb raises it)")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_row_past_excels_last_is_refused(tmp_path):
    path = make_bad.rows_past_excel(tmp_path)
    with pytest.raises(InputError) as caught:
        scrub(path)
    assert caught.value.problem == ("a worksheet has cells in row 1,048,577, past the "
                                    "1,048,576 rows Excel allows")


def test_the_good_files_of_the_run_are_reported_as_if_alone(tmp_path):
    good = make_bad._book(tmp_path / "good.xlsx", [list(r) for r in make_bad.ODD_LINES])
    bad = [make_bad.far_cell(tmp_path), make_bad.zip_bomb(tmp_path, 8)]
    alone = run_cli("scrub", good.name, "--no-mark", "-q", "--format", "json", cwd=tmp_path)
    run = run_cli("scrub", bad[0].name, good.name, bad[1].name, "--no-mark", "-q",
                  "--format", "json", cwd=tmp_path)
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 2
    assert json.loads(run.stdout)["files"] == json.loads(alone.stdout)["files"]


def test_a_far_cell_past_the_first_mib_is_found_by_the_last_cell_of_its_chunk(tmp_path):
    """Past the sheet's first MiB only the last cell of each chunk is measured: rows are in
    order, so a value in the last row is always one."""
    rows = [[f"E{n}", "2026-10-05", "96365", 1, "10:00", "11:45", "Infliximab", "K50.90"]
            for n in range(40_000)]
    path = make_bad._book(tmp_path / "long.xlsx", rows)
    scan = scan_package(path, "workbook", Limits()).sheets["Charges"]
    assert (scan.rows, scan.columns) == (40_001, 8)
    make_bad._edit_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))
    with pytest.raises(InputError, match="a grid of 17,179,869,184 cells"):
        scan_package(path, "workbook", Limits())


def test_repeated_cells_of_an_ods_are_measured_before_calamine_expands_them(tmp_path):
    path = make_bad.ods_repeated(tmp_path)
    assert path.stat().st_size < 4096
    run = run_cli("scrub", path.name, cwd=tmp_path)
    assert _one_error_line(run, path.name) == (
        "a worksheet's values reach row 1,048,004 and column 200, a grid of 209,600,800 "
        "cells, over the 33,554,432 cells the 1024 MiB limit allows (--max-unpacked-mb "
        "raises it)")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_an_ods_formatted_to_the_bottom_reads_as_its_lines(tmp_path):
    (file,) = scrub(make_bad.ods_repeated(tmp_path, values=False)).files
    assert (file.rows, file.line_rows, file.findings) == (3, (2, 3, 4), ())


def test_references_after_another_attribute_are_read_row_by_row(tmp_path):
    """A writer that puts the style before the reference (``<c s="1" r="A5">``): the sheet
    is walked row by row, and its extent and error cells are as with references first."""
    rows = [[f"E{n}", "2026-10-05", "96365", 1, "10:00", "11:45", "Infliximab", "K50.90"]
            for n in range(20_000)]
    rows[9_000][3] = "#REF!"
    path = make_bad._book(tmp_path / "styled.xlsx", rows)
    first = scan_package(path, "workbook", Limits()).sheets["Charges"]
    make_bad._edit_part(path, "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        r'<c r="([A-Z]+[0-9]+)"', r'<c s="0" r="\1"', xml).replace(
        "</sheetData>", '<row r="20005"><c s="0" r="XFD20005"/></row></sheetData>'))
    scan = scan_package(path, "workbook", Limits()).sheets["Charges"]
    assert (scan.rows, scan.columns, scan.errors) == (20_001, 8, {(9_001, 3): "#REF!"})
    assert (first.rows, first.columns, first.errors) == (scan.rows, scan.columns, scan.errors)
    make_bad._edit_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        '<c s="0" r="XFD20005"/>', '<c s="0" r="XFD20005"><v>1</v></c>'))
    with pytest.raises(InputError, match="reach row 20,005 and column 16,384"):
        scan_package(path, "workbook", Limits())


# --- formatting without data ----------------------------------------------------------------

def test_formatted_empty_rows_cost_nothing(tmp_path):
    """200,000 formatted rows without a value under three lines (and a dimension claiming
    the whole grid) read as the three lines do, and the sheet's extent is theirs."""
    path = make_bad.formatted_empty_rows(tmp_path, 200_000)
    scan = scan_package(path, "workbook", Limits()).sheets["Charges"]
    assert (scan.rows, scan.columns) == (4, 8)
    clean = make_bad._book(tmp_path / "clean.xlsx", [list(r) for r in make_bad.LINES])
    (formatted,), (plain,) = scrub(path).files, scrub(clean).files
    assert (formatted.rows, formatted.line_rows) == (plain.rows, plain.line_rows) == (3, (2, 3, 4))
    assert formatted.findings == plain.findings == ()


# --- error cells without references --------------------------------------------------------

def test_error_cells_without_references_stand_where_their_order_puts_them(tmp_path):
    """Rows and cells without ``r`` follow the ones before: #REF! in D3, #N/A in B5 (after
    an empty row 4)."""
    path = make_bad.unreferenced_error_cells(tmp_path)
    scan = scan_package(path, "workbook", Limits()).sheets["Charges"]
    assert scan.errors == {(2, 3): "#REF!", (4, 1): "#N/A"}
    result = scrub(path)
    assert [(f.row, f.column_letter, f.value) for f in result.findings
            if f.name == "error-cell"] == [(3, "D", "#REF!"), (5, "B", "#N/A")]
    assert result.files[0].line_rows == (2, 3, 5)


def test_an_error_cell_without_a_reference_past_the_first_mib_is_placed_too(tmp_path):
    """The sheet has references up to its last rows; the error cell there lacks one: the
    part is walked again from its start."""
    rows = [[f"E{n}", "2026-10-05", "96365", 1, "10:00", "11:45", "Infliximab", "K50.90"]
            for n in range(40_000)]
    path = make_bad._book(tmp_path / "long.xlsx", rows)
    make_bad._edit_part(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        "</sheetData>", '<row r="40003"><c r="A40003" t="inlineStr"><is><t>E9</t></is></c>'
                        '<c t="e"><v>#N/A</v></c></row></sheetData>'))
    scan = scan_package(path, "workbook", Limits()).sheets["Charges"]
    assert scan.errors == {(40_002, 1): "#N/A"} and (scan.rows, scan.columns) == (40_003, 8)


# --- CSV files longer than a sheet ---------------------------------------------------------

def test_a_csv_longer_than_a_sheet_is_scrubbed_and_its_copy_declined(tmp_path, monkeypatch):
    """Excel's row limit made 40 rows here: the file is read and every line reported; its
    marked copy (a worksheet) is declined before anything is written."""
    monkeypatch.setattr(limits_module, "EXCEL_ROWS", 40)
    path = make_bad.csv_past_excel(tmp_path, 60)
    result = scrub_many([str(path)], BatchOptions(Config()))
    (file,) = result.files
    assert file.rows == 63 and file.line_rows[-1] == 64
    (error,) = result.input_errors
    assert error.problem == ("no marked copy: its lines reach row 64, past the 40 rows of an "
                             "Excel sheet (every line is in the report; --no-mark skips the "
                             "copy)")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_csv_that_fits_a_sheet_is_marked(tmp_path, monkeypatch):
    monkeypatch.setattr(limits_module, "EXCEL_ROWS", 64)
    path = make_bad.csv_past_excel(tmp_path, 60)
    result = scrub_many([str(path)], BatchOptions(Config()))
    assert result.input_errors == () and (tmp_path / "past_excel.scrubbed.xlsx").is_file()


def test_a_csv_over_the_size_limit_is_refused(tmp_path):
    path = make_bad.csv_past_excel(tmp_path, 30_000)
    with pytest.raises(InputError) as caught:
        scrub(path, Config(max_unpacked_mb=1))
    assert caught.value.problem == ("the CSV file is 2 MiB, over the 1 MiB limit "
                                    "(--max-unpacked-mb raises it)")
