"""Text report: the findings and a summary table, fitted to a given width.

Everything that comes from the user's file (paths, sheet names, encounter IDs, and the
messages and suggestions that quote cells) is shown as typed: ``Ceftriaxone [im]`` or
``[bold]x`` print as they are, ``:pill:`` stays text instead of an emoji, and terminal control
characters (an ESC from a pasted cell) are shown as ``\\x1b`` instead of reaching the terminal.
Only our own labels carry styles (with ``color``).

The findings are a table when the width leaves the message and the suggestion a readable
column each; the short columns (row, letter, rule, severity) are sized to their contents so
they are never squeezed mid-word, and the two text columns share what is left and wrap at
spaces. On a narrower width each finding is a block instead: one line naming the cell and the
rule, the message and the suggestion wrapped under it.

A large export has tens of thousands of findings; rich measured and wrapped each of their cells
(8 s for 18,000). They are laid out by :mod:`scrubber.render.layout` instead, which wraps each
distinct text once, the way rich wraps it, so the report reads exactly as it did; rich still
draws the small summary table.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scrubber.findings import Finding, Severity
from scrubber.render.layout import ODD_SPACE, Layout, shown, wrap
from scrubber.result import FileResult, ScrubResult
from scrubber.terminal import visible

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}
#: the terminal codes rich writes for our styles (``color`` only).
_SGR = {"bold": "\x1b[1m", "bold red": "\x1b[1;31m", "yellow": "\x1b[33m"}

#: width when the output is not a terminal and COLUMNS is not set (a file, a pipe, a log).
REPORT_WIDTH = 100
#: narrower than this, nothing reads well; render at this width and let the terminal wrap.
MIN_WIDTH = 40
#: the message and suggestion columns are each at least this wide, or findings are blocks.
MIN_TEXT_COLUMN = 24
#: an encounter ID longer than this wraps inside its column.
MAX_ENCOUNTER = 20
_HEADERS = ("Row", "Col", "Encounter", "Rule", "Severity", "Message", "Suggestion")
#: columns cut with an ellipsis rather than wrapped (their width is their widest cell).
_FIXED = tuple(header in ("Row", "Col", "Severity") for header in _HEADERS)
#: between two table columns (rich's padding: one space each side; none at the edges).
_GAP = 2
#: indent of a finding block's message and suggestion.
_INDENT = 6

Paint = Callable[[str, str], str]


def fit_width(stream: TextIO | None = None) -> int:
    """The width to render for: ``COLUMNS`` when set, else the terminal's when ``stream`` is
    a terminal, else :data:`REPORT_WIDTH` (never under :data:`MIN_WIDTH`)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    elif stream is not None and _is_terminal(stream):
        try:
            width = os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError):
            width = REPORT_WIDTH
    else:
        width = REPORT_WIDTH
    return max(width, MIN_WIDTH)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or stand-in stream
        return False


def user_text(value: object, style: str = "") -> Text:
    """A piece of user data as inert rich text: no markup, no emoji codes, no control codes."""
    return Text(shown(value), style=style)


def render_text(result: ScrubResult, *, width: int = REPORT_WIDTH, color: bool = False) -> str:
    """The report as text no wider than ``width`` (at least :data:`MIN_WIDTH`); ``color``
    adds terminal codes for the path, the headers and the severities."""
    width = max(width, MIN_WIDTH)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system=None
                      if not color else "auto", highlight=False, emoji=False, markup=False)
    layout = Layout(console)  # each distinct text wrapped once, for this report only
    paint = _paint if color else _plain
    lines: list[str] = []
    for file in result.files:
        lines += _file_lines(file, width, layout, paint)
        if not file.findings:
            continue
        widths = _table_widths(_columns(file.findings, layout), width, layout)
        lines += (_finding_blocks(file.findings, width, layout, paint) if widths is None else
                  _findings_table(file.findings, widths, layout, paint))
    console.print(_summary_table(result, console))
    summary = "".join(line.rstrip(" ") + "\n" for line in buffer.getvalue().splitlines())
    return _text(lines, summary, layout.odd_space)


def _text(lines: list[str], summary: str = "", odd_space: bool = False) -> str:
    """The report's lines (each without its trailing spaces), then the summary, as one text."""
    if odd_space or ODD_SPACE.search(summary):
        # a line break other than "\n" (U+2028, U+2029; shown() escaped the others) or a
        # space other than " " in a cell: as rich's report always was, break the lines
        # where str.splitlines() does and strip any white space at their ends
        text = "\n".join(lines) + "\n" + summary
        return "".join(line.rstrip() + "\n" for line in text.splitlines())
    return "\n".join([*lines, summary])


def _plain(text: str, style: str) -> str:
    return text


def _paint(text: str, style: str) -> str:
    return f"{_SGR[style]}{text}\x1b[0m"


def _file_lines(file: FileResult, width: int, layout: Layout, paint: Paint) -> list[str]:
    """The file's heading, the rows left out or waived, and its hidden flagged rows."""
    path = visible(file.path)  # one line: a newline in a file name is shown as \n
    lines = list(layout.lines(f"{path}  sheet '{visible(file.sheet)}', header on row "
                              f"{file.header_row}, {file.rows} lines", width))
    if path and lines[0].startswith(path):  # in colour, the path is bold where it fits
        lines[0] = paint(path, "bold") + lines[0][len(path):]
    notes = [f"  row {skipped.row} skipped: {layout.shown(skipped.reason)} (not a charge line)"
             for skipped in file.skipped_rows]
    notes += [f"  row {waived.finding.row} {waived.finding.rule} {waived.finding.name} waived: "
              f"{layout.shown(waived.reason)}" for waived in file.waived]
    notes += [f"  waiver not understood: {layout.shown(problem)}"
              for problem in file.waiver_problems]
    notes += [f"  warning: {layout.shown(warning)}" for warning in file.payer_warnings]
    if file.hidden_rows:
        rows = ", ".join(str(r) for r in file.hidden_rows)
        notes.append(f"  flagged but hidden in the sheet: row(s) {rows} (listed in the marked "
                     f"copy's Issues sheet; not unhidden)")
    if not file.findings:
        notes.append("  no findings")
    for note in notes:
        lines += layout.lines(note, width)
    return [line.rstrip(" ") for line in lines]


def _columns(findings: Sequence[Finding], layout: Layout) -> list[set[str]]:
    """The distinct cells of each table column, as shown."""
    shown = layout.shown
    return [{str(row) for row in {f.row for f in findings}},
            {shown(letter) for letter in {f.column_letter for f in findings}},
            {shown(encounter) for encounter in {f.encounter for f in findings}},
            {shown(f"{rule} {name}") for rule, name in {(f.rule, f.name) for f in findings}},
            {severity.value for severity in {f.severity for f in findings}},
            {shown(message) for message in {f.message for f in findings}},
            {shown(suggestion) for suggestion in {f.suggestion for f in findings}}]


def _table_widths(columns: list[set[str]], width: int, layout: Layout) -> list[int] | None:
    """The table's column widths for ``width``, or None when it would be too cramped."""
    widths = [max(len(header), layout.widest(cells))
              for cells, header in zip(columns, _HEADERS, strict=True)]
    widths[2] = min(widths[2], MAX_ENCOUNTER)
    room = width - sum(widths[:5]) - _GAP * (len(_HEADERS) - 1)
    if room < 2 * MIN_TEXT_COLUMN:  # the rule's ID over its name costs only the ID's width
        longest_word = max(len(w) for t in columns[3] for w in t.split() or [""])
        room += widths[3] - max(len("Rule"), longest_word)
        widths[3] = max(len("Rule"), longest_word)
    if room < 2 * MIN_TEXT_COLUMN:
        return None
    widths[5:] = _share(room, widths[5], widths[6])
    return widths


def _share(room: int, message: int, suggestion: int) -> tuple[int, int]:
    """Split ``room`` between the message and suggestion columns: each its natural width if
    both fit, else in proportion to it, neither under :data:`MIN_TEXT_COLUMN`."""
    if message + suggestion <= room:
        return message, suggestion
    share = round(room * message / (message + suggestion))
    share = min(max(share, MIN_TEXT_COLUMN), room - MIN_TEXT_COLUMN)
    return share, room - share


def _findings_table(findings: Sequence[Finding], widths: list[int], layout: Layout,
                    paint: Paint) -> list[str]:
    """The findings as a table with these column widths."""
    shown, cell = layout.shown, layout.cell
    header = [cell(h, w, fixed) for h, w, fixed in zip(_HEADERS, widths, _FIXED, strict=True)]
    lines = [paint(line.rstrip(" "), "bold") for line in _row_lines(header, widths)]
    row_width, letter_width, encounter_width, rule_width = widths[:4]
    severities = {s: [paint(s.value, _STYLE[s]) + " " * (widths[4] - len(s.value))]
                  for s in Severity}
    letters = {letter: cell(shown(letter), letter_width, True)
               for letter in {f.column_letter for f in findings}}
    rules = {(rule, name): cell(shown(f"{rule} {name}"), rule_width)
             for rule, name in {(f.rule, f.name) for f in findings}}
    # the message and suggestion side by side, and their lines under the first one (the
    # short cells blank), once a pair: a few thousand at most
    texts: dict[tuple[str, str | None], tuple[list[str], list[str]]] = {}
    blank = " " * (sum(widths[:5]) + _GAP * 5)
    for f in findings:
        pair = texts.get((f.message, f.suggestion))
        if pair is None:
            side = _row_lines([cell(shown(f.message), widths[5]),
                               cell(shown(f.suggestion), widths[6])], widths[5:])
            pair = texts[f.message, f.suggestion] = (
                side, [(blank + line).rstrip(" ") for line in side[1:]])
        encounter = shown(f.encounter)
        rule = rules[f.rule, f.name]
        if (len(encounter) <= encounter_width and len(rule) == 1 and encounter.isascii()
                and encounter.isprintable()):  # the usual row: only the text columns wrap
            lines.append(f"{f.row:<{row_width}}  {letters[f.column_letter][0]}  "
                         f"{encounter:<{encounter_width}}  {rule[0]}  "
                         f"{severities[f.severity][0]}  {pair[0][0]}".rstrip(" "))
            lines += pair[1]
        else:
            lines += [line.rstrip(" ") for line in _row_lines(
                [[str(f.row).ljust(row_width)], letters[f.column_letter],
                 cell(encounter, encounter_width), rule, severities[f.severity], pair[0]],
                [*widths[:5], widths[5] + _GAP + widths[6]])]
    return lines


def _row_lines(cells: list[list[str]], widths: list[int]) -> list[str]:
    """One table row's lines: its cells (each padded to its width) side by side, a cell with
    fewer lines than the others blank under its text."""
    if all(len(cell) == 1 for cell in cells[:-1]):  # only the last column wraps: most rows
        last = cells[-1]
        first = "  ".join([cell[0] for cell in cells])
        if len(last) == 1:
            return [first]
        blank = " " * (sum(widths[:-1]) + _GAP * (len(widths) - 1))
        return [first, *[blank + line for line in last[1:]]]
    height = max(map(len, cells))
    return ["  ".join([cell[i] if i < len(cell) else " " * w
                       for cell, w in zip(cells, widths, strict=True)]) for i in range(height)]


def _finding_blocks(findings: Sequence[Finding], width: int, layout: Layout,
                    paint: Paint) -> list[str]:
    """One block a finding, for widths too narrow for the table."""
    shown = layout.shown
    lines: list[str] = []
    indent = " " * _INDENT
    columns = {letter: f", col {shown(letter)}" if letter else ""
               for letter in {f.column_letter for f in findings}}
    encounters = {encounter: shown(encounter) for encounter in {f.encounter for f in findings}}
    # each heading ends "RULE NAME  SEVERITY", the severity painted when in colour
    rules = {(rule, name, severity): (f"{shown(f'{rule} {name}')}  ", severity.value,
                                      paint(severity.value, _STYLE[severity]))
             for rule, name, severity in {(f.rule, f.name, f.severity) for f in findings}}
    # the message and suggestion under the heading, once a pair
    texts: dict[tuple[str, str | None], list[str]] = {}
    for f in findings:
        rule, severity, painted = rules[f.rule, f.name, f.severity]
        head = f"row {f.row}{columns[f.column_letter]}  {encounters[f.encounter]}  {rule}"
        simple = head.isascii() and head.isprintable()
        if simple and len(head) + len(severity) <= width - 2:
            lines.append(f"  {head}{painted}")  # most headings fit on their line
        else:  # each heading once: wrapped here, not kept
            wrapped = (wrap(head + severity, width - 2) if simple
                       else layout.lines(head + severity, width - 2))
            last = wrapped[-1]  # ends with the severity: a line holds more than that
            lines += [("  " + line).rstrip(" ") for line in wrapped[:-1]]
            lines.append(f"  {last[:len(last) - len(severity)]}{painted}")
        body = texts.get((f.message, f.suggestion))
        if body is None:
            body = layout.lines(shown(f.message), width - _INDENT)
            if f.suggestion:
                body = body + layout.lines("Suggestion: " + shown(f.suggestion),
                                           width - _INDENT)
            body = texts[f.message, f.suggestion] = [(indent + line).rstrip(" ") for line in body]
        lines += body
    return lines


def _summary_table(result: ScrubResult, console: Console) -> Table:
    """Counts per rule and in all; drawn without borders when a boxed table would not fit."""
    summary = result.summary()
    table = Table(title="Summary", show_header=True, header_style="bold")
    table.add_column("Rule")
    table.add_column("Findings", justify="right")
    for name, count in summary["by_rule"].items():
        table.add_row(user_text(name), str(count))
    table.add_row(Text("files / lines", style="bold"), f"{summary['files']} / {summary['rows']}")
    if summary["skipped_rows"]:
        table.add_row(Text("skipped rows", style="bold"), str(summary["skipped_rows"]))
    table.add_row(Text("errors / warnings", style="bold"),
                  f"{summary['errors']} / {summary['warnings']}")
    for profile, lines in summary.get("lines_by_profile", {}).items():
        table.add_row(Text("lines under ", style="bold") + user_text(profile, "bold"),
                      str(lines))
    if summary.get("waived"):
        table.add_row(Text("waived", style="bold"), str(summary["waived"]))
    if summary.get("hidden_flagged_rows"):
        table.add_row(Text("hidden flagged rows", style="bold"),
                      str(summary["hidden_flagged_rows"]))
    if console.measure(table).maximum > console.width:
        table.box = None
    return table
