"""Plain-text layout for the text report: cell text wrapped and padded as rich wraps it.

rich measures and wraps every cell of a :class:`rich.table.Table` through its Text and Segment
machinery, which took seconds for a report of 18,000 findings. The report's cells are few
distinct strings (a few thousand messages, a hundred suggestions, a score of rule names) and
nearly all plain ASCII, so :class:`Layout` wraps each distinct string once, with str methods,
following rich's own algorithm (``rich._wrap.divide_line`` and ``Text.wrap``) character for
character; the report looks as it did when rich drew it. Text that is not printable ASCII (wide
or combining characters, a tab, a line break) goes to rich's ``Text.wrap`` itself, which knows
cell widths.

Everything shown comes through :func:`shown` first: terminal control characters from a cell
(an ESC pasted into a spreadsheet) are written as ``\\x1b``, never sent.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

#: control characters other than tab and newline (C0, DEL, C1): shown, never sent.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: white space other than " " and "\n": where str.rstrip() and str.splitlines() do more.
ODD_SPACE = re.compile(r"[^\S \n]")
#: rich's word: leading spaces, the word, trailing spaces (rich._wrap.re_word).
_WORD = re.compile(r"\s*\S+\s*")


def shown(value: object) -> str:
    """A piece of user data as text that is safe to print: control codes escaped."""
    plain = "" if value is None else str(value)
    if plain.isascii() and plain.isprintable():
        return plain
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", plain)


def _simple(text: str) -> bool:
    """One cell a character and no tab or line break: len() is the width on screen."""
    return text.isascii() and text.isprintable()


def divide(text: str, width: int) -> list[int]:
    """Where rich breaks ``text`` (printable ASCII) to fit ``width`` (rich._wrap.divide_line
    with one cell a character): before the first word that would end past the line, a word's
    trailing spaces staying on its line.

    Most lines are found with ``rfind``; text that starts with a space or has a word longer
    than a line goes through rich's word-by-word loop (:func:`_divide_words`).
    """
    if text.startswith(" "):
        return _divide_words(text, width)
    breaks: list[int] = []
    end = len(text.rstrip(" "))
    start = 0
    while end - start > width:
        limit = start + width
        if text[limit] == " ":  # the line ends between words: the next one starts the line
            start = len(text) - len(text[limit:].lstrip(" "))
        else:
            space = text.rfind(" ", start, limit)
            if space < start:  # one word fills the line: rich folds it
                return _divide_words(text, width)
            start = space + 1
        breaks.append(start)
    return breaks


def _divide_words(text: str, width: int) -> list[int]:
    """rich._wrap.divide_line for printable ASCII, word by word."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        length = len(match.group().rstrip())
        if width - offset >= length:
            offset += end - start
        elif length > width:  # fold the word (and its trailing spaces) in width-long pieces
            for piece_start in range(start, end, width):
                if piece_start:
                    breaks.append(piece_start)
            offset = (end - start) % width or width
        elif offset and start:
            breaks.append(start)
            offset = end - start
    return breaks


def wrap(text: str, width: int) -> list[str]:
    """Printable ASCII ``text`` in lines of at most ``width``, as rich's ``Text.wrap`` with
    overflow "fold" makes them (a line's spaces past the width dropped, then cropped)."""
    if len(text) <= width:
        return [text]
    breaks = divide(text, width)
    # each line's words fit, so what passes the width is spaces, which rich drops
    return [text[start:min(end, start + width)]
            for start, end in zip([0, *breaks], [*breaks, len(text)], strict=True)]


class Layout:
    """The wrapped and padded lines of each distinct text, made once for one report.

    Args:
        console: the console rich would have rendered to (for text that is not plain ASCII).
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        #: whether any text shown holds white space other than " " and "\n" (see ODD_SPACE)
        self.odd_space = False
        self._shown: dict[object, str] = {}
        self._lines: dict[tuple[str, int], list[str]] = {}
        self._cells: dict[tuple[str, int, bool], list[str]] = {}

    def shown(self, value: object) -> str:
        """:func:`shown`, once per distinct value."""
        try:
            return self._shown[value]
        except KeyError:
            text = self._shown[value] = shown(value)
            if not _simple(text) and ODD_SPACE.search(text):
                self.odd_space = True
            return text

    @staticmethod
    def widest(texts: Collection[str]) -> int:
        """The most cells any of ``texts`` takes on screen (0 for none)."""
        if _simple("".join(texts)):
            return max(map(len, texts), default=0)
        return max(len(text) if _simple(text) else cell_len(text) for text in texts)

    def lines(self, text: str, width: int) -> list[str]:
        """``text`` wrapped to ``width`` as a rich Text prints (not padded)."""
        key = (text, width)
        found = self._lines.get(key)
        if found is None:
            if len(text) <= width and _simple(text):  # a finding's heading: not kept
                return [text]
            found = self._lines[key] = (wrap(text, width) if _simple(text) else
                                        self._rich(text, width, "default", "fold"))
        return found

    def cell(self, text: str, width: int, fixed: bool = False) -> list[str]:
        """``text`` as a table cell of ``width``: wrapped (or, ``fixed``, cut with an
        ellipsis) and padded, as a rich Table column with that width draws it."""
        key = (text, width, fixed)
        found = self._cells.get(key)
        if found is None:
            if len(text) <= width and _simple(text):  # a row number, an encounter: not kept
                return [text.ljust(width)]
            found = self._cells[key] = self._cell(text, width, fixed)
        return found

    def _cell(self, text: str, width: int, fixed: bool) -> list[str]:
        if not _simple(text):
            return self._rich(text, width, "left", "ellipsis" if fixed else "fold", fixed)
        if fixed:
            return [(text if len(text) <= width else text[:width - 1] + "…").ljust(width)]
        return [line.ljust(width) for line in wrap(text, width)]

    def _rich(self, text: str, width: int, justify: str, overflow: str,
              no_wrap: bool = False) -> list[str]:
        lines = [line.plain for line in Text(text).wrap(
            self.console, width, justify=justify, overflow=overflow,  # type: ignore[arg-type]
            no_wrap=no_wrap)]
        if justify == "left":  # rich pads a cell's lines to the column's width
            return [line + " " * (width - cell_len(line)) for line in lines]
        return lines
