"""Find the parts of a workbook package: a worksheet's XML part by its sheet name, a
relationship's target. Shared by the reader (error cells) and the marked copy's writer.

Every function takes ``read``, a call that returns a part's text ("" when it is absent), so
the writer can pass the parts it has already changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import PurePosixPath

Read = Callable[[str], str]
WORKBOOK = "xl/workbook.xml"


def rels_name(part: str) -> str:
    """The relationships part of ``part`` (``xl/_rels/workbook.xml.rels``)."""
    path = PurePosixPath(part)
    return str(path.parent / "_rels" / f"{path.name}.rels")


def target(read: Read, part: str, rid: str) -> str:
    """The part that relationship ``rid`` of ``part`` points to.

    Raises:
        LookupError: no such relationship.
    """
    for tag in re.findall(r"<Relationship\b[^>]*/>", read(rels_name(part))):
        if re.search(rf'\bId="{re.escape(rid)}"', tag):
            found = re.search(r'\bTarget="([^"]*)"', tag)
            if found is None:
                break
            if found.group(1).startswith("/"):
                return found.group(1)[1:]
            resolved: list[str] = []
            for piece in (PurePosixPath(part).parent / found.group(1)).parts:
                if piece == "..":
                    if resolved:
                        resolved.pop()
                elif piece != ".":
                    resolved.append(piece)
            return "/".join(resolved)
    raise LookupError(f"relationship {rid} not found")


def sheet_parts(read: Read) -> dict[str, str]:
    """Each sheet's name -> its XML part, in workbook order (sheets whose relationship is
    missing are left out)."""
    found: dict[str, str] = {}
    for tag in re.findall(r"<sheet\b[^>]*/>", read(WORKBOOK)):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\b\w+:id="([^"]*)"', tag)
        if name and rid:
            try:
                found.setdefault(unescape(name.group(1)), target(read, WORKBOOK, rid.group(1)))
            except LookupError:
                continue
    return found


def sheet_part(read: Read, sheet: str) -> str:
    """The XML part of the sheet named ``sheet``.

    Raises:
        LookupError: no such sheet (the message names no sheet: names can be patient data).
    """
    for tag in re.findall(r"<sheet\b[^>]*/>", read(WORKBOOK)):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\b\w+:id="([^"]*)"', tag)
        if name and rid and unescape(name.group(1)) == sheet:
            return target(read, WORKBOOK, rid.group(1))
    raise LookupError("the sheet is not in the package")
