"""The rule pages that `scrubber rules` and `scrubber rule` print without loading the rules
are exactly what the rules' docstrings give now."""

from __future__ import annotations

from scrubber import rule_pages
from scrubber.docs import explain, rule_index
from scrubber.rules import REGISTRY


def test_the_generated_pages_are_current() -> None:
    assert rule_pages.GENERATED.read_text(encoding="utf-8") == rule_pages.generate(), (
        "a rule's documentation changed: run python -m scrubber.rule_pages")


def test_pages_by_id_and_name() -> None:
    assert rule_pages.index() == rule_index()
    for rule in REGISTRY.values():
        assert rule_pages.page(rule.id.lower()) == explain(rule)
        assert rule_pages.page(rule.name.upper()) == explain(rule)
    assert rule_pages.page("no-such-rule") is None
