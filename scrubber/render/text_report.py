"""Text report: the findings and a summary table, rendered with rich to fit a given width.

Everything that comes from the user's file (paths, sheet names, encounter IDs, and the
messages and suggestions that quote cells) goes to rich as :class:`rich.text.Text`, never as
a markup string: ``Ceftriaxone [im]`` or ``[bold]x`` print as typed, ``:pill:`` stays text
instead of an emoji, and terminal control characters (an ESC from a pasted cell) are shown
as ``\\x1b`` instead of reaching the terminal. Only our own labels carry styles.

The findings are a table when the width leaves the message and the suggestion a readable
column each; the short columns (row, letter, rule, severity) are sized to their contents so
rich never has to squeeze them mid-word, and the two text columns share what is left and
wrap at spaces. On a narrower width each finding is a block instead: one line naming the
cell and the rule, the message and the suggestion wrapped under it.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from scrubber.findings import Finding, Severity
from scrubber.result import ScrubResult

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}
#: control characters other than tab and newline (C0, DEL, C1): shown, never sent.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: width when the output is not a terminal and COLUMNS is not set (a file, a pipe, a log).
REPORT_WIDTH = 100
#: narrower than this, nothing reads well; render at this width and let the terminal wrap.
MIN_WIDTH = 40
#: the message and suggestion columns are each at least this wide, or findings are blocks.
MIN_TEXT_COLUMN = 24
#: an encounter ID longer than this wraps inside its column.
MAX_ENCOUNTER = 20
_HEADERS = ("Row", "Col", "Encounter", "Rule", "Severity", "Message", "Suggestion")
#: rich's padding between two table columns (one space each side; none at the edges).
_GAP = 2
#: indent of a finding block's message and suggestion.
_INDENT = 6


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
    plain = "" if value is None else str(value)
    return Text(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", plain), style=style)


def render_text(result: ScrubResult, *, width: int = REPORT_WIDTH, color: bool = False) -> str:
    """The report as text no wider than ``width`` (at least :data:`MIN_WIDTH`)."""
    width = max(width, MIN_WIDTH)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system=None
                      if not color else "auto", highlight=False, emoji=False, markup=False)
    for file in result.files:
        console.print(Text.assemble(
            user_text(file.path, "bold"), "  sheet '", user_text(file.sheet),
            f"', header on row {file.header_row}, {file.rows} lines"))
        for skipped in file.skipped_rows:
            console.print(Text.assemble(f"  row {skipped.row} skipped: ",
                                        user_text(skipped.reason), " (not a charge line)"))
        for waived in file.waived:
            console.print(Text.assemble(
                f"  row {waived.finding.row} {waived.finding.rule} {waived.finding.name} "
                f"waived: ", user_text(waived.reason)))
        for problem in file.waiver_problems:
            console.print(Text.assemble("  waiver not understood: ", user_text(problem)))
        if file.hidden_rows:
            rows = ", ".join(str(r) for r in file.hidden_rows)
            console.print(f"  flagged but hidden in the sheet: row(s) {rows} (listed in "
                          f"the marked copy's Issues sheet; not unhidden)")
        if not file.findings:
            console.print("  no findings")
            continue
        console.print(_findings_table(file.findings, width) or _finding_blocks(file.findings))
    console.print(_summary_table(result, console))
    if color:
        return buffer.getvalue()
    # rich pads every line to the width; a file or a pipe is better without the spaces
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _short_cells(finding: Finding) -> tuple[Text, ...]:
    """The row, letter, encounter, rule and severity cells of one finding."""
    return (Text(str(finding.row)), user_text(finding.column_letter),
            user_text(finding.encounter), user_text(f"{finding.rule} {finding.name}"),
            Text(finding.severity.value, style=_STYLE[finding.severity]))


def _widest(texts: Sequence[Text], header: str) -> int:
    return max([len(header), *(t.cell_len for t in texts)])


def _findings_table(findings: Sequence[Finding], width: int) -> Table | None:
    """The findings as a table sized to ``width``, or None when it would be too cramped."""
    rows = [(*_short_cells(f), user_text(f.message), user_text(f.suggestion)) for f in findings]
    columns = list(zip(*rows, strict=True))
    widths = [_widest(cells, header) for cells, header in zip(columns, _HEADERS, strict=True)]
    widths[2] = min(widths[2], MAX_ENCOUNTER)
    room = width - sum(widths[:5]) - _GAP * (len(_HEADERS) - 1)
    if room < 2 * MIN_TEXT_COLUMN:  # the rule's ID over its name costs only the ID's width
        longest_word = max(len(w) for t in columns[3] for w in t.plain.split() or [""])
        room += widths[3] - max(len("Rule"), longest_word)
        widths[3] = max(len("Rule"), longest_word)
    if room < 2 * MIN_TEXT_COLUMN:
        return None
    widths[5:] = _share(room, widths[5], widths[6])
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for header, column_width in zip(_HEADERS, widths, strict=True):
        fixed = header in ("Row", "Col", "Severity")
        table.add_column(header, width=column_width, no_wrap=fixed,
                         overflow="ellipsis" if fixed else "fold")
    for row in rows:
        table.add_row(*row)
    return table


def _share(room: int, message: int, suggestion: int) -> tuple[int, int]:
    """Split ``room`` between the message and suggestion columns: each its natural width if
    both fit, else in proportion to it, neither under :data:`MIN_TEXT_COLUMN`."""
    if message + suggestion <= room:
        return message, suggestion
    share = round(room * message / (message + suggestion))
    share = min(max(share, MIN_TEXT_COLUMN), room - MIN_TEXT_COLUMN)
    return share, room - share


def _finding_blocks(findings: Sequence[Finding]) -> RenderableType:
    """One block a finding, for widths too narrow for the table."""
    blocks: list[RenderableType] = []
    for f in findings:
        column = Text.assemble(", col ", user_text(f.column_letter)) if f.column_letter else ""
        blocks.append(Padding(Text.assemble(
            f"row {f.row}", column, "  ", user_text(f.encounter), "  ",
            user_text(f"{f.rule} {f.name}"), "  ",
            Text(f.severity.value, style=_STYLE[f.severity])), (0, 0, 0, 2)))
        blocks.append(Padding(user_text(f.message), (0, 0, 0, _INDENT)))
        if f.suggestion:
            blocks.append(Padding(Text.assemble("Suggestion: ", user_text(f.suggestion)),
                                  (0, 0, 0, _INDENT)))
    return Group(*blocks)


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
    if summary.get("waived"):
        table.add_row(Text("waived", style="bold"), str(summary["waived"]))
    if summary.get("hidden_flagged_rows"):
        table.add_row(Text("hidden flagged rows", style="bold"),
                      str(summary["hidden_flagged_rows"]))
    if console.measure(table).maximum > console.width:
        table.box = None
    return table
