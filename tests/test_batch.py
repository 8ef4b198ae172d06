"""scrubber batch: bad files mixed in, outputs mirrored, summary, skip-unchanged, a worker that
dies, the summary workbook and its chart, and the options it shares with scrub."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, make_workbook
from typer.testing import CliRunner

from scrubber import scrub
from scrubber.batchrun.backends import LocalBackend
from scrubber.batchrun.run import plan, run_batch
from scrubber.batchrun.work import WorkOptions
from scrubber.cli import app
from scrubber.config import Config
from scrubber.prepared import prepare

runner = CliRunner()

GOOD = ("clinic-a/export.xlsx", "clinic-a/late/infusion.xlsx", "clinic-b/clean.xlsx",
        "clinic-b/charges.csv")
BAD = {"clinic-a/corrupt.xlsx": "the workbook is damaged",
       "clinic-b/notes.xlsx": "not an Excel workbook",
       "clinic-b/empty.csv": "the file is empty"}


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A day's exports: good workbooks and a CSV in nested folders, with a corrupt workbook
    (a zip cut short), a text file named .xlsx and a CSV without a header mixed in."""
    folder = tmp_path / "exports"
    (folder / "clinic-a" / "late").mkdir(parents=True)
    (folder / "clinic-b").mkdir()
    make_workbook(folder / GOOD[0])
    shutil.copy(SAMPLES / "infusion_export.xlsx", folder / GOOD[1])
    shutil.copy(SAMPLES / "clean_export.xlsx", folder / GOOD[2])
    (folder / GOOD[3]).write_text(
        "Encounter ID,Date of Service,CPT/HCPCS,Units,Start Time,Stop Time,Route,Drug\n"
        "E1,2026-10-05,96365,1,10:00,10:10,IV,Infliximab\n"
        "E1,2026-10-05,J1745,40,,,,Infliximab\n", encoding="utf-8")
    whole = (SAMPLES / "clean_export.xlsx").read_bytes()
    (folder / "clinic-a" / "corrupt.xlsx").write_bytes(whole[: len(whole) // 2])
    (folder / "clinic-b" / "notes.xlsx").write_text("call the clinic back", encoding="utf-8")
    (folder / "clinic-b" / "empty.csv").write_text("", encoding="utf-8")
    return folder


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _batch(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m scrubber batch`` in a fresh process running this tree's code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "scrubber", "batch", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def _single(path: Path) -> dict[str, object]:
    """A file's single-file result, as ``scrubber scrub FILE --format json`` gives it."""
    return scrub(path).files[0].to_dict()


def test_bad_files_never_stop_the_batch(exports, tmp_path):
    out = exports / "scrubbed"  # inside an input folder: never read as input
    before = _hashes(exports)
    done = _batch(str(exports), "--out", str(out), "--jobs", "2")
    assert done.returncode == 2, done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    entries = {Path(e["path"]).relative_to(exports).as_posix(): e for e in summary["files"]}
    assert sorted(entries) == sorted([*GOOD, *BAD])
    for name, why in BAD.items():
        assert entries[name]["status"] == "failed" and why in entries[name]["reason"], name
        assert f"error: {exports / name}: " in done.stderr
    for name in GOOD:
        entry, expected = entries[name], _single(exports / name)
        report = json.loads((out / entry["report"]).read_text(encoding="utf-8"))
        assert report["files"][0]["findings"] == expected["findings"], name
        assert (entry["status"], entry["rows"]) == ("ok", expected["rows"])
        by_rule: dict[str, int] = {}
        for finding in expected["findings"]:
            by_rule[finding["name"]] = by_rule.get(finding["name"], 0) + 1
        assert {k: v["findings"] for k, v in entry["by_rule"].items()} == by_rule
        assert entry["errors"] == sum(f["severity"] == "error" for f in expected["findings"])
    # outputs mirror the input folders; the inputs are untouched
    assert entries["clinic-a/late/infusion.xlsx"]["marked_copy"] == \
        "clinic-a/late/infusion.scrubbed.xlsx"
    assert (out / "clinic-a" / "late" / "infusion.scrubbed.xlsx").is_file()
    assert (out / "clinic-b" / "charges.scrubbed.json").is_file()
    assert not (out / "clinic-b" / "notes.scrubbed.xlsx").exists()
    assert {k: v for k, v in _hashes(exports).items() if not k.startswith("scrubbed")} == before
    totals = summary["totals"]
    assert (totals["files"], totals["failed"], totals["ok"], totals["exit_code"]) == (
        7, 3, 4, 2)
    assert totals["rows"] == sum(_single(exports / n)["rows"] for n in GOOD)
    # stderr is not a terminal: one line per file, then the error lines
    progress = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == 7 and progress[-1].startswith("[7/7] ")
    assert done.stdout.splitlines()[0] == "7 files: 4 ok, 3 failed"
    assert "skipped" not in done.stdout
    # a second run finds the same inputs (not the outputs now inside the input folder)
    again = _batch(str(exports), "--out", str(out), "--jobs", "2", "--quiet")
    assert again.returncode == 2
    assert json.loads((out / "summary.json").read_text())["totals"]["files"] == 7
    assert not [line for line in again.stderr.splitlines() if not line.startswith("error: ")]


def _options(**changes) -> WorkOptions:
    return WorkOptions(prepare(Config(**changes)))




def test_rerun_skips_unchanged_files_and_force_redoes_them(exports, tmp_path):
    out = tmp_path / "out"
    inputs = [str(exports / "clinic-a"), str(exports / "clinic-b" / "clean.xlsx")]
    first = run_batch(inputs, out, _options(), jobs=2)
    assert first.skipped == 0 and first.summary["run"]["scrubbed"] == 3
    second = run_batch(inputs, out, _options(), jobs=2)
    assert second.skipped == 3 and second.summary["run"]["scrubbed"] == 0
    paths = [e["path"] for e in first.summary["files"]]
    assert second.summary["run"]["skipped_files"] == paths[1:]  # the corrupt file is redone
    # a re-run's results are the first run's
    assert second.summary["files"] == first.summary["files"]
    assert second.summary["totals"] == first.summary["totals"]
    # a changed file, a deleted output and another config each bring work back
    make_workbook(exports / "clinic-a" / "export.xlsx", title_rows=3)
    (out / "clinic-a" / "late" / "infusion.scrubbed.xlsx").unlink()
    third = run_batch(inputs, out, _options(), jobs=2)
    assert third.summary["run"]["skipped_files"] == [paths[3]]
    assert (out / "clinic-a" / "late" / "infusion.scrubbed.xlsx").is_file()
    assert run_batch(inputs, out, _options(setting="professional"), jobs=1).skipped == 0
    assert run_batch(inputs, out, _options(setting="professional"), jobs=1).skipped == 3
    assert run_batch(inputs, out, _options(setting="professional"), jobs=1,
                     force=True).skipped == 0
    done = _batch(*inputs, "--out", str(out), "--setting", "professional", "--quiet")
    assert done.stdout.splitlines()[:2] == [
        "4 files: 3 ok, 1 failed", "3 unchanged since the last run into this folder, skipped "
        "(their results are that run's; --force redoes them)"]
    forced = _batch(*inputs, "--out", str(out), "--setting", "professional", "--force")
    assert "skipped" not in forced.stdout
    assert json.loads((out / "summary.json").read_text())["run"]["scrubbed"] == 3


def test_a_worker_that_dies_costs_only_its_file(exports, tmp_path):
    files = [exports / GOOD[0], exports / GOOD[1], exports / GOOD[2], exports / GOOD[3]]
    backend = LocalBackend(1)
    killed: list[int] = []

    def heard(outcome) -> None:
        # the pool has given the worker its next file before it answers; kill it as the
        # out-of-memory killer would
        if not killed:
            killed.extend(backend.pool.pids())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    run = run_batch([str(p) for p in files], tmp_path / "out", _options(), backend=backend,
                    heard=heard)
    reasons = [e["reason"] for e in run.summary["files"]]
    died = [r for r in reasons if r is not None]
    assert len(died) == 1 and killed
    assert "killed by SIGKILL" in died[0] and "the batch went on" in died[0]
    assert run.exit_code == 2
    for path, entry in zip(files, run.summary["files"], strict=True):
        if entry["reason"] is None:  # the others were scrubbed, after the death too
            assert entry["rows"] == _single(path)["rows"]


def test_globs_mirror_folders_and_skip_the_output_folder(exports, tmp_path):
    out = exports / "clinic-a" / "out"
    (out / "old").mkdir(parents=True)
    shutil.copy(SAMPLES / "clean_export.xlsx", out / "old" / "copy.xlsx")
    planned, count = plan([str(exports / "clinic-*" / "*.xlsx"), str(exports / "nope-*.csv")],
                          out, mark=True)
    tasks = planned[:count]
    assert [Path(t.path).relative_to(exports).as_posix() for t in tasks] == [
        "clinic-a/corrupt.xlsx", "clinic-a/export.xlsx", "clinic-b/clean.xlsx",
        "clinic-b/notes.xlsx"]
    assert Path(tasks[1].marked) == out.resolve() / "clinic-a" / "export.scrubbed.xlsx"
    assert planned[-1].reason == "no file matches this pattern"
    planned, _ = plan([str(exports)], out, mark=False)
    assert not any("out" in Path(p.path).relative_to(exports).parts for p in planned)
    assert all(p.marked is None for p in planned)
    assert planned[0].report == str(out.resolve() / "clinic-a" / "corrupt.scrubbed.json")
    planned, count = plan([str(out / "old" / "copy.xlsx")], out, mark=True)
    assert count == 0
    assert planned[0].reason == "is inside the --out folder; outputs are never read as inputs"


def test_two_inputs_with_one_output_name_are_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "clean_export.xlsx", folder / "day.xlsx")
    (folder / "day.csv").write_text("Encounter ID,CPT/HCPCS\nE1,96372\n", encoding="utf-8")
    run = run_batch([str(folder)], tmp_path / "out", _options(), jobs=1)
    reasons = [e["reason"] for e in run.summary["files"]]
    assert reasons[0] is None
    assert reasons[1] == (f"its marked copy day.scrubbed.xlsx and report day.scrubbed.json "
                          f"would overwrite the outputs of {folder / 'day.csv'}; scrub it in "
                          f"another batch or with another --out")
    # the second file is still scrubbed and counted; only its outputs are refused
    second = run.summary["files"][1]
    assert (second["rows"], second["marked_copy"], second["report"]) == (
        _single(folder / "day.xlsx")["rows"], None, None)
    assert run.exit_code == 2


@pytest.mark.skipif(shutil.which("soffice") is None and not os.environ.get("CI"),
                    reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_summary_workbook_opens_in_libreoffice_with_its_chart(exports, tmp_path):
    assert shutil.which("soffice"), "CI must install LibreOffice (see .ci/run)"
    run = run_batch([str(exports)], tmp_path / "out", _options(), jobs=2)
    rules = run.summary["totals"]["by_rule"]
    assert len(rules) > 5
    converted = tmp_path / "lo"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "ods", "--outdir", str(converted), str(run.xlsx_path)],
                   check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(converted / "summary.ods") as ods:
        chart = ods.read("Object 1/content.xml").decode("utf-8")
        content = ods.read("content.xml").decode("utf-8")
    assert 'chart:class="chart:bar"' in chart
    # the series reads the per-rule table's Findings column, the categories its names
    last = len(rules) + 1
    assert f'values-cell-range-address="Rules.E2:Rules.E{last}"' in chart
    assert f'cell-range-address="Rules.B2:Rules.B{last}"' in chart
    for sheet in ("Rules", "Files", "Totals"):
        assert f'table:name="{sheet}"' in content
    # the tables as LibreOffice reads them: the per-rule and per-file rows of summary.json
    import openpyxl

    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path / "back"),
                    str(converted / "summary.ods")], check=True, capture_output=True,
                   timeout=180)
    book = openpyxl.load_workbook(tmp_path / "back" / "summary.xlsx", read_only=True)
    rows = [list(r) for r in book["Rules"].iter_rows(values_only=True)]
    assert rows[0][:6] == ["Rule", "Name", "Errors", "Warnings", "Findings", "Files"]
    assert [r[:6] for r in rows[1:len(rules) + 1]] == [
        [r["rule"], r["name"], r["errors"], r["warnings"], r["findings"], r["files"]]
        for r in rules]
    files = [list(r) for r in book["Files"].iter_rows(values_only=True)]
    assert [r[0] for r in files[1:8]] == [e["path"] for e in run.summary["files"]]
    assert [r[1] for r in files[1:8]] == [e["status"] for e in run.summary["files"]]


def test_summary_workbook_has_a_chart_of_findings_by_rule(exports, tmp_path):
    run = run_batch([str(exports / "clinic-a")], tmp_path / "out", _options(), jobs=1)
    with zipfile.ZipFile(run.xlsx_path) as package:
        chart = package.read("xl/charts/chart1.xml").decode("utf-8")
        names = package.namelist()
    rules = run.summary["totals"]["by_rule"]
    assert "xl/drawings/drawing1.xml" in names and '<c:barDir val="bar"/>' in chart
    for position, rule in enumerate(rules):
        assert f'<c:pt idx="{position}"><c:v>{rule["findings"]}</c:v></c:pt>' in chart
    assert [r["findings"] for r in rules] == sorted((r["findings"] for r in rules),
                                                    reverse=True)
    clean = run_batch([str(exports / "clinic-b" / "clean.xlsx")], tmp_path / "clean", _options())
    assert clean.summary["totals"]["by_rule"] == []
    with zipfile.ZipFile(clean.xlsx_path) as package:  # a batch without findings: an empty one
        assert '<c:ptCount val="0"/>' in package.read("xl/charts/chart1.xml").decode("utf-8")


def test_batch_shares_scrubs_options_and_defaults():
    import typer.main

    command = typer.main.get_command(app)
    scrub_params = {p.name: p for p in command.commands["scrub"].params}
    batch_params = {p.name: p for p in command.commands["batch"].params}
    for name, param in scrub_params.items():
        if name in ("files", "fmt", "report", "out"):  # what only a single scrub prints
            continue
        assert name in batch_params, name
        assert batch_params[name].opts == param.opts, name
        assert batch_params[name].default == param.default, name


def test_dask_flags_without_dask_say_how_to_install_it(monkeypatch, tmp_path):
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else found(name, *a))
    for flags in (["--dask-local", "2"], ["--scheduler", "tcp://127.0.0.1:8786"]):
        result = runner.invoke(app, ["batch", str(SAMPLES / "clean_export.xlsx"), "--out",
                                     str(tmp_path / "out"), *flags])
        assert result.exit_code == 2
        assert result.stderr == (f"error: {flags[0]} needs Dask, an optional extra: "
                                 "pip install 'infusion-scrubber[dask]'\n")


def test_dask_is_imported_only_when_asked(tmp_path):
    code = ("import sys; from typer.testing import CliRunner; from scrubber.cli import app; "
            f"r = CliRunner().invoke(app, ['batch', {str(SAMPLES / 'clean_export.xlsx')!r}, "
            f"'--out', {str(tmp_path / 'out')!r}, '--jobs', '1']); "
            "print(r.exit_code, 'dask' in sys.modules, 'distributed' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.split() == ["0", "False", "False"], done.stderr


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX permission bits")
def test_outputs_are_never_readable_by_more_people_than_the_inputs(tmp_path):
    source = tmp_path / "in" / "private.xlsx"
    source.parent.mkdir()
    shutil.copy(SAMPLES / "clean_export.xlsx", source)
    source.chmod(0o600)
    run = run_batch([str(source.parent)], tmp_path / "out", _options(), backend=LocalBackend(1))
    written = [run.json_path, run.xlsx_path, *(tmp_path / "out").rglob("private*")]
    assert len(written) == 4  # the summaries, the marked copy and the file's report
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {oct(0o600)}
