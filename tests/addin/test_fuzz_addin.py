"""The add-in's Scrub on random sheets of hostile cells (issue 13): what it writes into the
workbook is data, never a formula, and every charge line gets its status.

The sheets are :mod:`tests.fuzz_sheets`' as Office.js sends them (:mod:`officejs`: an Excel
error arrives as its text, a date as ISO text). Scrub runs through xlwings' own runtime
(conftest sets XLWINGS_ON_SERVER and the noncommercial key, for the tests only). The only
formulas it may write are its own links on the Issues sheet, ``=HYPERLINK("#'Sheet'!C5","C5")``.
Example counts as in tests/test_fuzz_outputs.py (``SCRUBBER_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import math
import re
from unittest import mock

from hypothesis import event, given
from officejs import iso, payload
from test_scripts import run, values_of

from addin import scripts
from addin.scripts import ScrubError
from scrubber.fields import STATUS_HEADER
from tests.fuzz_sheets import SECRET, Error, Raw, Sheet, sheets
from tests.test_fuzz_outputs import FUZZ, STATUSES

#: the Issues sheet's link to a flagged cell, the one formula Scrub writes.
OUR_LINK = re.compile(r'^=HYPERLINK\("#(?:\'(?:[^\']|\'\')+\'|[^"!]+)![A-Z]{1,3}\d+","[A-Z]{1,3}'
                      r'\d+"\)$')
FORMULA_START = ("=", "+", "-", "@")


def office_value(value: object) -> object:
    """A cell as Office.js sends it: an error as its text, numbers as doubles."""
    if isinstance(value, Error):
        return value.text
    if isinstance(value, Raw):
        return value.v
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value) if abs(value) > 2**53 else value
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return iso(value)


def book_of(sheet: Sheet) -> dict[str, object]:
    grid = [[office_value(v) for v in row] for row in sheet.grid()]
    width = max(1, *(len(r) for r in grid))
    sheets_ = {sheet.name: [r + [""] * (width - len(r)) for r in grid]}
    if sheet.other:
        sheets_[sheet.other] = [["a user's own sheet"]]
    return payload(sheets_)


def written(actions: list[dict]) -> list[str]:
    """Every text the actions write into cells."""
    return [v for action in actions for row in action.get("values") or []
            for v in (row if isinstance(row, list) else [row]) if isinstance(v, str)]


@FUZZ
@given(sheets())
def test_the_addin_writes_no_formula_and_marks_every_line(sheet):
    data = book_of(sheet)
    seen = []

    def recording(*args, **kwargs):
        result = scrub_grid(*args, **kwargs)
        seen.append(result.files[0])
        return result

    scrub_grid = scripts.scrub_grid
    with mock.patch.object(scripts, "scrub_grid", recording):
        try:
            after, actions = run("scrub", data)
        except ScrubError as exc:
            message = str(exc).replace(sheet.name, "")
            assert "\n" not in message and SECRET not in message, message
            event("refused")
            return
    event("scrubbed")
    assert [t for t in written(actions) if t.startswith(FORMULA_START)
            and not OUR_LINK.match(t)] == []
    assert not [a for a in actions if "formula" in a["func"].lower()
                and not all(OUR_LINK.match(t) for t in written([a]))]
    (file,) = seen
    values = values_of(after, sheet.name)
    header = values[file.header_row - 1]
    status = len(header) - 1 - header[::-1].index(STATUS_HEADER)
    for row in file.line_rows:
        assert values[row - 1][status] in STATUSES, row
    for finding in file.findings:
        if finding.row > file.header_row:
            assert values[finding.row - 1][status] in ("error", "warning"), finding
    if sheet.other:
        assert values_of(after, sheet.other) == [["a user's own sheet"]]


# --- what the fuzz found --------------------------------------------------------------------

def _issues(after) -> list[tuple[object, object, object]]:
    """(row, rule, value) of each Issues line."""
    rows = values_of(after, "Issues")
    return [(r[0], r[2], r[7]) for r in rows[1:] if r[0] != ""]


def test_an_error_cell_is_a_finding_in_the_addin_too():
    """Office.js sends an error cell as its text; xlwings' runtime made it None (an empty cell)
    unless asked otherwise, so a drug line whose units were #REF! was marked OK."""
    rows = [["Encounter ID", "CPT", "Units", "Drug"], ["E1", "J1745", "#REF!", "Infliximab"],
            ["E1", "96365", "#N/A", "Infliximab"]]
    after, _ = run("scrub", payload({"Charges": rows}))
    assert [(r, rule, v) for r, rule, v in _issues(after) if rule == "S005"] == [
        (2, "S005", "#REF!"), (3, "S005", "#N/A")]
    assert [r[4] for r in values_of(after, "Charges")[1:]] == ["error", "error"]


def test_text_shaped_like_an_iso_timestamp_does_not_break_scrub():
    """xlwings' runtime reads text such as '2026-10-05T10:00:00' (no "Z") as a date by cutting
    its last character, and fails; Scrub reads the cells as sent instead."""
    rows = [["Encounter ID", "CPT", "Units", "Start Time", "Stop Time"],
            ["E1", "96365", 1, "2026-10-05T10:00:00", "1899-12-30T11:15:00.000Z"]]
    after, _ = run("scrub", payload({"Charges": rows}))
    assert values_of(after, "Charges")[1][5] in STATUSES
