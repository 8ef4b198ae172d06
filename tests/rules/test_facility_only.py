"""facility-only-code in the whole scrub: one finding on the 96376 code cell of a professional
claim, whichever other rules judge that cell (scrubber.rules.precedence)."""

from __future__ import annotations

import pandas as pd

from scrubber import Config, scrub

#: an office encounter whose only administration line is a repeat push of the same drug.
ROWS = [
    {"Encounter ID": "E1", "Date of Service": "2026-10-05", "CPT": "96376", "Units": 1,
     "Drug": "Ondansetron", "Route": "IV push", "Start Time": "11:00", "Stop Time": "11:02",
     "Diagnosis": "R11.2"},
    {"Encounter ID": "E1", "Date of Service": "2026-10-05", "CPT": "J2405", "Units": 4,
     "Drug": "Ondansetron", "Diagnosis": "R11.2"},
]


def _on_code(config: Config) -> list[tuple[int, str]]:
    findings = scrub(pd.DataFrame(ROWS, dtype=object), config).findings
    return [(f.row, f.name) for f in findings if f.column == "CPT"]


def test_a_professional_96376_without_a_primary_is_one_finding_on_its_code_cell():
    assert _on_code(Config(setting="professional")) == [(2, "facility-only-code")]


def test_addon_without_primary_still_speaks_when_selected_alone_or_in_a_facility():
    alone = Config(setting="professional", select=("addon-without-primary",))
    assert _on_code(alone) == [(2, "addon-without-primary")]
    assert _on_code(Config(setting="facility")) == [(2, "addon-without-primary")]
