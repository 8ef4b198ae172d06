"""The mark plan: what a marked output shows for one file's findings, decided once.

Every painter reads the same plan and decides nothing about findings itself: the package
writer (:mod:`scrubber.mark.package`), its openpyxl fallback and the Excel add-in's painter.
The plan is plain data (frozen dataclasses of text, numbers and tuples, picklable) and
:meth:`MarkPlan.to_dict` gives the JSON-ready form for a painter across a process boundary.

The plan says, for one sheet:

- every charge line's row: its ``Scrub Status`` (``error``, ``warning`` or ``OK``), its
  ``Scrub Findings`` text and, for a flagged row, the row fill;
- every flagged cell: a stronger fill of the same hue, for the worst of its findings;
- every ``Issues`` row: the finding's fields and a link target at its cell.

A finding on the header row or above it (about the sheet, not a line) gets an Issues row only.

How far a row fill reaches is the painter's call, since only it sees the sheet; the xlsx
writer fills from column A through the ``Scrub Findings`` column.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from itertools import repeat
from operator import attrgetter
from types import MappingProxyType
from typing import TYPE_CHECKING

from scrubber.fields import FINDINGS_HEADER, STATUS_HEADER
from scrubber.findings import Finding, Severity

if TYPE_CHECKING:  # only for the annotation: the plan needs no pandas at run time
    from scrubber.result import FileResult

# ARGB fills. The row colours are the ones every earlier marked copy used, so a second scrub
# still recognises (and clears) old marks. The cell colours are deliberately not in Excel's
# standard palette (its gold is FFFFC000), so a user's own fill is not mistaken for ours.
ERROR_ROW_RGB = "FFF4B6B6"
WARNING_ROW_RGB = "FFFFE699"
ERROR_CELL_RGB = "FFE57373"
WARNING_CELL_RGB = "FFFFC845"
ROW_FILLS: Mapping[Severity, str] = MappingProxyType(
    {Severity.ERROR: ERROR_ROW_RGB, Severity.WARNING: WARNING_ROW_RGB})
CELL_FILLS: Mapping[Severity, str] = MappingProxyType(
    {Severity.ERROR: ERROR_CELL_RGB, Severity.WARNING: WARNING_CELL_RGB})
#: every fill a scrub paints; a later scrub clears exactly these.
OUR_RGBS = frozenset({*ROW_FILLS.values(), *CELL_FILLS.values()})

OK_STATUS = "OK"
#: the sheet every marked output lists findings on (see :func:`issues_sheet_name`).
ISSUES_SHEET = "Issues"
ISSUES_HEADERS = ("Row", "Encounter", "Rule", "Name", "Severity", "Column", "Column Letter",
                  "Value", "Message", "Suggestion")
#: Excel's limit on the characters in one cell.
CELL_TEXT_LIMIT = 32_767
#: Excel's last column (XFD).
MAX_COLUMN = 16_384
#: the Issues sheet's note (beside its headers) when the scrubbed sheet has no room for the
#: status columns: its columns reach XFD, so they are on the Issues sheet instead.
NO_ROOM_NOTE = ("Note: the scrubbed sheet has no room for the {status} and {findings} columns "
                "(its columns reach XFD, Excel's last). Each flagged line's status is in the "
                "{status} column here and its findings are its rows here; every line not "
                "listed here is OK.")
_VALUE_SHOWN = 40  # a cell value longer than this is shortened inside a findings line
_RANK = {Severity.ERROR: 0, Severity.WARNING: 1}  # lower is worse


@dataclass(frozen=True, slots=True)
class RowMark:
    """One charge line's marks.

    Attributes:
        row: the worksheet row number.
        severity: the worst finding's severity; None for a clean line.
        fill: the row fill (ARGB); None for a clean line, which keeps its own fill.
        status: the ``Scrub Status`` text: ``error``, ``warning`` or ``OK``.
        findings: the ``Scrub Findings`` text, one line per finding (errors first);
            empty for a clean line.
    """

    row: int
    severity: Severity | None
    fill: str | None
    status: str
    findings: str


@dataclass(frozen=True, slots=True)
class CellMark:
    """One flagged cell, painted over its row's fill.

    Attributes:
        row: the worksheet row number.
        column_letter: the column's letter (``D``).
        column_index: the column's 0-based position (``D`` is 3).
        severity: the worst severity among the cell's findings.
        fill: the cell fill (ARGB), stronger than the row fill of that severity.
        rules: the IDs of the rules that flagged the cell, in finding order.
    """

    row: int
    column_letter: str
    column_index: int
    severity: Severity
    fill: str
    rules: tuple[str, ...]

    @property
    def coordinate(self) -> str:
        return f"{self.column_letter}{self.row}"


@dataclass(frozen=True, slots=True)
class IssueRow:
    """One line of the Issues sheet; the fields before ``link`` follow ``ISSUES_HEADERS``.

    ``link`` is the target of the row's hyperlink: the flagged cell (``'Sheet'!D12``), or
    column A of the row when the finding names no column.
    """

    row: int
    encounter: str | None
    rule: str
    name: str
    severity: Severity
    column: str | None
    column_letter: str | None
    value: str | None
    message: str
    suggestion: str | None
    link: str

    def cells(self) -> tuple[object, ...]:
        """The values to write under ``ISSUES_HEADERS``, in order."""
        return (self.row, self.encounter, self.rule, self.name, self.severity.value,
                self.column, self.column_letter, self.value, self.message, self.suggestion)


@dataclass(frozen=True, slots=True)
class MarkPlan:
    """Everything a marked output shows for one sheet.

    ``rows`` are sorted by row, ``cells`` by row then column; ``issues`` follow the result's
    findings. The header fields are carried as data so a painter needs no import to use them.
    """

    sheet: str
    header_row: int
    rows: tuple[RowMark, ...]
    cells: tuple[CellMark, ...]
    issues: tuple[IssueRow, ...]
    status_header: str = STATUS_HEADER
    findings_header: str = FINDINGS_HEADER
    issues_headers: tuple[str, ...] = ISSUES_HEADERS

    def to_dict(self) -> dict[str, object]:
        """The plan as JSON-ready dicts and lists (severities as their text)."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> MarkPlan:
        """The plan back from :meth:`to_dict`'s output (after a JSON round trip, too)."""
        return cls(
            sheet=data["sheet"], header_row=data["header_row"],
            rows=tuple(RowMark(**{**r, "severity": _severity(r["severity"])})
                       for r in data["rows"]),
            cells=tuple(CellMark(**{**c, "severity": Severity(c["severity"]),
                                    "rules": tuple(c["rules"])}) for c in data["cells"]),
            issues=tuple(IssueRow(**{**i, "severity": Severity(i["severity"])})
                         for i in data["issues"]),
            status_header=data["status_header"], findings_header=data["findings_header"],
            issues_headers=tuple(data["issues_headers"]))


def plan_marks(result: FileResult) -> MarkPlan:
    """The marks for one scrubbed file: rows, cells and Issues rows. Pure; reads nothing."""
    # A finding on the header row or above (a rule that could not run on the sheet) is about
    # the sheet, not a line: it is listed in Issues, but painting it would overwrite headers.
    on_lines = [f for f in result.findings if f.row > result.header_row]
    by_row: dict[int, list[Finding]] = defaultdict(list)
    for finding in on_lines:
        by_row[finding.row].append(finding)
    numbers = sorted(set(result.line_rows).union(by_row))
    rows = _clean_marks(numbers)
    for mark in _flagged_marks(by_row):
        rows[bisect_left(numbers, mark.row)] = mark
    return MarkPlan(result.sheet, result.header_row, tuple(rows), _cell_marks(on_lines),
                    _issue_rows(list(result.findings), result.sheet))


def issues_sheet_name(taken: Iterable[str]) -> str:
    """The name for a new Issues sheet: ``Issues``, else (a sheet of the user's has that
    name) ``Scrub Issues``, ``Scrub Issues 2`` ... Excel's sheet names are unique without
    regard to case, so a user's ``issues`` takes ``Issues`` too."""
    taken = {name.casefold() for name in taken}
    name, number = ISSUES_SHEET, 1
    while name.casefold() in taken:
        number += 1
        name = "Scrub Issues" if number == 2 else f"Scrub Issues {number - 1}"
    return name


def has_room(last_column: int) -> bool:
    """Whether a sheet whose last used column is ``last_column`` has room for the two status
    columns before XFD."""
    return last_column + 2 <= MAX_COLUMN


def no_room_note(plan: MarkPlan) -> str:
    """The Issues sheet's note when the status columns are there instead of on the sheet."""
    return NO_ROOM_NOTE.format(status=plan.status_header, findings=plan.findings_header)


def line_statuses(plan: MarkPlan) -> list[str | None]:
    """Each Issues row's line status (``error``, ``warning``; None for a finding about the
    sheet), for the Issues sheet's status column when the sheet has no room for it."""
    status = {mark.row: mark.status for mark in plan.rows}
    return [status.get(issue.row) for issue in plan.issues]


def worst(severities: Iterable[Severity]) -> Severity:
    """The worst of some severities (error beats warning)."""
    return min(severities, key=_RANK.__getitem__)


def finding_line(finding: Finding) -> str:
    """One finding as a line of ``Scrub Findings``: ``COLUMN: message -> suggestion`` and the
    rule, so the analyst reads where, what and the fix first.

    ``Diagnosis 2 (D = 'K50'): K50 is a category -> Use K50.00 [INF014 invalid-diagnosis]``;
    a finding about the whole line names ``Line``.
    """
    return _finding_line(finding, {})


def _finding_line(finding: Finding, clauses: dict[str, str]) -> str:
    message = clauses.get(finding.message)
    if message is None:
        message = clauses[finding.message] = _clause(finding.message)
    line = f"{_where(finding) or 'Line'}: {message}"
    if finding.suggestion:
        suggestion = clauses.get(finding.suggestion)
        if suggestion is None:
            suggestion = clauses[finding.suggestion] = _clause(finding.suggestion)
        line += f" -> {suggestion}"
    line += f" [{finding.rule} {finding.name}]"
    return " ".join(line.splitlines())  # one finding stays one line of the cell


def link_target(sheet: str, column_letter: str, row: int) -> str:
    """An in-workbook link target: the sheet name quoted, its apostrophes doubled."""
    return "'" + sheet.replace("'", "''") + f"'!{column_letter}{row}"


def column_index(letter: str) -> int:
    """The 0-based position of a column letter ('A' -> 0, 'AA' -> 26)."""
    if not letter or not letter.isascii() or not letter.isalpha():
        raise ValueError(f"not a column letter: {letter!r}")
    number = 0
    for char in letter.upper():
        number = number * 26 + ord(char) - ord("A") + 1
    return number - 1


def cap_cell_text(lines: list[str], limit: int = CELL_TEXT_LIMIT) -> str:
    """Join lines into one cell's text of at most ``limit`` characters.

    Whole lines are kept while they fit; the rest become a visible note
    ``… (N more findings, see Issues sheet)``. A first line too long on its own is cut and
    ends in ``…``, and the text still ends with a pointer to the Issues sheet (the note, or
    ``(cut, see Issues sheet)`` when it was the only line).
    """
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    kept, used = 0, -1  # used: characters of the kept lines and the newlines between them
    while len(lines[kept]) + used + 1 + 1 + len(_more(len(lines) - kept - 1)) <= limit:
        used += len(lines[kept]) + 1
        kept += 1
    if kept == 0:
        rest = len(lines) - 1
        note = f"\n{_more(rest)}" if rest else f" {_CUT}"
        return lines[0][:limit - len(note) - 1] + "…" + note
    return "\n".join(lines[:kept] + [_more(len(lines) - kept)])


def _flagged_marks(by_row: dict[int, list[Finding]]) -> list[RowMark]:
    """The marks of the rows with findings (errors first in each row's text)."""
    lines: dict[tuple, str] = {}  # the same finding on many rows: each line is made once
    clauses: dict[str, str] = {}  # messages and suggestions repeat: each is trimmed once
    severities, texts = [], []
    for findings in by_row.values():
        if len(findings) > 1:
            findings = sorted(findings, key=lambda f: _RANK[f.severity])  # stable
        severities.append(findings[0].severity)
        text = []
        for finding in findings:
            key = _LINE_FIELDS(finding)
            line = lines.get(key)
            if line is None:
                line = lines[key] = _finding_line(finding, clauses)
            text.append(line)
        texts.append(cap_cell_text(text))
    return _bulk(RowMark, (by_row, severities, map(ROW_FILLS.__getitem__, severities),
                           map(attrgetter("value"), severities), texts))


#: what a finding's line is made of (see finding_line)
_LINE_FIELDS = attrgetter("column", "column_letter", "value", "message", "suggestion", "rule",
                          "name")


def _bulk(cls: type, values: Iterable[Iterable[object]]) -> list:
    """Instances of a frozen, slotted dataclass from its fields' values (an iterable per
    field, in field order), set straight into the slots.

    The dataclass's __init__ sets each field with its own object.__setattr__ call; a plan
    holds a mark per line, and making them this way is about three times quicker.
    """
    values = [list(v) for v in values]
    made = list(map(object.__new__, repeat(cls, len(values[0])))) if values else []
    for field, column in zip(fields(cls), values, strict=True):
        deque(map(getattr(cls, field.name).__set__, made, column), maxlen=0)
    return made


def _clean_marks(rows: list[int]) -> list[RowMark]:
    """A clean line's mark for each row."""
    return _bulk(RowMark, (rows, repeat(None, len(rows)), repeat(None, len(rows)),
                           repeat(OK_STATUS, len(rows)), repeat("", len(rows))))


def _cell_marks(findings: Iterable[Finding]) -> tuple[CellMark, ...]:
    by_cell: dict[tuple[int, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.column_letter:
            by_cell[(finding.row, finding.column_letter)].append(finding)
    indexes = {letter: column_index(letter) for _, letter in by_cell}
    severities = [on_cell[0].severity if len(on_cell) == 1 else worst(f.severity for f in on_cell)
                  for on_cell in by_cell.values()]
    marks = _bulk(CellMark, (
        [row for row, _ in by_cell], [letter for _, letter in by_cell],
        [indexes[letter] for _, letter in by_cell], severities,
        map(CELL_FILLS.__getitem__, severities),
        [tuple(dict.fromkeys(f.rule for f in on_cell)) for on_cell in by_cell.values()]))
    return tuple(sorted(marks, key=attrgetter("row", "column_index")))


def _issue_rows(findings: list[Finding], sheet: str) -> tuple[IssueRow, ...]:
    quoted = link_target(sheet, "A", 1)[:-2]  # 'Sheet'!
    links = [f"{quoted}{f.column_letter or 'A'}{f.row}" for f in findings]
    names = [field.name for field in fields(IssueRow)][:-1]  # all but the link: a finding's
    return tuple(_bulk(IssueRow, [*(map(attrgetter(n), findings) for n in names), links]))


def _where(finding: Finding) -> str:
    """``Route (I = 'IV push')``, ``Stop Time (H, empty)``; "" when no column is named."""
    if not finding.column and not finding.column_letter:
        return ""
    name = finding.column or f"column {finding.column_letter}"
    letter = finding.column_letter or ""
    if finding.value is None:
        return f"{name} ({letter + ', ' if letter else ''}empty)"
    value = " ".join(finding.value.split())
    if len(value) > _VALUE_SHOWN:
        value = value[:_VALUE_SHOWN - 1] + "…"
    return f"{name} ({letter + ' = ' if letter else ''}'{value}')"


def _clause(text: str) -> str:
    """A message or suggestion as a clause: trimmed, without its closing full stop."""
    text = " ".join(text.split())
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


#: what ends a findings text whose only line was cut at the cell limit.
_CUT = "(cut, see Issues sheet)"


def _more(count: int) -> str:
    return f"… ({count} more finding{'' if count == 1 else 's'}, see Issues sheet)"


def _severity(text: str | None) -> Severity | None:
    return None if text is None else Severity(text)


def _plain(value: object) -> object:
    if isinstance(value, Severity):
        return value.value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value
