"""Random charge sheets of hostile cells, written as real files (issue 13's property tests).

A :class:`Sheet` is a grid of Python values under a header row of the bundled header names
(a random subset of fields, each under one of its aliases, sometimes twice), perhaps with
title rows above it. :func:`write_xlsx` writes it as a raw OOXML package, the way Excel does:
numbers, booleans, dates and times as serial numbers under a date style, text as inline or
shared strings with control characters escaped (``_x0001_``), Excel errors as ``t="e"``
cells; :func:`write_csv` writes it as a CSV file in UTF-8, UTF-8 with a byte-order mark or
UTF-16. Every cell value an export can hold turns up: huge and negative numbers, dates far
out of range, formula text (``=1+1``, ``\\t=1+1``, ``@SUM(A1)``), escapes, markup, text
longer than Excel's cell limit, and marker text (``SECRET``) that no message may quote.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from hypothesis import strategies as st

from scrubber.fields import SYNONYMS

#: text no message or log line may quote (cells, sheet names); reports may.
SECRET = "SECRET"
ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!")


@dataclass(frozen=True)
class Error:
    """An Excel error cell (``t="e"``): a CSV carries its text."""

    text: str


@dataclass(frozen=True)
class Raw:
    """A cell written as given, hostile OOXML: ``t`` and the ``<v>`` text (a CSV gets it as
    text)."""

    t: str
    v: str


#: text a spreadsheet would run as a formula (or would, once a writer trimmed it).
FORMULAS = ["=1+1", "\t=1+1", "\r=1+1", "\n=1+1", " =1+1", "@SUM(A1)", "+1+1", "-1+2",
            "=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0", "=-2", "-5", "+5",
            "=SECRET", "\t\r=1+1", "-", "@", "=", "96365=1+1", "\x00=1+1"]
#: control characters, escapes and markup, and other text exports hold.
HOSTILE = ["\x01", "a\x00b", "\x07\x08\x0b\x0c", "\x1b[31mred\x1b[0m", "\x1b]0;title\x07",
           "_x0041_", "_x000D_", "[bold]x[/bold]", "[/]", "\u202eevil", "\ufeffBOM",
           "\ufffe", "O'Brien, SECRET", "<b>&amp;</b>", "line\nbreak", "cr\rhere",
           "\u00e9\u00e8\u4e2d\U0001f489", "   ", "", "'quoted", "\"", "#REF", "TRUE", "nan"]
NUMBERS = [0, -1, -0.0, 1e300, -1e300, 10**20, -(10**20), 10**30, 1709337600000, 2958465,
           2958466, -46300, 46300.5, 0.42, 1e-300, 5e-324, 99999999999, 1.5]
DATES = [dt.datetime(9999, 12, 31), dt.datetime(9999, 12, 31, 23, 59, 59), dt.date(1900, 1, 1),
         dt.datetime(1900, 2, 28, 10, 5), dt.date(1900, 3, 1), dt.datetime(1899, 12, 31),
         dt.date(2026, 10, 5), dt.time(0, 0), dt.time(23, 59, 59), dt.time(10, 45)]
#: raw cells Excel never writes but a hostile package may hold.
RAW = [Raw("n", "1e400"), Raw("n", "-1e400"), Raw("n", "NaN"), Raw("n", "abc"), Raw("n", ""),
       Raw("b", "2"), Raw("b", "x"), Raw("e", "#BOGUS!"), Raw("s", "999999"), Raw("s", "-1"),
       Raw("d", "2026-10-05T10:00:00"), Raw("d", "not a date"), Raw("str", "=1+1"),
       Raw("zz", "1")]

#: values an export really holds, per field, so the rules get past their first checks.
NATURAL: dict[str, st.SearchStrategy] = {
    "encounter": st.sampled_from(["E1", "E2", "E3", "SECRET-E4"]),
    "patient": st.sampled_from(["SYN001", "SECRET Doe, Jane", "P2"]),
    "service_date": st.sampled_from([dt.date(2026, 10, 5), "2026-10-05", "10/5/26", 46300]),
    "code": st.one_of(st.integers(96360, 96549).map(str), st.integers(96360, 96549),
                      st.sampled_from(["J1745", "J3490", "J2405", "J0696", "J1100", "J7030",
                                       "Q5103", " 96374 ", "96365.0", "96365-59"])),
    "modifiers": st.sampled_from(["59", "XS", "JZ", "JW", "25", "XU", "59,XS"]),
    "units": st.one_of(st.integers(0, 100), st.sampled_from(["40", "x2", 1.5])),
    "start": st.one_of(st.integers(0, 1439).map(lambda m: f"{m // 60:02d}:{m % 60:02d}"),
                       st.times(), st.sampled_from(["10:45 AM", "1005", 0.42])),
    "stop": st.one_of(st.integers(0, 1439).map(lambda m: f"{m // 60:02d}:{m % 60:02d}"),
                      st.times(), st.sampled_from(["2:30 pm", 46300.5])),
    "start_date": st.sampled_from([dt.date(2026, 10, 5), "2026-10-06"]),
    "stop_date": st.sampled_from([dt.date(2026, 10, 5), "2026-10-06"]),
    "route": st.sampled_from(["IV", "IV push", "IVPB", "IM", "SC", "Ceftriaxone [im]"]),
    "drug": st.sampled_from(["Infliximab", "Ondansetron", "Normal saline", "SECRET drug"]),
    "drug_code": st.sampled_from(["J1745", "J2405", "abc"]),
    "dose": st.sampled_from(["400 mg", "4", 4, "1 L"]),
    "dose_unit": st.sampled_from(["mg", "mL", "units"]),
    "diagnosis": st.sampled_from(["K50.90", "Z51.11", "R11.0", "ABC", "E86.0"]),
    "ordering_provider": st.sampled_from(["Dr. A", "[b]Dr. SECRET[/b]"]),
    "site": st.sampled_from(["L arm", "R hand"]),
    "ndc": st.sampled_from(["57894-0030-01", "5789400301", "12345"]),
    "place_of_service": st.sampled_from(["22", "11", "19"]),
    "payer": st.sampled_from(["Medicare", "Aetna", "SECRET Health"]),
    "waive": st.sampled_from(["INF003", "push-billed-as-infusion", "nonsense"]),
}
FIELDS = tuple(NATURAL)

hostile = st.one_of(
    st.none(), st.booleans(), st.sampled_from(NUMBERS), st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(DATES),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.times(), st.sampled_from(HOSTILE), st.sampled_from(ERRORS).map(Error),
    *[st.sampled_from(FORMULAS)] * 4,
    st.text(max_size=12), st.text(alphabet=st.characters(
        max_codepoint=0x20), max_size=4),
    st.integers(32_767, 33_000).map(lambda n: "SECRET" + "x" * n),
)


@dataclass(frozen=True)
class Sheet:
    """A sheet to write: its name, title rows, header row and data rows."""

    name: str
    titles: tuple[tuple[object, ...], ...]
    header: tuple[object, ...]
    rows: tuple[tuple[object, ...], ...]
    #: another sheet beside it (a user's own "Issues" sheet, say), or None
    other: str | None = None

    @property
    def raw(self) -> bool:
        """Whether a cell is one Excel never writes (openpyxl cannot load such a package)."""
        return any(isinstance(v, Raw) for row in self.rows for v in row)

    @property
    def header_row(self) -> int:
        return len(self.titles) + 1

    def grid(self) -> list[list[object]]:
        return [list(r) for r in (*self.titles, self.header, *self.rows)]


@st.composite
def sheets(draw: st.DrawFn) -> Sheet:
    """A charge sheet: the code column (mostly), other fields under random aliases (a field
    perhaps twice), title rows, a few lines of natural and hostile cells, blank rows."""
    fields = draw(st.lists(st.sampled_from(FIELDS), max_size=10))
    if draw(st.integers(0, 19)):
        fields.insert(draw(st.integers(0, len(fields))), "code")
    if "encounter" not in fields and draw(st.integers(0, 9)):
        fields.append("encounter")
    columns = [(f, draw(st.sampled_from(SYNONYMS[f]))) for f in fields]
    if draw(st.integers(0, 5)) == 0:  # a column no field has, or one of our own names
        columns.insert(draw(st.integers(0, len(columns))), ("", draw(st.sampled_from(
            ["Notes", "SECRET column", None, "Scrub Status", "Issues"]))))
    fields = [f for f, _ in columns]
    header = [h for _, h in columns]
    natural_share = draw(st.integers(1, 4))  # how often a cell is natural rather than hostile
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 7)) == 0:
            rows.append(tuple(None for _ in header))  # a blank row between lines
            continue
        row = []
        for field in fields:
            natural = NATURAL.get(field)
            if natural is not None and draw(st.integers(0, 4)) < natural_share:
                row.append(draw(natural))
            else:
                row.append(draw(hostile))
        rows.append(tuple(row))
    if rows and header and draw(st.integers(0, 5)) == 0:  # one cell of a hostile package
        where = draw(st.integers(0, len(rows) - 1))
        column = draw(st.integers(0, len(header) - 1))
        cells = list(rows[where])
        cells[column] = draw(st.sampled_from(RAW))
        rows[where] = tuple(cells)
    titles = tuple((draw(st.sampled_from(["Charge export", "SECRET clinic", Error("#REF!"),
                                          None, "=1+1"])),)
                   for _ in range(draw(st.integers(0, 2))))
    name = draw(st.sampled_from(["Charges", "SECRET O'Brien", "Sheet1", "Issues",
                                 "A&B <x>", "x" * 31]))
    other = draw(st.sampled_from([None, "Issues", "Scrub Issues", "SECRET notes"]))
    return Sheet(name, titles, tuple(header), tuple(rows), None if other == name else other)


# --- xlsx: a raw OOXML package ---------------------------------------------------------------

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
_ESCAPE_LIKE = re.compile(r"_x[0-9A-Fa-f]{4}_")
EPOCH = dt.datetime(1899, 12, 30)
#: style index per kind of serial number (numFmtId 14 date, 20 time, 22 date and time)
_STYLE = {"date": 1, "time": 2, "datetime": 3}


def ooxml_text(text: str) -> str:
    """Text as OOXML stores it: a literal ``_xHHHH_`` escaped as ``_x005F_xHHHH_``, characters
    XML cannot hold (and a carriage return, which XML would fold) as ``_xHHHH_``."""
    text = _ESCAPE_LIKE.sub(lambda m: "_x005F" + m.group(0), text)
    text = _INVALID_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    return escape(text)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def serial(value: dt.date | dt.time) -> tuple[float, int]:
    """An Excel serial number and its style index."""
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return seconds / 86400, _STYLE["time"]
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return delta.days + delta.seconds / 86400 + delta.microseconds / 864e8, \
            _STYLE["datetime"]
    return float((value - EPOCH.date()).days), _STYLE["date"]


def _cell(ref: str, value: object, strings: list[str], shared: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Raw):
        return f'<c r="{ref}" t={quoteattr(value.t)}><v>{escape(value.v)}</v></c>'
    if isinstance(value, Error):
        return f'<c r="{ref}" t="e"><v>{escape(value.text)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        number = value if isinstance(value, int) else repr(float(value))
        return f'<c r="{ref}"><v>{number}</v></c>'
    if isinstance(value, (dt.date, dt.time)):
        number, style = serial(value)
        return f'<c r="{ref}" s="{style}"><v>{number!r}</v></c>'
    text = str(value)
    if shared:
        strings.append(text)
        return f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>'
    return (f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{ooxml_text(text)}</t>'
            f'</is></c>')


def _sheet_xml(grid: list[list[object]], strings: list[str], shared: bool) -> str:
    rows = []
    for r, values in enumerate(grid, start=1):
        cells = "".join(_cell(f"{column_letter(c)}{r}", v, strings, shared)
                        for c, v in enumerate(values))
        if cells:
            rows.append(f'<row r="{r}">{cells}</row>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(rows)}</sheetData></worksheet>')


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
           '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
           '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
           'borderId="0"/></cellStyleXfs><cellXfs count="4">'
           '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
           'applyNumberFormat="1"/>'
           '<xf numFmtId="20" fontId="0" fillId="0" borderId="0" xfId="0" '
           'applyNumberFormat="1"/>'
           '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" '
           'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
           'xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def write_xlsx(sheet: Sheet, path: Path, *, shared: bool = False) -> Path:
    """The sheet as an .xlsx package (strings shared or inline), and ``sheet.other`` as a
    second worksheet holding one cell."""
    names = [sheet.name] + ([sheet.other] if sheet.other else [])
    strings: list[str] = []
    parts = {"xl/worksheets/sheet1.xml": _sheet_xml(sheet.grid(), strings, shared)}
    if sheet.other:
        parts["xl/worksheets/sheet2.xml"] = _sheet_xml([["a user's own sheet"]], strings,
                                                       shared)
    sst = "".join(f'<si><t xml:space="preserve">{ooxml_text(s)}</t></si>' for s in strings)
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>')
    parts["xl/styles.xml"] = _STYLES
    sheets = "".join(f'<sheet name={quoteattr(n)} sheetId="{i}" r:id="rId{i}"/>'
                     for i, n in enumerate(names, start=1))
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
        f'xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(names) + 1))
    n = len(names)
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        f'xmlns="{_PKG}">{rels}<Relationship Id="rId{n + 1}" Type="{_REL}/styles" '
        f'Target="styles.xml"/><Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" '
        f'Target="sharedStrings.xml"/></Relationships>')
    parts["_rels/.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        f'xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
        f'Target="xl/workbook.xml"/></Relationships>')
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                        f'ContentType="{_CT}.worksheet+xml"/>' for i in range(1, n + 1))
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns='
        '"http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'{overrides}<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        '</Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in parts.items():
            package.writestr(name, xml.encode("utf-8"))
    return path


# --- CSV --------------------------------------------------------------------------------------

def csv_text(value: object) -> str:
    """A cell as an export's CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, Error):
        return value.text
    if isinstance(value, Raw):
        return value.v
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and \
            abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16")


def write_csv(sheet: Sheet, path: Path, encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [csv_text(v) for v in row] for row in sheet.grid())
    text = out.getvalue()
    if encoding == "utf-16":
        # Excel's "Unicode text": a byte-order mark, then UTF-16 (surrogates kept encodable)
        data = codecs.BOM_UTF16_LE + text.encode("utf-16-le", "surrogatepass")
    else:
        data = text.encode(encoding, "surrogatepass")
    path.write_bytes(data)
    return path
