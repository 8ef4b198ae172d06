"""One renderer per output format, all fed the same ScrubResult."""

from __future__ import annotations

from collections.abc import Callable

from scrubber.render.csv_report import render_csv
from scrubber.render.json_report import render_json
from scrubber.render.text_report import render_text
from scrubber.result import ScrubResult

RENDERERS: dict[str, Callable[[ScrubResult], str]] = {
    "text": render_text,
    "json": render_json,
    "csv": render_csv,
}
#: report file suffix -> format
SUFFIX_FORMATS = {".json": "json", ".csv": "csv", ".txt": "text", ".log": "text"}


def render(result: ScrubResult, fmt: str) -> str:
    """The result in one format ('text', 'json' or 'csv')."""
    try:
        return RENDERERS[fmt](result)
    except KeyError:
        raise ValueError(f"unknown format '{fmt}'; use one of {', '.join(RENDERERS)}") from None
