"""Input errors: one clear line that names the file and what is wrong."""

from __future__ import annotations


class InputError(Exception):
    """A file (or frame) that cannot be scrubbed; the run goes on with the other files.

    Messages never quote cell contents, so no patient data reaches a log.
    """

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(source, problem)  # both in args, so the error pickles across processes
        self.source = source
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.source}: {self.problem}"
