"""Config is validated loudly: a typo is an error that names it."""

from __future__ import annotations

import pytest

from scrubber import Config, ConfigError, scrub
from scrubber.docs import example
from scrubber.rules import REGISTRY, selected_rules


def test_unknown_option_is_named():
    with pytest.raises(ConfigError, match="unknown option.*push_max_minute\\b"):
        Config.from_mapping({"push_max_minute": 20})


def test_bad_values_are_named():
    with pytest.raises(ConfigError, match="'push_max_minutes' must be a number"):
        Config(push_max_minutes="fifteen")
    with pytest.raises(ConfigError, match="severity for 'missing-time' must be"):
        Config(severity={"missing-time": "fatal"})


@pytest.mark.parametrize("field", ["select", "ignore"])
def test_unknown_rule_in_select_or_ignore(field):
    with pytest.raises(ConfigError, match="unknown rule 'missing-times'"):
        selected_rules(Config(**{field: ("missing-times",)}))


def test_unknown_rule_in_severity():
    with pytest.raises(ConfigError, match="unknown rule 'INF999'"):
        selected_rules(Config(severity={"INF999": "warning"}))


def test_select_and_ignore_by_name_or_id_in_any_case():
    chosen = selected_rules(Config(select=("inf003", "missing-time", "S001"), ignore=("s001",)))
    assert [r.id for r in chosen] == ["INF001", "INF003"]


@pytest.mark.parametrize("key", ["INF003", "inf003", "push-billed-as-infusion"])
def test_severity_override_by_any_name(key):
    failing = example(REGISTRY["INF003"], "failing")
    findings = scrub(failing, Config(select=("INF003",), severity={key: "warning"})).findings
    assert [(f.row, f.severity.value) for f in findings] == [(2, "warning")]


def test_from_mapping_builds_a_config():
    config = Config.from_mapping({"push_max_minutes": 10, "ignore": ["INF004"]})
    assert (config.push_max_minutes, config.ignore) == (10, ("INF004",))
