"""Open a workbook package with python-calamine, and parse its sheets ahead of time.

This module imports neither pandas nor numpy, so the command line can start parsing the input
while the rest of the program is still being imported: :func:`prefetch` opens a workbook and
parses its worksheets on a thread (calamine parses without holding the interpreter lock), and
:func:`take` hands the parsed sheets to the reader. On a 100k-line export the parse takes
about 1.3 s and the imports about 0.7 s, so most of the imports are free.

Before calamine sees the package it is unpacked once (:mod:`scrubber.io.unpack`): its real
size, each worksheet's extent and error cells, within the run's limits
(:mod:`scrubber.io.limits`).

A prefetch is only a head start: whatever it could not do (a missing, damaged or encrypted
file, a file changed since, a workbook over the default limits when the run's are higher)
the reader does again itself; what it found wrong within the default limits is said once,
not unpacked twice.
"""

from __future__ import annotations

import contextlib
import os
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from scrubber.io.doctype import MAX_PROLOG, declaring_part
from scrubber.io.errors import InputError
from scrubber.io.limits import Limits
from scrubber.io.unpack import PackageScan, scan_package

if TYPE_CHECKING:  # the compiled reader is imported when a workbook is opened
    import python_calamine

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: workbooks python-calamine also reads: legacy Excel and OpenDocument (marked as new .xlsx)
OTHER_WORKBOOK_SUFFIXES = (".xls", ".ods")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
T = TypeVar("T")


@dataclass
class Workbook:
    """An opened package and the worksheets parsed so far (calamine parses a whole sheet when
    it is opened, even for its first rows: each is opened once, for the header search and
    the full read alike)."""

    label: str
    book: python_calamine.CalamineWorkbook
    sheets: dict[str, python_calamine.CalamineSheet] = field(default_factory=dict)
    #: what the package unpacked to, and its worksheets' extents and error cells (calamine
    #: reads them as empty); None for an .xls workbook (not a zip package)
    scan: PackageScan | None = None

    def names(self) -> list[str]:
        """The worksheet names, in workbook order (charts and macro sheets left out)."""
        names = [m.name for m in self.book.sheets_metadata if str(m.typ).endswith("WorkSheet")]
        if not names:
            raise InputError(self.label, "the workbook has no worksheets")
        return names

    def error_cells(self, name: str) -> dict[tuple[int, int], str]:
        """The sheet's error cells: (row, column) from A1, 0-based -> the error's text."""
        found = self.scan.sheets.get(name) if self.scan is not None else None
        return found.errors if found is not None else {}

    def sheet(self, name: str) -> python_calamine.CalamineSheet:
        if name not in self.sheets:
            self.sheets[name] = calamine_call(self.label, self.book.get_sheet_by_name, name)
        return self.sheets[name]


def open_workbook(path: Path, limits: Limits | None = None) -> Workbook:
    """Check the package, unpack it once within ``limits`` (the defaults when None), then
    open it: calamine parses no sheet before its extent is known.

    Raises:
        InputError: not a workbook, an old .xls, encrypted, damaged or over a limit.
    """
    import python_calamine  # only now: scrubbing a grid or DataFrame never loads it

    scan = check_package(path, limits or Limits())
    label = str(path)
    return Workbook(label, calamine_call(label, python_calamine.CalamineWorkbook.from_path,
                                         label), scan=scan)


def check_package(path: Path, limits: Limits | None = None) -> PackageScan | None:
    """Check the file is the workbook its name says and unpack it within ``limits``: what
    it unpacked to (None for an .xls workbook, which is not a zip package)."""
    limits = limits or Limits()
    label = str(path)
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        if head != _OLE_MAGIC:
            raise InputError(label, "not an Excel 97-2003 (.xls) workbook")
        if _ENCRYPTION_STREAM in path.read_bytes():
            raise _encrypted(label, "workbook")
        return None  # calamine reads it; a damaged one fails there, named as such
    if suffix == ".ods":
        return _check_ods(path, head, limits)
    if head == _OLE_MAGIC:
        if _ENCRYPTION_STREAM in path.read_bytes():
            raise _encrypted(label, "workbook")
        raise InputError(label, "this is an old-format (.xls) workbook with an .xlsx name; "
                                "save it as .xlsx")
    if not head.startswith(b"PK"):
        raise InputError(label, "not an Excel workbook (the file is not an .xlsx package)")
    names, _ = _zip_package(path, "workbook")
    if "xl/workbook.xml" not in names:
        raise InputError(label, "not an Excel workbook (the package has no xl/workbook.xml)")
    scan = scan_package(path, "workbook", limits)  # a lying part is named as such first
    _check_declarations(path, "workbook")
    return scan


def _check_ods(path: Path, head: bytes, limits: Limits) -> PackageScan:
    label = str(path)
    if not head.startswith(b"PK"):
        raise InputError(label, "not an OpenDocument spreadsheet (the file is not a package)")
    names, manifest = _zip_package(path, "spreadsheet", "META-INF/manifest.xml")
    if b"encryption-data" in manifest:
        raise _encrypted(label, "spreadsheet")
    if "content.xml" not in names:
        raise InputError(label, "not an OpenDocument spreadsheet (the package has no "
                                "content.xml)")
    scan = scan_package(path, "spreadsheet", limits)
    _check_declarations(path, "spreadsheet")
    return scan


def _zip_package(path: Path, what: str, part: str | None = None) -> tuple[set[str], bytes]:
    """A zip package's part names, and the first MiB of ``part`` (empty when not asked for
    or absent)."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            head = b""
            if part in names:
                with package.open(part) as member:
                    head = member.read(1 << 20)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError,
            NotImplementedError):
        raise InputError(str(path), f"the {what} is damaged (its zip package cannot be read)") \
            from None
    return names, head


def _check_declarations(path: Path, what: str) -> None:
    """No XML part may declare a document type (:mod:`scrubber.io.doctype`)."""
    try:
        found = declaring_part(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        raise InputError(str(path), f"the {what} is damaged (its zip package cannot be read)") \
            from None
    if found is None:
        return
    part, why = found
    if why == "doctype":
        raise InputError(str(path), f"the {what}'s XML declares a document type ({part}), "
                                    f"which spreadsheet programs never write: refused as a "
                                    f"possible XML entity attack")
    raise InputError(str(path), f"the {what}'s XML part {part} has more than "
                                f"{MAX_PROLOG // 2**20} MiB before its first element: refused "
                                f"as a possible XML attack")


def _encrypted(label: str, what: str) -> InputError:
    return InputError(label, f"the {what} is password-protected (encrypted); save an "
                             "unprotected copy and scrub that")


def calamine_call(label: str, call: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run a calamine call; its many error types become one InputError.

    The message carries only the error's type: calamine's own text can quote cell contents.
    """
    try:
        return call(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
        raise InputError(label, f"the workbook is damaged and cannot be read "
                                f"({type(exc).__name__})") from None


# --- the head start -----------------------------------------------------------------------------

@dataclass
class _Prefetch:
    key: tuple[str, int, int]
    thread: threading.Thread | None = None
    workbook: Workbook | None = None
    #: why the file could not be read within the default limits (the reader says it again
    #: without unpacking it again when the run's limits are those)
    error: InputError | None = None


_pending: dict[str, _Prefetch] = {}
_lock = threading.Lock()
_while_waiting: list[Callable[[], None]] = []


def while_waiting(work: Callable[[], None]) -> None:
    """Have the first :func:`take` that must wait for its parse do ``work`` meanwhile (once):
    work the run needs anyway, such as loading what the first scrub loads on first use."""
    _while_waiting[:] = [work]


def prefetch(path: str | Path) -> None:
    """Start opening and parsing the worksheets of ``path`` on a thread (a workbook only;
    anything else, or a file that cannot be looked at, is left to the reader)."""
    path = Path(path)
    key = _key(path)
    if key is None or path.suffix.lower() not in EXCEL_SUFFIXES:
        return
    job = _Prefetch(key)
    thread = threading.Thread(target=_parse, args=(path, job), daemon=True,
                              name="scrubber-prefetch")
    with _lock:
        if str(path) in _pending:
            return
        job.thread = thread
        _pending[str(path)] = job
    thread.start()


def take(path: str | Path, limits: Limits | None = None) -> Workbook | None:
    """The workbook prefetched for ``path`` with its parsed worksheets, once; None when there
    was no prefetch, it failed (over the default limits, say: the reader unpacks it again
    within the run's), or the file changed since it started.

    Raises:
        InputError: the prefetched workbook is over ``limits`` (lower than the defaults).
    """
    with _lock:
        job = _pending.pop(str(path), None)
    if job is None or job.thread is None:
        return None
    if job.thread.is_alive() and _while_waiting:
        work = _while_waiting.pop()
        with contextlib.suppress(Exception):  # a head start only: the run does it again if
            work()  # it needs it, and says what is wrong in its own words
    job.thread.join()
    if _key(Path(path)) != job.key:
        return None
    if job.error is not None and (limits or Limits()) == Limits():
        raise job.error
    if job.workbook is None:
        return None
    if job.workbook.scan is not None:
        job.workbook.scan.check(job.workbook.label, "workbook", limits or Limits())
    return job.workbook


def _parse(path: Path, job: _Prefetch) -> None:
    try:
        # unpacked and searched (extent, error cells) before calamine parses a sheet: zlib
        # inflates without the interpreter lock, so this is off the main thread's path
        workbook = open_workbook(path)
        for name in workbook.names():
            workbook.sheet(name)
    except InputError as exc:
        job.error = exc
        return
    except Exception:  # noqa: BLE001 - the reader tries again and says what is wrong
        return
    job.workbook = workbook


def _key(path: Path) -> tuple[str, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return (os.fspath(path), stat.st_mtime_ns, stat.st_size)
