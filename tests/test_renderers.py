"""Snapshot tests: every output format rendered from one shared small result.

To accept an intended change: SCRUBBER_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_renderers.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from scrubber import scrub
from scrubber.render import RENDERERS, render
from tests.conftest import HEADERS, ROWS

SNAPSHOTS = Path(__file__).parent / "snapshots"
SUFFIX = {"text": "txt", "json": "json", "csv": "csv"}


@pytest.fixture(scope="module")
def result():
    frame = pd.DataFrame(ROWS, columns=HEADERS, dtype=object)
    return scrub(frame, sheet="Export", header_row=4)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_snapshot(result, fmt):
    path = SNAPSHOTS / f"result.{SUFFIX[fmt]}"
    text = render(result, fmt)
    if os.environ.get("SCRUBBER_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_unknown_format(result):
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(result, "xml")
