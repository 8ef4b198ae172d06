"""Paint a mark plan onto an open workbook through xlwings, in bulk, and undo it.

The painter decides nothing about findings: the core's :func:`~scrubber.mark.plan.plan_marks`
says what each row and cell shows. Every write is a block: one write for the two status
columns, one ``set_colors`` per block of rows (xlwings takes at most 10,000 cells a call),
one write for the Issues table and one for its links. That is a few actions however long the
sheet, on every runtime (Office.js batches them; COM makes one call each).

What Scrub changed is written to a hidden sheet of its own (:data:`RECORD_SHEET`), so Clear
marks removes exactly that on every runtime, including the ones that cannot read a cell's
fill: the fills it painted (set back to no fill), the two columns it wrote, and the Issues
sheet it created. A user's own sheet named ``Issues`` is never taken for ours.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scrubber.mark.plan import MarkPlan

RECORD_SHEET = "Scrubber Record"
#: xlwings' limit on the cells of one set_colors call.
COLOR_BLOCK = 10_000
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Placement:
    """Where the marks go on the scrubbed sheet (1-based worksheet positions).

    Attributes:
        first_column: the table's first column (row fills start there).
        status_column: the ``Scrub Status`` column; ``Scrub Findings`` is the next one.
        last_row: the last row the marks may touch (the table's last row).
    """

    first_column: int
    status_column: int
    last_row: int

    @property
    def findings_column(self) -> int:
        return self.status_column + 1


@dataclass(frozen=True)
class Record:
    """What a Scrub changed, as read back from the record sheet."""

    sheet: str
    header_row: int
    status_column: int
    last_row: int
    issues_sheet: str
    painted: tuple[tuple[int, int, int], ...]  # (row, first column, last column)

    def rows(self) -> list[list[object]]:
        head = [["key", "value", "", ""],
                ["format", 1, "", ""],
                ["sheet", self.sheet, "", ""],
                ["header row", self.header_row, "", ""],
                ["status column", self.status_column, "", ""],
                ["last row", self.last_row, "", ""],
                ["issues sheet", self.issues_sheet, "", ""],
                ["painted", "row", "first column", "last column"]]
        return head + [["", r, a, b] for r, a, b in self.painted]

    @classmethod
    def from_rows(cls, rows: list[list[object]]) -> Record | None:
        """The record from its sheet's cells; None when it is not one of ours."""
        values = {str(r[0]): r[1] for r in rows if r and r[0] not in (None, "")}
        if values.get("format") not in (1, 1.0) or "sheet" not in values:
            return None
        start = next(i for i, r in enumerate(rows) if r and r[0] == "painted") + 1
        painted = tuple((int(r[1]), int(r[2]), int(r[3])) for r in rows[start:]
                        if len(r) > 3 and isinstance(r[1], (int, float)))
        return cls(str(values["sheet"]), int(values["header row"]),
                   int(values["status column"]), int(values["last row"]),
                   str(values.get("issues sheet") or ""), painted)


def text_cell(value: object) -> object:
    """A value written as data, never as a formula: text that Excel would read as one gets
    its text prefix (an apostrophe, which Excel hides)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def hyperlink(target: str, label: str) -> str:
    """``=HYPERLINK("#'Sheet'!C5","C5")``: the runtimes' own hyperlink call takes only web
    addresses. ``target`` is the plan's link (sheet name already quoted)."""
    return f'=HYPERLINK("#{target.replace(chr(34), chr(34) * 2)}","{label}")'


def paint_sheet(sheet, plan: MarkPlan, place: Placement) -> tuple[tuple[int, int, int], ...]:
    """Status columns and fills on the scrubbed sheet; returns the painted row spans."""
    status = place.status_column
    sheet.range((plan.header_row, status)).value = [[plan.status_header, plan.findings_header]]
    marks = {mark.row: mark for mark in plan.rows}
    first, last = plan.header_row + 1, max([place.last_row, *marks], default=plan.header_row)
    if last >= first:
        sheet.range((first, status), (last, status + 1)).value = [
            [marks[r].status, text_cell(marks[r].findings)] if r in marks else [None, None]
            for r in range(first, last + 1)]
    cells: dict[int, dict[int, str]] = {}
    for cell in plan.cells:
        cells.setdefault(cell.row, {})[cell.column_index + 1] = cell.fill
    spans = tuple((mark.row, place.first_column, place.findings_column)
                  for mark in plan.rows if mark.fill)
    fills = {mark.row: mark.fill for mark in plan.rows if mark.fill}
    _colour(sheet, spans, lambda row, column: cells.get(row, {}).get(column, fills[row]))
    return spans


def clear_sheet(sheet, record: Record) -> None:
    """Undo :func:`paint_sheet`: no fill where it painted, the two columns emptied."""
    _colour(sheet, record.painted, lambda row, column: None)
    sheet.range((record.header_row, record.status_column),
                (max(record.last_row, record.header_row), record.status_column + 1)
                ).clear_contents()


def write_issues(sheet, plan: MarkPlan, scrubbed: str, lines: int) -> None:
    """The Issues table (with a link column to each flagged cell) and, beside it, the
    summary: what was scrubbed and the findings by rule."""
    headers = [*plan.issues_headers, "Link"]
    rows = [[text_cell(v) for v in issue.cells()] + [None] for issue in plan.issues]
    sheet.range((1, 1)).value = [headers, *rows]
    if plan.issues:
        sheet.range((2, len(headers)), (len(rows) + 1, len(headers))).formula = [
            [hyperlink(issue.link, f"{issue.column_letter or 'A'}{issue.row}")]
            for issue in plan.issues]
    counts = Counter((i.rule, i.name, i.severity.value) for i in plan.issues)
    errors = sum(n for (_, _, severity), n in counts.items() if severity == "error")
    summary: list[list[object]] = [
        ["Summary", None, None],
        ["Sheet", text_cell(scrubbed), None],
        ["Scrubbed at", dt.datetime.now().strftime("%Y-%m-%d %H:%M"), None],
        ["Charge lines", lines, None],
        ["Errors", errors, None],
        ["Warnings", sum(counts.values()) - errors, None],
        [None, None, None],
        ["Rule", "Name", "Findings"],
        *([rule, name, n] for (rule, name, _), n in sorted(counts.items())),
    ]
    sheet.range((1, len(headers) + 2)).value = summary


def _colour(sheet, spans: Iterable[tuple[int, int, int]], colour) -> None:
    """One set_colors per block of rows: ``colour(row, column)`` on each span's cells,
    ``...`` (keep) elsewhere."""
    spans = sorted(spans)
    if not spans:
        return
    left = min(a for _, a, _ in spans)
    right = max(b for _, _, b in spans)
    width = right - left + 1
    by_row = {row: (a, b) for row, a, b in spans}
    rows_per_block = max(1, COLOR_BLOCK // width)
    rows = sorted(by_row)
    block: list[int] = []
    for row in rows:
        if block and (row - block[0] + 1 > rows_per_block):
            _colour_block(sheet, block, by_row, left, right, colour)
            block = []
        block.append(row)
    _colour_block(sheet, block, by_row, left, right, colour)


def _colour_block(sheet, rows: list[int], by_row, left: int, right: int, colour) -> None:
    top, bottom = rows[0], rows[-1]
    matrix = []
    for row in range(top, bottom + 1):
        span = by_row.get(row)
        matrix.append([_hex(colour(row, column)) if span and span[0] <= column <= span[1]
                       else ... for column in range(left, right + 1)])
    sheet.range((top, left), (bottom, right)).set_colors(matrix)


def _hex(argb: str | None) -> str | None:
    """The plan's ARGB fill as the ``#RRGGBB`` xlwings takes (None: no fill)."""
    return None if argb is None else f"#{argb[-6:]}"
