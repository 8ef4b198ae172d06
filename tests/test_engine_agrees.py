"""The rules and the engine agree, by test (issue 8).

A property test generates random encounters, codes them with the coding engine, writes the
engine's lines as a charge sheet the way a billing export would (tests/strategies.py says
how, and which choices it makes where a sheet cannot say everything) and scrubs the sheet
with the default rules in the same setting: no coding rule may flag what the engine itself
produced. The plain tests under it are the disagreements the property found, each as the
smallest encounter that shows it; each passes once the engine or the rule is fixed.
"""

from __future__ import annotations

import os
from functools import cache

import pandas as pd
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from scrubber import Config, Finding, prepare, scrub
from scrubber.coding import EncounterCoding
from scrubber.coding.model import SETTINGS
from scrubber.prepared import Prepared
from scrubber.rules import REGISTRY
from tests.strategies import (
    IA_INFUSIONS,
    INFUSIONS,
    INJECTIONS,
    PUSHES,
    SALINE,
    SC_INFUSIONS,
    Encounter,
    Given,
    Sheet,
    Style,
    charge_rows,
    describe,
    encounters,
    styles,
    write_sheet,
)

#: the coding rules: every rule of scrubber/rules/coding/ and scrubber/rules/time/, and
#: missing-drug-code (an administration line the engine wrote needs its drug line).
CODING_RULES = frozenset(
    rule.name for rule in REGISTRY.values()
    if rule.__module__.startswith(("scrubber.rules.coding.", "scrubber.rules.time."))
    or rule.name == "missing-drug-code")


@cache
def _prepared(setting: str) -> Prepared:
    """The default rule set in one setting, prepared once (the scrub is the slow part)."""
    return prepare(Config(setting=setting))


def _findings(sheet: Sheet, setting: str, names: frozenset[str] | None) -> list[Finding]:
    """Findings on the sheet of the rules ``names`` (every rule when None)."""
    found = scrub(sheet.frame, _prepared(setting)).findings
    return [f for f in found if names is None or f.name in names]


def _origin(sheet: Sheet, row: int) -> str:
    """What the sheet row holds; a rule that could not run reports the header row."""
    return sheet.origin[row - 2] if row >= 2 else "header row: the rule could not run"


def _report(setting: str, batch: list[Encounter], codings: list[EncounterCoding],
            sheet: Sheet, flagged: list[Finding]) -> str:
    """The findings, then only the encounters they concern: administrations, the engine's
    lines and notes, and their rows of the sheet as the worksheet numbers them."""
    named = {f.encounter for f in flagged}
    concern = [(e, c) for e, c in zip(batch, codings, strict=True)
               if e.id in named or None in named]
    table = sheet.frame.copy()
    table.index = [sheet.row_of(i) for i in range(len(table))]
    table = table[table["Encounter ID"].isin([e.id for e, _ in concern])]
    shown = table.drop(columns=["Patient ID", "Date of Service", "Diagnosis",
                                "Ordering Provider"]).dropna(axis=1, how="all")
    return "\n".join(
        [f"rules flag lines the engine coded ({setting}):",
         *(f"  row {f.row} ({_origin(sheet, f.row)}): {f.name} [{f.severity.value}] "
           f"{f.message}" for f in flagged), "",
         *(describe(e, c) for e, c in concern), "",
         "the charge sheet (worksheet rows):", shown.to_string(na_rep="")])


def _check(setting: str, batch: list[Encounter], style: Style | None = None,
           order: list[int] | None = None, names: frozenset[str] | None = CODING_RULES
           ) -> None:
    """Code, write, scrub; fail with the findings, the encounters they concern and the
    engine's lines for them."""
    codings = [e.code(Config(setting=setting)) for e in batch]
    sheet = write_sheet(batch, codings, style or Style(), order)
    flagged = _findings(sheet, setting, names)
    assert not flagged, _report(setting, batch, codings, sheet, flagged)


def test_the_coding_rules_are_the_ones_issue_8_names():
    assert {"missing-time", "stop-before-start", "push-billed-as-infusion",
            "duplicate-initial", "time-units-mismatch", "infusion-too-short",
            "addon-without-primary", "hierarchy", "hydration-not-separately-billable",
            "mue-exceeded", "modifier", "missing-drug-code"} <= CODING_RULES


@st.composite
def batches(draw: st.DrawFn) -> tuple[str, list[Encounter]]:
    """One setting and one to four encounters (of different patients) to scrub together:
    one scrub per sheet keeps the test fast, and the rules judge each encounter apart."""
    setting = draw(st.sampled_from(SETTINGS))
    count = draw(st.integers(1, 4))
    return setting, [draw(encounters(n, setting)) for n in range(1, count + 1)]


#: every example scrubs a whole sheet (about half a second), so shrinking a failure costs
#: Hypothesis' full five-minute shrink budget; the failure message already names the rows,
#: the encounter and the engine's lines. Set SHRINK=1 to shrink a new failure locally.
_PHASES = tuple(Phase) if os.environ.get("SHRINK") else (Phase.explicit, Phase.generate)


@settings(max_examples=60, deadline=None, derandomize=True, database=None, phases=_PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=batches(), style=styles, data=st.data())
def test_no_coding_rule_flags_what_the_engine_coded(batch, style, data):
    setting, encs = batch
    codings = [e.code(Config(setting=setting)) for e in encs]
    # A third drug that ran only beside infusions already billed gets no line (96368 is once
    # per encounter; its minutes are billed as the others'), so the sheet cannot show the
    # rules the few minutes the engine took off hydration beside it.
    assume(not any("further concurrent infusion" in note for c in codings for note in c.notes))
    size = sum(len(charge_rows(e, c, style)) for e, c in zip(encs, codings, strict=True))
    order = data.draw(st.one_of(st.none(), st.permutations(range(size))), label="row order")
    _check(setting, encs, style, order)


# --- the writer itself ---------------------------------------------------------------------

_DRUGS = {d.name: d for d in (*INFUSIONS, *PUSHES, *INJECTIONS, *IA_INFUSIONS, SALINE)}


def _given(name: str, start: int | None, stop: int | None, site: str = "L forearm",
           primary: bool = False) -> Given:
    drug = _DRUGS[name]
    return Given(drug, start, stop, site, drug.doses[0], primary)


def _one(*given: Given) -> list[Encounter]:
    return [Encounter("E1", "P001", given)]


def test_the_written_sheet_is_clean_under_every_rule():
    """The writer's own sanity: a busy chemotherapy day written from the engine's lines
    passes every rule, not only the coding ones (drug units, documentation, diagnosis)."""
    day = _one(_given("Normal saline 0.9%", 8 * 60, 8 * 60 + 50),
               _given("Ondansetron", 9 * 60, 9 * 60 + 2),
               _given("Dexamethasone", 9 * 60 + 5, 9 * 60 + 7),
               _given("Paclitaxel", 9 * 60 + 20, 12 * 60 + 20),
               _given("Cyanocobalamin", 12 * 60 + 30, None, site="L deltoid"))
    for style in (Style(), Style(copy_addon_times=True)):
        _check("facility", day, style, names=None)


def test_a_midnight_crossing_is_written_on_two_dates():
    sheet = write_sheet(*_coded(_one(_given("Normal saline 0.9%", 23 * 60, 26 * 60))))
    first = sheet.frame.iloc[0]
    assert (first["CPT/HCPCS"], first["Start Date"], first["Start Time"], first["Stop Date"],
            first["Stop Time"]) == ("96360", "2026-10-05", "23:00", "2026-10-06", "02:00")
    assert sheet.frame.iloc[1][["CPT/HCPCS", "Units"]].tolist() == ["96361", 2]


def _coded(batch: list[Encounter], setting: str = "facility"):
    return batch, [e.code(Config(setting=setting)) for e in batch], Style()


# --- disagreements the property found (each passes once its side is fixed) ---------------

def test_hierarchy_runs_on_a_sheet_without_iv_codes():
    """An injection clinic's sheet (96372 and its drug line, nothing of the IV hierarchy)
    made the hierarchy rule crash ('could not run', ArrowInvalid) at a1c4df3."""
    _check("facility", _one(_given("Cyanocobalamin", 10 * 60, None, site="L deltoid")))
    frame = pd.DataFrame([{"Encounter ID": "E1", "CPT/HCPCS": "J7030", "Units": 1}])
    assert not scrub(frame, Config(select=("hierarchy",))).findings


def test_professional_primary_push_with_a_chemotherapy_push():
    """Office; ketorolac marked primary: the engine bills 96374 and then 96411 for the
    doxorubicin push, but 96411 is reported only with 96409 or 96413 (DOMAIN.md)."""
    _check("professional", _one(_given("Ketorolac", 600, 601, primary=True),
                                _given("Doxorubicin", 605, 609)))


def test_professional_primary_infusion_with_a_chemotherapy_infusion():
    """Office; infliximab marked primary: the engine bills 96365 and then 96417 for the
    oxaliplatin infusion, but 96417 is reported only with 96413 (DOMAIN.md)."""
    _check("professional", _one(_given("Infliximab", 600, 660, primary=True),
                                _given("Oxaliplatin", 665, 725)))


def test_concurrent_infusion_after_a_chemotherapy_push_initial():
    """Hospital: vincristine push (the initial, 96409), infliximab (96367) and ceftriaxone
    running with it: the engine bills 96368, whose CPT primaries are 96365, 96366, 96413,
    96415 or 96416; none is on the claim."""
    _check("facility", _one(_given("Vincristine", 600, 602),
                            _given("Infliximab", 610, 670),
                            _given("Ceftriaxone", 620, 660)))


def test_subcutaneous_infusion_beside_an_iv_initial():
    """Infliximab IV and immune globulin SC at once: at a1c4df3 the engine billed 96365 and
    96369 (no modifier) and duplicate-initial called 96369 a second initial."""
    _check("facility", _one(_given("Infliximab", 600, 660),
                            Given(SC_INFUSIONS[0], 600, 700, "Abdomen", 4000)))


def test_hydration_beside_an_intra_arterial_chemotherapy_infusion():
    """Saline 09:00-13:00 while cisplatin runs intra-arterially 10:00-12:00: at a1c4df3 the
    engine counted all 240 min of hydration (96360 + 96361 x3); time-units-mismatch left out
    the 120 min beside the drug infusion (96361 x1)."""
    _check("facility", _one(_given("Normal saline 0.9%", 540, 780),
                            _given("Cisplatin", 600, 720, site="R femoral artery")))


def test_two_intra_arterial_infusions_through_one_artery():
    """Cisplatin then fluorouracil through the same artery: while the catalogue was being
    reworked the engine put XS (a separate access site) on the second 96422 and the
    modifier rule found one site; at a1c4df3 the sheet (no IV code) crashed hierarchy."""
    _check("facility", _one(_given("Cisplatin", 600, 660, site="R femoral artery"),
                            _given("Fluorouracil", 665, 725, site="R femoral artery")))


def test_a_further_concurrent_infusion_beside_billed_ones():
    """Three drugs at once, then hydration: at 53e112c the engine billed one 96368 and
    nothing for vancomycin (alone 11:40-12:40), yet counted no hydration beside it (96361 x1
    for 12:40-14:00); the sheet had no line for vancomycin, so time-units-mismatch counted
    hydration from 11:40 (96361 x2). Now vancomycin, the longest, is the initial (96365 +
    96366 x1), infliximab the concurrent 96368, and ceftriaxone ran only beside them."""
    _check("facility", _one(_given("Infliximab", 600, 700),
                            _given("Ceftriaxone", 610, 690),
                            _given("Vancomycin", 620, 760),
                            _given("Normal saline 0.9%", 600, 840)))


def test_a_further_concurrent_infusion_with_minutes_of_its_own():
    """96368 is once per encounter: a third drug that ran an hour after the others stopped
    bills those minutes as a sequential infusion, and time-units-mismatch counts the same
    minutes (only the ones no earlier line ran beside)."""
    _check("facility", _one(_given("Vancomycin", 600, 740),
                            _given("Infliximab", 610, 700),
                            _given("Ceftriaxone", 690, 800)))


def test_an_overlapping_infusion_with_hours_of_its_own():
    """Vancomycin 10:00-19:00 and infliximab 18:00-01:00: infliximab ran six hours alone,
    more than 96368's one unit covers, so it is sequential (96367 + 96366 x5 for its 360 min
    alone), and time-units-mismatch agrees."""
    batch = _one(_given("Vancomycin", 600, 1140), _given("Infliximab", 1080, 1500))
    coded = batch[0].code(Config(setting="facility"))
    assert sorted((line.code, line.units) for line in coded.lines) == [
        ("96365", 1), ("96366", 13), ("96367", 1)]
    _check("facility", batch)
