"""The XML of the Issues sheet the package writer adds: one row per finding, a link to its cell.

The sheet is built a column at a time: a column's texts repeat (rule IDs, names, messages),
so each distinct text becomes its cell's XML once, with a stand-in for the row number
(``\\x00``, which XML text can never hold) that each row then swaps for its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain, repeat
from operator import attrgetter

from scrubber.mark.ooxml import xml_text
from scrubber.mark.plan import (
    CELL_TEXT_LIMIT,
    IssueRow,
    MarkPlan,
    line_statuses,
    no_room_note,
)
from scrubber.positions import column_letter

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_WIDTHS = (7, 14, 9, 26, 9, 16, 8, 16, 70, 60)
_STATUS_WIDTH, _HIDDEN_WIDTH = 14, 10
_ROW = "\x00"  # the row number's stand-in
# what IssueRow.cells() gives, read in one call per row (the severity made its text after)
_FIELDS = attrgetter("row", "encounter", "rule", "name", "severity", "column", "column_letter",
                     "value", "message", "suggestion")


#: findings per slice of the sheet: the XML is made and handed on a slice at a time, so a
#: million-line run never holds its Issues sheet (hundreds of MB of text) whole.
SLICE = 10_000


def issues_sheet_xml(plan: MarkPlan, hidden: set[int], room: bool = True) -> str:
    """Our Issues sheet whole (see :func:`issues_sheet_parts`)."""
    return "".join(issues_sheet_parts(plan, hidden, room))


def issues_sheet_parts(plan: MarkPlan, hidden: set[int], room: bool = True) -> Iterator[str]:
    """Our Issues sheet, in pieces that join to its XML: a frozen header, a filter, a link to
    each flagged cell, one page wide when printed; a ``Row Hidden`` column when the sheet
    hides flagged rows. When the scrubbed sheet has no ``room`` for the status columns (its
    columns reach XFD), each finding's line status is in a ``Scrub Status`` column here and
    a note beside the headers says so."""
    headers = [*plan.issues_headers, *([] if room else [plan.status_header]),
               *(["Row Hidden"] if hidden else [])]
    issues = plan.issues
    header = "".join(_column(column_letter(i), [h])[0] for i, h in enumerate(headers))
    if not room:  # one blank column after the headers, outside the filter
        header += _column(column_letter(len(headers) + 1), [no_room_note(plan)])[0]
    last = column_letter(len(headers) - 1)
    end = len(issues) + 1
    widths = [*_WIDTHS[:len(plan.issues_headers)], *([] if room else [_STATUS_WIDTH]),
              *([_HIDDEN_WIDTH] if hidden else [])]
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(widths, start=1))
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last}{end}"/><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
        f'<cols>{cols}</cols><sheetData><row r="1">{header.replace(_ROW, "1")}</row>')
    statuses = None if room else line_statuses(plan)
    for first in range(0, len(issues), SLICE):
        yield _rows(issues[first:first + SLICE], first + 2, hidden,
                    None if statuses is None else statuses[first:first + SLICE])
    yield f'</sheetData><autoFilter ref="A1:{last}{end}"/>'
    if issues:
        yield "<hyperlinks>"
        for first in range(0, len(issues), SLICE):
            yield _links(issues[first:first + SLICE], first + 2)
        yield "</hyperlinks>"
    yield ('<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" '
           'footer="0.3"/><pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
           "</worksheet>")


def _rows(issues: Sequence[IssueRow], first: int, hidden: set[int],
          statuses: Sequence[str | None] | None = None) -> str:
    """The rows of these findings, numbered from ``first`` (with their lines' ``statuses``
    when the sheet has no room for them)."""
    columns: list[Sequence[object]] = list(zip(*map(_FIELDS, issues), strict=True))
    columns[4] = [severity.value for severity in columns[4]]  # IssueRow.cells() gives text
    if statuses is not None:
        columns.append(statuses)
    if hidden:
        columns.append(["hidden" if issue.row in hidden else None for issue in issues])
    cells = [_column(column_letter(i), values) for i, values in enumerate(columns)]
    numbers = list(map(str, range(first, first + len(issues))))
    rows = map(str.replace, map("".join, zip(*cells, strict=True)), repeat(_ROW), numbers)
    return "".join(chain.from_iterable(
        zip(map('<row r="{}">'.format, numbers), rows, repeat("</row>"))))


def _links(issues: Sequence[IssueRow], first: int) -> str:
    """The hyperlinks of these findings' first cells, numbered from ``first``."""
    locations = [issue.link.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                 .replace('"', "&quot;") for issue in issues]
    if issues and any(c in issues[0].link for c in "\t\n\r"):  # one sheet: all or none
        # white space in an attribute must be a character reference, or a reader's XML
        # parser makes it a space and the link misses the sheet
        locations = [location.replace("\t", "&#9;").replace("\n", "&#10;")
                     .replace("\r", "&#13;") for location in locations]
    numbers = map(str, range(first, first + len(issues)))
    return "".join(map('<hyperlink ref="A{}" location="{}"/>'.format, numbers, locations))


def _column(letter: str, values: Sequence[object]) -> list[str]:
    """Each value's cell in this column (the row number left as ``\\x00``): a number is a
    value, anything else inline text (never a formula) cut to Excel's limit for one cell;
    an empty value is no cell."""
    start = f'<c r="{letter}{_ROW}"'
    if set(map(type, values)) <= {str, type(None)}:  # text repeats: each is made once
        made = {None: ""}
        for value in set(values) - made.keys():
            made[value] = _text(start, value)
        return list(map(made.__getitem__, values))
    return ["" if value is None
            else f"{start}><v>{value}</v></c>"
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else _text(start, str(value)) for value in values]


def _text(start: str, text: str) -> str:
    if len(text) > CELL_TEXT_LIMIT:  # cut visibly, never silently
        text = text[:CELL_TEXT_LIMIT - 1] + "…"
    return (f'{start} t="inlineStr"><is><t xml:space="preserve">'
            f"{xml_text(text)}</t></is></c>")
