"""Python's cycle collector, paused while one file is read, scrubbed or marked.

A scrub makes millions of objects that live until the file is done (calamine's grid of a
100k-line sheet alone is 100k row lists and 2.5M cells; then the frames, the findings, the
mark plan). Every few hundred new container objects start a collection, and now and then a
full one walks everything the run holds: on a 100k-line export about a second in all, for
nothing, since what a scrub makes is freed by reference counting (no cycles of ours; the peak
memory is the same with the collector off). The collector is back on, if it was, when the
file is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


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
