"""The second core for one large file: independent halves of a step run side by side.

A 100k-line export keeps one core busy for a few seconds while the other idles. Some steps
split into independent halves: the rules do not look at each other's results, so half of them
can run in a forked copy of the process while this one runs the other half. :func:`both`
runs two such halves and returns both results, exactly as if they had run one after the
other.

Only where it is safe and worth it:

* the command line turns it on (:func:`enable`); a library caller (the Excel add-in, a web
  server, a notebook) never forks unless it asks, since forking a program with threads of
  its own can hang;
* Linux only (``os.fork``; macOS and Windows run the halves one after the other);
* not inside a batch worker (the cores are busy with other files already): the batch turns
  it off in its workers;
* ``SCRUBBER_PARALLEL=0`` in the environment turns it off.

The forked copy sends its result back pickled through a pipe and ends with ``os._exit``
(nothing of the parent's, no buffered output, no temporary file cleanup, runs twice). Whatever
goes wrong there (an exception, a crash, a kill, no answer in time) costs only time: the half
is run again here, so the results never depend on the fork.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from scrubber import collector

A = TypeVar("A")
B = TypeVar("B")

#: a file shorter than this runs its halves one after the other: a fork costs ~20 ms.
MIN_LINES = 20_000
#: nor a file longer than this: the forked copy shares the parent's memory only until either
#: writes to it (every Python object it reads gets its reference count written), so on a
#: million-line sheet the two copies together would pass the 2 GB the tool promises.
MAX_LINES = 400_000
#: how long to wait for the forked half once ours is done, as a multiple of ours (at least
#: :data:`MIN_WAIT` seconds) before running it here instead.
WAIT_FACTOR = 10
MIN_WAIT = 30.0
ENV = "SCRUBBER_PARALLEL"

_enabled = False


def enable(on: bool = True) -> None:
    """Let :func:`both` fork (the command line does; see the module docstring)."""
    global _enabled
    _enabled = on


def disable() -> None:
    """For batch workers: the other cores already scrub other files."""
    enable(False)


def active(lines: int) -> bool:
    """Whether work on this many lines is split."""
    return (_enabled and MIN_LINES <= lines <= MAX_LINES and hasattr(os, "fork")
            and sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1
            and os.environ.get(ENV, "1") != "0")


def both(here: Callable[[], A], there: Callable[[], B], *, lines: int) -> tuple[A, B]:
    """``(here(), there())``, with ``there`` in a forked copy when :func:`active`.

    ``there``'s result must pickle. An exception in ``here`` propagates (the copy is stopped);
    one in ``there`` is raised here as if it had run here.
    """
    if not active(lines):
        return here(), there()
    freezing = collector.frozen()  # the collector would otherwise touch (so copy) every page
    freezing.__enter__()
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        freezing.__exit__(None, None, None)
        return here(), there()
    if pid == 0:  # pragma: no cover - the forked copy; its result is checked in the parent
        _child(there, read_end, write_end)
    freezing.__exit__(None, None, None)  # here; the copy keeps its objects frozen
    os.close(write_end)
    try:
        started = time.monotonic()
        mine = here()
        payload = _collect(read_end, max(MIN_WAIT, WAIT_FACTOR * (time.monotonic() - started)))
    except BaseException:
        _stop(pid, kill=True)
        raise
    finally:
        os.close(read_end)
    if not _stop(pid, kill=payload is None) or payload is None:
        return mine, there()  # the copy failed, died or did not answer: run the half here
    return mine, pickle.loads(payload)


def _child(there: Callable[[], object], read_end: int, write_end: int) -> None:  # pragma: no cover
    code = 1
    try:
        os.close(read_end)
        _die_with_parent()
        data = pickle.dumps(there(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as out:
            out.write(data)
        code = 0
    except BaseException:  # noqa: BLE001 - the parent runs the half itself
        pass
    finally:
        os._exit(code)


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked copy
    """Ask Linux to end this copy if the parent dies first (a killed run leaves nothing)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent is already gone
        os._exit(1)


def _collect(read_end: int, timeout: float) -> bytes | None:
    """Everything the copy writes until it closes the pipe; None when it does not finish in
    ``timeout`` seconds."""
    chunks = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([read_end], [], [], left)[0]:
            return None
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _stop(pid: int, *, kill: bool) -> bool:
    """Reap the copy (killed first when ``kill``); True when it ended well on its own."""
    try:
        if kill:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        return False
    return not kill and os.waitstatus_to_exitcode(status) == 0
