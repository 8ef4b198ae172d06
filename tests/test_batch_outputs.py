"""``scrubber batch`` never writes over an input and leaves no temporary file (issue 13): an
output (marked copy, report, summary, state) that would be an input of the batch, the same
file through a link, or another output is refused before it is written, with one line, and the
rest of the batch goes on; temporary files are named and tidied as scrub's are."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scrubber import scrub
from scrubber.batchrun.inputs import STATE_NAME
from scrubber.batchrun.run import run_batch
from scrubber.batchrun.work import WorkOptions
from scrubber.config import Config
from scrubber.prepared import prepare

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_bad", ROOT / "tests/data/bad/make_bad.py")
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)


def _batch(*args: str, cwd: Path, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "scrubber", "batch", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def _alone(path: Path) -> dict[str, object]:
    return scrub(path).files[0].to_dict()


# --- outputs onto inputs ---------------------------------------------------------------------

def test_outputs_onto_inputs_through_links_are_refused_and_the_batch_goes_on(tmp_path):
    here = make_bad.batch_onto_inputs(tmp_path)
    inputs, out = here / "in", here / "out"
    before = _hashes(inputs)
    done = _batch("in", "--out", "out", "--jobs", "1", "--quiet", cwd=here)
    assert done.returncode == 2
    tail = "; scrub it in another batch or with another --out"
    assert done.stderr.splitlines() == [
        f"error: in/a.xlsx: its marked copy a.scrubbed.xlsx would overwrite the input "
        f"in/b.xlsx{tail}",
        f"error: in/b.xlsx: its report b.scrubbed.json would overwrite the input in/c.xlsx{tail}",
        "error: out/summary.xlsx would overwrite the input in/c.xlsx; it is not written (give "
        "another --out)",
        f"error: out/{STATE_NAME} would overwrite the input in/d.csv; it is not written (give "
        f"another --out)"]
    assert done.stdout.splitlines()[-1] == "summary: out/summary.json"
    # the inputs are untouched and every link still names them
    assert _hashes(inputs) == before
    assert os.path.samefile(out / "a.scrubbed.xlsx", inputs / "b.xlsx")
    assert os.path.samefile(out / "summary.xlsx", inputs / "c.xlsx")
    assert os.path.samefile(out / STATE_NAME, inputs / "d.csv")
    assert os.readlink(out / "b.scrubbed.json") == "../in/c.xlsx"
    # every file is scrubbed and counted as if alone; only the refused outputs are missing
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    entries = {e["path"]: e for e in summary["files"]}
    assert list(entries) == ["in/a.xlsx", "in/b.xlsx", "in/c.xlsx", "in/d.csv"]
    for name, entry in entries.items():
        alone = _alone(here / name)
        assert (entry["rows"], entry["errors"]) == (
            alone["rows"], sum(f["severity"] == "error" for f in alone["findings"])), name
    assert [(e["status"], e["marked_copy"], e["report"]) for e in entries.values()] == [
        ("failed", None, "a.scrubbed.json"), ("failed", "b.scrubbed.xlsx", None),
        ("ok", "c.scrubbed.xlsx", "c.scrubbed.json"), ("ok", "d.scrubbed.xlsx", "d.scrubbed.json")]
    report = json.loads((out / "a.scrubbed.json").read_text(encoding="utf-8"))
    assert report["files"][0]["findings"] == _alone(inputs / "a.xlsx")["findings"]
    assert not list(out.glob(".*.tmp"))


def test_a_marked_copy_onto_an_input_of_a_library_run_is_refused(tmp_path):
    """run_batch plans its own tasks: the same check, without the command line."""
    here = make_bad.batch_onto_inputs(tmp_path)
    before = _hashes(here / "in")
    run = run_batch([str(here / "in")], here / "out", WorkOptions(prepare(Config())), jobs=1)
    assert run.exit_code == 2
    assert sorted(p.name for p in run.unwritten) == [STATE_NAME, "summary.xlsx"]
    assert [e["status"] for e in run.summary["files"]] == ["failed", "failed", "ok", "ok"]
    assert _hashes(here / "in") == before


@pytest.mark.parametrize("out", ["in", "."])
def test_an_out_folder_that_is_or_holds_an_input_folder_is_one_line(tmp_path, out):
    here = make_bad.batch_onto_inputs(tmp_path)
    listing = sorted(p.name for p in here.rglob("*"))
    done = _batch("in", "--out", out, cwd=here)
    assert done.returncode == 2
    assert done.stderr == ("error: in: is the --out folder or inside it; outputs are never "
                           "read as inputs, so give another --out\n")
    assert done.stdout == ""
    assert sorted(p.name for p in here.rglob("*")) == listing


def test_an_earlier_batchs_output_folder_is_not_read_as_input(tmp_path):
    """Its marked copies and summary.xlsx are ours, not exports: a folder holding them is
    searched past them (a file named there explicitly is still scrubbed, and fails)."""
    here = make_bad.batch_onto_inputs(tmp_path)
    first = run_batch([str(here / "in" / "c.xlsx")], here / "first",
                      WorkOptions(prepare(Config())), jobs=1)
    assert first.exit_code == 1 and (here / "first" / "summary.xlsx").is_file()
    done = _batch("first", "--out", "second", cwd=here)
    assert done.returncode == 2
    assert done.stderr == "error: no .xlsx, .xlsm, .xls, .ods or .csv files found in first\n"
    done = _batch("first", "in/d.csv", "--out", "second", "--quiet", cwd=here)
    assert done.returncode == 0, done.stderr
    summary = json.loads((here / "second" / "summary.json").read_text(encoding="utf-8"))
    assert [e["path"] for e in summary["files"]] == ["in/d.csv"]
    # scrub searches a folder the same way
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scrubbed = subprocess.run([sys.executable, "-m", "scrubber", "scrub", "first"], cwd=here,
                              env=env, capture_output=True, text=True, timeout=300)
    assert scrubbed.returncode == 2
    assert scrubbed.stderr == "error: no .xlsx, .xlsm, .xls, .ods or .csv files found in first\n"


# --- temporary files ---------------------------------------------------------------------------

def _killed_temps(targets: list[Path]) -> list[Path]:
    """Temporary files for ``targets`` made by a process that was then killed (SIGKILL)."""
    code = ("import os, signal\nfrom pathlib import Path\n"
            "from scrubber.io.atomic import make_temp\n"
            f"for target in {[str(t) for t in targets]!r}:\n"
            "    handle, temp = make_temp(Path(target))\n"
            "    os.write(handle, b'half an output')\n"
            "    print(temp, flush=True)\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == -9
    return [Path(line) for line in done.stdout.split()]


def test_a_killed_batchs_temporary_files_are_swept_and_a_live_runs_kept(tmp_path):
    here = make_bad.batch_onto_inputs(tmp_path)
    out = here / "fresh"
    out.mkdir()
    targets = [out / name for name in ("c.scrubbed.xlsx", "c.scrubbed.json", "summary.json",
                                       "summary.xlsx", STATE_NAME)]
    stale = _killed_temps(targets)
    assert [p.name.split(".")[1:3] for p in stale[:2]] == [["c", "scrubbed"]] * 2
    assert all(p.is_file() and p.name.endswith(".tmp") for p in stale)
    live = out / f".summary.json.{os.getpid()}.0123abcd.tmp"  # another run at work (ours)
    live.write_bytes(b"another run's summary")
    done = _batch("in/c.xlsx", "--out", "fresh", "--quiet", cwd=here)
    assert done.returncode == 1, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [STATE_NAME, "c.scrubbed.json", "c.scrubbed.xlsx", "summary.json", "summary.xlsx",
         live.name])


_HOLD = '''\
import multiprocessing, os, pathlib, time
if os.environ.get("HOLD_WRITE"):
    import scrubber.mark.xlsx as xlsx
    real = xlsx.output_mode

    def held(like):
        """In a worker, stop inside the marked copy's write (its temporary file made)."""
        if multiprocessing.current_process().name != "MainProcess":
            pathlib.Path(os.environ["HOLD_WRITE"]).write_text(str(os.getpid()))
            time.sleep(120)
        return real(like)

    xlsx.output_mode = held
'''


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_batch_ended_mid_write_leaves_no_temporary_file(tmp_path, signum):
    """SIGTERM or Ctrl-C to the batch while a worker writes a marked copy: the worker is
    stopped through its finally blocks, so neither leaves a temporary file."""
    here = make_bad.batch_onto_inputs(tmp_path)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_HOLD, encoding="utf-8")
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]),
           "HOLD_WRITE": str(ready)}
    run = subprocess.Popen([sys.executable, "-m", "scrubber", "batch", "in/c.xlsx", "--out",
                            "held", "--jobs", "1", "--quiet"], cwd=here, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(1200):
            if ready.is_file() or run.poll() is not None:
                break
            time.sleep(0.1)
        assert ready.is_file(), run.communicate()[1]
        held = list((here / "held").glob(".c.scrubbed.xlsx.*.tmp"))
        assert len(held) == 1  # the worker is inside the write
        run.send_signal(signum)
        _, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert (run.returncode, err) == (128 + signum, ""), err
    worker = int(ready.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)  # the worker ended with the run
    assert not list((here / "held").rglob("*.tmp")), list((here / "held").iterdir())
    assert not (here / "held" / "c.scrubbed.xlsx").exists()


def test_a_summary_that_cannot_be_written_is_one_line_and_the_rest_is_written(tmp_path):
    here = make_bad.batch_onto_inputs(tmp_path)
    out = here / "blocked"
    (out / "summary.json").mkdir(parents=True)  # a folder where the summary goes
    (out / STATE_NAME).mkdir()
    done = _batch("in/c.xlsx", "--out", "blocked", "--quiet", cwd=here)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: blocked/{STATE_NAME}: could not be written (Is a directory)",
        "error: blocked/summary.json: could not be written (Is a directory)"]
    assert done.stdout.splitlines()[-1] == "summary: blocked/summary.xlsx"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [STATE_NAME, "c.scrubbed.json", "c.scrubbed.xlsx", "summary.json", "summary.xlsx"])
    assert not list(out.rglob("*.tmp"))
    blocked = _batch("in/c.xlsx", "--out", "in/c.xlsx/under", cwd=here)
    assert blocked.returncode == 2
    assert blocked.stderr == ("error: --out in/c.xlsx/under cannot be made (Not a directory); "
                              "give another folder\n")
