"""The rule registry: every rule is listed here, once.

IDs are forever: a retired rule's ID goes into ``RETIRED_IDS`` and is never reused.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrubber.config import Config, ConfigError
from scrubber.rules.base import Context, Rule
from scrubber.rules.coding.inf003_push_billed_as_infusion import PushBilledAsInfusion
from scrubber.rules.coding.inf005_duplicate_initial import DuplicateInitial
from scrubber.rules.coding.inf006_time_units_mismatch import TimeUnitsMismatch
from scrubber.rules.coding.inf007_infusion_too_short import InfusionTooShort
from scrubber.rules.coding.inf008_addon_without_primary import AddonWithoutPrimary
from scrubber.rules.coding.inf009_hierarchy import Hierarchy
from scrubber.rules.coding.inf010_hydration_not_separately_billable import (
    HydrationNotSeparatelyBillable,
)
from scrubber.rules.coding.inf011_mue_exceeded import MueExceeded
from scrubber.rules.coding.inf012_modifier import Modifier
from scrubber.rules.coding.inf015_invalid_code import InvalidCode
from scrubber.rules.coding.inf020_facility_only_code import FacilityOnlyCode
from scrubber.rules.coding.inf021_ncci_ptp import NcciPtp
from scrubber.rules.diagnosis.inf013_missing_diagnosis import MissingDiagnosis
from scrubber.rules.diagnosis.inf014_invalid_diagnosis import InvalidDiagnosis
from scrubber.rules.documentation.inf017_missing_documentation import MissingDocumentation
from scrubber.rules.drugs.inf004_missing_drug_code import MissingDrugCode
from scrubber.rules.drugs.inf016_drug_units_mismatch import DrugUnitsMismatch
from scrubber.rules.drugs.inf018_ndc_format import NdcFormat
from scrubber.rules.drugs.inf019_jw_jz_modifier import JwJzModifier
from scrubber.rules.schema.s001_code_format import CodeFormat
from scrubber.rules.schema.s002_time_format import TimeFormat
from scrubber.rules.schema.s003_units_format import UnitsFormat
from scrubber.rules.schema.s004_date_format import DateFormat
from scrubber.rules.schema.s005_error_cell import ErrorCell
from scrubber.rules.time.inf001_missing_time import MissingTime
from scrubber.rules.time.inf002_stop_before_start import StopBeforeStart

RETIRED_IDS: frozenset[str] = frozenset()


def _register(rules: Iterable[type[Rule]]) -> dict[str, type[Rule]]:
    registry: dict[str, type[Rule]] = {}
    names: set[str] = set()
    for rule in rules:
        if rule.id in registry or rule.id in RETIRED_IDS:
            raise RuntimeError(f"rule ID {rule.id} is registered twice or retired")
        if rule.name in names:
            raise RuntimeError(f"rule name {rule.name} is registered twice")
        registry[rule.id] = rule
        names.add(rule.name)
    return registry


REGISTRY: dict[str, type[Rule]] = _register([
    CodeFormat, TimeFormat, UnitsFormat, DateFormat, ErrorCell,
    MissingTime, StopBeforeStart, PushBilledAsInfusion, MissingDrugCode, DuplicateInitial,
    TimeUnitsMismatch, InfusionTooShort, AddonWithoutPrimary, Hierarchy,
    HydrationNotSeparatelyBillable, MueExceeded, Modifier, MissingDiagnosis, InvalidDiagnosis,
    InvalidCode, DrugUnitsMismatch, MissingDocumentation, NdcFormat, JwJzModifier,
    FacilityOnlyCode, NcciPtp,
])


def lookup(name_or_id: str) -> type[Rule]:
    """The rule with this ID or name (case-insensitive for IDs).

    Raises:
        ConfigError: no such rule; the message names it and lists the known ones.
    """
    for rule in REGISTRY.values():
        if name_or_id.upper() == rule.id or name_or_id.lower() == rule.name:
            return rule
    known = ", ".join(f"{r.id} {r.name}" for r in REGISTRY.values())
    raise ConfigError(f"unknown rule '{name_or_id}'; known rules: {known}")


def selected_rules(config: Config) -> list[Rule]:
    """Instances of the rules the config selects, in registry order."""
    chosen = [lookup(n) for n in config.select] if config.select else list(REGISTRY.values())
    ignored = {lookup(n).id for n in config.ignore}
    for rule_name in config.severity:
        lookup(rule_name)
    return [rule() for rule in REGISTRY.values() if rule in chosen and rule.id not in ignored]


__all__ = ["REGISTRY", "RETIRED_IDS", "Context", "Rule", "lookup", "selected_rules"]
