"""infusion-scrubber: catch billing errors in infusion and injection charge spreadsheets.

Library calls: :func:`scrub` (a path or a DataFrame), :func:`scrub_grid` (rows of cell values,
as Excel hands them over) and :func:`prepare` (resolve a config, its rules and reference
tables once, for many scrubs or for worker processes).
"""

from scrubber.config import Config, ConfigError
from scrubber.engine import FileResult, ScrubResult, SkippedRow, scrub, scrub_grid
from scrubber.findings import Finding, Severity
from scrubber.io.errors import InputError
from scrubber.prepared import Prepared, prepare
from scrubber.version import __version__

__all__ = ["Config", "ConfigError", "FileResult", "Finding", "InputError", "Prepared",
           "ScrubResult", "Severity", "SkippedRow", "__version__", "prepare", "scrub",
           "scrub_grid"]
