"""Zip members for the package writer: an untouched part is copied as its compressed bytes, a
part we write is compressed fast, and the streamed sheet is compressed on a worker thread
while the next rows are being marked.

zipfile has no call that copies a member's compressed bytes, so :func:`copy_member` and
:func:`write_deflated` write the member header and data themselves, the way
``ZipFile.open(..., "w")`` does (same header, same bookkeeping), only without compressing.
"""

from __future__ import annotations

import io
import struct
import tempfile
import zipfile
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

from scrubber.io import zlibfast as zlib
from scrubber.io.unpack import Damaged, measured
from scrubber.mark.ooxml import CHUNK

#: zlib level for the parts we write. Level 1 compresses the 100k-line sheet (77 MB of XML)
#: about 3.5x faster than zlib's default 6 and makes it about 25% larger (10.6 MB instead of
#: 8.4 MB); Excel's own files are written no harder (the parts of an .xlsm Excel saved are
#: flagged "super fast" deflate).
FAST = 1
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_DATA_DESCRIPTOR = 0x08
_UTF8_NAME = 0x800


def copy_member(source: BinaryIO, info: zipfile.ZipInfo, out: zipfile.ZipFile,
                target: zipfile.ZipInfo) -> None:
    """Copy the member ``info`` of the zip file ``source`` into ``out`` as ``target``, its
    compressed bytes unchanged (so its content is byte for byte the original)."""
    source.seek(info.header_offset)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(source.read(30))
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    source.seek(info.header_offset + 30 + name_length + extra_length)
    target.compress_type = info.compress_type
    target.flag_bits = info.flag_bits & ~(_DATA_DESCRIPTOR | _UTF8_NAME)

    def data() -> Iterator[bytes]:
        left = info.compress_size
        while left:
            chunk = source.read(min(CHUNK, left))
            if not chunk:
                raise zipfile.BadZipFile(f"{info.filename} is cut short")
            left -= len(chunk)
            yield chunk

    _write_raw(out, target, info.CRC, info.file_size, info.compress_size, data())


def write_deflated(out: zipfile.ZipFile, target: zipfile.ZipInfo,
                   part: DeflatedPart | Deflated) -> None:
    """Put a part compressed by :class:`DeflatedPart` into ``out`` as ``target``."""
    part.finish()
    part.file.seek(0)
    target.compress_type = zipfile.ZIP_DEFLATED
    target.flag_bits = 0

    def data() -> Iterator[bytes]:
        while chunk := part.file.read(CHUNK):
            yield chunk

    _write_raw(out, target, part.crc, part.size, part.compressed_size, data())


def put(out: zipfile.ZipFile, target: zipfile.ZipInfo, data: bytes) -> None:
    """A part we wrote, compressed (when its original was) at the fast level."""
    out.writestr(target, data, compresslevel=FAST)


def _write_raw(out: zipfile.ZipFile, target: zipfile.ZipInfo, crc: int, size: int,
               compressed_size: int, data: Iterator[bytes]) -> None:
    target.CRC, target.file_size, target.compress_size = crc, size, compressed_size
    if not target.external_attr:
        target.external_attr = 0o600 << 16
    with out._lock:
        if out._writing:
            raise ValueError("another member is being written")
        out.fp.seek(out.start_dir)
        target.header_offset = out.fp.tell()
        out._writecheck(target)
        out._didModify = True
        # zip64 headers always, as ZipFile.open(..., force_zip64=True) writes them
        out.fp.write(target.FileHeader(True))
        for chunk in data:
            out.fp.write(chunk)
        out.start_dir = out.fp.tell()
        out.filelist.append(target)
        out.NameToInfo[target.filename] = target


class DeflatedPart:
    """A part compressed as it is written, into a temporary file.

    Compression runs on ``worker`` (one thread, so pieces stay in order); zlib lets go of the
    interpreter while it compresses, so the caller goes on making the next piece. At most two
    pieces wait, so memory stays at a few chunks however long the part.
    """

    def __init__(self, worker: ThreadPoolExecutor) -> None:
        self.file = tempfile.TemporaryFile()
        self.crc = self.size = self.compressed_size = 0
        self._worker = worker
        self._compressor = zlib.compressobj(FAST, zlib.DEFLATED, -15)
        self._pending: deque[Future] = deque()
        self._finished = False

    def write(self, data: bytes) -> None:
        if data:
            self._pending.append(self._worker.submit(self._compress, data))
            while len(self._pending) > 2:
                self._pending.popleft().result()

    def finish(self) -> None:
        """Compress what is left; :attr:`crc` and the sizes are then final."""
        if self._finished:
            return
        self._finished = True
        while self._pending:
            self._pending.popleft().result()
        tail = self._compressor.flush()
        self.file.write(tail)
        self.compressed_size += len(tail)

    def restart(self) -> None:
        """Compress what follows as a stream of its own, after a flush to a byte boundary:
        the bytes :meth:`join` gives when that rest is compressed elsewhere."""
        self._pending.append(self._worker.submit(self._restart))

    def _restart(self) -> None:
        head = self._compressor.flush(zlib.Z_SYNC_FLUSH)
        self.file.write(head)
        self.compressed_size += len(head)
        self._compressor = zlib.compressobj(FAST, zlib.DEFLATED, -15)

    def join(self, crc: int, size: int, data: bytes) -> None:
        """End this part with a compressed stream made elsewhere (the rest of the part,
        compressed in a forked copy): this one is flushed to a byte boundary without
        ending it, and the two streams read as one (as pigz joins its pieces)."""
        while self._pending:
            self._pending.popleft().result()
        head = self._compressor.flush(zlib.Z_SYNC_FLUSH)
        self.file.write(head)
        self.file.write(data)
        self.compressed_size += len(head) + len(data)
        self.crc = crc32_combine(self.crc, crc, size)
        self.size += size
        self._finished = True

    def close(self) -> None:
        for pending in self._pending:
            pending.cancel()
        for pending in self._pending:
            if not pending.cancelled():
                pending.exception()  # wait: the file must outlive the worker's last write
        self.file.close()

    def _compress(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        packed = self._compressor.compress(data)
        self.file.write(packed)
        self.compressed_size += len(packed)


class Deflated:
    """A part compressed whole elsewhere (in a forked copy of the writer: see
    :func:`deflate`), ready for :func:`write_deflated` like a :class:`DeflatedPart`."""

    def __init__(self, crc: int, size: int, data: bytes) -> None:
        self.crc, self.size, self.compressed_size = crc, size, len(data)
        self.file = io.BytesIO(data)

    def finish(self) -> None:
        """Nothing left to compress."""

    def close(self) -> None:
        self.file.close()


def deflate(pieces: Iterable[str]) -> tuple[int, int, bytes]:
    """Text pieces encoded and compressed as one part: (CRC, size, compressed bytes); what
    :class:`Deflated` takes (a tuple, so it travels between processes as plain data)."""
    compressor = zlib.compressobj(FAST, zlib.DEFLATED, -15)
    crc = size = 0
    out = []
    for piece in pieces:
        data = piece.encode("utf-8")
        crc = zlib.crc32(data, crc)
        size += len(data)
        out.append(compressor.compress(data))
    out.append(compressor.flush())
    return crc, size, b"".join(out)


def crc32_combine(crc1: int, crc2: int, size2: int) -> int:
    """The CRC-32 of two pieces one after the other, from each one's CRC and the second's
    length (zlib's ``crc32_combine``, which Python's zlib does not expose): the first CRC is
    carried over ``size2`` zero bytes by squaring the one-zero-bit operator, in GF(2)."""
    if size2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four
    while True:
        even = _gf2_square(odd)  # one zero byte the first time, then doubling
        if size2 & 1:
            crc1 = _gf2_times(even, crc1)
        size2 >>= 1
        if not size2:
            break
        odd = _gf2_square(even)
        if size2 & 1:
            crc1 = _gf2_times(odd, crc1)
        size2 >>= 1
        if not size2:
            break
    return crc1 ^ crc2


def _gf2_times(matrix: list[int], vector: int) -> int:
    total = 0
    for row in matrix:
        if not vector:
            break
        if vector & 1:
            total ^= row
        vector >>= 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


class InflatedPart:
    """A member of a zip package, inflated as it is read (``read(n)``, like
    ``ZipFile.open``) by the reader's own unpacking (:func:`scrubber.io.unpack.measured`:
    ISA-L or zlib, bounded pieces, never more than the entry declares); its CRC is checked at
    its end, as zipfile checks it. A damaged part is a ``zipfile.BadZipFile``."""

    def __init__(self, path: str, info: zipfile.ZipInfo) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close() / the with block
        self._info = info
        self._pieces = measured(self._file, info)
        self._pending = b""
        self._crc = self._size = 0

    def read(self, size: int) -> bytes:
        """At most ``size`` bytes; b"" at the end (after the size and CRC checks)."""
        try:
            if not self._pending:
                self._pending = next(self._pieces, b"")
        except Damaged as exc:
            raise zipfile.BadZipFile(f"{self._info.filename}: {exc}") from exc
        except zlib.error as exc:  # corrupt deflate data, as zipfile's zlib.error
            raise zipfile.BadZipFile(f"{self._info.filename} is damaged") from exc
        data, self._pending = self._pending[:size], self._pending[size:]
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        if not data and (self._size != self._info.file_size or self._crc != self._info.CRC):
            raise zipfile.BadZipFile(f"bad CRC or size for {self._info.filename}")
        return data

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> InflatedPart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_part(package: zipfile.ZipFile, name: str) -> BinaryIO | InflatedPart:
    """A part of ``package`` to read: deflated ones inflated by :class:`InflatedPart`, others
    (stored, or another method) by zipfile."""
    info = package.getinfo(name)
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1 or \
            not isinstance(package.filename, str):
        return package.open(name)
    return InflatedPart(package.filename, info)


def read_ahead(stream: BinaryIO, worker: ThreadPoolExecutor) -> Iterator[bytes]:
    """The chunks of ``stream``, the next one read (and inflated) on ``worker`` while the
    caller works on this one."""
    ahead = worker.submit(stream.read, CHUNK)
    while chunk := ahead.result():
        ahead = worker.submit(stream.read, CHUNK)
        yield chunk
