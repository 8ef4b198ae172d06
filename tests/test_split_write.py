"""A large sheet marked in two halves, the second in a forked copy (scrubber.parallel): the
marked copy is the same file, byte for byte, as one pass over the sheet, whatever the copy
does (succeeds, fails, numbers a cell format otherwise) and wherever the halves meet."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import zipfile
import zlib

import pytest

from scrubber import Config, parallel, scrub
from scrubber.io import zlibfast
from scrubber.mark import mark_copy, package
from scrubber.mark.zipio import DeflatedPart, InflatedPart, crc32_combine
from tests.conftest import ROOT
from tests.test_package_writer import rewritten, rich_workbook

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
SAMPLE = ROOT / "samples" / "infusion_export.xlsx"


@pytest.fixture
def halves(monkeypatch):
    """Sheets of any length are marked in halves, and the second half is forked."""
    monkeypatch.setattr(parallel, "MIN_LINES", 0)
    monkeypatch.delenv(parallel.ENV, raising=False)
    forked = []
    adopt = package._adopt
    monkeypatch.setattr(package, "_adopt", lambda *a: forked.append(adopt(*a)) or forked[-1])
    parallel.enable()
    yield forked
    parallel.enable(False)


def both_ways(source, tmp_path, forked):
    """(the copy marked with the second half forked, the copy marked in one process)."""
    result = scrub(source, Config()).files[0]
    split, _ = mark_copy(result, source, tmp_path / f"split{source.suffix}", quiet=True)
    parallel.enable(False)
    serial, _ = mark_copy(result, source, tmp_path / f"serial{source.suffix}", quiet=True)
    parallel.enable()
    return split, serial


@linux
@pytest.mark.parametrize("share", [0, 55, 99])
def test_the_halves_make_the_copy_one_pass_makes(halves, tmp_path, monkeypatch, share):
    monkeypatch.setattr(package, "_FIRST_SHARE", share)
    split, serial = both_ways(SAMPLE, tmp_path, halves)
    assert halves == [True]  # the second half came from the forked copy
    assert split.read_bytes() == serial.read_bytes()
    with zipfile.ZipFile(split) as copy:
        assert copy.testzip() is None  # every part's CRC checks


@linux
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not "
                    "installed; .ci/run installs it")
def test_libreoffice_reads_every_row_of_a_copy_marked_in_halves(halves, tmp_path):
    split, _ = both_ways(SAMPLE, tmp_path, halves)
    subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir",
                    str(tmp_path / "lo"), str(split)], check=True, capture_output=True,
                   timeout=180)
    with open(tmp_path / "lo" / "split.csv", encoding="utf-8", newline="") as text:
        rows = list(csv.reader(text))
    with zipfile.ZipFile(split) as copy:
        last = max(map(int, re.findall(rb'<row r="(\d+)"',
                                       copy.read("xl/worksheets/sheet1.xml"))))
    assert len(rows) == last
    assert "Scrub Status" in rows[3] and rows[-1][-2] in ("OK", "Error", "Warning")


@linux
@pytest.mark.parametrize("share", [0, 99])
def test_hidden_rows_tables_and_edits_of_either_half_are_kept(halves, tmp_path, monkeypatch,
                                                             share):
    """The hidden flagged row, the table that grows and the autofilter are found by
    whichever half holds them."""
    monkeypatch.setattr(package, "_FIRST_SHARE", share)
    source = rich_workbook(tmp_path / "rich.xlsx")
    result = scrub(source, Config()).files[0]
    split, hidden = mark_copy(result, source, tmp_path / "split.xlsx", quiet=True)
    parallel.enable(False)
    serial, serial_hidden = mark_copy(result, source, tmp_path / "serial.xlsx", quiet=True)
    assert hidden == serial_hidden == (9,)
    assert split.read_bytes() == serial.read_bytes()


@linux
def test_a_second_scrub_of_a_copy_marked_in_halves_gives_the_same_file(halves, tmp_path):
    first, _ = both_ways(SAMPLE, tmp_path, halves)
    again = tmp_path / "again.xlsx"
    mark_copy(scrub(first, Config()).files[0], first, again, quiet=True)
    assert again.read_bytes() == first.read_bytes()


@linux
def test_a_forked_half_that_fails_is_marked_here(halves, tmp_path, monkeypatch):
    parent, second_half = os.getpid(), package.second_half

    def failing(*args):
        if os.getpid() != parent:
            raise MemoryError
        return second_half(*args)

    monkeypatch.setattr(package, "second_half", failing)
    split, serial = both_ways(SAMPLE, tmp_path, halves)
    assert halves == []  # nothing to adopt: the half ran here
    assert split.read_bytes() == serial.read_bytes()


@linux
def test_formats_numbered_otherwise_in_the_copy_are_derived_again_here(halves, tmp_path):
    """Cell formats written as "07" are no plain number, so no half has them derived up
    front: each half derives its own first, under the same number, and the second half is
    marked again here."""
    def padded(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        return re.sub(rb' s="(\d)"', rb' s="0\1"', data)

    source = rewritten(SAMPLE, tmp_path / "padded.xlsx", padded)
    split, serial = both_ways(source, tmp_path, halves)
    assert halves == [False]
    assert split.read_bytes() == serial.read_bytes()


@linux
def test_rows_whose_reference_is_not_first_are_marked_in_one_pass(halves, tmp_path):
    """No ``<row r="N"`` tag to split at: the first half is the whole sheet."""
    def spans_first(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        return re.sub(rb'<row r="(\d+)"', rb'<row spans="1:16" r="\1"', data)

    source = rewritten(SAMPLE, tmp_path / "spans.xlsx", spans_first)
    split, serial = both_ways(source, tmp_path, halves)
    assert halves == []
    assert split.read_bytes() == serial.read_bytes()


def test_small_sheets_derive_only_the_formats_they_use(tmp_path):
    """Formats are derived up front only for sheets long enough to be halved."""
    result = scrub(SAMPLE, Config()).files[0]
    copy, _ = mark_copy(result, SAMPLE, tmp_path / "copy.xlsx", quiet=True)
    with zipfile.ZipFile(copy) as marked, zipfile.ZipFile(SAMPLE) as original:
        def formats(book):
            return int(re.search(rb'<cellXfs count="(\d+)"', book.read("xl/styles.xml"))[1])
        added = formats(marked) - formats(original)
    assert 0 < added < 4 * (formats(zipfile.ZipFile(SAMPLE)) + 2)


def test_a_part_compressed_in_two_streams_reads_as_one(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    first, second = b"<row/>" * 50_000, b"<c>1</c>" * 70_000
    with ThreadPoolExecutor(1) as worker:
        restarted = DeflatedPart(worker)
        restarted.write(first)
        restarted.restart()
        restarted.write(second)
        restarted.finish()
        joined = DeflatedPart(worker)
        joined.write(first)
        rest = zlibfast.compressobj(1, zlibfast.DEFLATED, -15)  # as the forked half does
        data = rest.compress(second) + rest.flush()
        joined.join(zlib.crc32(second), len(second), data)
        joined.finish()
        for part in (restarted, joined):
            part.file.seek(0)
            assert zlib.decompress(part.file.read(), -15) == first + second
            assert part.crc == zlib.crc32(first + second)
            assert part.size == len(first + second)
        restarted.file.seek(0)
        joined.file.seek(0)
        assert restarted.file.read() == joined.file.read()
        restarted.close()
        joined.close()


@pytest.mark.parametrize(("a", "b"), [(b"", b"x"), (b"x", b""), (b"abc" * 999, b"\0" * 77)])
def test_crc32_combine_is_zlibs(a, b):
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


@linux
def test_formats_the_copy_derived_alone_are_recorded_for_the_next_scrub(halves, tmp_path):
    """Padded formats only in the second half: the copy derives them under the numbers they
    get here, they are adopted with their origins, and a second scrub restores them."""
    def padded_late(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        return re.sub(rb'<row r="(3[5-9]\d)".*?</row>',
                      lambda row: re.sub(rb' s="(\d)"', rb' s="0\1"', row.group()), data,
                      flags=re.S)

    source = rewritten(SAMPLE, tmp_path / "late.xlsx", padded_late)
    split, serial = both_ways(source, tmp_path, halves)
    assert halves == [True]
    assert split.read_bytes() == serial.read_bytes()
    again = tmp_path / "again.xlsx"
    mark_copy(scrub(split, Config()).files[0], split, again, quiet=True)
    assert again.read_bytes() == split.read_bytes()


@linux
def test_an_autofilter_grown_by_the_second_half_is_recorded(halves, tmp_path, monkeypatch):
    """The sheet's autofilter (in its tail, after the rows) grows in the forked copy; the
    edit is kept, so a second scrub undoes it and gives the same file."""
    import openpyxl

    from tests.conftest import make_workbook

    source = make_workbook(tmp_path / "filtered.xlsx")
    book = openpyxl.load_workbook(source)
    sheet = book["Export"]
    sheet.auto_filter.ref = f"A4:K{sheet.max_row}"
    book.save(source)
    split, serial = both_ways(source, tmp_path, halves)
    assert halves == [True]
    assert split.read_bytes() == serial.read_bytes()
    with zipfile.ZipFile(split) as copy:
        assert re.search(rb'<autoFilter ref="A4:M\d+"', copy.read("xl/worksheets/sheet1.xml"))
    again = tmp_path / "again.xlsx"
    mark_copy(scrub(split, Config()).files[0], split, again, quiet=True)
    assert again.read_bytes() == split.read_bytes()


@pytest.mark.parametrize("chunk", [7, 4096])
def test_a_part_read_through_the_fast_inflater_is_zipfiles(tmp_path, monkeypatch, chunk):
    from scrubber.mark import zipio

    monkeypatch.setattr(zipio, "CHUNK", chunk)
    with zipfile.ZipFile(SAMPLE) as package:
        info = package.getinfo("xl/worksheets/sheet1.xml")
        with zipio.open_part(package, info.filename) as part:
            assert isinstance(part, InflatedPart)
            pieces = list(iter(lambda: part.read(chunk), b""))
        assert b"".join(pieces) == package.read(info.filename)
        assert max(map(len, pieces)) <= chunk


@pytest.mark.parametrize(("damage", "said"), [
    (lambda data, at, size: data[:at + size // 2] + b"\x00" * (size - size // 2)
     + data[at + size:], "damaged|CRC|more than"),
    (lambda data, at, size: data[:at + size - 40] + bytes(40) + data[at + size:],
     "damaged|CRC|more than"),
])
def test_a_damaged_part_is_a_bad_zip_not_a_crash(tmp_path, damage, said):
    from scrubber.mark import zipio

    with zipfile.ZipFile(SAMPLE) as package:
        info = package.getinfo("xl/worksheets/sheet1.xml")
    data = SAMPLE.read_bytes()
    with open(SAMPLE, "rb") as raw:
        raw.seek(info.header_offset + 26)
        name, extra = int.from_bytes(raw.read(2), "little"), int.from_bytes(raw.read(2), "little")
    at = info.header_offset + 30 + name + extra
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(damage(data, at, info.compress_size))
    with zipfile.ZipFile(broken) as package, pytest.raises(zipfile.BadZipFile, match=said):
        with zipio.open_part(package, info.filename) as part:
            while part.read(1 << 16):
                pass


def test_the_copy_reads_the_same_whichever_deflate_wrote_it(tmp_path, monkeypatch):
    """ISA-L where installed, zlib elsewhere: different bytes, the same parts."""
    from scrubber.mark import sheet_stream, zipio

    result = scrub(SAMPLE, Config()).files[0]
    fast, _ = mark_copy(result, SAMPLE, tmp_path / "fast.xlsx", quiet=True)
    monkeypatch.setattr(zipio, "zlib", zlib)
    monkeypatch.setattr(sheet_stream, "zlib", zlib)
    plain, _ = mark_copy(result, SAMPLE, tmp_path / "plain.xlsx", quiet=True)
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(plain) as b:
        assert a.namelist() == b.namelist()
        assert all(a.read(name) == b.read(name) for name in a.namelist())
        assert a.testzip() is None and b.testzip() is None
