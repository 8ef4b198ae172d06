"""Excel error cells (``#REF!``, ``#N/A``...), which python-calamine reads as empty cells.

A worksheet stores an error cell as ``<c r="C7" t="e"><v>#REF!</v></c>``. The sheet XML is
streamed (inflated a chunk at a time, never parsed into a tree) and searched for ``t="e"``;
only the few cells found are looked at, so a sheet with no error cell costs one pass of
zlib and a byte search. The reader writes each error's text into the grid where it stands,
as Excel shows it and as a grid handed over by Excel carries it.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from scrubber.io.parts import sheet_parts

#: what Excel writes in an error cell (the text a grid from Excel or a CSV export carries).
ERROR_TEXTS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
               "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
               "#BUSY!", "#UNKNOWN!", "#PYTHON!")
#: an error text anywhere in a text (a CSV file's bytes, decoded).
ERROR_SEARCH = re.compile("|".join(re.escape(t) for t in ERROR_TEXTS), re.IGNORECASE)
_CHUNK = 1 << 20
_MARK = (b't="e"', b"t='e'")
_CELL_OPEN = re.compile(rb"<(?:\w+:)?c\b")
_REF = re.compile(rb"""\br=["']([A-Z]{1,3})([0-9]{1,7})["']""")
_CELL_CLOSE = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]{1,40})</(?:\w+:)?v>")
_MAX_CELLS = 1_000_000  # more error cells than this: the rest are left as empty cells


def error_cells(path: str | Path) -> dict[str, dict[tuple[int, int], str]]:
    """Each worksheet's error cells: sheet name -> {(row, column) 0-based: error text}.

    Sheets without any are left out; a package that cannot be read gives {} (the reader
    reports it in its own words).
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())

            def read(name: str) -> str:
                if name not in names:
                    return ""
                with package.open(name) as member:
                    return member.read(8 << 20).decode("utf-8", "replace")

            for sheet, part in sheet_parts(read).items():
                if part in names and _has_mark(package, part):
                    cells = _scan(package, part)
                    if cells:
                        found[sheet] = cells
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError, KeyError,
            NotImplementedError):
        return {}
    return found


def _has_mark(package: zipfile.ZipFile, part: str) -> bool:
    """Whether the part may hold an error cell: the one pass a sheet without any costs
    (zlib and a search for ``#``, which every error text starts with and other sheet XML
    rarely holds; ``t="e"`` itself shares its prefix with every cell's type)."""
    with package.open(part) as member:
        while True:
            chunk = member.read(_CHUNK)
            if not chunk:
                return False
            if b"#" in chunk:
                return True


def _scan(package: zipfile.ZipFile, part: str) -> dict[tuple[int, int], str]:
    """The error cells of one sheet part, streamed a chunk at a time."""
    cells: dict[tuple[int, int], str] = {}
    carry = b""
    with package.open(part) as member:
        while True:
            chunk = member.read(_CHUNK)
            if not chunk:
                break
            text = carry + chunk
            # keep the last cell (which may be cut short) for the next round
            cut = max(text.rfind(b"<c "), text.rfind(b"<c>"), text.rfind(b":c "))
            cut = cut if cut > 0 else len(text)
            body, carry = text[:cut], text[cut:]
            if len(carry) > 1 << 16:  # no cell is that long: a damaged part, stop here
                carry = b""
            if _MARK[0] in body or _MARK[1] in body:
                _collect(body, cells)
                if len(cells) >= _MAX_CELLS:
                    break
        if carry and (_MARK[0] in carry or _MARK[1] in carry):
            _collect(carry, cells)
    return cells


def _collect(body: bytes, cells: dict[tuple[int, int], str]) -> None:
    """Add the error cells of whole cells in ``body``."""
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
            at = body.find(mark, at + 1)


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
