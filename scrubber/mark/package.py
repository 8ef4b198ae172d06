"""Write the marked copy by editing the workbook package (the .xlsx/.xlsm zip) directly.

Only these parts change: the scrubbed sheet's XML (streamed row by row, never held whole),
the styles part (fills and cell formats appended), the workbook part, its relationships and
the content types (for the added Issues sheet), a table or autofilter on the scrubbed sheet
that grows over the status columns, and the custom document properties, which carry the
record of what was changed. Every other part (other sheets, charts, drawings, images, pivot
tables and caches, comments, macros, defined names, external links, custom XML) is copied
unchanged.

On the scrubbed sheet every original cell keeps its value, formula, cached result and
attributes; a flagged row's or cell's fill comes from a new cell format derived from the
cell's own (same number format, font, border, alignment; our fill). The record maps each
derived format to the one it came from, so a second scrub first restores the original
formats (and removes what the first added) and then marks again: the same input gives the
same scrubbed sheet, byte for byte.

What this path cannot edit it refuses with :class:`Unsupported`, and the caller falls back to
openpyxl: a sheet whose rows or cells carry no ``r`` reference, XML with prefixed element
names, or a copy marked before this record existed.
"""

from __future__ import annotations

import codecs
import json
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

from scrubber.mark.plan import MarkPlan, column_index
from scrubber.positions import column_letter

RECORD_NAME = "infusion-scrubber"
ISSUES_SHEET = "Issues"
#: the last column Excel has (XFD).
MAX_COLUMN = 16_384
_CHUNK = 1 << 20
_CUSTOM_PART = "docProps/custom.xml"
_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
               "custom-properties")
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_ROW = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR_R = re.compile(r'\br="([A-Z]+)(\d+)"')
_ATTR_S = re.compile(r'\ss="(\d+)"')
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
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_" if len(m.group()) == 1
                        else f"_x005F{m.group()}", text)
    return escape(text)


def write_package_copy(plan: MarkPlan, source: str, temp: str) -> set[int]:
    """Write the marked copy of ``source`` (an .xlsx or .xlsm) to ``temp``.

    Returns:
        The flagged rows that the sheet hides (listed as hidden in the Issues sheet).

    Raises:
        Unsupported: this workbook needs the openpyxl writer (the message says why).
    """
    with zipfile.ZipFile(source) as package, tempfile.TemporaryFile() as sheet_xml:
        parts = _Parts(package)
        old = _old_record(parts)
        sheet_part = _sheet_part(parts, plan.sheet)
        if old is not None:
            if old.sheet_part != sheet_part:
                raise Unsupported("the copy was marked on another sheet")
            _undo_small(parts, old)
        elif _has_old_marks(parts):
            raise Unsupported("a copy marked by an earlier version")
        max_column = old.max_column if old else _max_column(package, sheet_part)
        status = max_column + 1
        if status + 1 > MAX_COLUMN:
            raise Unsupported("the sheet has no room for two more columns before XFD")
        styles = _Styles(parts.text("xl/styles.xml"), old)
        record = Record(sheet_part, status, max_column, styles.xf_base, styles.fill_base, {},
                        "", "", False)
        marker = _Marker(plan, status, styles, record)
        _stream_sheet(package, sheet_part, marker, old, sheet_xml)
        record.issues_name = _issues_name(parts)
        record.issues_part = old.issues_part if old else _new_sheet_part(package.namelist())
        _add_issues_sheet(parts, record)
        _grow_tables(parts, sheet_part, plan, status, record)
        parts.put("xl/styles.xml", styles.text(record))
        _store_record(parts, record)
        parts.put(record.issues_part, _issues_sheet(plan, marker.hidden))
        sheet_xml.seek(0)
        _write(package, temp, parts, sheet_part, sheet_xml)
        return marker.hidden


class _Parts:
    """The small parts read once; changed ones are kept as text."""

    def __init__(self, package: zipfile.ZipFile) -> None:
        self.package = package
        self.names = set(package.namelist())
        self.changed: dict[str, str] = {}
        self.removed: set[str] = set()

    def text(self, name: str) -> str:
        if name in self.changed:
            return self.changed[name]
        if name not in self.names or name in self.removed:
            return ""
        return self.package.read(name).decode("utf-8")

    def put(self, name: str, text: str) -> None:
        self.changed[name] = text
        self.removed.discard(name)

    def edit(self, record: Record, name: str, old: str, new: str) -> None:
        """Replace the one occurrence of ``old`` and keep the edit in ``record``."""
        text = self.text(name)
        if text.count(old) != 1:
            raise Unsupported(f"{name}: cannot place the edit")
        self.put(name, text.replace(old, new, 1))
        record.edits.append(Edit(name, old, new))


def _old_record(parts: _Parts) -> Record | None:
    custom = parts.text(_CUSTOM_PART)
    found = re.search(rf'<property\b[^>]*name="{RECORD_NAME}"[^>]*>\s*<vt:lpwstr>(.*?)'
                      rf"</vt:lpwstr>\s*</property>", custom, re.S)
    if not found:
        return None
    return Record.from_json(unescape(found.group(1)))


def _undo_small(parts: _Parts, record: Record) -> None:
    """Restore every small part a previous scrub edited; drop its Issues sheet part."""
    for edit in reversed(record.edits):
        if "#" in edit.part:  # the streamed sheet's own edits are undone as it streams
            continue
        text = parts.text(edit.part)
        if text.count(edit.new) != 1:
            raise Unsupported("the marked copy was changed since it was marked")
        parts.put(edit.part, text.replace(edit.new, edit.old, 1))
    custom = parts.text(_CUSTOM_PART)
    if record.custom_created:
        parts.removed.add(_CUSTOM_PART)
        parts.changed.pop(_CUSTOM_PART, None)
    else:
        parts.put(_CUSTOM_PART, re.sub(rf'<property\b[^>]*name="{RECORD_NAME}".*?</property>',
                                       "", custom, count=1, flags=re.S))
    parts.removed.add(record.issues_part)


def _has_old_marks(parts: _Parts) -> bool:
    """A copy an older writer marked: our Issues headers, no record. openpyxl clears it."""
    workbook = parts.text("xl/workbook.xml")
    return 'name="Issues"' in workbook and "Scrub Findings" in parts.text(
        "xl/sharedStrings.xml")


def _sheet_part(parts: _Parts, sheet: str) -> str:
    workbook = parts.text("xl/workbook.xml")
    if re.search(r"<\w+:workbook\b", workbook):
        raise Unsupported("prefixed workbook XML")
    for tag in re.findall(r"<sheet\b[^>]*/>", workbook):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\b\w+:id="([^"]*)"', tag)
        if name and rid and _unescape(name.group(1)) == sheet:
            return _target("xl/workbook.xml", parts, rid.group(1))
    raise Unsupported(f"sheet {sheet!r} not found in the package")


def _unescape(text: str) -> str:
    return unescape(text)


def _rels_name(part: str) -> str:
    path = PurePosixPath(part)
    return str(path.parent / "_rels" / f"{path.name}.rels")


def _target(part: str, parts: _Parts, rid: str) -> str:
    rels = parts.text(_rels_name(part))
    for tag in re.findall(r"<Relationship\b[^>]*/>", rels):
        if re.search(rf'\bId="{re.escape(rid)}"', tag):
            target = re.search(r'\bTarget="([^"]*)"', tag).group(1)
            if target.startswith("/"):
                return target[1:]
            base = PurePosixPath(part).parent
            resolved = []
            for piece in (base / target).parts:
                if piece == "..":
                    resolved.pop()
                elif piece != ".":
                    resolved.append(piece)
            return "/".join(resolved)
    raise Unsupported(f"relationship {rid} not found")


def _max_column(package: zipfile.ZipFile, sheet_part: str) -> int:
    """The sheet's last used column: its dimension when written, else a scan of the cells."""
    head = _read_head(package, sheet_part)
    found = re.search(r'<dimension\b[^>]*\bref="[A-Z]+\d+(?::([A-Z]+)\d+)?"', head)
    if found and found.group(1):
        return column_index(found.group(1)) + 1
    best = 0
    for row in _rows(package, sheet_part)[1]:
        for letters in re.findall(r'<c\b[^>]*?\br="([A-Z]+)\d+"', row):
            best = max(best, column_index(letters) + 1)
    return best


def _read_head(package: zipfile.ZipFile, part: str) -> str:
    with package.open(part) as stream:
        head = ""
        while "<sheetData" not in head:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            head += chunk.decode("utf-8", errors="ignore")
        return head[:head.find("<sheetData")] if "<sheetData" in head else head


def _rows(package: zipfile.ZipFile, part: str) -> tuple[str, Iterator[str], list[str]]:
    """(text before the rows, the rows one by one, [text after the rows] once consumed)."""
    stream = package.open(part)
    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = ""
    while "<sheetData" not in buffer or ">" not in buffer[buffer.find("<sheetData"):]:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        buffer += decoder.decode(chunk)
    start = buffer.find("<sheetData")
    if start < 0:
        raise Unsupported("the sheet has no sheetData")
    if re.search(r"<\w+:(?:worksheet|sheetData)\b", buffer[:start + 20]):
        raise Unsupported("prefixed sheet XML")
    open_end = buffer.index(">", start) + 1
    head = buffer[:open_end]
    buffer = buffer[open_end:]
    tail: list[str] = []
    if head.endswith("/>"):  # <sheetData/>: no rows at all
        tail.append(buffer + decoder.decode(stream.read(), final=True))
        stream.close()
        return head, iter(()), tail

    def rows() -> Iterator[str]:
        nonlocal buffer
        done = False
        while True:
            end = buffer.find("</sheetData>")
            limit = end if end >= 0 else len(buffer)
            position = 0
            for match in _ROW.finditer(buffer, 0, limit):
                yield match.group()
                position = match.end()
            if end >= 0:
                tail.append(buffer[end:] + decoder.decode(stream.read(), final=True))
                stream.close()
                return
            buffer = buffer[position:]
            if done:
                raise Unsupported("the sheet XML ends inside sheetData")
            chunk = stream.read(_CHUNK)
            done = not chunk
            buffer += decoder.decode(chunk, final=done)

    return head, rows(), tail


class _Styles:
    """The styles part: original formats, plus the ones derived for our fills."""

    def __init__(self, text: str, record: Record | None) -> None:
        if not text:
            raise Unsupported("the workbook has no styles part")
        if re.search(r"<\w+:styleSheet\b", text):
            raise Unsupported("prefixed styles XML")
        self.original = text
        xfs = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", text, re.S)
        fills = re.search(r"<fills\b[^>]*>(.*?)</fills>", text, re.S)
        if not xfs or not fills:
            raise Unsupported("the styles part has no cell formats or fills")
        self.xfs = re.findall(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", xfs.group(1), re.S)
        self.fills_count = len(re.findall(r"<fill\b", fills.group(1)))
        if record is not None:  # drop what the earlier scrub appended
            self.xfs = self.xfs[:record.xf_base]
            self.fills_count = record.fill_base
            self.original = self._rebuild(self.xfs, record.fill_base, text)
        self.xf_base, self.fill_base = len(self.xfs), self.fills_count
        self.new_fills: dict[str, int] = {}
        self.new_xfs: dict[tuple[str, str], int] = {}
        self.added: list[str] = []

    def derived(self, origin: str, fill: str, derived: dict[int, str]) -> int:
        """The format for a cell whose ``s`` was ``origin`` ("" none, "+" a new cell) with
        ``fill`` (ARGB) over it."""
        key = (origin, fill)
        if key not in self.new_xfs:
            fill_id = self.new_fills.setdefault(fill, self.fill_base + len(self.new_fills))
            base = self.xfs[int(origin)] if origin not in ("", "+") and \
                int(origin) < len(self.xfs) else self.xfs[0]
            xf = re.sub(r'\sfillId="\d+"', "", base, count=1)
            xf = re.sub(r'\sapplyFill="\w+"', "", xf, count=1)
            xf = xf.replace("<xf", f'<xf fillId="{fill_id}" applyFill="1"', 1)
            index = self.xf_base + len(self.added)
            self.added.append(xf)
            self.new_xfs[key] = index
            derived[index] = origin
        return self.new_xfs[key]

    def text(self, record: Record) -> str:
        record.derived = dict(sorted(record.derived.items()))
        fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
                        f'<bgColor indexed="64"/></patternFill></fill>'
                        for rgb, _ in sorted(self.new_fills.items(), key=lambda i: i[1]))
        text = self.original
        if fills:
            text = _append(text, "fills", fills, self.fill_base + len(self.new_fills))
        if self.added:
            text = _append(text, "cellXfs", "".join(self.added), self.xf_base + len(self.added))
        return text

    def _rebuild(self, xfs: list[str], fill_base: int, text: str) -> str:
        inner = re.search(r"(<fills\b[^>]*>)(.*?)(</fills>)", text, re.S)
        kept = re.findall(r"<fill\b.*?</fill>|<fill\b[^>]*/>", inner.group(2), re.S)[:fill_base]
        text = text[:inner.start(2)] + "".join(kept) + text[inner.end(2):]
        text = _count(text, "fills", fill_base)
        inner = re.search(r"(<cellXfs\b[^>]*>)(.*?)(</cellXfs>)", text, re.S)
        text = text[:inner.start(2)] + "".join(xfs) + text[inner.end(2):]
        return _count(text, "cellXfs", len(xfs))


def _count(text: str, tag: str, count: int) -> str:
    return re.sub(rf'(<{tag}\b[^>]*?\bcount=")\d+(")', rf"\g<1>{count}\g<2>", text, count=1)


def _append(text: str, tag: str, items: str, count: int) -> str:
    text = text.replace(f"</{tag}>", f"{items}</{tag}>", 1)
    return _count(text, tag, count)


class _Marker:
    """Rewrites one row at a time: undo an earlier scrub, then mark."""

    def __init__(self, plan: MarkPlan, status: int, styles: _Styles, record: Record) -> None:
        self.plan = plan
        self.status = status
        self.styles = styles
        self.record = record
        self.rows = {mark.row: mark for mark in plan.rows}
        self.cells: dict[int, dict[int, str]] = {}
        for cell in plan.cells:
            self.cells.setdefault(cell.row, {})[cell.column_index + 1] = cell.fill
        self.hidden: set[int] = set()
        self.header_style = ""

    def row(self, text: str, old: Record | None) -> str:
        number_match = re.match(r'<row\b[^>]*?\br="(\d+)"', text)
        if not number_match:
            raise Unsupported("a row without its r reference")
        number = int(number_match.group(1))
        if old is not None:
            text = _unmark_row(text, old)
        mark = self.rows.get(number)
        if number == self.plan.header_row:
            return self._header(text, number)
        if mark is None:
            return text
        if mark.fill and re.match(r'<row\b[^>]*\bhidden="(?:1|true)"', text):
            self.hidden.add(number)
        cells = _cells(text)
        fill_cells = self.cells.get(number, {})
        out: dict[int, str] = {}
        for column, cell in cells.items():
            fill = fill_cells.get(column) or (mark.fill if column <= self.status + 1 else None)
            out[column] = self._restyle(cell, fill) if fill else cell
        if mark.fill:
            for column in range(1, self.status + 2):
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

    def _header(self, text: str, number: int) -> str:
        cells = _cells(text)
        last = cells[max(cells)] if cells else ""
        style = _ATTR_S.search(last.split(">", 1)[0]) if last else None
        attr = f' s="{style.group(1)}"' if style else ""
        cells[self.status] = _text_cell(self.status, number, self.plan.status_header, attr)
        cells[self.status + 1] = _text_cell(self.status + 1, number,
                                            self.plan.findings_header, attr)
        return _rebuild_row(text, cells)

    def _restyle(self, cell: str, fill: str) -> str:
        tag_end = cell.index(">")
        tag = cell[:tag_end]
        found = _ATTR_S.search(tag)
        origin = found.group(1) if found else ""
        index = self.styles.derived(origin, fill, self.record.derived)
        if found:
            tag = tag[:found.start()] + f' s="{index}"' + tag[found.end():]
        else:
            tag = (tag[:-1] + f' s="{index}"/') if tag.endswith("/") else tag + f' s="{index}"'
        return tag + cell[tag_end:]


def _cells(row: str) -> dict[int, str]:
    body_start = row.find(">") + 1
    if row[:body_start].endswith("/>"):
        return {}
    cells: dict[int, str] = {}
    for match in _CELL.finditer(row, body_start):
        reference = _ATTR_R.search(match.group(1))
        if not reference:
            raise Unsupported("a cell without its r reference")
        cells[column_index(reference.group(1)) + 1] = match.group()
    return cells


def _rebuild_row(row: str, cells: dict[int, str]) -> str:
    body_start = row.find(">") + 1
    open_tag = row[:body_start]
    if open_tag.endswith("/>"):
        open_tag = open_tag[:-2] + ">"
    inner = "".join(cells[c] for c in sorted(cells))
    return f"{open_tag}{inner}</row>"


def _text_cell(column: int, row: int, text: str, style: str) -> str:
    return (f'<c r="{column_letter(column - 1)}{row}"{style} t="inlineStr"><is>'
            f'<t xml:space="preserve">{xml_text(text)}</t></is></c>')


def _unmark_row(row: str, old: Record) -> str:
    """The row as it was before the earlier scrub: our cells removed, formats restored."""
    cells = _cells(row)
    if not cells:
        return row
    kept: dict[int, str] = {}
    for column, cell in cells.items():
        if column in (old.status_column, old.status_column + 1):
            continue
        tag_end = cell.index(">")
        tag = cell[:tag_end]
        found = _ATTR_S.search(tag)
        if found and int(found.group(1)) in old.derived:
            origin = old.derived[int(found.group(1))]
            if origin == "+":
                continue
            if origin == "":
                tag = tag[:found.start()] + tag[found.end():]
            else:
                tag = tag[:found.start()] + f' s="{origin}"' + tag[found.end():]
            cell = tag + cell[tag_end:]
        kept[column] = cell
    if kept == cells:
        return row
    return _rebuild_row(row, kept)


def _stream_sheet(package: zipfile.ZipFile, part: str, marker: _Marker, old: Record | None,
                  out) -> None:
    """Rewrite the sheet row by row into ``out`` (bytes), with its head and tail edited."""
    head, rows, tail = _rows(package, part)
    out.write(_edit_head(head, marker, old).encode("utf-8"))
    for row in rows:
        out.write(marker.row(row, old).encode("utf-8"))
    out.write(_edit_tail(tail[0], marker, old).encode("utf-8"))


def _edit_head(head: str, marker: _Marker, old: Record | None) -> str:
    """The dimension covers the status columns; the two columns get widths."""
    record = marker.record
    part = f"{record.sheet_part}#head"
    if old is not None:
        head = _undo_text(head, [e for e in old.edits if e.part == part])
    found = re.search(r'<dimension\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"[^>]*/>', head)
    if found:
        last_row = found.group(4) or found.group(2)
        new = found.group().replace(
            f'ref="{found.group(1)}{found.group(2)}'
            f'{":" + found.group(3) + found.group(4) if found.group(3) else ""}"',
            f'ref="{found.group(1)}{found.group(2)}:'
            f'{column_letter(marker.status)}{last_row}"')
        head = _edit_text(head, record, part, found.group(), new)
    columns = (f'<col min="{marker.status}" max="{marker.status}" width="14" '
               f'customWidth="1"/><col min="{marker.status + 1}" max="{marker.status + 1}" '
               f'width="70" customWidth="1"/>')
    cols = re.search(r"<cols>.*?</cols>", head, re.S)
    if cols:
        spans = [(int(a), int(b)) for a, b in re.findall(
            r'<col\b[^>]*\bmin="(\d+)"[^>]*\bmax="(\d+)"', cols.group())]
        spans += [(int(a), int(b)) for b, a in re.findall(
            r'<col\b[^>]*\bmax="(\d+)"[^>]*\bmin="(\d+)"', cols.group())]
        if not any(a <= marker.status + 1 and b >= marker.status for a, b in spans):
            head = _edit_text(head, record, part, "</cols>", f"{columns}</cols>")
    else:
        at = head.rfind("<sheetData")
        head = head[:at] + f"<cols>{columns}</cols>" + head[at:]
        record.edits.append(Edit(part, "", f"<cols>{columns}</cols>"))
    return head


def _edit_tail(tail: str, marker: _Marker, old: Record | None) -> str:
    """A sheet autofilter on the header row that ends at the last column grows over ours."""
    record = marker.record
    part = f"{record.sheet_part}#tail"
    if old is not None:
        tail = _undo_text(tail, [e for e in old.edits if e.part == part])
    found = re.search(r'<autoFilter\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', tail)
    if found and int(found.group(2)) == marker.plan.header_row and \
            column_index(found.group(3)) + 1 == marker.status - 1:
        new = found.group().replace(f":{found.group(3)}{found.group(4)}",
                                    f":{column_letter(marker.status)}{found.group(4)}")
        tail = _edit_text(tail, record, part, found.group(), new)
    return tail


def _edit_text(text: str, record: Record, part: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise Unsupported(f"{part}: cannot place the edit")
    record.edits.append(Edit(part, old, new))
    return text.replace(old, new, 1)


def _undo_text(text: str, edits: list[Edit]) -> str:
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


def _issues_name(parts: _Parts) -> str:
    workbook = parts.text("xl/workbook.xml")
    taken = {_unescape(n) for n in re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', workbook)}
    name, number = ISSUES_SHEET, 1
    while name in taken:
        number += 1
        name = "Scrub Issues" if number == 2 else f"Scrub Issues {number - 1}"
    return name


def _new_sheet_part(names: list[str]) -> str:
    taken = set(names)
    number = 1
    while f"xl/worksheets/sheet{number}.xml" in taken:
        number += 1
    return f"xl/worksheets/sheet{number}.xml"


def _add_issues_sheet(parts: _Parts, record: Record) -> None:
    part, name = record.issues_part, record.issues_name
    workbook = parts.text("xl/workbook.xml")
    rels_name = "xl/_rels/workbook.xml.rels"
    rels = parts.text(rels_name)
    ids = [int(i) for i in re.findall(r'\bId="rId(\d+)"', rels)]
    rid = f"rId{max(ids, default=0) + 1}"
    sheet_ids = [int(i) for i in re.findall(r'<sheet\b[^>]*\bsheetId="(\d+)"', workbook)]
    prefix = re.search(r"<sheet\b[^>]*\b(\w+):id=", workbook)
    prefix = prefix.group(1) if prefix else "r"
    sheet = (f'<sheet name="{escape(name, {chr(34): "&quot;"})}" '
             f'sheetId="{max(sheet_ids, default=0) + 1}" {prefix}:id="{rid}"/>')
    parts.edit(record, "xl/workbook.xml", "</sheets>", f"{sheet}</sheets>")
    target = str(PurePosixPath(part).relative_to("xl"))
    parts.edit(record, rels_name, "</Relationships>",
               f'<Relationship Id="{rid}" Type="{_SHEET_REL}" Target="{target}"/>'
               f"</Relationships>")
    parts.edit(record, "[Content_Types].xml", "</Types>",
               f'<Override PartName="/{part}" ContentType="{_SHEET_TYPE}"/></Types>')


def _grow_tables(parts: _Parts, sheet_part: str, plan: MarkPlan, status: int,
                 record: Record) -> None:
    """An Excel table whose header is the scrubbed header row and whose last column is the
    sheet's last column grows over the two status columns (so sorting keeps the marks with
    their rows); so does the sheet's autofilter."""
    rels = parts.text(_rels_name(sheet_part))
    for tag in re.findall(r"<Relationship\b[^>]*/>", rels):
        if not tag.rstrip("/>").endswith('table"') and "/table\"" not in tag:
            continue
        rid = re.search(r'\bId="([^"]*)"', tag).group(1)
        table_part = _target(sheet_part, parts, rid)
        text = parts.text(table_part)
        ref = re.search(r'<table\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', text)
        if not ref or int(ref.group(2)) != plan.header_row or \
                column_index(ref.group(3)) + 1 != status - 1:
            continue
        old_ref = f"{ref.group(1)}{ref.group(2)}:{ref.group(3)}{ref.group(4)}"
        new_ref = f"{ref.group(1)}{ref.group(2)}:{column_letter(status)}{ref.group(4)}"
        columns = re.search(r'<tableColumns\b[^>]*\bcount="(\d+)"[^>]*>', text)
        ids = [int(i) for i in re.findall(r'<tableColumn\b[^>]*\bid="(\d+)"', text)]
        if not columns:
            continue
        count = int(columns.group(1))
        added = "".join(f'<tableColumn id="{max(ids, default=0) + k}" name="{escape(n)}"/>'
                        for k, n in ((1, plan.status_header), (2, plan.findings_header)))
        new_text = text.replace(f'ref="{old_ref}"', f'ref="{new_ref}"')
        new_text = new_text.replace(columns.group(), columns.group().replace(
            f'count="{count}"', f'count="{count + 2}"'), 1)
        new_text = new_text.replace("</tableColumns>", f"{added}</tableColumns>", 1)
        parts.edit(record, table_part, text, new_text)


def _store_record(parts: _Parts, record: Record) -> None:
    custom = parts.text(_CUSTOM_PART)
    if not custom:
        record.custom_created = True
        root_rels = parts.text("_rels/.rels")
        ids = [int(i) for i in re.findall(r'\bId="rId(\d+)"', root_rels)]
        rid = f"rId{max(ids, default=0) + 1}"
        parts.edit(record, "_rels/.rels", "</Relationships>",
                   f'<Relationship Id="{rid}" Type="{_CUSTOM_REL}" Target="{_CUSTOM_PART}"/>'
                   f"</Relationships>")
        parts.edit(record, "[Content_Types].xml", "</Types>",
                   f'<Override PartName="/{_CUSTOM_PART}" ContentType="{_CUSTOM_TYPE}"/>'
                   f"</Types>")
        custom = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/'
                  'officeDocument/2006/docPropsVTypes"></Properties>')
    pids = [int(p) for p in re.findall(r'\bpid="(\d+)"', custom)]
    prop = (f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" '
            f'pid="{max(pids, default=1) + 1}" name="{RECORD_NAME}"><vt:lpwstr>'
            f"{escape(record.to_json())}</vt:lpwstr></property>")
    if "</Properties>" not in custom:
        raise Unsupported("custom document properties without a closing tag")
    parts.put(_CUSTOM_PART, custom.replace("</Properties>", f"{prop}</Properties>", 1))


def _issues_sheet(plan: MarkPlan, hidden: set[int]) -> str:
    """Our Issues sheet: a frozen header, a filter, a link to each flagged cell, one page
    wide when printed; a ``Row Hidden`` column when the sheet hides flagged rows."""
    headers = [*plan.issues_headers, *(["Row Hidden"] if hidden else [])]
    widths = (7, 14, 9, 26, 9, 16, 8, 16, 70, 60, 10)[:len(headers)]
    rows = [_issue_cells(1, headers)]
    links = []
    for number, issue in enumerate(plan.issues, start=2):
        values = [*issue.cells(), *(["hidden" if issue.row in hidden else None]
                                    if hidden else [])]
        rows.append(_issue_cells(number, values))
        location = escape(issue.link, {'"': "&quot;"})
        links.append(f'<hyperlink ref="A{number}" location="{location}"/>')
    last = column_letter(len(headers) - 1)
    end = len(plan.issues) + 1
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(widths, start=1))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last}{end}"/><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData>"
        f'<autoFilter ref="A1:{last}{end}"/>'
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" '
          'footer="0.3"/><pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
          "</worksheet>")


def _issue_cells(row: int, values: list[object]) -> str:
    cells = []
    for column, value in enumerate(values, start=1):
        if value is None:
            continue
        reference = f"{column_letter(column - 1)}{row}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            cells.append(f'<c r="{reference}"><v>{value}</v></c>')
        else:
            text = str(value)[:32_767]
            cells.append(f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">'
                         f"{xml_text(text)}</t></is></c>")
    return f'<row r="{row}">{"".join(cells)}</row>'


def _write(package: zipfile.ZipFile, temp: str, parts: _Parts, sheet_part: str,
           sheet_xml) -> None:
    """Every part in the original order: the sheet from ``sheet_xml``, changed parts as
    changed, the rest copied; new parts after them."""
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as out:
        written = set()
        for info in package.infolist():
            name = info.filename
            if name in parts.removed or name in written:
                continue
            written.add(name)
            target = zipfile.ZipInfo(name, info.date_time)
            target.compress_type = info.compress_type
            target.external_attr = info.external_attr
            if name == sheet_part:
                with out.open(target, "w", force_zip64=True) as stream:
                    while chunk := sheet_xml.read(_CHUNK):
                        stream.write(chunk)
            elif name in parts.changed:
                out.writestr(target, parts.changed[name].encode("utf-8"))
            else:
                with package.open(info) as source, out.open(target, "w",
                                                            force_zip64=True) as stream:
                    while chunk := source.read(_CHUNK):
                        stream.write(chunk)
        for name in sorted(set(parts.changed) - written - parts.removed):
            added = zipfile.ZipInfo(name, _FIXED_TIME)
            added.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(added, parts.changed[name].encode("utf-8"))
