"""Text report: a summary table and the findings, rendered with rich.

Everything that comes from the user's file (paths, sheet names, encounter IDs, and the
messages and suggestions that quote cells) goes to rich as :class:`rich.text.Text`, never as
a markup string: ``Ceftriaxone [im]`` or ``[bold]x`` print as typed, ``:pill:`` stays text
instead of an emoji, and terminal control characters (an ESC from a pasted cell) are shown
as ``\\x1b`` instead of reaching the terminal. Only our own labels carry styles.
"""

from __future__ import annotations

import io
import re

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scrubber.findings import Severity
from scrubber.result import ScrubResult

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}
#: control characters other than tab and newline (C0, DEL, C1): shown, never sent.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def user_text(value: object, style: str = "") -> Text:
    """A piece of user data as inert rich text: no markup, no emoji codes, no control codes."""
    plain = "" if value is None else str(value)
    return Text(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", plain), style=style)


def render_text(result: ScrubResult, *, width: int = 120, color: bool = False) -> str:
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
        if not file.findings:
            console.print("  no findings")
            continue
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column in ("Row", "Col", "Encounter", "Rule", "Severity", "Message", "Suggestion"):
            table.add_column(column, overflow="fold")
        for f in file.findings:
            table.add_row(str(f.row), user_text(f.column_letter), user_text(f.encounter),
                          user_text(f"{f.rule} {f.name}"),
                          Text(f.severity.value, style=_STYLE[f.severity]),
                          user_text(f.message), user_text(f.suggestion))
        console.print(table)
    console.print(_summary_table(result))
    return buffer.getvalue()


def _summary_table(result: ScrubResult) -> Table:
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
    return table
