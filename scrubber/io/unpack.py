"""Unpack a workbook package as it really is: every part streamed and counted, never held.

A zip entry declares its unpacked size, and a zip bomb lies about it. Here each part is
inflated a chunk at a time (ISA-L or zlib, :mod:`scrubber.io.zlibfast`, with a bound on each
chunk's output) from the bytes its entry really holds, and counted: the package is refused
as soon as the count passes the size limit, or a part gives more than its entry declares
(python-calamine's zip reader stops there with an error; Python's reads a truncated part).
The worksheets' XML is searched on the way (:class:`scrubber.io.error_cells.SheetScan`):
their extent, checked before calamine parses them, and their error cells, which calamine
reads as empty.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from scrubber.io import zlibfast
from scrubber.io.error_cells import SheetScan
from scrubber.io.errors import InputError
from scrubber.io.limits import Limits
from scrubber.io.ods_scan import OdsScan
from scrubber.io.parts import sheet_parts

_CHUNK = 1 << 20
_LOCAL = struct.Struct("<4s22xHH")  # a local file header: signature ... name and extra lengths
#: the most of workbook.xml and its relationships read to find the sheets' parts.
_INDEX_BYTES = 8 << 20
#: an OpenDocument spreadsheet's tables (their repeated rows and cells are measured)
_ODS_CONTENT = "content.xml"


class Damaged(Exception):
    """A part that cannot be unpacked as its entry says (the message says why)."""


@dataclass
class PackageScan:
    """What a package really unpacks to.

    Attributes:
        unpacked: the bytes of every part, inflated.
        sheets: worksheet name -> its scan (extent and error cells).
    """

    unpacked: int = 0
    sheets: dict[str, SheetScan] = field(default_factory=dict)

    def errors(self) -> dict[str, dict[tuple[int, int], str]]:
        """Each worksheet's error cells (sheets without any left out)."""
        return {name: scan.errors for name, scan in self.sheets.items() if scan.errors}

    def check(self, label: str, what: str, limits: Limits) -> None:
        """Raise the one-line error for a package over ``limits``.

        Raises:
            InputError: over the size limit, or a sheet whose grid is.
        """
        if self.unpacked > limits.max_bytes:
            raise InputError(label, limits.size_problem(what, self.unpacked))
        for scan in self.sheets.values():
            problem = limits.grid_problem(scan.rows, scan.columns)
            if problem is not None:
                raise InputError(label, problem)


def scan_package(path: Path, what: str, limits: Limits) -> PackageScan:
    """Stream every part of the package at ``path``, counting what it unpacks to, and scan
    its worksheets; stops at the first part or sheet over ``limits``.

    Raises:
        InputError: the package is damaged, or over a limit (the message names it and the
            option that raises it).
    """
    label = str(path)

    def over(rows: int, columns: int) -> bool:
        return limits.grid_problem(rows, columns) is not None

    try:
        with zipfile.ZipFile(path) as package, path.open("rb") as handle:
            infos = sorted(package.infolist(), key=lambda i: i.header_offset)
            declared = sum(info.file_size for info in infos)
            if declared > limits.max_bytes:  # honest sizes: no need to unpack to know
                raise InputError(label, limits.size_problem(what, declared))
            by_name = {info.filename: info for info in infos}
            sheets = {part: name for name, part in
                      sheet_parts(lambda n: _small(handle, by_name.get(n))).items()}
            scan = PackageScan()
            for info in infos:
                sheet = SheetScan(over) if info.filename in sheets else None
                tables = OdsScan(over) if info.filename == _ODS_CONTENT else None
                for chunk in measured(handle, info):
                    scan.unpacked += len(chunk)
                    if scan.unpacked > limits.max_bytes:
                        raise InputError(label, limits.size_problem(what))
                    if sheet is not None:
                        sheet.feed(chunk)
                        _check_grid(label, limits, sheet)  # stop as soon as it is too far
                    if tables is not None:
                        tables.feed(chunk)
                        _check_grid(label, limits, tables)
                if sheet is not None:
                    sheet.finish(lambda i=info: measured(handle, i))
                    scan.sheets[sheets[info.filename]] = sheet
                    _check_grid(label, limits, sheet)
    except Damaged as why:
        raise InputError(label, f"the {what} is damaged ({why})") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlibfast.error):
        raise InputError(label, f"the {what} is damaged (its zip package cannot be read)") \
            from None
    return scan


def _check_grid(label: str, limits: Limits, sheet: SheetScan | OdsScan) -> None:
    problem = limits.grid_problem(sheet.rows, sheet.columns)
    if problem is not None:
        raise InputError(label, problem)


def _small(handle: BinaryIO, info: zipfile.ZipInfo | None) -> str:
    """A small part's text (its first 8 MiB), "" when absent."""
    if info is None:
        return ""
    data = bytearray()
    for chunk in measured(handle, info):
        data += chunk
        if len(data) >= _INDEX_BYTES:
            break
    return data.decode("utf-8", "replace")


def measured(handle: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes as they unpack, a chunk (at most 1 MiB) at a time.

    Raises:
        Damaged: the part gives more than its entry declares, is cut short, encrypted, or
            compressed in a way a workbook never is.
    """
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL.size)
    if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
        raise Damaged("a part's zip entry is missing")
    _, name_length, extra_length = _LOCAL.unpack(header)
    handle.seek(info.header_offset + _LOCAL.size + name_length + extra_length)
    if info.flag_bits & 1:
        raise Damaged("a part is zip-encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Damaged("a part is compressed in a way Excel never uses")
    given = 0
    for chunk in _inflated(handle, info):
        given += len(chunk)
        if given > info.file_size:
            raise Damaged("a part unpacks to more than its zip entry declares, as a zip "
                          "bomb does")
        yield chunk


def _inflated(handle: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    left = info.compress_size
    inflater = zlibfast.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED \
        else None
    while left > 0:
        raw = handle.read(min(left, _CHUNK))
        if not raw:
            raise Damaged("a part is cut short")
        left -= len(raw)
        if inflater is None:
            yield raw
            continue
        while True:  # each piece at most _CHUNK: what the input left, then what is held back
            out = inflater.decompress(raw, _CHUNK)  # (ISA-L holds some output back)
            if out:
                yield out
            raw = inflater.unconsumed_tail
            if inflater.eof or (not raw and not out):
                break
        if inflater.eof:
            return
    if inflater is not None and not inflater.eof:
        raise Damaged("a part is cut short")
