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

import copy
import os
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import unescape
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

from scrubber import parallel
from scrubber.io.parts import rels_name, sheet_part, target
from scrubber.mark.issues_sheet import issues_sheet_parts
from scrubber.mark.marker import Marker
from scrubber.mark.ooxml import Edit, Record, Unsupported, xml_text
from scrubber.mark.plan import OUR_RGBS, MarkPlan, column_index, has_room, issues_sheet_name
from scrubber.mark.sheet_stream import max_column, second_half, stream_sheet
from scrubber.mark.styles import Styles
from scrubber.mark.zipio import (
    Deflated,
    DeflatedPart,
    copy_member,
    deflate,
    put,
    write_deflated,
)
from scrubber.positions import column_letter

__all__ = ["Unsupported", "write_package_copy", "xml_text"]

RECORD_NAME = "infusion-scrubber"
_CUSTOM_PART = "docProps/custom.xml"
_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_REL = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
               "custom-properties")
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def write_package_copy(plan: MarkPlan, source: str, temp: str) -> tuple[set[int], bool]:
    """Write the marked copy of ``source`` (an .xlsx or .xlsm) to ``temp``.

    Returns:
        The flagged rows that the sheet hides (listed as hidden in the Issues sheet), and
        whether the sheet had room for the status columns (when its columns reach XFD, the
        statuses are on the Issues sheet instead, with a note).

    Raises:
        Unsupported: this workbook needs the openpyxl writer (the message says why).
    """
    with zipfile.ZipFile(source) as package, ThreadPoolExecutor(1) as worker:
        parts = _Parts(package)
        try:
            old = _old_record(parts)
            sheet_part = _sheet_part(parts, plan.sheet)
            if old is not None:
                if old.sheet_part != sheet_part:
                    raise Unsupported("the copy was marked on another sheet")
                _undo_small(parts, old)
            elif _has_old_marks(parts):
                raise Unsupported("a copy marked by an earlier version")
            last_column = old.max_column if old else max_column(package, sheet_part)
            # no room before XFD: the marker's status cells are dropped again as the sheet
            # streams (stream_sheet), and the statuses go to the Issues sheet
            room = has_room(last_column)
            status = last_column + 1
            styles = Styles(parts.text("xl/styles.xml"), old)
            record = Record(sheet_part, status, last_column, styles.xf_base, styles.fill_base,
                            {}, "", "", False)
            # a large sheet's formats are all derived up front, so that its halves can be
            # marked side by side; the copy is the same with or without the second core
            halves = room and len(plan.rows) >= parallel.MIN_LINES and styles.prederive(
                OUR_RGBS, record.derived)
            marker = Marker(plan, status, styles, record)
            marker.fill_to_last_cell = not room
            out = parts.stream(sheet_part, worker)
            made, split = None, _split_row(plan) if halves else None
            if split is not None and parallel.active(len(plan.rows)):
                made = _mark_in_halves(plan, source, package, sheet_part, marker, old, out,
                                       split)
            else:
                stream_sheet(package, sheet_part, marker, old, out, split)
            record.issues_name = _issues_name(parts)
            record.issues_part = old.issues_part if old else _new_sheet_part(package.namelist())
            _add_issues_sheet(parts, record)
            _grow_tables(parts, sheet_part, plan, status, record)
            parts.put("xl/styles.xml", styles.text(record))
            _store_record(parts, record)
            if made is None or marker.hidden:
                issues = parts.stream(record.issues_part, worker)
                for piece in issues_sheet_parts(plan, marker.hidden, room):  # never whole
                    issues.write(piece.encode("utf-8"))
            else:
                parts.deflated(record.issues_part, Deflated(*made))
            _write(package, temp, parts, source)
        finally:
            parts.close()
        return marker.hidden, room


def _mark_in_halves(plan: MarkPlan, source: str, package: zipfile.ZipFile, sheet_part: str,
                    marker: Marker, old: Record | None, out: DeflatedPart,
                    split: int) -> tuple[int, int, bytes] | None:
    """Mark the sheet's rows before a row near the middle here, and the rest (with the
    Issues sheet, as if the sheet hid no flagged row) in a forked copy meanwhile; returns the
    Issues sheet compressed, or None when it is to be made here.

    The copy numbers the formats it derives as this process would, since every format was
    derived before the fork (:meth:`Styles.prederive`); one it still had to derive (a cell
    format that is not a plain number) must come out with the number it would get here after
    the first half, or the second half is marked again here. A copy that fails, dies or does
    not answer costs only time (:func:`scrubber.parallel.both`)."""
    styles, record = marker.styles, marker.record
    formats, edits = len(styles.added), len(record.edits)

    def here() -> bool:
        return stream_sheet(package, sheet_part, marker, old, out, split, stop=True)

    def there() -> _Half:
        rest = second_half(source, sheet_part, marker, old, split)
        new = sorted((i, k) for k, i in styles.new_xfs.items() if i >= styles.xf_base + formats)
        return _Half(os.getpid(), rest, [k for _, k in new], [i for i, _ in new],
                     marker.hidden, record.edits[edits:],
                     deflate(issues_sheet_parts(plan, set())))

    parent = os.getpid()
    stopped, half = parallel.both(here, there, lines=len(plan.rows))
    if not stopped:  # no tag of that row: the sheet was written whole here
        return None
    if half.pid == parent:  # the copy failed: its half ran here, after ours
        rest = half.rest
    elif _adopt(styles, record, half):
        marker.hidden |= half.hidden
        record.edits.extend(half.edits)
        rest = half.rest
    else:  # formats numbered otherwise there: mark the second half again, here
        rest = second_half(source, sheet_part, marker, old, split)
    if rest is None:
        raise Unsupported("the sheet's rows could not be split")
    out.join(*rest)
    return half.issues


#: the share of a large sheet's rows in its first half (marked here when the second half is
#: marked in a forked copy, which also inflates the sheet up to it and makes the Issues sheet)
_FIRST_SHARE = 60


def _split_row(plan: MarkPlan) -> int:
    """The first row of a large sheet's second half."""
    return plan.rows[len(plan.rows) * _FIRST_SHARE // 100].row


@dataclass
class _Half:
    """What :func:`_mark_in_halves`'s forked copy sends back."""

    pid: int
    rest: tuple[int, int, bytes] | None
    keys: list[tuple[str, str]]  # the formats it derived, in order, and their numbers
    numbers: list[int]
    hidden: set[int]
    edits: list[Edit]
    issues: tuple[int, int, bytes]


def _adopt(styles: Styles, record: Record, half: _Half) -> bool:
    """Take the formats the copy derived, when each has the number it would get here."""
    trial, derived = copy.deepcopy(styles), {}
    if any(trial.derived(*key, derived) != number
           for key, number in zip(half.keys, half.numbers, strict=True)):
        return False
    styles.__dict__.update(trial.__dict__)
    record.derived.update(derived)
    return True


class _Parts:
    """The small parts read once; changed ones are kept as text, the large parts we write
    (the sheet, the Issues sheet) compressed as they are made."""

    def __init__(self, package: zipfile.ZipFile) -> None:
        self.package = package
        self.names = set(package.namelist())
        self.changed: dict[str, str] = {}
        self.streamed: dict[str, DeflatedPart | Deflated] = {}
        self.removed: set[str] = set()

    def stream(self, name: str, worker: ThreadPoolExecutor) -> DeflatedPart:
        self.streamed[name] = DeflatedPart(worker)
        self.removed.discard(name)
        return self.streamed[name]

    def deflated(self, name: str, part: Deflated) -> None:
        self.streamed[name] = part
        self.removed.discard(name)

    def close(self) -> None:
        for part in self.streamed.values():
            part.close()

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
    if re.search(r"<\w+:workbook\b", parts.text("xl/workbook.xml")):
        raise Unsupported("prefixed workbook XML")
    try:
        return sheet_part(parts.text, sheet)
    except LookupError as exc:
        raise Unsupported(str(exc)) from None


def _target(part: str, parts: _Parts, rid: str) -> str:
    try:
        return target(parts.text, part, rid)
    except LookupError as exc:
        raise Unsupported(str(exc)) from None


def _issues_name(parts: _Parts) -> str:
    workbook = parts.text("xl/workbook.xml")
    return issues_sheet_name(unescape(n) for n in
                             re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', workbook))


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
    if not has_room(status - 1):  # no status columns on the sheet to grow over
        return
    rels = parts.text(rels_name(sheet_part))
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


def _write(package: zipfile.ZipFile, temp: str, parts: _Parts, source: str) -> None:
    """Every part in the original order: the streamed ones as streamed, changed parts as
    changed, the rest copied as their compressed bytes; new parts after them."""
    with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as out, open(source, "rb") as raw:
        written = set()
        for info in package.infolist():
            name = info.filename
            if name in parts.removed or name in written:
                continue
            written.add(name)
            target = zipfile.ZipInfo(name, info.date_time)
            target.compress_type = info.compress_type
            target.external_attr = info.external_attr
            if name in parts.streamed:
                write_deflated(out, target, parts.streamed[name])
            elif name in parts.changed:
                put(out, target, parts.changed[name].encode("utf-8"))
            else:
                copy_member(raw, info, out, target)
        for name in sorted({*parts.changed, *parts.streamed} - written - parts.removed):
            added = zipfile.ZipInfo(name, _FIXED_TIME)
            added.compress_type = zipfile.ZIP_DEFLATED
            if name in parts.streamed:
                write_deflated(out, added, parts.streamed[name])
            else:
                put(out, added, parts.changed[name].encode("utf-8"))
