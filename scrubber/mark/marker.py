"""Marking the scrubbed sheet's rows: a run of whole rows at a time, as bytes.

Most rows of an export are clean lines: each gets its ``Scrub Status`` cell appended and is
otherwise left as it is, so a clean row is only looked at where it starts (its number) and
where it ends (its last cell); one search over the run first makes sure that every cell in it
starts with its reference. A flagged row gets the template of its shape (the same columns,
attributes and fills), made once, with its row number, contents and findings put in. A row
that is anything else (a self-closing row, text around it, a reference that is not first,
cells out of order or at or past the status column) goes down the general path, which reads
it cell by cell as the writer always did; tests hold the two paths to the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter, sub

from scrubber.mark.ooxml import (
    ATTR_R,
    ATTR_S,
    CELL,
    CELL_WITHOUT_REF,
    ROW,
    Record,
    Unsupported,
    column_number,
    xml_text,
)
from scrubber.mark.plan import MarkPlan, RowMark
from scrubber.mark.styles import Styles
from scrubber.mark.unmark import undo_patterns, unmark_row, unmark_run
from scrubber.positions import column_letter

# a cell's tag: '<c r="' and its letters, its row's digits, the rest of the tag from the quote
_CELL_SPLIT = re.compile(rb'(<c r="[A-Z]+)(\d+)("[^>]*>)')
_CLOSE = repeat(b"</c>")
_MISSING = object()
_SPANS = re.compile(r'\bspans="(\d+):(\d+)"')
_LAST_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)\d+"')
_HIDDEN = re.compile(r'<row\b[^>]*\bhidden="(?:1|true)"')
_HIDDEN_BYTES = re.compile(rb'<row\b[^>]*\bhidden="(?:1|true)"')
_SPANS_BYTES = re.compile(rb'\bspans="(\d+):(\d+)"')
_END = b"</row>"


@dataclass(frozen=True)
class _Template:
    """How a flagged row of one shape is marked.

    Attributes:
        tags: each cell's tag after its reference, with its derived format.
        ends: what each cell's content must measure (its length less where its ``</c>``
            starts: 4, or 1 for an empty content after ``/>``); None when no cell is empty.
        gaps: the missing cells, as (where they go in the row's pieces, pieces around the
            row number); the first goes before the first cell.
        status: where the status cells go, the pieces before the findings text, and after.
        high: the last column the row fills (for its spans).
    """

    tags: tuple[bytes, ...]
    ends: tuple[int, ...] | None
    first: list[bytes]
    gaps: list[tuple[int, list[bytes]]]
    status: tuple[int, list[bytes], bytes]
    high: int


class _Header:
    """Stands for the header row among the marks, so it takes the general path."""

    fill = "header"
    findings = ""


class Marker:
    """Marks runs of rows (:meth:`rows`) or one row (:meth:`row`): undo an earlier scrub,
    then mark."""

    def __init__(self, plan: MarkPlan, status: int, styles: Styles, record: Record) -> None:
        self.plan = plan
        self.status = status
        self.styles = styles
        self.record = record
        # keyed by the row number as written, so a row's number is never parsed
        self._byte_marks: dict[bytes, RowMark | _Header] = dict(zip(
            map(b"%d".__mod__, map(attrgetter("row"), plan.rows)), plan.rows, strict=True))
        self._byte_marks[b"%d" % plan.header_row] = _Header()
        self.cells: dict[int, dict[int, str]] = {}
        for cell in plan.cells:
            self.cells.setdefault(cell.row, {})[cell.column_index + 1] = cell.fill
        self.hidden: set[int] = set()
        #: a sheet without room for the status columns (its columns reach XFD): a flagged
        #: row is filled through its last cell (or flagged cell), not through the status
        #: columns, which the caller drops; else each flagged row would get thousands of
        #: blank cells up to XFD.
        self.fill_to_last_cell = False
        self._status_start = f'<c r="{column_letter(status - 1)}'.encode()
        self._status_ends: dict[str, bytes] = {}
        self._room: dict[bytes, bool] = {}
        self._letters = [""] + [column_letter(c) for c in range(status + 1)]
        self._restyled: dict[tuple[str, str], str] = {}
        self._templates: dict[tuple, _Template | None] = {}
        self._findings: dict[str, bytes] = {}  # findings texts repeat: each escaped once
        self._undo: tuple | None = None

    # -- runs of rows -------------------------------------------------------------------

    def rows(self, body: bytes, old: Record | None) -> bytes:
        """A run of whole rows marked; the text between rows is dropped."""
        if old is not None:
            body = self._unmark(body, old)
        pieces = body.split(_END)
        rest = pieces.pop()  # whatever follows the last row's end
        # a run whose every cell starts with its reference may append status cells unread
        quick = CELL_WITHOUT_REF.search(body) is None
        marks = self._byte_marks
        status, start, ends = self.status, self._status_start, self._status_ends
        room = self._room
        out: list[bytes] = []
        add = out.append
        for piece in pieces:
            if piece[:8] != b'<row r="':
                piece = piece.lstrip()
                if piece[:8] != b'<row r="':
                    add(self._general(piece + _END))
                    continue
            quote = piece.find(b'"', 8)
            number = piece[8:quote]
            tag_end = piece.find(b">", quote)
            if tag_end < 0 or piece[tag_end - 1] == 47:  # a self-closing row: general path
                add(self._general(piece + _END))
                continue
            mark = marks.get(number)
            if mark is None:
                if number.isdigit() and number[:1] != b"0":
                    add(piece)
                    add(_END)
                else:
                    add(self._general(piece + _END))
                continue
            if mark.fill is None and quick:
                cell = piece.rfind(b'<c r="')
                if cell > tag_end:
                    reference = piece[cell + 6:piece.find(b'"', cell + 6)]
                    letters = reference.rstrip(b"0123456789")
                    fits = room.get(letters)
                    if fits is None:
                        fits = room[letters] = self._left_of_status(letters)
                    if fits and len(letters) < len(reference):
                        if piece.find(b"spans=", 0, tag_end) >= 0:
                            piece = _set_spans(piece, status)
                        add(piece)
                        add(start)
                        add(number)
                        add(ends.get(mark.status) or self._status_end(mark.status))
                        continue
            elif mark.findings:
                if b"hidden=" in piece[:tag_end] and _HIDDEN_BYTES.match(piece):
                    self.hidden.add(mark.row)
                flagged = self._flagged(piece, mark.row, mark)
                if flagged is not None:
                    add(flagged)
                    continue
            add(self.row(piece.decode("utf-8") + "</row>", None).encode("utf-8"))
        if rest.strip():
            add(self._general(rest))
        return b"".join(out)

    def _general(self, body: bytes) -> bytes:
        """Rows read one by one, exactly (anything between them dropped)."""
        text = body.decode("utf-8")
        return "".join(self.row(m.group(), None) for m in ROW.finditer(text)).encode("utf-8")

    def _unmark(self, body: bytes, old: Record) -> bytes:
        if self._undo is None:
            self._undo = undo_patterns(old)
        return unmark_run(body, old, self._undo)

    def _left_of_status(self, letters: bytes) -> bool:
        return re.fullmatch(rb"[A-Z]+", letters) is not None and (
            column_number(letters.decode()) < self.status)

    def _status_end(self, status: str) -> bytes:
        end = self._status_ends[status] = (
            f'" t="inlineStr"><is><t xml:space="preserve">{xml_text(status)}</t></is></c>'
            f"</row>").encode()
        return end

    # -- one row ------------------------------------------------------------------------

    def row(self, text: str, old: Record | None) -> str:
        number_match = re.match(r'<row\b[^>]*?\br="(\d+)"', text)
        if not number_match:
            raise Unsupported("a row without its r reference")
        number = int(number_match.group(1))
        if old is not None:
            text = unmark_row(text, old)
        mark = self._byte_marks.get(b"%d" % number)
        if number == self.plan.header_row:
            return self._header(text, number)
        if mark is None:
            return text
        if mark.fill and _HIDDEN.match(text):
            self.hidden.add(number)
        if not mark.fill:
            quick = self._append_status(text, number, mark.status)
            if quick is not None:
                return quick
        elif mark.findings and text.endswith("</row>"):
            flagged = self._flagged(text[:-6].encode("utf-8"), number, mark)
            if flagged is not None:
                return flagged.decode("utf-8")
        cells = _cells(text)
        fill_cells = self.cells.get(number, {})
        out: dict[int, str] = {}
        for column, cell in cells.items():
            fill = fill_cells.get(column) or (mark.fill if column <= self.status + 1 else None)
            out[column] = self._restyle(cell, fill) if fill else cell
        if mark.fill:
            reach = max([0, *out, *fill_cells]) if self.fill_to_last_cell else self.status + 1
            for column in range(1, reach + 1):
                if column not in out:
                    fill = fill_cells.get(column) or mark.fill
                    index = self.styles.derived("+", fill, self.record.derived)
                    out[column] = f'<c r="{column_letter(column - 1)}{number}" s="{index}"/>'
        style = ""
        if mark.fill:
            style = f' s="{self.styles.derived("+", mark.fill, self.record.derived)}"'
        out[self.status] = _text_cell(self.status, number, mark.status, style)
        if mark.findings:
            out[self.status + 1] = _text_cell(self.status + 1, number, mark.findings, style)
        elif self.status + 1 in out and not mark.fill:
            del out[self.status + 1]
        return _rebuild_row(text, out)

    def _flagged(self, row: bytes, number: int, mark: RowMark) -> bytes | None:
        """A flagged row (its XML without ``</row>``) whose cells all start with their
        reference, in column order: the row the general path makes, from a template per
        shape of row; None otherwise.

        Rows of one shape (the same columns with the same attributes, fills and status) differ
        only in their row number, their cells' references and contents and their findings, so
        the shape's :class:`_Template` is made once; a row then only has its tags swapped
        and the missing cells put in."""
        body_start = row.find(b">") + 1
        open_tag = row[:body_start]
        if open_tag.endswith(b"/>"):
            return None
        # [before, then per cell: '<c r="' and letters, digits, '"attributes>' or
        # '"attributes/>', content]
        parts = _CELL_SPLIT.split(row[body_start:])
        if row.count(b"<c", body_start) != len(parts) // 4:
            return None
        fill_cells = self.cells.get(number)
        key = (b"".join(parts[1::2]), mark.fill, mark.status,
               tuple(fill_cells.items()) if fill_cells else ())
        template = self._templates.get(key, _MISSING)
        if template is _MISSING:
            template = self._templates[key] = self._template(parts, mark, fill_cells or {})
        if template is None:
            return None
        contents = parts[4::4]
        # each content is exactly its cell's (ends at its one </c>, or empty after />): the
        # general path drops anything else between cells, and so must this one
        if template.ends is None:  # no empty cells: the quick test
            if row.count(b"</c>", body_start) != len(contents) or \
                    not all(map(bytes.endswith, contents, _CLOSE)):
                return None
        elif tuple(map(sub, map(len, contents), map(bytes.find, contents, _CLOSE))) != \
                template.ends:
            return None
        digits = b"%d" % number
        parts[3::4] = template.tags
        parts[0] = digits.join(template.first)
        for at, gap in template.gaps:
            parts[at] += digits.join(gap)
        status_at, before, after = template.status
        findings = self._findings.get(mark.findings)
        if findings is None:
            findings = self._findings[mark.findings] = xml_text(mark.findings).encode("utf-8")
        parts[status_at] += b"%s%s%s" % (digits.join(before), findings, after)
        if b"spans=" in open_tag:
            open_tag = _spans_over(open_tag, template.high)
        return b"%s%s</row>" % (open_tag, b"".join(parts))

    def _template(self, parts: list[bytes], mark: RowMark,
                  fill_cells: dict[int, str]) -> _Template | None:
        """How to mark a row of this shape (see :class:`_Template`); None for cells out of
        column order (the general path sorts them).

        The derived formats are asked for in the general path's order (the row's cells, then
        the missing columns, then the status cells), so they get the same numbers."""
        status, last = self.status, self.status + 1
        derived, record = self.styles.derived, self.record.derived
        columns, tags, ends = [], [], []
        for k in range(len(parts) // 4):
            column = column_number(parts[1 + 4 * k][6:].decode())
            if columns and column <= columns[-1]:
                return None
            if column in (status, last):  # the general path writes ours over it
                return None
            columns.append(column)
            tag = parts[3 + 4 * k].decode("utf-8")
            closing = "/>" if tag.endswith("/>") else ">"
            ends.append(1 if closing == "/>" else 4)
            fill = fill_cells.get(column) or (mark.fill if column <= last else None)
            if fill:
                tag = f'"{self._restyle_attrs(tag[1:-len(closing)], fill)}{closing}'
            tags.append(tag.encode("utf-8"))
        blanks: dict[int, list[str]] = {}
        reach = max([0, *columns, *fill_cells]) if self.fill_to_last_cell else last
        for column in range(1, reach + 1):
            if column not in columns:
                index = derived("+", fill_cells.get(column) or mark.fill, record)
                blanks[column] = [f'<c r="{self._letters[column]}', f'" s="{index}"/>']
        style = f' s="{derived("+", mark.fill, record)}" t="inlineStr"><is><t xml:space="preserve">'
        blanks[status] = [f'<c r="{self._letters[status]}',
                          f'"{style}{xml_text(mark.status)}</t></is></c>']
        blanks[last] = [f'<c r="{self._letters[last]}', f'"{style}']
        # each run of missing columns goes after the cell before it (or first in the row),
        # as pieces around the row number: a row's gap is then digits.join(pieces)
        gaps: list[tuple[int, list[str]]] = []
        for column in sorted(blanks):
            before = sum(1 for c in columns if c < column)
            at = 4 * before  # parts[0] for the first gap, else the content of the cell before
            if gaps and gaps[-1][0] == at:
                gaps[-1][1][-1] += blanks[column][0]
                gaps[-1][1].append(blanks[column][1])
            else:
                gaps.append((at, list(blanks[column])))
        status_at, pieces = gaps.pop()  # the findings cell is last: its text goes in per row
        first = gaps.pop(0)[1] if gaps and gaps[0][0] == 0 else [""]
        return _Template(tuple(tags), tuple(ends) if 1 in ends else None, _encoded(first),
                         [(at, _encoded(gap)) for at, gap in gaps],
                         (status_at, _encoded(pieces), b"</t></is></c>"), max([last, *columns]))

    def _restyle_attrs(self, attrs: str, fill: str) -> str:
        """A cell's attributes after its ``r``, with the format derived for ``fill``."""
        key = (attrs, fill)
        restyled = self._restyled.get(key)
        if restyled is None:
            found = ATTR_S.search(attrs)
            index = self.styles.derived(found.group(1) if found else "", fill,
                                        self.record.derived)
            restyled = (attrs[:found.start()] + f' s="{index}"' + attrs[found.end():]
                        if found else f'{attrs} s="{index}"')
            self._restyled[key] = restyled
        return restyled

    def _append_status(self, text: str, number: int, status: str) -> str | None:
        """A clean line's row with its status cell added after its last cell, without
        reading every cell (most rows of a sheet); None when that cannot be done safely."""
        if not text.endswith("</row>"):
            return None
        # every cell must carry its reference (else the slow path refuses the sheet)
        if text.count(' r="') - 1 != text.count("<c ") + text.count("<c>"):
            return None
        last = _LAST_CELL.search(text, max(0, text.rfind("<c ")))
        if last is None or column_number(last.group(1)) >= self.status:
            return None
        cell = _text_cell(self.status, number, status, "")
        body_start = text.find(">") + 1
        open_tag = text[:body_start]
        spans = _SPANS.search(open_tag)
        if spans and int(spans.group(2)) < self.status:
            open_tag = (open_tag[:spans.start()] + f'spans="{spans.group(1)}:{self.status}"'
                        + open_tag[spans.end():])
        return f"{open_tag}{text[body_start:-6]}{cell}</row>"

    def _header(self, text: str, number: int) -> str:
        cells = _cells(text)
        last = cells[max(cells)] if cells else ""
        style = ATTR_S.search(last.split(">", 1)[0]) if last else None
        attr = f' s="{style.group(1)}"' if style else ""
        cells[self.status] = _text_cell(self.status, number, self.plan.status_header, attr)
        cells[self.status + 1] = _text_cell(self.status + 1, number,
                                            self.plan.findings_header, attr)
        return _rebuild_row(text, cells)

    def _restyle(self, cell: str, fill: str) -> str:
        tag_end = cell.index(">")
        tag = cell[:tag_end]
        found = ATTR_S.search(tag)
        origin = found.group(1) if found else ""
        index = self.styles.derived(origin, fill, self.record.derived)
        if found:
            tag = tag[:found.start()] + f' s="{index}"' + tag[found.end():]
        else:
            tag = (tag[:-1] + f' s="{index}"/') if tag.endswith("/") else tag + f' s="{index}"'
        return tag + cell[tag_end:]


def _set_spans(piece: bytes, status: int) -> bytes:
    """Excel's hint of the row's first and last columns widened to the status column."""
    end = piece.find(b">")
    spans = _SPANS_BYTES.search(piece, 0, end)
    if spans is None or int(spans.group(2)) >= status:
        return piece
    return b"%sspans=\"%s:%d\"%s" % (piece[:spans.start()], spans.group(1), status,
                                     piece[spans.end():])


def _spans_over(open_tag: bytes, high: int) -> bytes:
    """The row's spans hint widened to cover column 1 through ``high`` (as the general path
    does when it rebuilds a row)."""
    spans = _SPANS_BYTES.search(open_tag)
    if spans is None:
        return open_tag
    low, high = min(int(spans.group(1)), 1), max(int(spans.group(2)), high)
    return b"%sspans=\"%d:%d\"%s" % (open_tag[:spans.start()], low, high,
                                      open_tag[spans.end():])


def _encoded(pieces: list[str]) -> list[bytes]:
    return [piece.encode("utf-8") for piece in pieces]


def _cells(row: str) -> dict[int, str]:
    body_start = row.find(">") + 1
    if row[:body_start].endswith("/>"):
        return {}
    cells: dict[int, str] = {}
    for match in CELL.finditer(row, body_start):
        reference = ATTR_R.search(match.group(1))
        if not reference:
            raise Unsupported("a cell without its r reference")
        cells[column_number(reference.group(1))] = match.group()
    return cells


def _rebuild_row(row: str, cells: dict[int, str]) -> str:
    body_start = row.find(">") + 1
    open_tag = row[:body_start]
    if open_tag.endswith("/>"):
        open_tag = open_tag[:-2] + ">"
    spans = _SPANS.search(open_tag)
    if spans and cells:  # Excel's hint of the row's first and last columns must cover ours
        low, high = min(int(spans.group(1)), min(cells)), max(int(spans.group(2)), max(cells))
        open_tag = open_tag[:spans.start()] + f'spans="{low}:{high}"' + open_tag[spans.end():]
    inner = "".join(cells[c] for c in sorted(cells))
    return f"{open_tag}{inner}</row>"


def _text_cell(column: int, row: int, text: str, style: str) -> str:
    return (f'<c r="{column_letter(column - 1)}{row}"{style} t="inlineStr"><is>'
            f'<t xml:space="preserve">{xml_text(text)}</t></is></c>')
