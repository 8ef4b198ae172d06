"""infusion-scrubber: catch billing errors in infusion and injection charge spreadsheets."""

from scrubber.config import Config, ConfigError
from scrubber.engine import FileResult, ScrubResult, scrub
from scrubber.findings import Finding, Severity
from scrubber.io.errors import InputError

__all__ = ["Config", "ConfigError", "FileResult", "Finding", "InputError", "ScrubResult",
           "Severity", "scrub"]
__version__ = "0.1.0"
