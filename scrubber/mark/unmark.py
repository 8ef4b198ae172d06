"""Undoing an earlier scrub on the sheet's rows: its status cells out, the formats it derived
back to the ones they came from (the record says which), so a second scrub marks the sheet
as it was."""

from __future__ import annotations

import re

from scrubber.mark.ooxml import (
    ATTR_R,
    ATTR_S,
    CELL,
    CELL_WITHOUT_REF,
    ROW,
    Record,
    Unsupported,
    column_number,
)
from scrubber.positions import column_letter

_CONTENT = rb"(?:/>|>[^<]*(?:<(?!/c>)[^<]*)*</c>)"  # the rest of a cell, to its first </c>


def undo_patterns(old: Record) -> tuple[re.Pattern, re.Pattern | None,
                                        dict[bytes, bytes | None]]:
    """An earlier scrub's status cells (the whole cell); a cell whose format it derived (its
    tag before the format, the format, the rest of the cell); and for each derived format
    what it goes back to (the original's attribute, nothing, or None: the scrub added the
    cell), as :func:`_restored` does."""
    letters = b"|".join(column_letter(c - 1).encode()
                        for c in (old.status_column, old.status_column + 1))
    ours = re.compile(rb'<c r="(?:' + letters + rb')\d+"[^>]*?' + _CONTENT)
    formats = {b"%d" % index: None if origin == "+" else b"" if origin == ""
               else b' s="%s"' % origin.encode() for index, origin in old.derived.items()}
    if not formats:
        return ours, None, formats
    derived = re.compile(rb'(<c r="[A-Z]+\d+"[^>]*?)\ss="('
                         + b"|".join(sorted(formats, key=len, reverse=True))
                         + rb')"([^>]*?' + _CONTENT + b")")
    return ours, derived, formats


def unmark_run(body: bytes, old: Record, patterns: tuple) -> bytes:
    """A run of rows as it was before the earlier scrub (see :func:`unmark_row`). When every
    cell starts with its reference, two substitutions over the whole run do it (``patterns``
    from :func:`undo_patterns`): our status cells out, then the derived formats back to the
    ones they came from; otherwise row by row. The text between rows is dropped."""
    if CELL_WITHOUT_REF.search(body) is not None:
        text = body.decode("utf-8")
        return "".join(unmark_row(m.group(), old) for m in ROW.finditer(text)).encode("utf-8")
    ours, derived, formats = patterns
    body = ours.sub(b"", body)
    if derived is not None:
        body = derived.sub(lambda found: b"" if (format_ := formats[found[2]]) is None
                           else found[1] + format_ + found[3], body)
    return body


def unmark_row(row: str, old: Record) -> str:
    """The row as it was before the earlier scrub: our cells removed, formats restored. Each
    cell is edited in place, so whatever else the row holds (spacing included) stays."""
    body_start = row.find(">") + 1
    if row[:body_start].endswith("/>"):
        return row
    pieces: list[str] = []
    position = body_start
    changed = False
    for match in CELL.finditer(row, body_start):
        reference = ATTR_R.search(match.group(1))
        if not reference:
            raise Unsupported("a cell without its r reference")
        cell = match.group()
        restored = _restored(cell, column_number(reference.group(1)), old)
        if restored != cell:
            changed = True
            pieces.append(row[position:match.start()])
            pieces.append(restored)
            position = match.end()
    if not changed:
        return row
    return row[:body_start] + "".join(pieces) + row[position:]


def _restored(cell: str, column: int, old: Record) -> str:
    """One cell as it was before the earlier scrub ("" when the scrub added it)."""
    if column in (old.status_column, old.status_column + 1):
        return ""
    tag_end = cell.index(">")
    tag = cell[:tag_end]
    found = ATTR_S.search(tag)
    if not found or int(found.group(1)) not in old.derived:
        return cell
    origin = old.derived[int(found.group(1))]
    if origin == "+":
        return ""
    if origin == "":
        tag = tag[:found.start()] + tag[found.end():]
    else:
        tag = tag[:found.start()] + f' s="{origin}"' + tag[found.end():]
    return tag + cell[tag_end:]
