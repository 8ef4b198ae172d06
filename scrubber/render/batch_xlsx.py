"""``summary.xlsx``: a batch summary a manager can look at instead of read.

Three sheets: ``Rules`` (findings per rule as an Excel table, and beside it a bar chart of
findings by rule, the most frequent on top), ``Files`` (one row per input file: status,
lines, errors, warnings, the failure reason, where its outputs went) and ``Totals`` (the
batch's totals, the tool version, the reference data and the config).

The package is written directly, part by part (a few kilobytes of XML per hundred files), not
through openpyxl: a batch of thousands of files gets its summary in a blink. Text from the
batch (paths, reasons) is always a string cell, never a formula: escaped for XML, control
characters written as OOXML escapes, cut at Excel's cell limit.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

#: Excel's limit on the characters in one cell.
CELL_LIMIT = 32_767
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\r]|_(?=x[0-9A-Fa-f]{4}_)")
_NOT_TEXT = re.compile("[\ud800-\udfff\ufffe\uffff]")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument."
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

RULE_HEADERS = ("Rule", "Name", "Errors", "Warnings", "Findings", "Files")
FILE_HEADERS = ("Path", "Status", "Lines", "Errors", "Warnings", "Reason", "Marked copy",
                "Report", "Skipped")
_RULE_WIDTHS = (10, 36, 10, 10, 10, 8)
_FILE_WIDTHS = (50, 9, 10, 9, 10, 60, 50, 50, 9)

Cell = str | int | float | None


def cell_text(value: str) -> str:
    """Text as OOXML stores it: within the cell limit, controls as ``_x001B_`` escapes."""
    value = _NOT_TEXT.sub("\ufffd", value)
    if len(value) > CELL_LIMIT:
        value = value[:CELL_LIMIT - 1] + "…"
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


class _Strings:
    """The shared string table (Excel's own tables expect their headers there)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        return self.index.setdefault(cell_text(text), len(self.index))

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{escape(t)}</t></si>' for t in self.index)
        return (f'{_XML}<sst xmlns="{_MAIN}" count="{len(self.index)}" '
                f'uniqueCount="{len(self.index)}">{items}</sst>')


def _letter(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _row(number: int, values: Sequence[Cell], strings: _Strings, bold: bool = False) -> str:
    cells = []
    style = ' s="1"' if bold else ""
    for column, value in enumerate(values, start=1):
        ref = f"{_letter(column)}{number}"
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            cells.append(f'<c r="{ref}" t="s"{style}><v>{strings(str(value))}</v></c>')
        else:
            cells.append(f'<c r="{ref}"{style}><v>{value}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _sheet(rows: list[str], widths: Sequence[int], *, drawing: bool = False,
           table: bool = False) -> str:
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(widths, start=1))
    parts = [f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">',
             '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
             'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>',
             f"<cols>{cols}</cols><sheetData>{''.join(rows)}</sheetData>",
             '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
             'footer="0.3"/>']
    rel = 1
    if drawing:
        parts.append(f'<drawing r:id="rId{rel}"/>')
        rel += 1
    if table:
        parts.append(f'<tableParts count="1"><tablePart r:id="rId{rel}"/></tableParts>')
    parts.append("</worksheet>")
    return "".join(parts)


def _table(number: int, name: str, headers: Sequence[str], rows: int) -> str:
    ref = f"A1:{_letter(len(headers))}{max(rows, 1) + 1}"
    columns = "".join(f'<tableColumn id="{i}" name="{escape(h)}"/>'
                      for i, h in enumerate(headers, start=1))
    return (f'{_XML}<table xmlns="{_MAIN}" id="{number}" name="{name}" displayName="{name}" '
            f'ref="{ref}" totalsRowShown="0"><autoFilter ref="{ref}"/>'
            f'<tableColumns count="{len(headers)}">{columns}</tableColumns>'
            '<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" '
            'showRowStripes="1" showColumnStripes="0"/></table>')


def _chart(names: Sequence[str], counts: Sequence[int]) -> str:
    """A horizontal bar chart of ``Rules!E`` (findings) by ``Rules!B`` (rule name), with the
    values cached so a viewer that does not recalculate shows them too."""
    last = max(len(names), 1) + 1  # no findings: the table's one blank row
    cat = "".join(f'<c:pt idx="{i}"><c:v>{escape(cell_text(n))}</c:v></c:pt>'
                  for i, n in enumerate(names))
    val = "".join(f'<c:pt idx="{i}"><c:v>{n}</c:v></c:pt>' for i, n in enumerate(counts))
    title = ('<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{}</a:t></a:r></a:p></c:rich>'
             '</c:tx><c:overlay val="0"/></c:title>')
    return (
        f'{_XML}<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{_REL}"><c:roundedCorners val="0"/><c:chart>'
        + title.format("Findings by rule") +
        '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart>'
        '<c:barDir val="bar"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
        '<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:strRef><c:f>Rules!$E$1</c:f>'
        '<c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>Findings</c:v></c:pt></c:strCache>'
        '</c:strRef></c:tx><c:invertIfNegative val="0"/>'
        f'<c:cat><c:strRef><c:f>Rules!$B$2:$B${last}</c:f><c:strCache>'
        f'<c:ptCount val="{len(names)}"/>{cat}</c:strCache></c:strRef></c:cat>'
        f'<c:val><c:numRef><c:f>Rules!$E$2:$E${last}</c:f><c:numCache>'
        f'<c:formatCode>General</c:formatCode><c:ptCount val="{len(counts)}"/>{val}'
        '</c:numCache></c:numRef></c:val></c:ser>'
        '<c:gapWidth val="60"/><c:axId val="5001"/><c:axId val="5002"/></c:barChart>'
        '<c:catAx><c:axId val="5001"/><c:scaling><c:orientation val="maxMin"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="l"/><c:numFmt formatCode="General" sourceLinked="0"/>'
        '<c:tickLblPos val="nextTo"/><c:crossAx val="5002"/><c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/></c:catAx>'
        '<c:valAx><c:axId val="5002"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="t"/><c:majorGridlines/>'
        + title.format("Findings") +
        '<c:numFmt formatCode="General" sourceLinked="1"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="5001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/>'
        '</c:valAx></c:plotArea><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/>'
        '</c:chart></c:chartSpace>')


def _drawing(rows: int) -> str:
    """The chart's frame: from H2, ten columns wide, a row and a half per rule."""
    bottom = max(18, 2 + rows * 3 // 2 + 4)
    return (
        f'{_XML}<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
        'spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<xdr:twoCellAnchor editAs="oneCell">'
        '<xdr:from><xdr:col>7</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>'
        '<xdr:rowOff>0</xdr:rowOff></xdr:from>'
        f'<xdr:to><xdr:col>17</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{bottom}</xdr:row>'
        '<xdr:rowOff>0</xdr:rowOff></xdr:to>'
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" '
        'name="Findings by rule"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
        '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
        '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
        f'xmlns:r="{_REL}" r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame>'
        '<xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>')


_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
    '</font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
    '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" '
    'fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles '
    'count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _rels(*targets: tuple[str, str]) -> str:
    items = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/{kind}" Target="{target}"/>'
                    for i, (kind, target) in enumerate(targets, start=1))
    return f'{_XML}<Relationships xmlns="{_PKG}">{items}</Relationships>'


def render_summary_xlsx(summary: dict[str, object]) -> bytes:
    """The workbook's bytes, from ``summary.json``'s dictionary."""
    strings = _Strings()
    totals = summary["totals"]
    rules = totals["by_rule"]
    rule_rows = [_row(1, RULE_HEADERS, strings, bold=True)]
    for number, r in enumerate(rules, start=2):
        rule_rows.append(_row(number, [r["rule"], r["name"], r["errors"], r["warnings"],
                                       r["findings"], r["files"]], strings))
    file_rows = [_row(1, FILE_HEADERS, strings, bold=True)]
    skipped = set(summary["run"]["skipped_files"])
    for number, f in enumerate(summary["files"], start=2):
        file_rows.append(_row(number, [f["path"], f["status"], f["rows"], f["errors"],
                                       f["warnings"], f["reason"], f["marked_copy"],
                                       f["report"], "yes" if f["path"] in skipped else "no"],
                              strings))
    total_rows = [_row(1, ("Totals", ""), strings, bold=True)]
    for label, value in _total_lines(summary):
        total_rows.append(_row(len(total_rows) + 1, (label, value), strings))
    parts = {
        "[Content_Types].xml": _content_types(),
        "_rels/.rels": _rels(("officeDocument", "xl/workbook.xml")),
        "xl/workbook.xml": (f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
                            '<sheet name="Rules" sheetId="1" r:id="rId1"/>'
                            '<sheet name="Files" sheetId="2" r:id="rId2"/>'
                            '<sheet name="Totals" sheetId="3" r:id="rId3"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": _rels(
            ("worksheet", "worksheets/sheet1.xml"), ("worksheet", "worksheets/sheet2.xml"),
            ("worksheet", "worksheets/sheet3.xml"), ("styles", "styles.xml"),
            ("sharedStrings", "sharedStrings.xml")),
        "xl/styles.xml": _STYLES,
        "xl/worksheets/sheet1.xml": _sheet(rule_rows, _RULE_WIDTHS, drawing=True, table=True),
        "xl/worksheets/_rels/sheet1.xml.rels": _rels(("drawing", "../drawings/drawing1.xml"),
                                                     ("table", "../tables/table1.xml")),
        "xl/tables/table1.xml": _table(1, "RulesTable", RULE_HEADERS, len(rules)),
        "xl/worksheets/sheet2.xml": _sheet(file_rows, _FILE_WIDTHS, table=True),
        "xl/worksheets/_rels/sheet2.xml.rels": _rels(("table", "../tables/table2.xml")),
        "xl/tables/table2.xml": _table(2, "FilesTable", FILE_HEADERS, len(summary["files"])),
        "xl/worksheets/sheet3.xml": _sheet(total_rows, (28, 90)),
    }
    # the chart is there with no findings too: an empty chart says so at a glance
    parts["xl/drawings/drawing1.xml"] = _drawing(len(rules))
    parts["xl/drawings/_rels/drawing1.xml.rels"] = _rels(("chart", "../charts/chart1.xml"))
    parts["xl/charts/chart1.xml"] = _chart([r["name"] for r in rules],
                                           [r["findings"] for r in rules])
    parts["xl/sharedStrings.xml"] = strings.xml()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def _total_lines(summary: dict[str, object]) -> list[tuple[str, Cell]]:
    totals = summary["totals"]
    lines: list[tuple[str, Cell]] = [
        ("Files", totals["files"]), ("OK", totals["ok"]), ("Failed", totals["failed"]),
        ("Scrubbed in this run", summary["run"]["scrubbed"]),
        ("Skipped as unchanged", summary["run"]["skipped"]),
        ("Lines", totals["rows"]), ("Errors", totals["errors"]),
        ("Warnings", totals["warnings"]), ("Exit code", totals["exit_code"]),
        ("Scrubber version", summary["version"])]
    lines += [(f"Reference: {k}", v) for k, v in summary["reference"].items()]
    config = dict(summary["config"])
    profiles = config.pop("payer_profiles", {})
    lines += [(f"Config: {k}", _plain(v)) for k, v in config.items()]
    lines += [(f"Payer {p}: {k}", _plain(v)) for p, c in profiles.items() for k, v in c.items()]
    return lines


def _plain(value: object) -> Cell:
    if value is None or isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ", ".join(f"{k} = {v}" for k, v in value.items())
    return ", ".join(map(str, value))


def _content_types() -> str:
    overrides = [("/xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
                 ("/xl/styles.xml", "spreadsheetml.styles+xml"),
                 ("/xl/sharedStrings.xml", "spreadsheetml.sharedStrings+xml"),
                 *((f"/xl/worksheets/sheet{i}.xml", "spreadsheetml.worksheet+xml")
                   for i in (1, 2, 3)),
                 *((f"/xl/tables/table{i}.xml", "spreadsheetml.table+xml") for i in (1, 2)),
                 ("/xl/drawings/drawing1.xml", "drawing+xml"),
                 ("/xl/charts/chart1.xml", "drawingml.chart+xml")]
    items = "".join(f'<Override PartName="{p}" ContentType="{_CT}{t}"/>' for p, t in overrides)
    return (f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f"{items}</Types>")
