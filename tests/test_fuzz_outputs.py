"""No cell breaks a writer: random sheets of hostile cells through the reader, every rule and
every output (issue 13).

Each example is one sheet (:mod:`tests.fuzz_sheets`) written twice, as a raw .xlsx package and
as a CSV file, and run as ``scrubber batch`` runs them (in this process): the reader, the
default rule set, the marked copies (the .xlsx edited in place, the CSV made a new workbook),
each file's JSON report, summary.json and summary.xlsx; then the run's result is rendered as
every report format (.json, .csv, .txt, .xlsx). The properties:

* nothing escapes: a file is read, or refused with one line that names it and quotes no cell
  or sheet name; no file fails as "could not be scrubbed" (an exception the engine caught)
  and no rule gives up on a sheet;
* every charge line of a marked copy has its status, and a flagged line is not OK;
* no cell of any output workbook is a formula (the sheet XML holds no ``<f>``, openpyxl reads
  no formula), and no CSV report cell starts with a live formula sign;
* the inputs' bytes are unchanged and no temporary file is left.

CI runs a few examples, derandomized. The fuzz run (README, Development) runs thousands:
``SCRUBBER_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz_outputs.py
tests/addin/test_fuzz_addin.py -p no:cacheprovider`` (random, shrinking on; a failure prints
its sheet and the seed to replay it with ``--hypothesis-seed``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

import openpyxl
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from scrubber import ScrubResult, prepare, scrub
from scrubber.batchrun import work
from scrubber.batchrun.run import run_batch
from scrubber.fields import STATUS_HEADER
from scrubber.mark import mark_copy
from scrubber.render import render_report
from tests.fuzz_sheets import (
    DATES,
    ENCODINGS,
    ERRORS,
    FORMULAS,
    HOSTILE,
    NUMBERS,
    RAW,
    SECRET,
    Error,
    Sheet,
    sheets,
    write_csv,
    write_xlsx,
)

#: examples per property: a handful in CI, thousands in a fuzz run.
EXAMPLES = int(os.environ.get("SCRUBBER_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 10, deadline=None, database=None, derandomize=not EXAMPLES,
    phases=tuple(Phase) if EXAMPLES else (Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck))
PREPARED = prepare()
STATUSES = {"OK", "error", "warning"}
#: what a spreadsheet would run: a formula sign, or a tab or carriage return before one.
LIVE = tuple("=+-@\t\r")
NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")
TEMP = re.compile(r"^\..+\.\d+\.[0-9a-f]{8}\.tmp$")
#: a file failing for these is a bug: an exception that the batch caught for us.
BUG = ("could not be scrubbed", "please report", "could not be written")


class InProcess:
    """A batch backend that scrubs each task here, one after the other (no worker pool)."""

    name = "in-process"
    jobs = 1

    def run(self, tasks, options):
        for index, task in enumerate(tasks):
            yield index, work.scrub_file(task, options)


def formulas(package: bytes | Path, *, openpyxl_reads: bool = True) -> list[str]:
    """The parts of a workbook package whose XML holds a formula element, and the cells
    openpyxl reads as formulas (a chart's series references are not in worksheets)."""
    data = package if isinstance(package, bytes) else package.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        found = [n for n in book.namelist() if n.startswith("xl/worksheets/")
                 and FORMULA_ELEMENT.search(book.read(n))]
    if openpyxl_reads:
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        found += [f"{s.title}!{c.coordinate}" for s in workbook.worksheets
                  for row in s.iter_rows() for c in row if c.data_type == "f"]
    return found


def sheet_values(copy: Path, openpyxl_reads: bool) -> tuple[list[list[object]], list[str]]:
    """The first sheet's cells (rows from 1) and the sheet names, read by openpyxl; by
    python-calamine for the copy of a package openpyxl cannot load (a cell Excel never writes
    is copied as it was)."""
    if openpyxl_reads:
        book = openpyxl.load_workbook(copy)
        return [[c.value for c in row] for row in book.worksheets[0].iter_rows()], \
            book.sheetnames
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(copy))
    sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    return [[None if v == "" else v for v in row] for row in sheet], book.sheet_names


def live_csv_cells(text: str) -> list[str]:
    """Cells of a CSV report that a spreadsheet would run as a formula."""
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row
            if cell.startswith(LIVE) and not NUMBER.match(cell)]


def check_message(message: str, sheet: Sheet, path: str) -> None:
    """One line, naming the file, quoting no cell and no sheet name."""
    shown = message[:300]
    one_line = "\n" not in message and "\r" not in message
    assert one_line, shown
    quiet = SECRET not in message
    assert quiet, shown
    named = sheet.name in ("Charges", "Sheet1", "Issues") or sheet.name not in message
    assert named, shown
    bug = [b for b in BUG if b in message]
    assert not bug, f"{path}: {shown}"


def check_marked_copy(copy: Path, file, sheet: Sheet) -> None:
    """No formula anywhere; every charge line has a status, a flagged one is not OK."""
    openpyxl_reads = not (sheet.raw and file.path.endswith(".xlsx"))
    assert formulas(copy, openpyxl_reads=openpyxl_reads) == [], copy
    rows, names = sheet_values(copy, openpyxl_reads)
    header = rows[file.header_row - 1]
    assert STATUS_HEADER in header, [str(h)[:40] for h in header]
    status = len(header) - 1 - header[::-1].index(STATUS_HEADER)  # the rightmost

    def cell(row: int) -> object:
        return rows[row - 1][status] if status < len(rows[row - 1]) else None

    for row in file.line_rows:
        assert cell(row) in STATUSES, (row, file.line_rows)
    for finding in file.findings:
        if finding.row > file.header_row:
            assert cell(finding.row) in ("error", "warning"), (finding.row, finding.rule)
    if sheet.other and file.path.endswith(".xlsx"):
        assert sheet.other in names  # a user's own sheet is kept, whatever its name


def check_reports(result: ScrubResult) -> None:
    """Every report format renders; none holds a live formula."""
    json.loads(render_report(result, "json"))
    render_report(result, "text").decode("utf-8")
    live = live_csv_cells(render_report(result, "csv").decode("utf-8-sig"))
    assert not live, [cell[:60] for cell in live]
    assert formulas(render_report(result, "xlsx")) == []


def scrub_everything(sheet: Sheet, folder: Path, encoding: str, shared: bool) -> dict:
    """Both files through the batch and every report; summary.json's entries by suffix."""
    inputs = folder / "in"
    inputs.mkdir()
    paths = [write_xlsx(sheet, inputs / "book.xlsx", shared=shared),
             write_csv(sheet, inputs / "table.csv", encoding)]
    before = {p: p.read_bytes() for p in paths}
    results = {}

    def recording(path, options, phase=None):
        result, error = scrub_one(path, options, phase)
        results[Path(path).resolve()] = (result, error)
        return result, error

    scrub_one = work.scrub_one
    with mock.patch.object(work, "scrub_one", recording):
        run = run_batch([str(inputs)], folder / "out", work.WorkOptions(PREPARED),
                        backend=InProcess())
    for path, (result, error) in results.items():
        if error is not None and any(b in error.problem for b in BUG):
            # raise what the batch caught, with its traceback, for the failure report
            mark_copy(scrub(path, PREPARED).files[0], path, folder / "again.xlsx")
        if currently_in_test_context():  # the explicit tests below run it outside one
            event(f"{Path(path).suffix}: " + (f"{len(result.findings) and 'findings' or 'clean'}"
                                              if result else f"refused: {error.problem[:30]}"))
    summary = json.loads(run.json_path.read_text(encoding="utf-8"))
    assert len(summary["files"]) == 2
    assert formulas(run.xlsx_path) == []
    done = []
    for entry, outcome in zip(summary["files"], run.outcomes, strict=True):
        if entry["reason"] is not None:
            check_message(entry["reason"], sheet, entry["path"])
            continue
        result, _ = results[Path(entry["path"]).resolve()]
        assert not result.failed_rules, result.failed_rules
        rows = len(sheet.titles) + 1 + len(sheet.rows)
        assert [f.row for f in result.findings if not 1 <= f.row <= rows] == []
        check_marked_copy(Path(outcome.marked), result, sheet)
        report = json.loads(Path(outcome.report).read_text(encoding="utf-8"))
        same = report["files"][0]["findings"] == [f.to_dict() for f in result.findings]
        assert same, "the JSON report's findings differ from the result's"
        done.append(result)
    check_reports(ScrubResult(tuple(done), reference=PREPARED.reference.quarter))
    unchanged = {p: p.read_bytes() for p in paths} == before
    assert unchanged, "an input was modified"
    assert [p for p in folder.rglob(".*") if TEMP.match(p.name)] == []
    return {Path(e["path"]).suffix: e for e in summary["files"]}


@FUZZ
@given(sheets(), st.sampled_from(ENCODINGS), st.booleans())
def test_no_cell_breaks_the_reader_the_rules_or_a_writer(sheet, encoding, shared):
    with tempfile.TemporaryDirectory() as folder:
        scrub_everything(sheet, Path(folder), encoding, shared)


# --- every listed value, every time (CI sees each, whatever the draw) --------------------------

COLUMNS = ("Encounter ID", "Patient ID", "Date of Service", "CPT/HCPCS", "Modifier 1", "Units",
           "Start Time", "Stop Time", "Route", "Drug", "Dose", "Diagnosis 1", "NDC")
#: (a NUL makes a CSV file binary, refused in one line: the fuzz test meets that case)
ODD = [v for v in [*FORMULAS, *HOSTILE, *NUMBERS, *DATES, *map(Error, ERRORS), None, True, False]
       if not (isinstance(v, str) and "\x00" in v)]


def test_every_listed_value_in_every_column():
    """Each formula text, control character, escape, number, date and error cell in each
    column (rotated row by row), as inline and as shared strings, UTF-8 and UTF-16 CSV."""
    rows = tuple(tuple(ODD[(r + c) % len(ODD)] for c in range(len(COLUMNS)))
                 for r in range(len(ODD)))
    rows += (("E1", "P1", "2026-10-05", "96365", None, 1, "10:00", "11:00", "IV", "Infliximab",
              "400 mg", "K50.90", "57894-0030-01"),)
    sheet = Sheet("SECRET O'Brien", (("=1+1",),), COLUMNS, rows, other="Issues")
    for shared, encoding in ((False, "utf-8"), (True, "utf-16")):
        with tempfile.TemporaryDirectory() as folder:
            entries = scrub_everything(sheet, Path(folder), encoding, shared)
        assert [e["status"] for e in entries.values()] == ["ok", "ok"]
        assert min(e["errors"] for e in entries.values()) > len(rows)  # the rules ran


def test_cells_excel_never_writes_are_read_or_refused_in_one_line():
    """A raw cell a hostile package may hold (t="n" holding text, t="b" of 2, an unknown
    type, a shared string out of range...): the file is read or refused with one line, and
    its marked copy carries the cell as it was (openpyxl cannot load such a package)."""
    for raw in RAW:
        sheet = Sheet("Charges", (), ("Encounter ID", "CPT", "Units", "Dose"),
                      (("E1", "96365", 1, raw), ("E1", "J1745", 3, "4 mg")))
        with tempfile.TemporaryDirectory() as folder:
            entries = scrub_everything(sheet, Path(folder), "utf-8", False)
        assert entries[".csv"]["status"] == "ok"
        why = entries[".xlsx"]["reason"]
        assert why is None or why.startswith("the workbook is damaged"), why
