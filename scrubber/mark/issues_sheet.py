"""The XML of the Issues sheet the package writer adds: one row per finding, a link to its cell.

A finding's texts repeat (rule IDs, names, messages), so each distinct text is escaped once
per sheet, and every row is a handful of ready pieces joined once at the end.
"""

from __future__ import annotations

from scrubber.mark.ooxml import xml_text
from scrubber.mark.plan import CELL_TEXT_LIMIT, MarkPlan
from scrubber.positions import column_letter

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_WIDTHS = (7, 14, 9, 26, 9, 16, 8, 16, 70, 60, 10)
_INLINE = '" t="inlineStr"><is><t xml:space="preserve">'


def issues_sheet_xml(plan: MarkPlan, hidden: set[int]) -> str:
    """Our Issues sheet: a frozen header, a filter, a link to each flagged cell, one page
    wide when printed; a ``Row Hidden`` column when the sheet hides flagged rows."""
    headers = [*plan.issues_headers, *(["Row Hidden"] if hidden else [])]
    starts = [f'<c r="{column_letter(i)}' for i in range(len(headers))]
    texts: dict[str, str] = {}
    rows = [_row(1, headers, starts, texts)]
    links = []
    for number, issue in enumerate(plan.issues, start=2):
        values = issue.cells()
        if hidden:
            values = (*values, "hidden" if issue.row in hidden else None)
        rows.append(_row(number, values, starts, texts))
        location = (issue.link.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                    .replace('"', "&quot;"))
        links.append(f'<hyperlink ref="A{number}" location="{location}"/>')
    last = column_letter(len(headers) - 1)
    end = len(plan.issues) + 1
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(_WIDTHS[:len(headers)], start=1))
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


def _row(row: int, values, starts: list[str], texts: dict[str, str]) -> str:
    """One row: a number is a value, anything else inline text (never a formula), cut to
    Excel's limit for one cell; empty values are left out."""
    number = str(row)
    pieces = [f'<row r="{number}">']
    for start, value in zip(starts, values):
        if value is None:
            continue
        if type(value) is str:
            rest = texts.get(value)
            if rest is None:
                rest = texts[value] = _text(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            rest = f'"><v>{value}</v></c>'
        else:
            rest = _text(str(value))
        pieces += (start, number, rest)
    pieces.append("</row>")
    return "".join(pieces)


def _text(text: str) -> str:
    return f"{_INLINE}{xml_text(text[:CELL_TEXT_LIMIT])}</t></is></c>"
