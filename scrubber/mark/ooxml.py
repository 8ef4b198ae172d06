"""The small OOXML tools the package writer shares: the record of what a scrub changed,
exact text edits that can be undone, and cell text written as OOXML writes it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

#: bytes read or written at a time when a part is streamed.
CHUNK = 1 << 20
#: a row, whole (self-closing, or to its first </row>).
ROW = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
#: a cell, whole: its attributes and its content (to its first </c>).
CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
#: a cell's reference in its attributes: letters and row.
ATTR_R = re.compile(r'\br="([A-Z]+)(\d+)"')
#: a cell's format in its attributes.
ATTR_S = re.compile(r'\ss="(\d+)"')
#: a cell that does not start with its reference (bytes).
CELL_WITHOUT_REF = re.compile(rb'<c(?! r=")[\s/>]')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


class Unsupported(Exception):
    """The package path cannot edit this workbook; the message says why (for the notice)."""


@dataclass
class Edit:
    """One exact text replacement in a small part, kept so that it can be undone."""

    part: str
    old: str
    new: str


@dataclass
class Record:
    """What a scrub changed in the copy, stored in the copy (custom document property)."""

    sheet_part: str
    status_column: int
    max_column: int
    xf_base: int
    fill_base: int
    derived: dict[int, str]  # derived format -> the original ("" absent, "+" inserted cell)
    issues_part: str
    issues_name: str
    custom_created: bool
    edits: list[Edit] = field(default_factory=list)

    def to_json(self) -> str:
        data = {**self.__dict__, "edits": [e.__dict__ for e in self.edits],
                "derived": {str(k): v for k, v in self.derived.items()}, "version": 1}
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Record:
        data = json.loads(text)
        data.pop("version", None)
        data["edits"] = [Edit(**e) for e in data["edits"]]
        data["derived"] = {int(k): v for k, v in data["derived"].items()}
        return cls(**data)


def xml_text(value: object) -> str:
    """Cell text for XML: escaped, control characters written as OOXML does (``_x000B_``)."""
    text = str(value)
    if text.isalnum():  # codes and IDs: nothing to escape
        return text
    # most texts have neither (a scan for printable lines is far quicker than the pattern);
    # inline, not a call of ooxml_escape: this runs for every text cell of a CSV's copy
    if "_x" in text or not all(map(str.isprintable, text.split("\n"))):
        text = _CONTROL.sub(_ooxml_escape, text)
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def ooxml_escape(text: str) -> str:
    """Control characters as OOXML writes them in cell text (``\x0b`` is ``_x000B_``), and a
    text that looks like such an escape kept literal (``_x0041_`` is ``_x005F_x0041_``): what
    :func:`xml_text` does before the XML escapes, for a writer that makes those itself."""
    if "_x" in text or not all(map(str.isprintable, text.split("\n"))):
        text = _CONTROL.sub(_ooxml_escape, text)
    return text


def _ooxml_escape(match: re.Match) -> str:
    found = match.group()
    return f"_x{ord(found):04X}_" if len(found) == 1 else f"_x005F{found}"


def edit_text(text: str, record: Record, part: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise Unsupported(f"{part}: cannot place the edit")
    record.edits.append(Edit(part, old, new))
    return text.replace(old, new, 1)


def undo_text(text: str, edits: list[Edit]) -> str:
    for edit in reversed(edits):
        if edit.old == "":  # an insertion before <sheetData>
            if text.count(edit.new) != 1:
                raise Unsupported("the marked copy was changed since it was marked")
            text = text.replace(edit.new, "", 1)
            continue
        if text.count(edit.new) != 1:
            raise Unsupported("the marked copy was changed since it was marked")
        text = text.replace(edit.new, edit.old, 1)
    return text


@lru_cache(maxsize=4096)
def column_number(letters: str) -> int:
    """1-based column number of a column's letters (cached: a sheet has few columns)."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number
