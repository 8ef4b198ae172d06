"""Property-based tests of the coding engine's time boundaries (DOMAIN.md "Time")."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from scrubber import Config, scrub
from scrubber.coding import Administration, Options, code_encounter
from scrubber.coding.timing import addon_hours, secondary_hydration_units

minutes = st.integers(min_value=1, max_value=1000)
starts = st.integers(min_value=0, max_value=1439)


def _codes(admins, **options):
    return sorted((line.code, line.units) for line in
                  code_encounter(admins, Options(**options)).lines)


def test_the_published_boundaries():
    table = {15: None, 16: 0, 90: 0, 91: 1, 150: 1, 151: 2, 210: 2, 211: 3}
    for total, hours in table.items():
        assert (addon_hours(total) if total >= 16 else None) == hours
    assert [secondary_hydration_units(t) for t in (30, 31, 45, 90, 91, 120, 150, 151, 175)] \
        == [0, 1, 1, 1, 2, 2, 2, 3, 3]


@given(start=starts, length=minutes)
def test_a_single_iv_drug_is_a_push_up_to_15_minutes_then_an_infusion(start, length):
    drug = Administration("Vancomycin", "iv", "therapeutic", start, start + length,
                          drug_key="vancomycin", rows=(2,))
    expected = [("96374", 1)] if length <= 15 else sorted(
        [("96365", 1)] + ([("96366", (length - 31) // 60)] if length >= 91 else []))
    assert _codes([drug]) == expected


@given(start=starts, length=minutes)
def test_hydration_alone_needs_31_minutes(start, length):
    fluid = Administration("Normal saline", "iv", "hydration", start, start + length,
                           drug_key="saline", rows=(2,))
    expected = [] if length <= 30 else sorted(
        [("96360", 1)] + ([("96361", (length - 31) // 60)] if length >= 91 else []))
    assert _codes([fluid]) == expected


@given(start=st.integers(0, 1200), length=minutes)
def test_secondary_hydration_after_a_push(start, length):
    push = Administration("Ondansetron", "push", "therapeutic", start, start + 2,
                          drug_key="ondansetron", rows=(2,))
    fluid = Administration("Normal saline", "iv", "hydration", start + 5, start + 5 + length,
                           drug_key="saline", rows=(3,))
    units = 0 if length < 31 else (length - 31) // 60 + 1
    assert _codes([push, fluid]) == sorted([("96374", 1)] + ([("96361", units)] if units else []))


@given(start=st.integers(1200, 1439), length=st.integers(16, 700))
def test_midnight_crossings_count_like_any_other_minutes(start, length):
    crossing = Administration("Infliximab", "iv", "therapeutic", start, start + length,
                              drug_key="infliximab", rows=(2,))
    daytime = Administration("Infliximab", "iv", "therapeutic", 480, 480 + length,
                             drug_key="infliximab", rows=(2,))
    assert _codes([crossing]) == _codes([daytime])


@given(length=st.integers(16, 60), minimum=st.integers(16, 61))
def test_a_payer_minimum_turns_shorter_infusions_into_pushes(length, minimum):
    drug = Administration("Famotidine", "iv", "therapeutic", 600, 600 + length,
                          drug_key="famotidine", rows=(2,))
    coded = _codes([drug], min_minutes={"96365": minimum})
    assert coded == ([("96365", 1)] if length >= minimum else [("96374", 1)])


def _clock(minute: int) -> str:
    minute %= 1440
    return f"{minute // 60:02d}:{minute % 60:02d}"


@settings(deadline=None, max_examples=60)  # each example runs a whole scrub
@given(start=starts, length=st.integers(16, 700), billed=st.integers(0, 12))
def test_rule_agrees_with_the_engine_on_add_on_units(start, length, billed):
    """time-units-mismatch flags the add-on exactly when it differs from the engine's units."""
    rows = [{"Encounter ID": "E1", "CPT": "96365", "Units": 1, "Start Time": _clock(start),
             "Stop Time": _clock(start + length)}]
    if billed:
        rows.append({"Encounter ID": "E1", "CPT": "96366", "Units": billed})
    findings = scrub(pd.DataFrame(rows, dtype=object),
                     Config(select=("time-units-mismatch",))).findings
    engine = dict(_codes([Administration("x", "iv", "therapeutic", start, start + length)]))
    assert bool(findings) == (engine.get("96366", 0) != billed)
