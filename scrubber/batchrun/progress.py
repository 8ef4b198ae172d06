"""What a batch says on stderr while it works.

On a terminal, a rich progress bar: files done of all, lines scrubbed, errors found, files
failed and the time left. Elsewhere (a log, a pipe, CI) one line per file as it finishes,
``[12/500] PATH: 3,201 lines, 14 errors, 2 warnings`` or ``[13/500] PATH: failed: REASON``,
so the output stays readable. Files skipped as unchanged are counted in one line, not listed.
``quiet`` turns all of it off. Lines never quote a cell or name a sheet.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from scrubber.batchrun.work import Outcome


class BatchProgress:
    """Use as a context manager; pass :meth:`heard` to ``run_batch``."""

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None
                 ) -> None:
        self.stream = stream or sys.stderr
        self.total, self.quiet = total, quiet
        self.count = self.lines = self.errors = self.failed = self.skipped = 0
        console = Console(file=self.stream, highlight=False, markup=False)
        self.live = console.is_terminal and not quiet
        self.progress = Progress(
            TextColumn("scrubbing"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[lines]:,} lines, {task.fields[errors]:,} errors, "
                       "{task.fields[failed]} failed"),
            TimeRemainingColumn(), console=console, transient=True, disable=not self.live)
        self.task = self.progress.add_task("batch", total=total, lines=0, errors=0, failed=0)

    def __enter__(self) -> BatchProgress:
        if self.live:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def heard(self, outcome: Outcome) -> None:
        self.count += 1
        self.lines += outcome.rows or 0
        self.errors += outcome.errors
        self.failed += not outcome.ok
        self.skipped += outcome.skipped
        if self.quiet:
            return
        if self.live:
            self.progress.update(self.task, advance=1, lines=self.lines, errors=self.errors,
                                 failed=self.failed)
            return
        if outcome.skipped:
            return
        self.stream.write(f"[{self.count}/{self.total}] {line(outcome)}\n")
        self.stream.flush()


def line(outcome: Outcome) -> str:
    """One file's line: its counts, or why it failed."""
    if outcome.rows is None:
        return f"{outcome.path}: failed: {outcome.reason}"
    counts = (f"{outcome.rows:,} lines, {outcome.errors:,} errors, "
              f"{outcome.warnings:,} warnings")
    if outcome.reason:
        return f"{outcome.path}: {counts}; failed: {outcome.reason}"
    return f"{outcome.path}: {counts}"
