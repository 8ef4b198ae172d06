"""Every rule's YAML fixture: inline rows and the exact findings they must raise.

``pytest -k INF003`` runs one rule's cases. A case's optional ``config`` mapping gives the
options it runs under (``setting: professional``, ``initial_per_day: true``...); reference
files in it (``ncci: [ncci/ptp.txt]``) are named relative to the fixtures folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from scrubber import Config, scrub
from scrubber.rules import REGISTRY

FIXTURES = Path(__file__).parent / "fixtures"


def _cases():
    for path in sorted(FIXTURES.glob("*.yml")):
        spec = yaml.safe_load(path.read_text())
        for case in spec["cases"]:
            yield pytest.param(spec["rule"], spec["name"], case,
                               id=f"{spec['rule']}-{case['name']}")


def test_every_rule_has_a_fixture():
    assert {p.stem for p in FIXTURES.glob("*.yml")} == set(REGISTRY)


@pytest.mark.parametrize(("rule", "name", "case"), list(_cases()))
def test_rule_fixture(rule, name, case):
    assert REGISTRY[rule].name == name
    frame = pd.DataFrame(case["rows"], dtype=object)
    # a case may set config options (a payer profile's or the setting the rule needs)
    findings = scrub(frame, Config(select=(rule,), **_options(case))).findings
    assert all(f.rule == rule and f.name == name for f in findings)
    assert sorted(f.row for f in findings) == sorted(e["row"] for e in case["expect"])
    for expected in case["expect"]:
        finding = _matching(findings, expected)
        for key in ("column", "severity", "suggestion", "value", "message"):
            if key in expected:
                actual = getattr(finding, key)
                actual = actual.value if key == "severity" else actual
                assert actual == expected[key], (key, finding)


#: options that name reference files.
_FILES = ("mue", "hcpcs", "asp")


def _options(case):
    options = dict(case.get("config", {}))
    for key in _FILES:
        if key in options:
            options[key] = str(FIXTURES / options[key])
    if "ncci" in options:
        options["ncci"] = tuple(str(FIXTURES / path) for path in options["ncci"])
    return options


def _matching(findings, expected):
    """The finding on the expected row (and column, when the case names one)."""
    on_row = [f for f in findings if f.row == expected["row"]]
    if "column" in expected:
        on_row = [f for f in on_row if f.column == expected["column"]] or on_row
    assert len(on_row) == 1, (expected, on_row)
    return on_row[0]
