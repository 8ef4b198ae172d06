"""The scrubbed sheet's XML, streamed row by row: earlier marks undone, new marks made.

Rows are read in chunks and rewritten one at a time, so a sheet of a million rows is never
held whole. A flagged row's cells get cell formats derived from their own (:class:`Styles`);
the status columns are inline strings; rows the plan does not touch pass through unchanged.
The Issues sheet's XML is written here too.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from xml.sax.saxutils import escape

from scrubber.mark.ooxml import CHUNK, Edit, Record, Unsupported, edit_text, undo_text, xml_text
from scrubber.mark.plan import MarkPlan, column_index
from scrubber.positions import column_letter

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR_R = re.compile(r'\br="([A-Z]+)(\d+)"')
_ATTR_S = re.compile(r'\ss="(\d+)"')
_SPANS = re.compile(r'\bspans="(\d+):(\d+)"')
_LAST_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)\d+"')


def max_column(package: zipfile.ZipFile, sheet_part: str) -> int:
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
            chunk = stream.read(CHUNK)
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
        chunk = stream.read(CHUNK)
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
            chunk = stream.read(CHUNK)
            done = not chunk
            buffer += decoder.decode(chunk, final=done)

    return head, rows(), tail


class Styles:
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


class Marker:
    """Rewrites one row at a time: undo an earlier scrub, then mark."""

    def __init__(self, plan: MarkPlan, status: int, styles: Styles, record: Record) -> None:
        self.plan = plan
        self.status = status
        self.styles = styles
        self.record = record
        self.rows = {mark.row: mark for mark in plan.rows}
        self.cells: dict[int, dict[int, str]] = {}
        for cell in plan.cells:
            self.cells.setdefault(cell.row, {})[cell.column_index + 1] = cell.fill
        self.hidden: set[int] = set()

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
        if not mark.fill:
            quick = self._append_status(text, number, mark.status)
            if quick is not None:
                return quick
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

    def _append_status(self, text: str, number: int, status: str) -> str | None:
        """A clean line's row with its status cell added after its last cell, without
        reading every cell (most rows of a sheet); None when that cannot be done safely."""
        if not text.endswith("</row>"):
            return None
        # every cell must carry its reference (else the slow path refuses the sheet)
        if text.count(' r="') - 1 != text.count("<c ") + text.count("<c>"):
            return None
        last = _LAST_CELL.search(text, max(0, text.rfind("<c ")))
        if last is None or _column(last.group(1)) >= self.status:
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


@lru_cache(maxsize=4096)
def _column(letters: str) -> int:
    """1-based column number of a column's letters (cached: a sheet has few columns)."""
    return column_index(letters) + 1


def _cells(row: str) -> dict[int, str]:
    body_start = row.find(">") + 1
    if row[:body_start].endswith("/>"):
        return {}
    cells: dict[int, str] = {}
    for match in _CELL.finditer(row, body_start):
        reference = _ATTR_R.search(match.group(1))
        if not reference:
            raise Unsupported("a cell without its r reference")
        cells[_column(reference.group(1))] = match.group()
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


def _unmark_row(row: str, old: Record) -> str:
    """The row as it was before the earlier scrub: our cells removed, formats restored. Each
    cell is edited in place, so whatever else the row holds (spacing included) stays."""
    body_start = row.find(">") + 1
    if row[:body_start].endswith("/>"):
        return row
    pieces: list[str] = []
    position = body_start
    changed = False
    for match in _CELL.finditer(row, body_start):
        reference = _ATTR_R.search(match.group(1))
        if not reference:
            raise Unsupported("a cell without its r reference")
        cell = match.group()
        restored = _restored(cell, _column(reference.group(1)), old)
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
    found = _ATTR_S.search(tag)
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


def stream_sheet(package: zipfile.ZipFile, part: str, marker: Marker, old: Record | None,
                  out) -> None:
    """Rewrite the sheet row by row into ``out`` (bytes), with its head and tail edited."""
    head, rows, tail = _rows(package, part)
    out.write(_edit_head(head, marker, old).encode("utf-8"))
    for row in rows:
        out.write(marker.row(row, old).encode("utf-8"))
    out.write(_edit_tail(tail[0], marker, old).encode("utf-8"))


def _edit_head(head: str, marker: Marker, old: Record | None) -> str:
    """The dimension covers the status columns; the two columns get widths."""
    record = marker.record
    part = f"{record.sheet_part}#head"
    if old is not None:
        head = undo_text(head, [e for e in old.edits if e.part == part])
    found = re.search(r'<dimension\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"[^>]*/>', head)
    if found:
        last_row = found.group(4) or found.group(2)
        new = found.group().replace(
            f'ref="{found.group(1)}{found.group(2)}'
            f'{":" + found.group(3) + found.group(4) if found.group(3) else ""}"',
            f'ref="{found.group(1)}{found.group(2)}:'
            f'{column_letter(marker.status)}{last_row}"')
        head = edit_text(head, record, part, found.group(), new)
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
            head = edit_text(head, record, part, "</cols>", f"{columns}</cols>")
    else:
        at = head.rfind("<sheetData")
        head = head[:at] + f"<cols>{columns}</cols>" + head[at:]
        record.edits.append(Edit(part, "", f"<cols>{columns}</cols>"))
    return head


def _edit_tail(tail: str, marker: Marker, old: Record | None) -> str:
    """A sheet autofilter on the header row that ends at the last column grows over ours."""
    record = marker.record
    part = f"{record.sheet_part}#tail"
    if old is not None:
        tail = undo_text(tail, [e for e in old.edits if e.part == part])
    found = re.search(r'<autoFilter\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', tail)
    if found and int(found.group(2)) == marker.plan.header_row and \
            column_index(found.group(3)) + 1 == marker.status - 1:
        new = found.group().replace(f":{found.group(3)}{found.group(4)}",
                                    f":{column_letter(marker.status)}{found.group(4)}")
        tail = edit_text(tail, record, part, found.group(), new)
    return tail


def issues_sheet_xml(plan: MarkPlan, hidden: set[int]) -> str:
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
