"""Python's cycle collector during a scrub: paused while a file is read or its copy written,
and kept off the table read while the file is scrubbed.

A scrub makes millions of objects that live until the file is done (calamine's grid of a
100k-line sheet alone is 100k row lists and 2.5M cells; then the frames, the findings, the
mark plan). Every few hundred new container objects start a collection, and now and then a
full one walks everything the run holds: on a 100k-line export about a second in all.

* Reading the grid and writing the marked copy make no reference cycles, so the collector is
  paused there (:func:`paused`).
* The rules do make cycles (pandas' accessors refer back to their Series), and on a million
  lines the temporaries they keep alive would pass the memory the tool promises, so the
  collector runs while the rules do; what the run holds by then (the table read) is frozen
  (:func:`frozen`), so its walks skip it. Frozen objects are still freed as soon as nothing
  refers to them; only a cycle among them would wait for the end of the block.

Memory freed by the compiled reader goes back to the system too (:func:`give_back`): calamine
parses a sheet on a thread of its own (scrubber.io.workbook), whose malloc arena keeps what it
freed; on a million lines that was some 300 MB held through the whole scrub.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
_trim: object = None  # glibc's malloc_trim, once looked up (False where there is none)


@contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off for the block (back on after, if it was on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@contextmanager
def frozen() -> Iterator[None]:
    """Every object alive now left out of the collector's walks for the block (blocks may
    nest: the objects are unfrozen when the outermost one ends)."""
    global _depth
    gc.freeze()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.unfreeze()


def give_back() -> None:
    """Return the memory malloc holds free, in every arena, to the system (glibc only)."""
    global _trim
    if _trim is None:
        _trim = False
        if sys.platform.startswith("linux"):
            try:
                _trim = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):  # not glibc (musl, ...): nothing to do
                pass
    if _trim:
        _trim(0)
