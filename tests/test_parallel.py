"""The second core (scrubber.parallel): a forked half gives what running it here gives.

The fork is a speed-up only: its result must equal the serial one, and whatever goes wrong in
the forked copy (an exception, a crash, no answer) must still give the right result.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from scrubber import Config, parallel, scrub
from scrubber.mark.zipio import Deflated
from tests.test_odd_values import ISSUE_SHEET

ROOT = Path(__file__).resolve().parent.parent
linux = pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(os, "fork"),
                           reason="the halves only run in a forked copy on Linux")


@pytest.fixture
def forking(monkeypatch):
    """Fork for any size of work (the engine only forks for large sheets)."""
    monkeypatch.setattr(parallel, "MIN_LINES", 0)
    monkeypatch.delenv(parallel.ENV, raising=False)
    parallel.enable()
    yield
    parallel.enable(False)


@linux
def test_the_other_half_runs_in_a_forked_copy(forking):
    here, there = parallel.both(os.getpid, os.getpid, lines=1)
    assert here == os.getpid() and there != here


def test_off_unless_asked_and_for_small_work(monkeypatch):
    parallel.enable(False)
    assert parallel.both(os.getpid, os.getpid, lines=10**9) == (os.getpid(), os.getpid())
    parallel.enable()
    try:
        assert not parallel.active(parallel.MIN_LINES - 1)
        assert not parallel.active(parallel.MAX_LINES + 1)  # two copies would pass 2 GB
        if sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1:
            assert parallel.active(parallel.MIN_LINES)
        monkeypatch.setenv(parallel.ENV, "0")
        assert not parallel.active(parallel.MIN_LINES)
    finally:
        parallel.enable(False)


@linux
def test_an_exception_in_the_forked_half_is_raised_as_if_it_ran_here(forking):
    def there():
        raise ValueError("bad half")

    with pytest.raises(ValueError, match="bad half"):
        parallel.both(lambda: 1, there, lines=1)


@linux
def test_a_forked_copy_that_dies_costs_time_not_the_result(forking):
    parent = os.getpid()

    def there():
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # the copy crashes
        return "ran here"

    assert parallel.both(lambda: 1, there, lines=1) == (1, "ran here")


@linux
def test_a_forked_copy_that_does_not_answer_is_stopped(forking, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_WAIT", 0.5)
    parent = os.getpid()

    def there():
        if os.getpid() != parent:
            time.sleep(60)
        return "ran here"

    started = time.monotonic()
    assert parallel.both(lambda: 1, there, lines=1) == (1, "ran here")
    assert time.monotonic() - started < 30


@linux
@pytest.mark.parametrize(("source", "clean"), [(ROOT / "samples" / "infusion_export.xlsx", False),
                                               (ROOT / "samples" / "clean_export.xlsx", True),
                                               (pd.DataFrame(ISSUE_SHEET), False)])
def test_findings_are_the_same_with_the_rules_and_columns_split(forking, source, clean):
    split = scrub(source, Config())
    parallel.enable(False)
    serial = scrub(source, Config())
    assert split == serial
    assert split.files[0].line_rows == serial.files[0].line_rows
    assert split.files[0].rows and bool(split.files[0].findings) is not clean


@linux
def test_the_marked_copy_is_the_same_with_its_issues_sheet_made_beside(forking, tmp_path,
                                                                        monkeypatch):
    from scrubber.mark import mark_copy, package

    made = []
    monkeypatch.setattr(package, "Deflated", lambda *a: made.append(a) or Deflated(*a))
    source = ROOT / "samples" / "infusion_export.xlsx"
    result = scrub(source, Config()).files[0]
    split, _ = mark_copy(result, source, tmp_path / "split.xlsx", quiet=True)
    assert made  # the Issues sheet came from the forked copy
    parallel.enable(False)
    serial, _ = mark_copy(result, source, tmp_path / "serial.xlsx", quiet=True)
    assert split.read_bytes() == serial.read_bytes()
