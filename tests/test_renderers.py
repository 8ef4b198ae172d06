"""Snapshot tests: every output format rendered from one shared small result.

To accept an intended change: SCRUBBER_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_renderers.py
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from scrubber import scrub
from scrubber.findings import Finding, Severity
from scrubber.render import RENDERERS, render
from scrubber.render.csv_report import render_csv
from scrubber.render.json_report import render_json
from scrubber.render.text_report import render_text
from scrubber.result import FileResult, ScrubResult
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


# Cell values are never read as markup (issue 8): whatever the user typed prints as typed.

MARKUP = ["Ceftriaxone [im]", "[/]", "[bold]x", "[link=http://x]y", "[red]E1[/red]", "[/bold]",
          ":pill:", "[", "a]b[c", "\\[escaped]"]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _quoting(*texts: str) -> ScrubResult:
    """A result whose path, sheet, encounters, messages, suggestions and values are ``texts``."""
    findings = tuple(
        Finding(rule="INF004", name="missing-drug-code", severity=Severity.ERROR,
                message=f"No drug line for {text} in the encounter",
                suggestion=f"Add the code for {text}", sheet=texts[0], row=5 + i,
                column="Drug", column_letter="J", value=text, encounter=text)
        for i, text in enumerate(texts))
    return ScrubResult((FileResult(f"exports/{texts[0]}.xlsx", texts[0], 4, len(texts),
                                   findings),))


@pytest.mark.parametrize("color", [False, True], ids=["plain", "color"])
@pytest.mark.parametrize("text", MARKUP)
def test_text_report_prints_cell_values_as_typed(text, color):
    out = _ANSI.sub("", render_text(_quoting(text), width=200, color=color))
    assert f"exports/{text}.xlsx  sheet '{text}', header on row 4" in out
    assert f"No drug line for {text} in the encounter" in out
    assert f"Add the code for {text}" in out
    assert re.search(rf"^5\s+J\s+{re.escape(text)}\s+INF004 missing-drug-code\s+error\s",
                     out, re.M)


def test_text_report_keeps_its_own_styles():
    out = render_text(_quoting("[bold]x"), width=200, color=True)
    assert "\x1b[1;31merror" in out  # severity bold red, as before
    assert "\x1b[1mexports/[bold]x.xlsx\x1b[0m" in out  # the path bold, as typed
    assert re.search(r"^5 +J +\[bold\]x +INF004 missing-drug-code ", out, re.M)  # unstyled


def test_text_report_shows_control_characters_instead_of_sending_them():
    out = render_text(_quoting("E1\x1b[2J\x07\x9b"), width=200)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "No drug line for E1\\x1b[2J\\x07\\x9b in the encounter" in out


def test_markup_snapshot():
    """Every awkward value at once, in the text report (accept changes as for the others)."""
    path = SNAPSHOTS / "markup.txt"
    text = render_text(_quoting(*MARKUP), width=120)
    if os.environ.get("SCRUBBER_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_json_report_carries_values_unchanged():
    texts = [*MARKUP, "=HYPERLINK(\"http://x\",\"y\")", "E1\x1b[2J", "-5"]
    files = json.loads(render_json(_quoting(*texts)))["files"]
    assert files[0]["sheet"] == texts[0]
    assert [f["value"] for f in files[0]["findings"]] == texts
    assert [f["encounter"] for f in files[0]["findings"]] == texts


@pytest.mark.parametrize(("value", "shown"), [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("@SUM(A1:A3)", "'@SUM(A1:A3)"),
    ("-x", "'-x"),
    ("\t=1+1", "'\t=1+1"),
    ("-5", "-5"),
    ("+1.5", "+1.5"),
    ("-1e300", "-1e300"),
    ("[bold]x", "[bold]x"),
    ("Ceftriaxone [im]", "Ceftriaxone [im]"),
    ("a=b", "a=b"),
])
def test_csv_report_never_hands_a_spreadsheet_a_formula(value, shown):
    rows = list(csv.DictReader(io.StringIO(render_csv(_quoting(value)))))
    assert [(r["value"], r["encounter"], r["sheet"]) for r in rows] == [(shown, shown, shown)]
    assert rows[0]["message"] == f"No drug line for {value} in the encounter"
