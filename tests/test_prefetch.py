"""The command line's head start: a workbook parsed on a thread while the engine imports.

A prefetch may only save time: the reader must give the same table with or without it, read
the file again when it changed since, and report a bad file in its own words.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from scrubber import InputError, scrub
from scrubber.io import workbook
from scrubber.io.reader import read_table
from tests.conftest import ROWS, make_workbook


def test_a_prefetched_workbook_is_read_as_without_it(tmp_path):
    path = make_workbook(tmp_path / "t.xlsx")
    plain = read_table(path)
    workbook.prefetch(path)
    parsed = workbook.take(path)
    assert parsed is not None and set(parsed.sheets) == set(parsed.names())
    workbook.prefetch(path)
    ahead = read_table(path)  # takes the prefetched sheets
    assert workbook.take(path) is None  # taken once
    assert (ahead.sheet, ahead.header_row, ahead.headers) == (plain.sheet, plain.header_row,
                                                             plain.headers)
    assert ahead.data.equals(plain.data)


def test_a_file_changed_after_its_prefetch_is_read_again(tmp_path):
    path = make_workbook(tmp_path / "t.xlsx")
    workbook.prefetch(path)  # parses the first version (a few milliseconds)
    make_workbook(path, rows=ROWS[:1])
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a later change time
    assert len(read_table(path).data) == 1


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04 broken"])
def test_a_bad_file_gets_the_readers_own_message(tmp_path, content):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    workbook.prefetch(path)
    with pytest.raises(InputError, match=r"bad\.xlsx: (not an Excel workbook|the workbook is "
                                         r"damaged)"):
        scrub(path)
    assert workbook.take(path) is None


def test_only_workbooks_are_prefetched(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Encounter,CPT\nE1,96365\n")
    workbook.prefetch(path)
    workbook.prefetch(tmp_path / "missing.xlsx")
    assert workbook.take(path) is None
    assert workbook.take(tmp_path / "missing.xlsx") is None


def test_work_is_done_while_waiting_for_a_parse_and_only_once(tmp_path, monkeypatch):
    path = make_workbook(tmp_path / "t.xlsx")
    parse, started = workbook._parse, threading.Event()

    def slow_parse(path, job):
        started.set()
        time.sleep(0.5)  # a large sheet
        parse(path, job)

    monkeypatch.setattr(workbook, "_parse", slow_parse)
    done = []
    workbook.while_waiting(lambda: done.append(True))
    workbook.prefetch(path)
    started.wait()
    assert workbook.take(path) is not None and done == [True]
    workbook.prefetch(path)
    started.wait()
    workbook.take(path)
    assert done == [True]  # once


def test_no_work_while_waiting_when_the_parse_is_done(tmp_path):
    path = make_workbook(tmp_path / "t.xlsx")
    workbook.prefetch(path)
    workbook.take(path)  # a parse that is over
    workbook.prefetch(path)
    time.sleep(0.3)
    done = []
    workbook.while_waiting(lambda: done.append(True))
    assert workbook.take(path) is not None and done == []
    workbook._while_waiting.clear()  # leave no hook to later tests


def test_warming_up_loads_what_the_first_scrub_loads():
    from scrubber.engine import warm_up
    from scrubber.reference.icd10 import code_set

    code_set.cache_clear()
    warm_up()
    assert code_set.cache_info().currsize == 1


def test_work_that_fails_while_waiting_does_not_stop_the_read(tmp_path, monkeypatch):
    path = make_workbook(tmp_path / "t.xlsx")
    parse = workbook._parse

    def slow_parse(path, job):
        time.sleep(0.3)
        parse(path, job)

    monkeypatch.setattr(workbook, "_parse", slow_parse)

    def broken():
        raise ImportError("a module the warm-up names is gone")

    workbook.while_waiting(broken)
    workbook.prefetch(path)
    assert len(read_table(path).data) == len(ROWS)


@pytest.mark.parametrize("slow", [True, False])
def test_the_package_is_unpacked_once(tmp_path, monkeypatch, slow):
    """Its size, the sheets' extents and error cells come from one pass, made on the thread
    before the parse, whether the reader waits for it or not (each pass inflates every
    sheet)."""
    path = make_workbook(tmp_path / "t.xlsx")
    calls = []
    scan = workbook.scan_package
    monkeypatch.setattr(workbook, "scan_package", lambda *a: calls.append(a[0]) or scan(*a))
    parse, started = workbook._parse, threading.Event()

    def timed_parse(path, job):
        started.set()
        time.sleep(0.5 if slow else 0)
        parse(path, job)

    monkeypatch.setattr(workbook, "_parse", timed_parse)
    workbook.prefetch(path)
    started.wait()
    if not slow:
        time.sleep(0.5)  # the parse is over
    taken = workbook.take(path)
    assert taken is not None and taken.scan is not None
    assert calls == [path]


def test_a_scrub_never_imports_hypothesis_and_leaves_it_importable():
    """pandera's validation imports hypothesis (a fifth of a small file's run) only to make
    test data; a scrub hides it, and a program can still import it afterwards."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from scrubber import scrub\n"
        "assert scrub('samples/infusion_export.xlsx').files[0].findings\n"
        "assert 'hypothesis' not in sys.modules, 'imported'\n"
        "import hypothesis.strategies\n"
        "import pandera.strategies.pandas_strategies as st\n"
        "print(st.HAS_HYPOTHESIS)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.stdout.strip() == "False"
    first = subprocess.run([sys.executable, "-c", "import hypothesis\n" + code.replace(
        "assert 'hypothesis' not in sys.modules, 'imported'\n", "")], capture_output=True,
        text=True, check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    assert first.stdout.strip() == "True"  # imported first: pandera's strategies work
