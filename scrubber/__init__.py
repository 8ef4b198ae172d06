"""infusion-scrubber: catch billing errors in infusion and injection charge spreadsheets.

Library calls: :func:`scrub` (a path or a DataFrame), :func:`scrub_grid` (rows of cell values,
as Excel hands them over) and :func:`prepare` (resolve a config, its rules and reference
tables once, for many scrubs or for worker processes).

The names are imported when first used (PEP 562), so ``scrubber --help`` and ``scrubber
rules`` do not pay for pandas and pandera before they answer.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from scrubber.version import __version__

if TYPE_CHECKING:
    from scrubber.config import Config, ConfigError
    from scrubber.engine import FileResult, ScrubResult, SkippedRow, scrub, scrub_grid
    from scrubber.findings import Finding, Severity
    from scrubber.io.errors import InputError
    from scrubber.prepared import Prepared, prepare

#: public name -> the module that defines it.
_WHERE = {
    "Config": "scrubber.config", "ConfigError": "scrubber.config",
    "FileResult": "scrubber.result", "ScrubResult": "scrubber.result",
    "SkippedRow": "scrubber.result", "scrub": "scrubber.engine",
    "scrub_grid": "scrubber.engine", "Finding": "scrubber.findings",
    "Severity": "scrubber.findings", "InputError": "scrubber.io.errors",
    "Prepared": "scrubber.prepared", "prepare": "scrubber.prepared",
}

__all__ = ["Config", "ConfigError", "FileResult", "Finding", "InputError", "Prepared",
           "ScrubResult", "Severity", "SkippedRow", "__version__", "prepare", "scrub",
           "scrub_grid"]


def __getattr__(name: str) -> object:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scrubber' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
