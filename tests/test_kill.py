"""SIGKILL mid-write (issue 13): a killed run leaves the final path as it was, the input as it
was, and only a temporary file that the next run removes before it writes a good copy.

A kill cannot be caught (unlike SIGTERM, tests/test_bad_files.py): what protects the user is
that every output is written to ``.NAME.<pid>.<random>.tmp`` and renamed into place, and that
a later run removes the temporary files whose process is gone. The tests start the real
command on a workbook of 20,000 lines, watch the output folder for the marked copy's
temporary file, and kill the run while it is there.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scrubber.io.atomic import sweep_stale
from tests.fuzz_sheets import Sheet, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
LINES = 20_000
HEADER = ("Encounter ID", "Date of Service", "CPT/HCPCS", "Units", "Start Time", "Stop Time",
          "Drug", "Diagnosis")
#: a guard against a hang, never a timing: a run on a loaded machine takes seconds
PATIENCE = 300

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc to find the run's processes")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> bytes:
    """20,000 charge lines (an infusion, its hour, the drug, a push per encounter)."""
    codes = ("96365", "96366", "J1745", "96375")
    rows = tuple((f"E{i // 4}", "2026-10-05", codes[i % 4], 1, "10:00", "11:45", "Infliximab",
                  "K50.90") for i in range(LINES))
    path = tmp_path_factory.mktemp("kill") / "big.xlsx"
    return write_xlsx(Sheet("Charges", (), HEADER, rows), path).read_bytes()


def temp_of(target: Path) -> re.Pattern[str]:
    return re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]{{8}}\.tmp$")


def start(args: list[str], cwd: Path, logs: Path) -> subprocess.Popen:
    """The command in a session of its own (its forked helpers and workers with it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    logs.mkdir(exist_ok=True)
    out = (logs / "stdout").open("ab")
    err = (logs / "stderr").open("ab")
    return subprocess.Popen([sys.executable, "-m", "scrubber", *args], cwd=cwd, env=env,
                            stdout=out, stderr=err, start_new_session=True)


def kill_while_writing(proc: subprocess.Popen, target: Path, *, group: bool = False) -> Path:
    """SIGKILL the run (or its whole session) once its temporary copy of ``target`` exists
    (not one a killed run left before); the temporary file's path. The writer assembles the
    copy for about half a second of a 20,000-line run and writes it in 1 MiB blocks within
    milliseconds, so the kill lands while the temporary file is empty or partly written."""
    pattern = temp_of(target)
    before = {p.name for p in target.parent.glob(".*.tmp")} if target.parent.is_dir() else set()
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if target.parent.is_dir():
            for entry in os.scandir(target.parent):
                if pattern.match(entry.name) and entry.name not in before:
                    if group:
                        os.killpg(proc.pid, signal.SIGKILL)
                    else:
                        os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return Path(entry.path)
        assert proc.poll() is None, "the run ended before its marked copy was being written"
        time.sleep(0.005)
    proc.kill()
    pytest.fail("the marked copy was never written")


def live_in_session(sid: int) -> list[int]:
    """Processes of session ``sid`` that still run (zombies have ended)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_bytes()
            except OSError:
                continue
            fields = stat[stat.rfind(b")") + 2:].split()
            if int(fields[3]) == sid and fields[0] not in (b"Z", b"X"):
                found.append(int(entry.name))
    return found


def wait_for_session_end(sid: int) -> None:
    """Whatever the killed run left running (a forked helper, a pool worker) must end by
    itself, not hang; it is killed after the check either way."""
    deadline = time.monotonic() + PATIENCE
    while live_in_session(sid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = live_in_session(sid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "processes of the killed run kept running"


def finish(args: list[str], cwd: Path, logs: Path) -> int:
    proc = start(args, cwd, logs)
    try:
        return proc.wait(PATIENCE)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def assert_good_copy(copy: Path) -> None:
    """A whole marked copy: every line under the header has its status."""
    import python_calamine

    rows = python_calamine.CalamineWorkbook.from_path(str(copy)).get_sheet_by_name(
        "Charges").to_python()
    status = rows[0].index("Scrub Status")
    assert len(rows) == LINES + 1
    assert {row[status] for row in rows[1:]} <= {"OK", "error", "warning"}


def test_a_scrub_killed_mid_write_leaves_the_old_copy_and_the_next_run_tidies(workbook,
                                                                             tmp_path):
    source = tmp_path / "big.xlsx"
    source.write_bytes(workbook)
    copy = tmp_path / "big.scrubbed.xlsx"
    logs = tmp_path.parent / f"{tmp_path.name}-logs"
    args = ["scrub", source.name, "--format", "json"]

    first = start(args, tmp_path, logs)
    stale = kill_while_writing(first, copy)
    wait_for_session_end(first.pid)
    assert not copy.exists()  # never half a copy
    assert stale.exists() and source.read_bytes() == workbook

    previous = b"the marked copy of an earlier run"
    copy.write_bytes(previous)
    second = start(args, tmp_path, logs)
    stale_again = kill_while_writing(second, copy)
    wait_for_session_end(second.pid)
    assert copy.read_bytes() == previous  # the earlier copy, byte for byte
    assert not stale.exists()  # the second run removed the first one's temporary file
    assert source.read_bytes() == workbook

    assert finish(args, tmp_path, logs) in (0, 1), (logs / "stderr").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, copy.name])
    assert not stale_again.exists()
    assert_good_copy(copy)
    assert source.read_bytes() == workbook


def test_a_batch_killed_mid_write_is_tidied_by_the_next_batch(workbook, tmp_path):
    """Killed whole (the run and its worker), then the run alone (its worker, orphaned, must
    finish or stop by itself), then run to the end."""
    inputs, out = tmp_path / "exports", tmp_path / "out"
    inputs.mkdir()
    source = inputs / "big.xlsx"
    source.write_bytes(workbook)
    copy = out / "big.scrubbed.xlsx"
    logs = tmp_path / "logs"
    args = ["batch", str(inputs), "--out", str(out), "--jobs", "1", "--quiet"]

    whole = start(args, tmp_path, logs)
    stale = kill_while_writing(whole, copy, group=True)
    wait_for_session_end(whole.pid)
    assert not copy.exists() and not (out / "summary.json").exists()
    assert stale.exists() and source.read_bytes() == workbook

    alone = start(args, tmp_path, logs)
    orphaned = kill_while_writing(alone, copy)
    wait_for_session_end(alone.pid)
    assert not stale.exists()  # removed by the second run's worker before it wrote
    assert not orphaned.exists()  # the orphaned worker finished its copy or removed it
    if copy.exists():  # renamed into place whole, or not at all
        assert_good_copy(copy)
    assert source.read_bytes() == workbook

    assert finish(args, tmp_path, logs) in (0, 1), (logs / "stderr").read_text()
    temps = [p for p in tmp_path.rglob(".*.tmp")]
    assert temps == []
    assert_good_copy(copy)
    assert (out / "summary.json").is_file() and (out / "summary.xlsx").is_file()
    assert source.read_bytes() == workbook


def test_a_dead_process_not_yet_collected_is_gone(tmp_path):
    """A killed run's orphan that nothing collects stays a zombie (as under a container's
    first process that does not reap): it has ended, so its temporary files are stale."""
    target = tmp_path / "x.scrubbed.xlsx"
    child = os.fork()
    if child == 0:
        os._exit(0)
    try:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:  # until it has exited, uncollected
            stat = Path(f"/proc/{child}/stat").read_bytes()
            if stat[stat.rfind(b")") + 2:][:1] == b"Z":
                break
            time.sleep(0.01)
        stale = tmp_path / f".{target.name}.{child}.0123abcd.tmp"
        stale.write_bytes(b"half a copy")
        live = tmp_path / f".{target.name}.{os.getppid()}.0123abcd.tmp"
        live.write_bytes(b"another run at work")
        assert sweep_stale(target) == [stale]
        assert live.exists()
    finally:
        os.waitpid(child, 0)
