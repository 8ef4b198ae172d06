"""A worksheet's XML searched as it streams: how far its values reach, and its Excel error
cells (``#REF!``, ``#N/A``...), which python-calamine reads as empty cells.

A worksheet stores an error cell as ``<c r="C7" t="e"><v>#REF!</v></c>``. The sheet XML is
streamed (:mod:`scrubber.io.unpack` inflates it a chunk at a time; it is never parsed into a
tree) and searched for ``t="e"``; only the few cells found are looked at, so a sheet with no
error cell costs one pass of zlib and a byte search. The reader writes each error's text
into the grid where it stands, as Excel shows it and as a grid handed over by Excel carries
it. A cell without its reference (legal: it stands right of the cell before it) is placed
by walking the sheet in order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable

#: what Excel writes in an error cell (the text a grid from Excel or a CSV export carries).
ERROR_TEXTS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
               "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
               "#BUSY!", "#UNKNOWN!", "#PYTHON!")
#: an error text anywhere in a text (a CSV file's bytes, decoded).
ERROR_SEARCH = re.compile("|".join(re.escape(t) for t in ERROR_TEXTS), re.IGNORECASE)
_MARK = (b't="e"', b"t='e'")
_CELL_OPEN = re.compile(rb"<(?:\w+:)?c\b")
_REF = re.compile(rb"""\br=["']([A-Z]{1,4})([0-9]{1,8})["']""")
_CELL_CLOSE = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]{1,40})</(?:\w+:)?v>")
_MAX_CELLS = 1_000_000  # more error cells than this: the rest are left as empty cells
#: the head of a sheet's XML whose every cell is measured (as is its last chunk); past it
#: only the last cell of each chunk is, so the cost on a large sheet stays one zlib pass.
EXACT_BYTES = 1 << 20
_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*)>")
_ROW_START = re.compile(rb"<(?:[\w.-]+:)?row(?=[\s/>])")
_SPACED_REF = re.compile(rb"""\sr=["']([A-Z]{1,4})([0-9]{1,8})["']""")
_ANY_REF = re.compile(
    rb"""<(?:[\w.-]+:)?c\s[^>]*?\br=["']([A-Z]{1,4})([0-9]{1,8})["'][^>]*?(/?)>""")
_PREFIXED = re.compile(rb"<[\w.-]+:(?:c|row)[\s/>]")
_CELL_REF = re.compile(rb"""<(?:[\w.-]+:)?c r=["']([A-Z]{1,4})([0-9]{1,8})["'][^>]*?(/?)>""")
#: a cell with a value (not written ``<c r="A5" s="3"/>``): its reference
_VALUED_REF = re.compile(rb"""<(?:[\w.-]+:)?c r=["']([A-Z]{1,4})([0-9]{1,8})["'][^>]*(?<!/)>""")
_TAIL = 1 << 14  # a cell's tag is shorter than this: the cuts look this far back
_ROW_NUMBER = re.compile(rb"""\br=["']([0-9]{1,8})["']""")


class SheetScan:
    """One worksheet part, fed its XML a chunk at a time: how far its values reach (the
    grid calamine makes of it) and its error cells.

    Cells normally carry their reference (``r="C7"``). The first MiB and the last chunk are
    measured cell by cell, the chunks between by their last cell (rows are in order in any
    file Excel can open). A cell without its reference (legal: it stands right of the cell
    before it, and a row without one is the row after) is placed as calamine places it, by
    walking the sheet in order (:class:`_Walker`).
    """

    def __init__(self, stop: Callable[[int, int], bool] = lambda rows, columns: False) -> None:
        self.rows = 0  # the last row holding a value, 1-based (0: none)
        self.columns = 0  # the last column holding a value
        self.errors: dict[tuple[int, int], str] = {}
        self._stop = stop  # (rows, columns) -> whether that is already too far
        self._carry = b""
        self._seen = 0
        self._last = b""  # the last body fed, measured whole at the end
        self._walker: _Walker | None = None  # cells without references from the start on
        self._again = False  # found later: walk the part again, from its start

    def feed(self, chunk: bytes) -> None:
        body, self._carry = _cut(self._carry + chunk)
        self._body(body)

    def finish(self, again: Callable[[], Iterable[bytes]]) -> None:
        """After the last chunk; ``again`` streams the part anew, for a sheet with a cell
        without its reference found past its first MiB."""
        if self._carry:
            self._body(self._carry)
            self._carry = b""
        if self._last and self._walker is None:
            self._measure(self._last)
        self._last = b""
        if self._again:
            self._walker = _Walker(self._stop)
            carry = b""
            for chunk in itertools.chain(again(), [b""]):
                body, carry = _cut(carry + chunk) if chunk else (carry, b"")
                self._walker.feed(body)
                if self._stop(self._walker.rows, self._walker.columns):
                    break
        if self._walker is not None:
            self.rows, self.columns = self._walker.rows, self._walker.columns
            self.errors = self._walker.errors

    def _body(self, body: bytes) -> None:
        if self._walker is not None:
            self._walker.feed(body)
            self.rows, self.columns = self._walker.rows, self._walker.columns
            return
        if b"#" in body and (_MARK[0] in body or _MARK[1] in body) and len(
                self.errors) < _MAX_CELLS and not _collect(body, self.errors):
            self._again = True  # an error cell without its reference
        if self._seen + len(body) <= EXACT_BYTES:
            if _unreferenced(body):
                if self._seen:
                    self._again = True
                else:
                    self._walker = _Walker(self._stop)
                    self._body(body)
                    return
            self._measure(body)
        else:
            self._last_cell(body)
            self._last = body
        self._seen += len(body)

    def _measure(self, body: bytes) -> None:
        """Every cell of ``body`` that has a value."""
        refs = _VALUED_REF.findall(body)
        if refs:
            self._reach(*_extent(refs))

    def _last_cell(self, body: bytes) -> None:
        start = len(body) - _TAIL
        at = max(body.rfind(b'<c r="', start), body.rfind(b':c r="', start))
        match = _CELL_REF.match(body, body.rfind(b"<", 0, at + 1)) if at >= 0 else None
        if match and not match.group(3):
            self._reach(int(match.group(2)), _column(match.group(1).decode("ascii")))

    def _reach(self, row: int, column: int) -> None:
        if row > self.rows:
            self.rows = row
        if column > self.columns:
            self.columns = column


def _cells(text: bytes) -> int:
    """How many cell tags ``text`` holds."""
    return text.count(b"<c ") + text.count(b"<c>") + text.count(b":c ") + text.count(b":c>")


def _unreferenced(body: bytes) -> bool:
    """Whether a cell of ``body`` has no reference (or not as its first attribute)."""
    return _cells(body) != body.count(b"<c r=") + body.count(b":c r=")


class _Walker:
    """Cells placed in order as calamine places them: by their reference, else right of the
    cell before (a row without a reference is the one after the row before). A row costs a
    few byte counts; only a row mixing cells with and without references, holding an error
    cell or a cell closed at once is looked at cell by cell."""

    def __init__(self, too_far: Callable[[int, int], bool]) -> None:
        self.rows = self.columns = 0
        self.errors: dict[tuple[int, int], str] = {}
        self._row = self._column = 0
        self._too_far = too_far

    def feed(self, body: bytes) -> None:
        """Whole cells and rows (the first piece continues the row the last body ended in)."""
        if not any(mark in body for mark in (b" r=", b"/>", *_MARK)) and not \
                _PREFIXED.search(body):
            self._plain(body.split(b"<row"))
            return
        if not any(mark in body for mark in _MARK) and self._referenced(body):
            return
        pieces = _ROW_START.split(body)
        self._cells(pieces[0])
        for piece in pieces[1:]:
            end = piece.find(b">")
            attributes = piece[:end] if end >= 0 else piece
            number = _ROW_NUMBER.search(attributes)
            self._row = int(number.group(1)) if number else self._row + 1
            self._column = 0
            if end >= 0 and not attributes.endswith(b"/"):
                self._cells(piece[end + 1:])

    def _referenced(self, body: bytes) -> bool:
        """Measure ``body`` whole when each of its cells has its reference (only not first
        among its attributes); False, measuring nothing, when one has none."""
        refs = _SPACED_REF.findall(body)  # fast, but a cell closed at once counts too
        if len(refs) != _cells(body):
            return False
        if refs:
            rows, columns = _extent(refs)
            if self._too_far(rows, columns):  # formatting far out? the values alone, then
                valued = [(c, r) for c, r, closed in _ANY_REF.findall(body) if not closed]
                rows, columns = _extent(valued) if valued else (0, 0)
            self._reach(rows, columns)
            # where a cell without a reference after them would go
            self._row, self._column = int(refs[-1][1]), _column(refs[-1][0].decode("ascii"))
        return True

    def _plain(self, pieces: list[bytes]) -> None:
        """Rows and cells without references, each cell with a value, no error cell: the
        n-th cell of a row is in column n (the cost of a few byte counts a row)."""
        if pieces[0]:
            self._column += pieces[0].count(b"<c")
            self._reach(self._row, self._column)
        counts = [piece.count(b"<c") for piece in pieces[1:]]
        if not counts:
            return
        valued = [n for n, count in enumerate(counts, start=1) if count]
        if valued:
            self._reach(self._row + valued[-1], max(counts))
        self._row += len(counts)
        self._column = counts[-1]

    def _cells(self, cells: bytes) -> None:
        count = _cells(cells)
        if not count:
            return
        marked = _MARK[0] in cells or _MARK[1] in cells
        if not marked and b"/>" not in cells and b" r=" not in cells:
            self._column += count  # none has a reference, every one a value
            self._reach(self._row, self._column)
            return
        for match in _TAG.finditer(cells):
            if match.group(1) != b"c":
                continue
            attributes = match.group(2)
            ref = _REF.search(attributes)
            if ref:
                self._row, self._column = int(ref.group(2)), _column(ref.group(1).decode())
            else:
                self._column += 1
            if attributes.endswith(b"/"):
                continue
            self._reach(self._row, self._column)
            if (_MARK[0] in attributes or _MARK[1] in attributes) and len(
                    self.errors) < _MAX_CELLS:
                end = _CELL_CLOSE.search(cells, match.end())
                value = _VALUE.search(cells, match.end(), end.end()) if end else None
                text = value.group(1).decode("ascii", "replace").strip() if value else ""
                self.errors[(self._row - 1, self._column - 1)] = _known(text)

    def _reach(self, row: int, column: int) -> None:
        if row > self.rows:
            self.rows = row
        if column > self.columns:
            self.columns = column


def _extent(refs: Iterable[tuple[bytes, bytes]]) -> tuple[int, int]:
    """(last row, last column) of cell references given as (letters, digits)."""
    letters, digits = zip(*refs, strict=True)
    return max(map(int, set(digits))), max(_column(c.decode("ascii")) for c in set(letters))


def _cut(text: bytes) -> tuple[bytes, bytes]:
    """``text`` split before its last cell or row, which may be cut short: (the whole cells
    and rows, the rest for the next chunk)."""
    start = len(text) - _TAIL
    cut = max(text.rfind(b"<c ", start), text.rfind(b"<c>", start), text.rfind(b":c ", start),
              text.rfind(b"<row", start), text.rfind(b":row", start))
    cut = text.rfind(b"<", 0, cut + 1) if cut > 0 else len(text)  # no cell is that long: a
    # damaged part, go on
    return text[:cut], text[cut:]


def _collect(body: bytes, cells: dict[tuple[int, int], str]) -> bool:
    """Add the error cells of whole cells in ``body``; False when one has no reference (its
    place follows from the cells before it: :func:`_walk` finds it)."""
    placed = True
    for mark in _MARK:
        at = body.find(mark)
        while at >= 0:
            start = body.rfind(b"<", 0, at)
            match = _CELL_OPEN.match(body, start) if start >= 0 else None
            close = body.find(b">", at)
            end = _CELL_CLOSE.search(body, close) if match and close >= 0 else None
            if end is not None:
                tag = body[start:close + 1]
                ref = _REF.search(tag)
                value = _VALUE.search(body, close, end.end())
                if ref and not tag.endswith(b"/>"):
                    text = value.group(1).decode("ascii", "replace").strip() if value else ""
                    row = int(ref.group(2)) - 1
                    column = _column(ref.group(1).decode("ascii")) - 1
                    cells[(row, column)] = _known(text)
                elif not tag.endswith(b"/>"):
                    placed = False
            at = body.find(mark, at + 1)
    return placed


def _known(text: str) -> str:
    """The error's text as Excel writes it; an unknown one reads as #VALUE!."""
    upper = text.upper()
    return upper if upper in ERROR_TEXTS else "#VALUE!"


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def place(grid: list[list[object]], cells: dict[tuple[int, int], str]) -> int:
    """Write each error's text into ``grid`` (rows of cells from A1, as calamine gives a
    sheet: its range takes in the error cells) where it stands; returns how many."""
    placed = 0
    for (row, column), text in cells.items():
        if row < len(grid) and column < len(grid[row]):
            grid[row][column] = text
            placed += 1
    return placed
