"""Make an N-times larger export from a generated one by editing its xlsx package (no openpyxl).

    python benchmarks/replicate.py SOURCE.xlsx OUT.xlsx --times 10

``samples/generate.py`` builds its sheet through openpyxl: 1M lines did not finish in 27
minutes. This writes the same kind of file from a smaller generated export in seconds and with
little memory (1M lines from the 100k export: 19 s, 103 MB): the first worksheet's XML is
streamed out of the package once, each data row (every row below the header row) becomes a
template held in memory, and the new sheet, streamed into the new package, repeats
the data rows ``--times`` times, rows renumbered (the row's ``r`` and every cell reference).
The rows above and including the header row appear once. So that the copies do not merge into
giant encounters, the encounter and patient IDs of copy 2, 3 ... get the suffix "-2", "-3" ...
(those cells become inline strings; every other cell keeps its shared-string index, style and
type, so each copy reads as the source does). The dimension and an auto-filter are updated;
every other part of the package is copied as it is. Sheets with formulas are refused.

The header row is found as the scrubber's reader finds it (the top row whose texts name the
most known fields, a code column among them), unless ``--header-row`` says.
"""

from __future__ import annotations

import argparse
import codecs
import posixpath
import re
import shutil
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
#: the rows searched for the header, as ``scrubber.io.reader.HEADER_SEARCH_ROWS``
HEADER_SEARCH_ROWS = 20
#: fields whose values are made distinct per copy
ID_FIELDS = ("encounter", "patient")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

_ROW = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_ROW_NUMBER = re.compile(r'(<row\b[^>]*?\br=")(\d+)(")')
_CELL = re.compile(r"<c\b([^>]*?)(/>|>(.*?)</c>)", re.S)
_REF = re.compile(r'\br="([A-Z]+)(\d+)"')
_TYPE = re.compile(r'\bt="([^"]*)"')
_STYLE = re.compile(r'\bs="\d+"')
_VALUE = re.compile(r"<v>(.*?)</v>", re.S)
_TEXT = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
#: a row's number in its own r and in its cells' references (one to three column letters)
_NUMBERS = re.compile(r'(?:(?<= r=")|(?<= r="[A-Z])|(?<= r="[A-Z]{2})|(?<= r="[A-Z]{3}))\d+(?=")')
_RANGE_END = re.compile(r'(<(?:dimension|autoFilter)\b[^>]*?\bref="[A-Z]+\d+:[A-Z]+)(\d+)(")')
_RANGES = re.compile(r"<(mergeCell|conditionalFormatting|dataValidation|hyperlink)\b")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}
_ENTITY = re.compile(r"&(?:lt|gt|quot|apos|amp);")
ROW_MARK = "\x00"  # never in XML 1.0 text: where a row number goes in a template
SUFFIX_MARK = "\x01"  # where the copy's ID suffix goes


@dataclass(frozen=True)
class Replica:
    """What :func:`replicate` wrote."""

    header_row: int
    data_rows: int  # rows below the header in the source (one copy)
    times: int
    last_row: int
    seconds: float


def replicate(source: Path, out: Path, times: int, *, header_row: int | None = None,
              compresslevel: int = 6) -> Replica:
    """Write ``out``: ``source`` with its data rows repeated ``times`` times (see the module)."""
    if times < 1:
        raise ValueError("times must be at least 1")
    began = time.perf_counter()
    with zipfile.ZipFile(source) as package:
        sheet = _first_sheet(package)
        shared = _shared_strings(package)
        if header_row is None:
            header_row = _header_row(_top_rows(package, sheet), shared)
        head, templates, tail = _templates(package, sheet, header_row, shared)
        if not templates:
            raise ValueError(f"{source}: no rows below the header row {header_row}")
        span = templates[-1][0] - header_row  # the row numbers one copy takes
        last = templates[-1][0] + (times - 1) * span
        head = _RANGE_END.sub(lambda m: f"{m[1]}{max(int(m[2]), last)}{m[3]}", head)
        tail = _RANGE_END.sub(lambda m: f"{m[1]}{max(int(m[2]), last)}{m[3]}", tail)
        if _RANGES.search(tail):
            print(f"warning: {source} has merged cells, conditional formats, validations or "
                  "links; they are copied as they are (for the first copy only)",
                  file=sys.stderr)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as new:
            for info in package.infolist():
                if info.filename == sheet:
                    with new.open(sheet, "w", force_zip64=True) as stream:
                        _write_sheet(stream, head, templates, tail, header_row, span, times)
                else:
                    with package.open(info) as part, new.open(info.filename, "w") as copy:
                        shutil.copyfileobj(part, copy, 1 << 20)
    return Replica(header_row, len(templates), times, last, time.perf_counter() - began)


def _write_sheet(stream, head: str, templates: list[tuple[int, str]], tail: str,
                 header_row: int, span: int, times: int) -> None:
    stream.write(head.encode())
    block = 4096
    for copy in range(times):
        offset = copy * span
        suffix = f"-{copy + 1}" if copy else ""
        for start in range(0, len(templates), block):
            text = "".join([template.replace(ROW_MARK, str(number + offset))
                            for number, template in templates[start:start + block]])
            stream.write(text.replace(SUFFIX_MARK, suffix).encode())
    stream.write(tail.encode())


# --- reading the source package -----------------------------------------------------------------

def _first_sheet(package: zipfile.ZipFile) -> str:
    """The part name of the workbook's first worksheet."""
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    first = book.find(f"{{{MAIN}}}sheets/{{{MAIN}}}sheet")
    if first is None:
        raise ValueError("the workbook has no sheets")
    rel_id = first.get(f"{{{REL}}}id")
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{{{PKG_REL}}}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join("xl", target))
    raise ValueError(f"the first sheet's relationship {rel_id} is missing")


def _shared_strings(package: zipfile.ZipFile) -> list[str]:
    """The shared strings as escaped XML text (rich-text runs joined)."""
    try:
        data = package.read("xl/sharedStrings.xml").decode()
    except KeyError:
        return []
    return ["".join(t or "" for t in _TEXT.findall(item))
            for item in re.findall(r"<si>(.*?)</si>|<si/>", data, re.S)]


def _stream(package: zipfile.ZipFile, name: str) -> Iterator[tuple[str, str]]:
    """("head", text before the first row), ("row", each row's XML) ..., ("tail", the rest)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer, started = "", False
    with package.open(name) as raw:
        while True:
            chunk = raw.read(1 << 22)
            buffer += decoder.decode(chunk, final=not chunk)
            if not started:
                at = buffer.find("<sheetData>")
                if at < 0:
                    if not chunk:
                        raise ValueError(f"{name} has no rows")
                    continue
                started = True
                yield "head", buffer[:at + len("<sheetData>")]
                buffer = buffer[at + len("<sheetData>"):]
            *rows, buffer = buffer.split("</row>")
            for row in rows:
                row = row.lstrip()
                if not row.startswith("<row") or row.count("<row") > 1:  # <row .../> too
                    yield from _rows(row + "</row>")
                else:
                    yield "row", row + "</row>"
            if not chunk:
                at = buffer.find("</sheetData>")
                if at < 0:
                    raise ValueError(f"{name}: the sheet data does not end")
                yield from _rows(buffer[:at])
                yield "tail", buffer[at:]
                return


def _rows(text: str) -> Iterator[tuple[str, str]]:
    """("row", XML) for each row in ``text``, which holds nothing else."""
    end = 0
    for match in _ROW.finditer(text):
        if text[end:match.start()].strip():
            break
        yield "row", match[0]
        end = match.end()
    if text[end:].strip():
        raise ValueError(f"unexpected XML in the sheet data: {text[end:end + 80]!r}")


def _top_rows(package: zipfile.ZipFile, sheet: str) -> dict[int, str]:
    rows: dict[int, str] = {}
    for kind, text in _stream(package, sheet):
        if kind == "row":
            number = int(_ROW_NUMBER.search(text)[2])
            if number > HEADER_SEARCH_ROWS:
                break
            rows[number] = text
    return rows


def _header_row(rows: dict[int, str], shared: list[str]) -> int:
    """The row the scrubber's reader takes for the header (see ``scrubber.io.reader``)."""
    sys.path.insert(0, str(ROOT))
    from scrubber.fields import map_headers

    best: tuple[int, int] | None = None
    for number, row in sorted(rows.items()):
        texts = [""] * 16384
        width = 0
        for cell in _CELL.finditer(row):
            ref = _REF.search(cell[1])
            column = _column_index(ref[1])
            value = _cell_text(cell[1], cell[3] or "", shared)
            texts[column] = _unescape(value) if value and not _is_number(cell[1]) else ""
            width = max(width, column + 1)
        mapping = map_headers(texts[:width])
        log = "drug" in mapping and ("route" in mapping or "start" in mapping)
        if ("code" not in mapping and not log) or len(mapping) < 2:
            continue
        if best is None or len(mapping) > best[1]:
            best = (number, len(mapping))
    if best is None:
        raise ValueError(f"no header row in the first {HEADER_SEARCH_ROWS} rows")
    return best[0]


def _id_columns(header: str, shared: list[str]) -> set[str]:
    """Column letters of the encounter and patient columns of the header row."""
    sys.path.insert(0, str(ROOT))
    from scrubber.fields import field_for_header

    columns = set()
    for cell in _CELL.finditer(header):
        value = _cell_text(cell[1], cell[3] or "", shared)
        if value and field_for_header(_unescape(value)) in ID_FIELDS:
            columns.add(_REF.search(cell[1])[1])
    return columns


def _templates(package: zipfile.ZipFile, sheet: str, header_row: int, shared: list[str]
               ) -> tuple[str, list[tuple[int, str]], str]:
    """The sheet's head (up to and with the header row), a template for each data row
    ``(row number, XML with ROW_MARK for the number and SUFFIX_MARK after each ID)``, and
    the tail."""
    head: list[str] = []
    templates: list[tuple[int, str]] = []
    tail = ""
    id_cell = id_cell_anywhere = None

    def distinct(match: re.Match[str]) -> str:
        attrs, body = match[1], match[3]
        value = _cell_text(attrs, body, shared) if body is not None else ""
        if not value:
            return match[0]  # an empty ID stays empty
        style = _STYLE.search(attrs)
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return (f'<c r="{match[2]}{ROW_MARK}"{" " + style[0] if style else ""} '
                f't="inlineStr"><is><t{space}>{value}{SUFFIX_MARK}</t></is></c>')

    for kind, text in _stream(package, sheet):
        if kind == "head":
            head.append(text)
            continue
        if kind == "tail":
            tail = text
            continue
        found = _ROW_NUMBER.search(text)
        if found is None:
            raise ValueError("a row without a number (r) is not supported")
        number = int(found[2])
        if number <= header_row:
            head.append(text)
            if number == header_row:
                ids = _id_columns(text, shared)
                id_cell = _id_cell_pattern(ids, first=True)
                id_cell_anywhere = _id_cell_pattern(ids, first=False)
            continue
        if id_cell is None:
            raise ValueError(f"the header row {header_row} is missing")
        if "<f>" in text or "<f " in text:
            raise ValueError("formulas are not supported")
        # every row number in the row (its own r and its cells' references) becomes ROW_MARK;
        # a plain replace unless the number also ends another attribute or a text
        cells = text.count("<c ") + text.count("<c>")
        if text.count(f'{number}"') == 1 + cells:
            row = text.replace(f'{number}"', f'{ROW_MARK}"')
        else:
            row, marks = _NUMBERS.subn(ROW_MARK, text)
            if marks != 1 + cells:
                raise ValueError(f"row {number}: a cell without a reference (r) is not "
                                 "supported")
        search = id_cell if text.count('<c r="') == cells else id_cell_anywhere
        templates.append((number, search.sub(distinct, row)))
    return "".join(head), templates, tail


def _id_cell_pattern(columns: set[str], *, first: bool) -> re.Pattern[str]:
    """Cells of ``columns`` in a template: (attributes, column, body or None); ``first``:
    only cells whose r is their first attribute."""
    if not columns:
        return re.compile(r"(?!x)x")  # never matches
    which = "|".join(sorted(columns))
    if first:  # r comes first in each cell (as openpyxl and Excel write it): a quicker search
        return re.compile(rf'<c (r="({which}){ROW_MARK}"[^>]*?)(?:/>|>(.*?)</c>)', re.S)
    return re.compile(rf'<c\b((?=[^>]*?\br="({which}){ROW_MARK}")[^>]*?)(?:/>|>(.*?)</c>)',
                      re.S)


def _cell_text(attrs: str, body: str, shared: list[str]) -> str:
    """A cell's value as escaped XML text ("" when empty)."""
    kind = _TYPE.search(attrs)
    kind = kind[1] if kind else "n"
    if kind == "inlineStr":
        return "".join(t or "" for t in _TEXT.findall(body))
    value = _VALUE.search(body)
    if value is None:
        return ""
    return shared[int(value[1])] if kind == "s" else value[1]


def _is_number(attrs: str) -> bool:
    kind = _TYPE.search(attrs)
    return kind is None or kind[1] == "n"


def _unescape(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m[0]], text)


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--times", type=int, required=True, help="copies of the data rows")
    parser.add_argument("--header-row", type=int, help="the header's row number (default: "
                        "found as the scrubber finds it)")
    parser.add_argument("--level", type=int, default=6, help="deflate level (default 6)")
    args = parser.parse_args()
    made = replicate(args.source, args.out, args.times, header_row=args.header_row,
                     compresslevel=args.level)
    print(f"{args.out}: header row {made.header_row}, {made.data_rows:,} data rows x "
          f"{made.times} = {made.data_rows * made.times:,}, last row {made.last_row:,}, "
          f"{args.out.stat().st_size / 2**20:.1f} MB in {made.seconds:.1f} s")


if __name__ == "__main__":
    main()
