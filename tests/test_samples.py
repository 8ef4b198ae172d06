"""The bundled samples, and fresh generated exports, scrub to exactly their planted answers."""

from __future__ import annotations

import importlib.util
import json
import random
import sys

import pytest

from scrubber import Severity, scrub
from tests.conftest import SAMPLES

spec = importlib.util.spec_from_file_location("generate", SAMPLES / "generate.py")
generate = importlib.util.module_from_spec(spec)
sys.modules["generate"] = generate  # dataclasses look their module up while executing it
spec.loader.exec_module(generate)

CATEGORIES = {"missing-time", "stop-before-start", "push-billed-as-infusion",
              "missing-drug-code", "duplicate-initial", "time-units-mismatch",
              "infusion-too-short", "addon-without-primary", "hierarchy",
              "hydration-not-separately-billable", "mue-exceeded", "modifier",
              "missing-diagnosis", "invalid-diagnosis", "invalid-code", "drug-units-mismatch",
              "missing-documentation"}


def _found(path):
    return {(f.row, f.name) for f in scrub(path).findings}


def test_error_sample_has_every_category_at_its_rows():
    answers = json.loads((SAMPLES / "infusion_export.answers.json").read_text())
    expected = {(a["row"], a["rule"]) for a in answers}
    assert CATEGORIES <= {rule for _, rule in expected}
    assert _found(SAMPLES / "infusion_export.xlsx") == expected


def test_error_sample_is_big_and_realistic():
    result = scrub(SAMPLES / "infusion_export.xlsx").files[0]
    assert result.rows >= 300 and result.header_row > 1
    encounters = {f.encounter for f in result.findings}
    assert len(encounters) >= 20


def test_clean_sample_has_no_findings():
    assert scrub(SAMPLES / "clean_export.xlsx").findings == ()


def test_generator_reproduces_the_bundled_sample(tmp_path):
    path = tmp_path / "infusion_export.xlsx"
    answers = generate.generate_error_export(path, 2026, 100)
    assert answers == json.loads((SAMPLES / "infusion_export.answers.json").read_text())
    assert scrub(path).to_dict()["files"][0]["findings"] == \
        scrub(SAMPLES / "infusion_export.xlsx").to_dict()["files"][0]["findings"]


@pytest.mark.parametrize("seed", [11, 23, 37])
@pytest.mark.parametrize("synonyms", [False, True])
def test_fresh_exports_recall_and_precision(tmp_path, seed, synonyms):
    """The issue's acceptance check, on exports this suite has not seen before."""
    rng = random.Random(seed)
    lines = generate.build_lines(rng, 100)
    planted = generate.plant_errors(lines, rng)
    path = tmp_path / "fresh.xlsx"
    generate.write_export(lines, path, rng, synonyms=synonyms, title="Fresh export")
    findings = scrub(path).findings
    expected = {(line.row, rule) for line, rule in planted if not line.deleted}
    assert expected <= {(f.row, f.name) for f in findings}
    touched = {line.encounter for line, _ in planted}
    false_alarms = [f for f in findings
                    if f.severity is Severity.ERROR and f.encounter not in touched]
    assert false_alarms == []
    assert CATEGORIES <= {rule for _, rule in expected}
