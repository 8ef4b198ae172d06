"""The CLI is a thin adapter: its JSON equals the library's result, exit codes say it all."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from scrubber import Config, __version__, scrub
from scrubber.cli import app
from tests.conftest import HEADERS, ROWS, SAMPLES, make_workbook

runner = CliRunner()


def test_json_equals_library_result(workbook):
    result = runner.invoke(app, ["scrub", str(workbook), "--format", "json", "--no-mark"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == scrub(str(workbook)).to_dict()


def test_json_shape_is_exact(workbook):
    data = json.loads(runner.invoke(app, ["scrub", str(workbook), "-f", "json",
                                          "--no-mark"]).stdout)
    assert set(data) == {"version", "reference", "files", "summary"}
    assert data["version"] == __version__
    assert data["reference"]["drug_table"].startswith("20")  # the table's quarter
    assert set(data["summary"]) == {"files", "rows", "skipped_rows", "errors", "warnings",
                                    "by_rule"}
    file = data["files"][0]
    assert set(file) == {"path", "sheet", "header_row", "rows", "skipped_rows", "findings"}
    assert (file["sheet"], file["header_row"], file["rows"]) == ("Export", 4, 6)
    for finding in file["findings"]:
        assert list(finding) == ["row", "encounter", "rule", "name", "severity", "column",
                                 "column_letter", "value", "message", "suggestion"]
        assert isinstance(finding["row"], int) and finding["severity"] in ("error", "warning")
    assert [(f["row"], f["name"], f["column"], f["column_letter"])
            for f in file["findings"]] == [
        (8, "push-billed-as-infusion", "Route", "I"),
        (8, "missing-drug-code", "Drug", "J"),
        # the push on row 8 ranks below row 9's infusion, so row 8 is the extra initial
        (8, "duplicate-initial", "CPT/HCPCS", "D"),
        (9, "missing-time", "Stop Time", "H"),
    ]
    assert data["summary"]["by_rule"] == {"duplicate-initial": 1, "missing-drug-code": 1,
                                          "missing-time": 1, "push-billed-as-infusion": 1}


def test_report_files_match_stdout(workbook, tmp_path):
    for suffix, fmt in ((".json", "json"), (".csv", "csv"), (".txt", "text")):
        report = tmp_path / f"report{suffix}"
        result = runner.invoke(app, ["scrub", str(workbook), "--no-mark", "-f", fmt,
                                     "--report", str(report)])
        # the CSV file starts with a byte-order mark for Excel (test_csv_report_has_a_byte_...)
        assert report.read_text(encoding="utf-8-sig") == result.stdout


def test_csv_has_one_finding_a_line(workbook):
    out = runner.invoke(app, ["scrub", str(workbook), "-f", "csv", "--no-mark"]).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(int(r["row"]), r["name"]) for r in rows] == [
        (8, "push-billed-as-infusion"), (8, "missing-drug-code"), (8, "duplicate-initial"),
        (9, "missing-time")]
    assert rows[0]["suggestion"] == "Bill 96375 (IV push of a new drug after the initial service)"


def test_select_and_ignore(workbook):
    args = ["scrub", str(workbook), "-f", "json", "--no-mark"]
    only = json.loads(runner.invoke(app, args + ["--select", "INF003"]).stdout)
    assert only["summary"]["by_rule"] == {"push-billed-as-infusion": 1}
    rest = json.loads(runner.invoke(app, args + ["--ignore", "missing-time,INF005",
                                                 "--ignore", "missing-drug-code"]).stdout)
    assert rest["summary"]["by_rule"] == {"push-billed-as-infusion": 1}
    assert rest == scrub(str(workbook), Config(ignore=("INF001", "INF005", "INF004"))).to_dict()


def test_unknown_rule_name_is_an_error_that_names_it(workbook):
    result = runner.invoke(app, ["scrub", str(workbook), "--select", "push-as-infusion"])
    assert result.exit_code == 2
    assert "unknown rule 'push-as-infusion'" in result.stderr


def test_exit_codes(workbook):
    clean = runner.invoke(app, ["scrub", str(SAMPLES / "clean_export.xlsx"), "--no-mark"])
    assert clean.exit_code == 0
    assert runner.invoke(app, ["scrub", str(workbook), "--no-mark"]).exit_code == 1
    assert runner.invoke(app, ["scrub", str(workbook), "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["scrub", str(workbook), "--no-mark", "--exit-zero"]).exit_code == 0
    missing = runner.invoke(app, ["scrub", "nope.xlsx", "--exit-zero"])
    assert missing.exit_code == 2 and missing.stderr == "error: nope.xlsx: file not found\n"


def test_batch_goes_on_past_bad_files(workbook, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(workbook, folder / "a.xlsx")
    shutil.copy(SAMPLES / "clean_export.xlsx", folder / "b.xlsx")
    result = runner.invoke(app, ["scrub", str(bad), str(folder), "-f", "json", "--out",
                                 str(tmp_path / "marked"), "--jobs", "2"])
    assert result.exit_code == 2
    marked = tmp_path / "marked"
    assert result.stderr.splitlines() == [
        f"wrote {marked / 'a.scrubbed.xlsx'}", f"wrote {marked / 'b.scrubbed.xlsx'}",
        f"error: {bad}: not an Excel workbook (the file is not an .xlsx package)"]
    data = json.loads(result.stdout)
    assert [f["path"] for f in data["files"]] == [str(folder / "a.xlsx"), str(folder / "b.xlsx")]
    assert sorted(p.name for p in (tmp_path / "marked").iterdir()) == [
        "a.scrubbed.xlsx", "b.scrubbed.xlsx"]
    assert not (tmp_path / "marked" / "bad.scrubbed.xlsx").exists()


def test_folders_skip_marked_copies(workbook, tmp_path):
    runner.invoke(app, ["scrub", str(workbook)])
    assert (tmp_path / "export.scrubbed.xlsx").exists()
    data = json.loads(runner.invoke(app, ["scrub", str(tmp_path), "-f", "json",
                                          "--no-mark"]).stdout)
    assert [f["path"] for f in data["files"]] == [str(workbook)]


def test_python_dash_m_and_console_script_agree(workbook):
    args = ["scrub", str(workbook), "-f", "json", "--no-mark"]
    module = subprocess.run([sys.executable, "-m", "scrubber", *args], capture_output=True,
                            text=True, check=False)
    assert module.returncode == 1
    assert json.loads(module.stdout) == scrub(str(workbook)).to_dict()
    assert module.stderr == ""


def test_the_process_ends_without_teardown_but_with_its_output_and_code(workbook, tmp_path):
    """main() ends the process with os._exit after flushing and running exit handlers: the
    exit codes, the whole output and the handlers' clean-up must survive it."""
    args = [sys.executable, "-m", "scrubber", "scrub", str(workbook), "--no-mark"]
    full = subprocess.run(args, capture_output=True, text=True, check=False)
    assert full.returncode == 1 and full.stdout.rstrip().endswith("┘")  # the summary table
    missing = subprocess.run([*args[:4], str(tmp_path / "none.xlsx")], capture_output=True,
                             text=True, check=False)
    assert missing.returncode == 2 and "file not found" in missing.stderr
    cut = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cut.stdout.read(10)
    cut.stdout.close()  # as `| head` does
    assert cut.wait() == 1
    errors = cut.stderr.read()
    assert b"Traceback" not in errors and b"Exception ignored" not in errors


def test_unwritable_marked_copy_keeps_the_findings(workbook, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    result = runner.invoke(app, ["scrub", str(workbook), "-f", "json", "--out",
                                 str(blocker / "sub")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {workbook}: the marked copy could not be written")
    assert json.loads(result.stdout) == scrub(str(workbook)).to_dict()


def test_same_named_inputs_do_not_overwrite_each_others_copies(workbook, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(workbook, other / "export.xlsx")
    out = tmp_path / "marked"
    result = runner.invoke(app, ["scrub", str(workbook), str(other / "export.xlsx"), "-f",
                                 "json", "--out", str(out)])
    assert result.exit_code == 2
    assert "would overwrite the one of" in result.stderr
    assert [p.name for p in out.iterdir()] == ["export.scrubbed.xlsx"]
    # the second file is still scrubbed and reported; only its copy is refused
    assert [f["path"] for f in json.loads(result.stdout)["files"]] == [
        str(workbook), str(other / "export.xlsx")]


# --report by suffix (issue 10)

def _findings_rows(json_text):
    """The JSON report's findings in the Excel report's column order."""
    from scrubber.render.xlsx_report import FIELDS

    return [[{"path": f["path"], "sheet": f["sheet"], **finding}[key] for key, _, _ in FIELDS]
            for f in json.loads(json_text)["files"] for finding in f["findings"]]


def test_xlsx_report_is_an_excel_workbook_of_the_findings(workbook, tmp_path):
    report = tmp_path / "reports" / "findings.xlsx"
    result = runner.invoke(app, ["scrub", str(workbook), "--no-mark", "-f", "json",
                                 "--report", str(report)])
    assert result.exit_code == 1
    assert zipfile.is_zipfile(report)
    book = openpyxl.load_workbook(report)
    assert book.sheetnames == ["Findings", "Summary"]
    rows = [list(r) for r in book["Findings"].iter_rows(min_row=2, values_only=True)]
    assert rows == _findings_rows(result.stdout)
    assert [p.name for p in report.parent.iterdir()] == ["findings.xlsx"]  # no temp file left


@pytest.mark.parametrize("name", ["findings.xls", "findings.pdf", "findings", "findings.log"])
def test_other_report_suffixes_are_refused_before_anything_is_written(workbook, tmp_path, name):
    report = tmp_path / name
    result = runner.invoke(app, ["scrub", str(workbook), "--report", str(report)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: cannot write the report {report} as ")
    assert result.stderr.endswith("the suffix chooses the format: .json, .csv, .txt, .xlsx\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.xlsx"]  # no marked copy


def test_csv_report_has_a_byte_order_mark_for_excel(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[3][9] = "Ondansétron"  # the push without a drug line: quoted in the message
    source = make_workbook(tmp_path / "accents.xlsx", rows=rows)
    report = tmp_path / "findings.csv"
    result = runner.invoke(app, ["scrub", str(source), "--no-mark", "-f", "csv",
                                 "--report", str(report)])
    data = report.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not result.stdout.startswith("\ufeff")
    assert data[3:].decode("utf-8") == result.stdout
    values = [r["value"] for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))]
    assert "Ondansétron" in values


def test_text_report_fits_columns(workbook, tmp_path):
    report = tmp_path / "findings.txt"
    result = runner.invoke(app, ["scrub", str(workbook), "--no-mark", "--report", str(report)],
                           env={"COLUMNS": "60"})
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    assert "  row 8, col I  E200  INF003 push-billed-as-infusion  error" in lines
    assert report.read_text(encoding="utf-8") == result.stdout


def test_report_never_overwrites_an_input(workbook, tmp_path):
    before = workbook.read_bytes()
    copy = tmp_path / "copy.csv"
    copy.write_text(",".join(HEADERS) + "\n", encoding="utf-8")
    for target in (workbook, tmp_path / "." / "copy.csv"):
        result = runner.invoke(app, ["scrub", str(workbook), str(copy), "--no-mark",
                                     "--report", str(target)])
        assert result.exit_code == 2
        assert result.stderr == f"error: --report {target} is one of the inputs; give the " \
                                "report another name\n"
    assert workbook.read_bytes() == before


def test_a_report_that_cannot_be_written_leaves_the_old_one(workbook, tmp_path, monkeypatch):
    report = tmp_path / "out" / "findings.json"
    report.parent.mkdir()
    report.write_text("the previous report")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("scrubber.cli.os.replace", full_disk)
    result = runner.invoke(app, ["scrub", str(workbook), "--no-mark", "-f", "json",
                                 "--report", str(report)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {report}: the report could not be written (No space " \
                            "left on device)\n"
    assert json.loads(result.stdout) == scrub(str(workbook)).to_dict()  # findings still shown
    assert [p.name for p in report.parent.iterdir()] == ["findings.json"]
    assert report.read_text() == "the previous report"


def test_stderr_says_where_each_copy_went_and_quiet_silences_it(workbook, tmp_path):
    """stdout holds only the report; stderr names each marked copy; --quiet leaves only
    errors there."""
    out = tmp_path / "out"
    loud = CliRunner().invoke(app, ["scrub", str(workbook), "--format", "json", "--out",
                                    str(out)])
    assert json.loads(loud.stdout)["files"]
    copy = out / "export.scrubbed.xlsx"
    assert f"wrote {copy}" in loud.stderr
    quiet = CliRunner().invoke(app, ["scrub", str(workbook), "--format", "json", "--out",
                                     str(out), "--quiet", str(tmp_path / "missing.xlsx")])
    assert json.loads(quiet.stdout)["files"]
    assert "wrote" not in quiet.stderr
    assert quiet.stderr.startswith("error: ") and "missing.xlsx" in quiet.stderr


def test_batch_reports_each_file_and_its_phases(workbook, tmp_path):
    from scrubber.batch import BatchOptions, scrub_many

    heard, phases = [], []
    result = scrub_many([str(workbook), str(tmp_path / "nope.xlsx")],
                        BatchOptions(Config(), out=str(tmp_path / "o")),
                        done=lambda path, found, error, written: heard.append(
                            (Path(path).name, found is not None, error is not None,
                             written.name if written else None)),
                        phase=lambda path, name: phases.append((Path(path).name, name)))
    assert heard == [("export.xlsx", True, False, "export.scrubbed.xlsx"),
                     ("nope.xlsx", False, True, None)]
    assert phases[:2] == [("export.xlsx", "checking"), ("export.xlsx", "writing")]
    assert len(result.files) == 1


@pytest.mark.parametrize(("command", "texts"), [
    ("scrub", ["[tool.scrubber]", "[payers]", "[default: one per core]"]),
    ("batch", ["[tool.scrubber]", "[dask]"]),
])
def test_help_shows_bracketed_text_as_written(command, texts):
    """rich reads [words] in help texts as markup and drops them unless they are escaped."""
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    shown = " ".join(result.stdout.split())
    for text in texts:
        assert text in shown
