"""Text report: a summary table and the findings, rendered with rich."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from scrubber.engine import ScrubResult
from scrubber.findings import Severity

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}


def render_text(result: ScrubResult, *, width: int = 120, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system=None
                      if not color else "auto", highlight=False)
    for file in result.files:
        console.print(f"[bold]{file.path}[/bold]  sheet '{file.sheet}', header on row "
                      f"{file.header_row}, {file.rows} lines")
        if not file.findings:
            console.print("  no findings")
            continue
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column in ("Row", "Col", "Encounter", "Rule", "Severity", "Message", "Suggestion"):
            table.add_column(column, overflow="fold")
        for f in file.findings:
            table.add_row(str(f.row), f.column_letter or "", f.encounter or "",
                          f"{f.rule} {f.name}",
                          f"[{_STYLE[f.severity]}]{f.severity}[/]", f.message,
                          f.suggestion or "")
        console.print(table)
    console.print(_summary_table(result))
    return buffer.getvalue()


def _summary_table(result: ScrubResult) -> Table:
    summary = result.summary()
    table = Table(title="Summary", show_header=True, header_style="bold")
    table.add_column("Rule")
    table.add_column("Findings", justify="right")
    for name, count in summary["by_rule"].items():
        table.add_row(name, str(count))
    table.add_row("[bold]files / lines[/]", f"{summary['files']} / {summary['rows']}")
    table.add_row("[bold]errors / warnings[/]", f"{summary['errors']} / {summary['warnings']}")
    return table
