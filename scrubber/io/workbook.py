"""Open a workbook package with python-calamine, and parse its sheets ahead of time.

This module imports neither pandas nor numpy, so the command line can start parsing the input
while the rest of the program is still being imported: :func:`prefetch` opens a workbook and
parses its worksheets on a thread (calamine parses without holding the interpreter lock), and
:func:`take` hands the parsed sheets to the reader. On a 100k-line export the parse takes
about 1.3 s and the imports about 0.7 s, so most of the imports are free.

A prefetch is only a head start: whatever it could not do (a missing, damaged or encrypted
file, a file changed since) the reader does again itself and reports in its own words.
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
from scrubber.io.error_cells import error_cells
from scrubber.io.errors import InputError

if TYPE_CHECKING:  # the compiled reader is imported when a workbook is opened
    import python_calamine

#: a package that unpacks to more than this is refused (zip-bomb guard).
MAX_UNPACKED_BYTES = 1 << 30
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
    #: each worksheet's error cells (calamine reads them as empty), found on first use
    errors: dict[str, dict[tuple[int, int], str]] | None = None

    def names(self) -> list[str]:
        """The worksheet names, in workbook order (charts and macro sheets left out)."""
        names = [m.name for m in self.book.sheets_metadata if str(m.typ).endswith("WorkSheet")]
        if not names:
            raise InputError(self.label, "the workbook has no worksheets")
        return names

    def error_cells(self, name: str) -> dict[tuple[int, int], str]:
        """The sheet's error cells: (row, column) from A1, 0-based -> the error's text."""
        if self.errors is None:
            self.errors = error_cells(self.label)
        return self.errors.get(name, {})

    def sheet(self, name: str) -> python_calamine.CalamineSheet:
        if name not in self.sheets:
            self.sheets[name] = calamine_call(self.label, self.book.get_sheet_by_name, name)
        return self.sheets[name]


def open_workbook(path: Path) -> Workbook:
    """Check the package and open it.

    Raises:
        InputError: not a workbook, an old .xls, encrypted, damaged or over the size limit.
    """
    import python_calamine  # only now: scrubbing a grid or DataFrame never loads it

    check_package(path)
    label = str(path)
    return Workbook(label, calamine_call(label, python_calamine.CalamineWorkbook.from_path,
                                         label))


def check_package(path: Path) -> None:
    label = str(path)
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        if head != _OLE_MAGIC:
            raise InputError(label, "not an Excel 97-2003 (.xls) workbook")
        if _ENCRYPTION_STREAM in path.read_bytes():
            raise _encrypted(label, "workbook")
        return  # calamine reads it; a damaged one fails there, named as such
    if suffix == ".ods":
        _check_ods(path, head)
        return
    if head == _OLE_MAGIC:
        if _ENCRYPTION_STREAM in path.read_bytes():
            raise _encrypted(label, "workbook")
        raise InputError(label, "this is an old-format (.xls) workbook with an .xlsx name; "
                                "save it as .xlsx")
    if not head.startswith(b"PK"):
        raise InputError(label, "not an Excel workbook (the file is not an .xlsx package)")
    names, unpacked, _ = _zip_package(path, "workbook")
    if "xl/workbook.xml" not in names:
        raise InputError(label, "not an Excel workbook (the package has no xl/workbook.xml)")
    _check_size(label, "workbook", unpacked)
    _check_declarations(path, "workbook")


def _check_ods(path: Path, head: bytes) -> None:
    label = str(path)
    if not head.startswith(b"PK"):
        raise InputError(label, "not an OpenDocument spreadsheet (the file is not a package)")
    names, unpacked, manifest = _zip_package(path, "spreadsheet", "META-INF/manifest.xml")
    if b"encryption-data" in manifest:
        raise _encrypted(label, "spreadsheet")
    if "content.xml" not in names:
        raise InputError(label, "not an OpenDocument spreadsheet (the package has no "
                                "content.xml)")
    _check_size(label, "spreadsheet", unpacked)
    _check_declarations(path, "spreadsheet")


def _zip_package(path: Path, what: str, part: str | None = None) -> tuple[set[str], int, bytes]:
    """A zip package's part names, its declared unpacked size, and the first MiB of ``part``
    (empty when not asked for or absent)."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            unpacked = sum(info.file_size for info in package.infolist())
            head = package.read(part)[:1 << 20] if part in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InputError(str(path), f"the {what} is damaged (its zip package cannot be read)") \
            from None
    return names, unpacked, head


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


def _check_size(label: str, what: str, unpacked: int) -> None:
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(label, f"the {what} unpacks to {unpacked // 2**20} MiB, more than "
                                f"the {MAX_UNPACKED_BYTES // 2**20} MiB limit")


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
    #: who searches the sheets for error cells: the first to get there, once ("thread" when
    #: the parse ends before the waiting reader starts its own search, "reader" otherwise)
    searcher: str | None = None

    def claim(self, who: str) -> bool:
        with _lock:
            if self.searcher is None:
                self.searcher = who
            return self.searcher == who


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


def take(path: str | Path) -> Workbook | None:
    """The workbook prefetched for ``path`` with its parsed worksheets, once; None when there
    was no prefetch, it failed, or the file changed since it started."""
    with _lock:
        job = _pending.pop(str(path), None)
    if job is None or job.thread is None:
        return None
    errors = None
    if job.thread.is_alive() and _while_waiting:
        work = _while_waiting.pop()
        with contextlib.suppress(Exception):  # a head start only: the run does it again if
            work()  # it needs it, and says what is wrong in its own words
    if job.thread.is_alive() and job.claim("reader"):  # so does zlib: look for error cells
        errors = error_cells(path)  # meanwhile (then the thread does not search again)
    job.thread.join()
    if job.workbook is None or _key(Path(path)) != job.key:
        return None
    if errors is not None:
        job.workbook.errors = errors
    return job.workbook


def _parse(path: Path, job: _Prefetch) -> None:
    try:
        workbook = open_workbook(path)
        for name in workbook.names():
            workbook.sheet(name)
        if job.claim("thread"):  # the sheets' XML searched for error cells here when the
            workbook.error_cells("")  # reader is not searching already (zlib inflates
            # without the interpreter lock, so this is off the main thread's path)
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
