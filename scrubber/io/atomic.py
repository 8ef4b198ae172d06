"""Atomic file writes: a reader sees the old file or the new one, never half of one.

A temporary file is named ``.NAME.<pid>.<random>.tmp`` beside its target, so a later run can
tell a stale one (left by a run that was killed: its process is gone) from one that another
run is writing now (its process lives), and removes only the stale ones
(:func:`sweep_stale`). A temporary file is created readable by its owner only and gets its
final permission bits (:func:`output_mode`) before the rename.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def write_atomic(path: str | Path, data: bytes, like: Iterable[str | Path] = ()) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``; a
    failed write leaves the old file as it was. The file gets :func:`output_mode` of
    ``like`` (the inputs it was made from)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(path)
    handle, temp = make_temp(path)
    try:
        with os.fdopen(handle, "wb") as stream:
            if hasattr(os, "fchmod"):
                os.fchmod(stream.fileno(), output_mode(like))
            stream.write(data)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def make_temp(target: Path) -> tuple[int, str]:
    """A new temporary file beside ``target`` (open descriptor, path), mode 0600."""
    while True:
        temp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), str(temp)
        except FileExistsError:
            continue


def sibling_temp(temp: str) -> tuple[int, str]:
    """Another temporary file for the target of ``temp`` (one :func:`sweep_stale` finds)."""
    found = _TEMP.match(os.path.basename(temp))
    name = found["name"] if found else os.path.basename(temp)
    return make_temp(Path(temp).parent / name)


def sweep_stale(target: Path) -> list[Path]:
    """Remove the temporary files of ``target`` whose process is gone (a killed run's);
    another live run's are left alone. Returns what was removed."""
    removed = []
    pattern = os.path.join(glob.escape(str(target.parent)), f".{glob.escape(target.name)}.*.tmp")
    for name in glob.glob(pattern, include_hidden=True):
        found = _TEMP.match(os.path.basename(name))
        if found is None or found["name"] != target.name or _alive(int(found["pid"])):
            continue
        with contextlib.suppress(OSError):
            os.unlink(name)
            removed.append(Path(name))
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or one we cannot ask about: leave it be
    return not _ended(pid)


def _ended(pid: int) -> bool:
    """Whether the process has ended but was never collected (a zombie): a killed run's
    orphans stay so where nothing reaps them (a container whose first process does not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read()
    except OSError:  # no /proc (macOS, Windows), or it has just gone
        return False
    return state[state.rfind(b")") + 2:][:1] in (b"Z", b"X")


def output_mode(like: Iterable[str | Path] = ()) -> int:
    """Permission bits for an output: the umask's usual mode, never wider than any of the
    inputs ``like`` it was made from (a copy of a 0600 export is 0600)."""
    mask = os.umask(0o022)
    os.umask(mask)
    mode = 0o666 & ~mask
    for path in like:
        with contextlib.suppress(OSError):
            mode &= os.stat(path).st_mode & 0o666
    return mode


class Claims:
    """The paths of one run: its inputs, and the outputs claimed so far.

    An output may be written only when it is none of the inputs (the same path, or the same
    file through a symbolic or hard link) and no output claimed before it. Each path is
    looked at once (its resolved path and, when it exists, its device and inode), so a run of
    many files costs one stat per path, not one per pair.
    """

    def __init__(self, inputs: Iterable[str | Path] = ()) -> None:
        self._inputs: dict[object, str] = {}
        self._outputs: dict[object, str] = {}
        for path in inputs:
            for key in _identity(path):
                self._inputs.setdefault(key, str(path))

    def input_at(self, target: str | Path) -> str | None:
        """The input that writing ``target`` would overwrite, or None."""
        return next((self._inputs[k] for k in _identity(target) if k in self._inputs), None)

    def owner_of(self, target: str | Path) -> str | None:
        """Whose output ``target`` already is (as :meth:`claim` named it), or None."""
        return next((self._outputs[k] for k in _identity(target) if k in self._outputs), None)

    def claim(self, target: str | Path, owner: str) -> None:
        """``target`` is ``owner``'s output from now on."""
        for key in _identity(target):
            self._outputs.setdefault(key, owner)


def _identity(path: str | Path) -> list[object]:
    """What names one file: its resolved path, and its device and inode when it exists."""
    keys: list[object] = []
    with contextlib.suppress(OSError, RuntimeError, ValueError):
        keys.append(Path(path).resolve())
    with contextlib.suppress(OSError, ValueError):
        found = os.stat(path)
        keys.append((found.st_dev, found.st_ino))
    return keys


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the same path, or a symbolic or hard link to it."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False
