"""The scrubbed sheet's XML, streamed: earlier marks undone, new marks made.

The part is read in chunks (the next one inflated on a worker thread while this one is
marked), cut after its last whole row, and each run of rows is marked by
:class:`~scrubber.mark.marker.Marker` and handed to the output, so a sheet of a million rows
is never held whole. Rows the plan does not touch pass through unchanged.
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from scrubber.io import zlibfast as zlib
from scrubber.mark.marker import Marker
from scrubber.mark.ooxml import CHUNK, Edit, Record, Unsupported, edit_text, undo_text
from scrubber.mark.plan import column_index, has_room
from scrubber.mark.zipio import FAST, DeflatedPart, open_part, read_ahead
from scrubber.positions import column_letter

_DIMENSION = re.compile(r'<dimension\b[^>]*\bref="[A-Z]+\d+(?::([A-Z]+)\d+)?"')
_END_ROWS = b"</sheetData>"
_CELL_LETTERS = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)\d+"')
#: a cell far right (XFA or beyond), whole: in a sheet without room for the status columns,
#: any right of its last column are ours.
_FAR_CELL = re.compile(rb'<c r="(X[F-Z][A-Z]|[YZ][A-Z]{2}|[A-Z]{4,})\d+"[^>]*?(?:/>|>.*?</c>)',
                       re.S)
_SPANS = re.compile(rb'\bspans="(\d+):(\d+)"')


def max_column(package: zipfile.ZipFile, sheet_part: str) -> int:
    """The sheet's last used column: its dimension when written, else a scan of the cells
    (also when the dimension leaves no room for the status columns: some programs write
    ``A1:XFD...`` for a sheet whose cells end far sooner)."""
    head = _read_head(package, sheet_part)
    found = _DIMENSION.search(head)
    if found and found.group(1) and has_room(column_index(found.group(1)) + 1):
        return column_index(found.group(1)) + 1
    letters: set[bytes] = set()
    with open_part(package, sheet_part) as stream, ThreadPoolExecutor(1) as reader:
        sheet = _SheetReader(read_ahead(stream, reader))
        for body in sheet.bodies():
            letters.update(_CELL_LETTERS.findall(body))
    return max((column_index(x.decode()) + 1 for x in letters), default=0)


def _read_head(package: zipfile.ZipFile, part: str) -> str:
    with package.open(part) as stream:
        head = ""
        while "<sheetData" not in head:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            head += chunk.decode("utf-8", errors="ignore")
        return head[:head.find("<sheetData")] if "<sheetData" in head else head


class _SheetReader:
    """A sheet's XML in three parts: :attr:`head` (up to and with ``<sheetData>``), the rows
    as runs of whole rows (:meth:`bodies`), then :attr:`tail` (from ``</sheetData>``)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        buffer = b""
        while b"<sheetData" not in buffer or b">" not in buffer[buffer.find(b"<sheetData"):]:
            chunk = next(chunks, b"")
            if not chunk:
                break
            buffer += chunk
        start = buffer.find(b"<sheetData")
        if start < 0:
            raise Unsupported("the sheet has no sheetData")
        if re.search(rb"<\w+:(?:worksheet|sheetData)\b", buffer[:start + 20]):
            raise Unsupported("prefixed sheet XML")
        open_end = buffer.index(b">", start) + 1
        self.head = buffer[:open_end].decode("utf-8")
        self._buffer = buffer[open_end:]
        self.tail = ""

    def bodies(self) -> Iterator[bytes]:
        """Runs of whole rows (with whatever lies between them), each ending a row."""
        buffer = self._buffer
        if self.head.endswith("/>"):  # <sheetData/>: no rows at all
            self.tail = self._rest(buffer)
            return
        searched = 0  # the end tag cannot start before this (the buffer was searched)
        while True:
            end = buffer.find(_END_ROWS, searched)
            if end >= 0:
                yield buffer[:end]
                self.tail = self._rest(buffer[end:])
                return
            searched = max(0, len(buffer) - len(_END_ROWS) + 1)
            cut = buffer.rfind(b"</row>") + len(b"</row>")
            if cut >= len(b"</row>"):
                yield buffer[:cut]
                buffer = buffer[cut:]
                searched = max(0, searched - cut)
            chunk = next(self._chunks, b"")
            if not chunk:
                raise Unsupported("the sheet XML ends inside sheetData")
            buffer += chunk

    def _rest(self, buffer: bytes) -> str:
        return (buffer + b"".join(self._chunks)).decode("utf-8")


def stream_sheet(package: zipfile.ZipFile, part: str, marker: Marker, old: Record | None,
                 out: DeflatedPart, split: int | None = None, *, stop: bool = False) -> bool:
    """Rewrite the sheet into ``out``, with its head and tail edited; from the tag of row
    ``split`` on, compressed as a stream of its own (as when that half is marked in a forked
    copy: :func:`second_half`), so the copy is the same either way. With ``stop``, only the
    first half is written (the forked copy marks the rest meanwhile). True when it stopped
    at that tag, False when it wrote the sheet to its end.

    A sheet whose columns reach XFD (or leave one free) has no room for the two status
    columns: the marker marks as ever, and the cells it adds right of the sheet's last
    column are taken out again here (such a sheet is never split); the statuses go to the
    Issues sheet instead."""
    boundary = None if split is None else b'<row r="%d"' % split
    rows = marker.rows
    if not has_room(marker.status - 1):
        def rows(body: bytes, old: Record | None) -> bytes:
            return _clipped(marker.rows(body, old), marker.status - 1)
    with open_part(package, part) as stream, ThreadPoolExecutor(1) as reader:
        sheet = _SheetReader(read_ahead(stream, reader))
        out.write(_edit_head(sheet.head, marker, old).encode("utf-8"))
        for body in sheet.bodies():
            at = -1 if boundary is None else body.find(boundary)
            if at >= 0:
                out.write(rows(body[:at], old))
                if stop:
                    return True
                out.restart()
                body, boundary = body[at:], None
            out.write(rows(body, old))
        out.write(_edit_tail(sheet.tail, marker, old).encode("utf-8"))
    return False


def _clipped(body: bytes, last: int) -> bytes:
    """Rows without their cells right of column ``last`` (the status cells the sheet has no
    room for), their spans hints ending there at the latest."""
    def cell(found: re.Match) -> bytes:
        return b"" if column_index(found[1].decode()) >= last else found[0]

    def spans(found: re.Match) -> bytes:
        return b'spans="%s:%d"' % (found[1], min(int(found[2]), last))

    return _SPANS.sub(spans, _FAR_CELL.sub(cell, body))


def second_half(source: str, part: str, marker: Marker, old: Record | None,
                split: int) -> tuple[int, int, bytes] | None:
    """The sheet from the tag of row ``split`` to its end, marked and compressed on its own
    (CRC, size, compressed bytes: see :meth:`DeflatedPart.join`); None when the sheet has no
    such tag. The package is opened anew: a forked copy must not share the parent's file
    position."""
    boundary = b'<row r="%d"' % split
    compressor = zlib.compressobj(FAST, zlib.DEFLATED, -15)
    crc = size = 0
    out: list[bytes] = []

    def put(data: bytes) -> None:
        nonlocal crc, size
        crc = zlib.crc32(data, crc)
        size += len(data)
        out.append(compressor.compress(data))

    with zipfile.ZipFile(source) as package, open_part(package, part) as stream:
        sheet = _SheetReader(iter(functools.partial(stream.read, CHUNK), b""))
        found = False
        for body in sheet.bodies():
            if not found:
                at = body.find(boundary)
                if at < 0:
                    continue
                found, body = True, body[at:]
            put(marker.rows(body, old))
        if not found:
            return None
        put(_edit_tail(sheet.tail, marker, old).encode("utf-8"))
    out.append(compressor.flush())
    return crc, size, b"".join(out)


def _edit_head(head: str, marker: Marker, old: Record | None) -> str:
    """The dimension covers the status columns; the two columns get widths."""
    record = marker.record
    room = has_room(marker.status - 1)
    part = f"{record.sheet_part}#head"
    if old is not None:
        head = undo_text(head, [e for e in old.edits if e.part == part])
    found = re.search(r'<dimension\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"[^>]*/>', head)
    if found:
        last_row = found.group(4) or found.group(2)
        new = found.group().replace(
            f'ref="{found.group(1)}{found.group(2)}'
            f'{":" + found.group(3) + found.group(4) if found.group(3) else ""}"',
            f'ref="{found.group(1)}{found.group(2)}:'
            f'{column_letter(marker.status if room else marker.status - 2)}{last_row}"')
        head = edit_text(head, record, part, found.group(), new)
    if not room:  # no status columns on this sheet: no widths for them
        return head
    columns = (f'<col min="{marker.status}" max="{marker.status}" width="14" '
               f'customWidth="1"/><col min="{marker.status + 1}" max="{marker.status + 1}" '
               f'width="70" customWidth="1"/>')
    cols = re.search(r"<cols>.*?</cols>", head, re.S)
    if cols:
        spans = [(int(a), int(b)) for a, b in re.findall(
            r'<col\b[^>]*\bmin="(\d+)"[^>]*\bmax="(\d+)"', cols.group())]
        spans += [(int(a), int(b)) for b, a in re.findall(
            r'<col\b[^>]*\bmax="(\d+)"[^>]*\bmin="(\d+)"', cols.group())]
        if not any(a <= marker.status + 1 and b >= marker.status for a, b in spans):
            head = edit_text(head, record, part, "</cols>", f"{columns}</cols>")
    else:
        at = head.rfind("<sheetData")
        head = head[:at] + f"<cols>{columns}</cols>" + head[at:]
        record.edits.append(Edit(part, "", f"<cols>{columns}</cols>"))
    return head


def _edit_tail(tail: str, marker: Marker, old: Record | None) -> str:
    """A sheet autofilter on the header row that ends at the last column grows over ours."""
    record = marker.record
    part = f"{record.sheet_part}#tail"
    if old is not None:
        tail = undo_text(tail, [e for e in old.edits if e.part == part])
    found = re.search(r'<autoFilter\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', tail)
    if found and has_room(marker.status - 1) and int(found.group(2)) == marker.plan.header_row and \
            column_index(found.group(3)) + 1 == marker.status - 1:
        new = found.group().replace(f":{found.group(3)}{found.group(4)}",
                                    f":{column_letter(marker.status)}{found.group(4)}")
        tail = edit_text(tail, record, part, found.group(), new)
    return tail
