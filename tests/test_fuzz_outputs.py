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

from scrubber import ScrubResult, prepare, scrub
from scrubber.batchrun import work
from scrubber.batchrun.run import run_batch
from scrubber.fields import STATUS_HEADER
from scrubber.mark import mark_copy
from scrubber.render import render_report
from tests.fuzz_sheets import ENCODINGS, SECRET, Sheet, sheets, write_csv, write_xlsx

#: examples per property: a handful in CI, thousands in a fuzz run.
EXAMPLES = int(os.environ.get("SCRUBBER_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 12, deadline=None, database=None, derandomize=not EXAMPLES,
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


def formulas(package: bytes | Path) -> list[str]:
    """The parts of a workbook package whose XML holds a formula element, and the cells
    openpyxl reads as formulas (a chart's series references are not in worksheets)."""
    data = package if isinstance(package, bytes) else package.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        found = [n for n in book.namelist() if n.startswith("xl/worksheets/")
                 and FORMULA_ELEMENT.search(book.read(n))]
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    found += [f"{s.title}!{c.coordinate}" for s in workbook.worksheets for row in s.iter_rows()
              for c in row if c.data_type == "f"]
    return found


def live_csv_cells(text: str) -> list[str]:
    """Cells of a CSV report that a spreadsheet would run as a formula."""
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row
            if cell.startswith(LIVE) and not NUMBER.match(cell)]


def check_message(message: str, sheet: Sheet, path: str) -> None:
    """One line, naming the file, quoting no cell and no sheet name."""
    assert "\n" not in message and "\r" not in message, message
    assert SECRET not in message, message
    assert sheet.name not in message or sheet.name in ("Charges", "Sheet1", "Issues"), message
    assert not any(b in message for b in BUG), f"{path}: {message}"


def check_marked_copy(copy: Path, file, sheet: Sheet) -> None:
    """No formula anywhere; every charge line has a status, a flagged one is not OK."""
    assert formulas(copy) == [], copy
    book = openpyxl.load_workbook(copy)
    charges = book.worksheets[0]
    header = [c.value for c in charges[file.header_row]]
    assert STATUS_HEADER in header, header
    status = len(header) - header[::-1].index(STATUS_HEADER)  # 1-based, the rightmost
    for row in file.line_rows:
        assert charges.cell(row, status).value in STATUSES, (row, file.line_rows)
    for finding in file.findings:
        if finding.row > file.header_row:
            assert charges.cell(finding.row, status).value in ("error", "warning"), finding
    if sheet.other and copy.suffix == ".xlsx" and file.path.endswith(".xlsx"):
        assert sheet.other in book.sheetnames  # a user's own sheet is kept, whatever its name


def check_reports(result: ScrubResult) -> None:
    """Every report format renders; none holds a live formula."""
    json.loads(render_report(result, "json"))
    render_report(result, "text").decode("utf-8")
    text = render_report(result, "csv").decode("utf-8-sig")
    assert live_csv_cells(text) == [], text
    assert formulas(render_report(result, "xlsx")) == []


def scrub_everything(sheet: Sheet, folder: Path, encoding: str, shared: bool) -> None:
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
        event(f"{Path(path).suffix}: {'read' if result else 'refused'}")
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
        assert all(1 <= f.row <= rows for f in result.findings)
        check_marked_copy(Path(outcome.marked), result, sheet)
        report = json.loads(Path(outcome.report).read_text(encoding="utf-8"))
        assert report["files"][0]["findings"] == [f.to_dict() for f in result.findings]
        done.append(result)
    check_reports(ScrubResult(tuple(done), reference=PREPARED.reference.quarter))
    assert {p: p.read_bytes() for p in paths} == before
    assert [p for p in folder.rglob(".*") if TEMP.match(p.name)] == []


@FUZZ
@given(sheets(), st.sampled_from(ENCODINGS), st.booleans())
def test_no_cell_breaks_the_reader_the_rules_or_a_writer(sheet, encoding, shared):
    with tempfile.TemporaryDirectory() as folder:
        scrub_everything(sheet, Path(folder), encoding, shared)
