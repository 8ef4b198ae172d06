"""One renderer per output format, all fed the same ScrubResult.

``render`` gives the text formats that also go to stdout; ``render_report`` gives the bytes
of a report file, whose format follows its suffix (``report_format``).
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path

from scrubber.render.csv_report import render_csv
from scrubber.render.json_report import render_json
from scrubber.render.text_report import REPORT_WIDTH, fit_width, render_text
from scrubber.result import ScrubResult

__all__ = ["RENDERERS", "REPORT_SUFFIXES", "fit_width", "render", "render_report",
           "report_format"]

RENDERERS: dict[str, Callable[[ScrubResult], str]] = {
    "text": render_text,
    "json": render_json,
    "csv": render_csv,
}
#: report file suffix -> format; any other suffix is refused, never guessed.
REPORT_SUFFIXES = {".json": "json", ".csv": "csv", ".txt": "text", ".xlsx": "xlsx"}


def render(result: ScrubResult, fmt: str, *, width: int = REPORT_WIDTH) -> str:
    """The result in one format ('text', 'json' or 'csv'); ``width`` is the text's."""
    if fmt == "text":
        return render_text(result, width=width)
    try:
        return RENDERERS[fmt](result)
    except KeyError:
        raise ValueError(f"unknown format '{fmt}'; use one of {', '.join(RENDERERS)}") from None


def report_format(path: str | PathLike[str]) -> str:
    """The report format for a file name, by its suffix; a ValueError names the ones there
    are."""
    suffix = Path(path).suffix
    try:
        return REPORT_SUFFIXES[suffix.lower()]
    except KeyError:
        what = f"a '{suffix}' file" if suffix else "a file without a suffix"
        raise ValueError(f"cannot write the report {path} as {what}; the suffix chooses the "
                         f"format: {', '.join(REPORT_SUFFIXES)}") from None


def render_report(result: ScrubResult, fmt: str, *, width: int = REPORT_WIDTH) -> bytes:
    """A report file's bytes. Text is UTF-8; the CSV starts with a byte-order mark, which is
    how Excel knows a CSV is UTF-8 (without it, accented text opens garbled)."""
    if fmt == "xlsx":
        # openpyxl (with its charts) is loaded for an Excel report only, not at every start
        from scrubber.render.xlsx_report import render_xlsx

        return render_xlsx(result)
    text = render(result, fmt, width=width)
    return text.encode("utf-8-sig" if fmt == "csv" else "utf-8")
