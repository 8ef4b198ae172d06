"""invalid-code over every number around the administration ranges, through the whole scrub.

The catalogue's own tests check the code set; this one checks what the user sees: every
five-digit number from 96300 to 96699 on a claim line is flagged by invalid-code exactly when
it lies in 96360-96379 or 96401-96549 and is not a real code, and the codes suggested are
real ones of the catalogue (../shared/DOMAIN.md "The codes").
"""

from __future__ import annotations

import re

import pandas as pd

from scrubber import Config, scrub
from scrubber.codes import CATALOGUE, nearest

NUMBERS = [str(n) for n in range(96300, 96700)]
#: the first data row is worksheet row 2 (row 1 is the header).
FIRST_ROW = 2


def _flagged() -> dict[str, str]:
    frame = pd.DataFrame({"Encounter ID": [f"E{n}" for n in NUMBERS], "CPT": NUMBERS,
                          "Units": 1}, dtype=object)
    findings = scrub(frame, Config(select=("invalid-code",))).findings
    return {NUMBERS[f.row - FIRST_ROW]: f.suggestion for f in findings}


def test_exactly_the_numbers_in_the_ranges_that_are_not_codes_are_flagged():
    flagged = _flagged()
    unreal = {c for c in NUMBERS
              if (96360 <= int(c) <= 96379 or 96401 <= int(c) <= 96549) and c not in CATALOGUE}
    assert set(flagged) == unreal
    assert {"96362", "96363", "96364", "96378", "96403", "96500", "96548"} <= unreal


def test_each_suggestion_names_the_nearest_real_codes():
    for code, suggestion in _flagged().items():
        named = tuple(re.findall(r"\b96\d{3}\b", suggestion))
        assert named == nearest(code), (code, suggestion)
        assert all(c in CATALOGUE for c in named)
