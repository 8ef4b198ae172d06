"""How far an OpenDocument spreadsheet's values reach, read from its content.xml as it streams.

OpenDocument writes a run of equal rows or cells once, with ``table:number-rows-repeated``
or ``table:number-columns-repeated``: 1.5 KB can stand for a grid of 17 billion cells, which
python-calamine expands (up to 100 million cells, then refuses; below that it asks for 32
bytes a cell: 60 million cells ended the process under a 3 GiB cap). Only cells with a value
count, so a row or cell formatted down to the bottom of the sheet costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TAG = re.compile(
    rb"<(/?)(?:[\w.-]+:)?(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*)>")
_ROWS = re.compile(rb"""number-rows-repeated=["']([0-9]{1,10})["']""")
_COLUMNS = re.compile(rb"""number-columns-repeated=["']([0-9]{1,10})["']""")


class OdsScan:
    """content.xml fed a chunk at a time: each table's grid of values (its rows and columns
    up to the last value), as calamine expands it. ``rows`` and ``columns`` are the current
    table's, or the first table's found over the limit by ``over`` (then nothing more is
    read)."""

    def __init__(self, over: Callable[[int, int], bool]) -> None:
        self.rows = 0
        self.columns = 0
        self.stopped = False
        self._over = over
        self._carry = b""
        self._row = 0  # rows of this table before the current one
        self._repeat = 1  # the current row's repeat
        self._column = 0
        self._valued = False  # a cell of the current row has a value

    def feed(self, chunk: bytes) -> None:
        if self.stopped:
            return
        text = self._carry + chunk
        cut = text.rfind(b"<")
        cut = cut if cut >= 0 and len(text) - cut < 1 << 16 else len(text)
        body, self._carry = text[:cut], text[cut:]
        for closing, kind, attributes in _TAG.findall(body):
            self._tag(closing == b"/", kind, attributes)
            if self._over(self.rows, self.columns):
                self.stopped = True
                return

    def _tag(self, closing: bool, kind: bytes, attributes: bytes) -> None:
        empty = attributes.endswith(b"/")
        if kind == b"table":
            if not closing:
                self.rows = self.columns = self._row = 0
            return
        if kind == b"table-row":
            if closing:
                self._end_row()
                return
            found = _ROWS.search(attributes)
            self._repeat, self._column, self._valued = (int(found.group(1)) if found else 1,
                                                        0, False)
            if empty:
                self._end_row()
            return
        if closing:
            return
        found = _COLUMNS.search(attributes)
        repeat = int(found.group(1)) if found else 1
        if b"value-type" in attributes or (not empty and kind == b"table-cell"):
            self._valued = True
            self.columns = max(self.columns, self._column + repeat)
            self.rows = max(self.rows, self._row + self._repeat)
        self._column += repeat

    def _end_row(self) -> None:
        self._row += self._repeat
        self._repeat, self._valued = 1, False
