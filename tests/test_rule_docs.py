"""A rule's docstring is its documentation; its examples run as tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from scrubber import Config, scrub
from scrubber.cli import app
from scrubber.docs import example, explain
from scrubber.rules import REGISTRY

RULES = list(REGISTRY.values())


# Examples show one rule at work, so they carry only the columns that rule needs and run
# with that rule selected (the other rules would ask for columns the example leaves out).

@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_failing_example_raises_exactly_this_rule(rule):
    config = Config(select=(rule.id,), **rule.example_options)
    findings = scrub(example(rule, "failing"), config).findings
    assert findings, f"{rule.id}'s failing example raises nothing"
    assert {f.rule for f in findings} == {rule.id}


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_passing_example_raises_nothing(rule):
    config = Config(select=(rule.id,), **rule.example_options)
    assert scrub(example(rule, "passing"), config).findings == ()


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_docstring_has_summary_why_and_source(rule):
    doc = rule.doc()
    assert doc.splitlines()[0].endswith(".")
    assert "Why it matters:" in doc
    assert "CMS" in doc or "CPT" in doc
    assert rule.name == rule.name.lower() and " " not in rule.name


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_cli_rule_prints_the_docstring(rule):
    for key in (rule.id, rule.name, rule.id.lower()):
        result = CliRunner().invoke(app, ["rule", key])
        assert result.exit_code == 0
        assert result.stdout == explain(rule)
        assert rule.doc() in result.stdout


def test_cli_rules_lists_every_rule():
    result = CliRunner().invoke(app, ["rules"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [[r.id, r.name] for r in RULES]


def test_unknown_rule_is_a_usage_error():
    result = CliRunner().invoke(app, ["rule", "push-as-infusion"])
    assert result.exit_code == 2
    assert "unknown rule 'push-as-infusion'" in result.stderr


def test_severity_override_applies_to_every_finding():
    failing = example(REGISTRY["INF003"], "failing")
    config = Config(select=("INF003",), severity={"push-billed-as-infusion": "warning"})
    findings = scrub(failing, config).findings
    assert [f.severity.value for f in findings] == ["warning"]
