"""What a run says on stderr while it works: where each marked copy went, and on a terminal a
progress bar for a run that takes more than a second.

stdout holds only the report (``--format json`` stays pure JSON); ``--quiet`` silences all of
this, leaving only errors. The bar is drawn by rich, starts after a second (a quick file shows
nothing), names the file and its phase (checking, writing), and disappears when the run ends.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from scrubber.io.errors import InputError
from scrubber.result import FileResult
from scrubber.terminal import visible

#: seconds before the bar appears.
DELAY = 1.0


class RunProgress:
    """Use as a context manager; pass :meth:`phase` and :meth:`done` to ``scrub_many``."""

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None
                 ) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.console = Console(file=self.stream, highlight=False, markup=False)
        interactive = self.console.is_terminal and not quiet
        self.progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=self.console, transient=True,
                                 disable=not interactive)
        self.task = self.progress.add_task("scrubbing", total=total)
        self.timer = threading.Timer(DELAY, self.progress.start) if interactive else None

    def __enter__(self) -> RunProgress:
        if self.timer is not None:
            self.timer.daemon = True
            self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.progress.stop()

    def phase(self, path: str, name: str) -> None:
        self.progress.update(self.task, description=f"{visible(Path(path).name)}: {name}")

    def done(self, path: str, result: FileResult | None, error: InputError | None,
             written: Path | None) -> None:
        self.progress.advance(self.task)
        if written is not None and not self.quiet:
            # printed through the progress console so the bar stays below the lines
            self.progress.console.print(Text(f"wrote {visible(written)}"), soft_wrap=True)
