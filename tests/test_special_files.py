"""Inputs that are not regular files: a named pipe would block a read forever (nobody writes
to it) and a device may never end. Named, each is one line and exit 2; found in a folder,
each is passed over; the run goes on with the other files and never hangs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes: POSIX only")


def run(*args: str, cwd) -> subprocess.CompletedProcess:
    # a hang is what this guards against: the timeout turns one into a failure
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's scrubber
    return subprocess.run([sys.executable, "-m", "scrubber", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def folder(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    os.mkfifo(tmp_path / "pipe.xlsx")
    shutil.copy(SAMPLES / "clean_export.xlsx", tmp_path / "good.xlsx")
    return tmp_path


@pytest.mark.parametrize("command", ["scrub", "batch"])
def test_a_named_pipe_given_is_one_line_and_the_run_goes_on(folder, command):
    out = ["--out", "out"] if command == "batch" else ["--no-mark", "--format", "json"]
    result = run(command, "pipe.csv", "good.xlsx", *out, cwd=folder)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [errors[0]] and "pipe.csv: not a regular file" in errors[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["scrub", "batch"])
def test_named_pipes_in_a_folder_are_passed_over(folder, command):
    out = ["--out", str(folder.parent / "out")] if command == "batch" else ["--no-mark"]
    result = run(command, str(folder), *out, cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    assert "pipe.csv" not in result.stderr and "pipe.xlsx" not in result.stderr


@pytest.mark.parametrize(("raised", "said"), [
    (MemoryError, "not enough memory to scrub it"),
    (RecursionError, "could not be scrubbed (RecursionError)"),
])
def test_a_file_the_engine_cannot_finish_is_one_line_and_not_a_traceback(tmp_path, monkeypatch,
                                                                        raised, said):
    from scrubber import batch

    def fails(*args, **kwargs):
        raise raised

    monkeypatch.setattr(batch, "scrub", fails)
    options = batch.BatchOptions(config=batch.Config(), out=str(tmp_path), mark=False)
    result, problem = batch.scrub_one(str(SAMPLES / "clean_export.xlsx"), options)
    assert result is None and said in str(problem)
    assert "\n" not in str(problem)
