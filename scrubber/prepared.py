"""The prepared run: everything a scrub needs, resolved once.

``prepare(config)`` validates the config, instantiates the selected rules and loads the
reference tables they read (the drug table, the user's MUE, HCPCS and ASP files, the ICD-10-CM set
when a diagnosis rule is selected). The result is immutable and picklable: it is what a worker
process, a Dask worker or the Excel add-in receives, so nothing is rebuilt per file and no
rule reads a file behind the caller's back.

A prepared run holds one :class:`Profile` per payer as well as the default, so the engine
judges each line under the profile its payer column names (the config's ``payers``: the
profiles that declare ``match``). Profiles that read the same reference files share one
loaded copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from scrubber.config import Config
from scrubber.reference.tables import Reference, load_reference
from scrubber.rules import Rule, selected_rules
from scrubber.waivers import Baseline

#: rules that read diagnoses (the ICD-10-CM set is loaded only for them).
_DIAGNOSIS_RULES = frozenset({"invalid-diagnosis"})


@dataclass(frozen=True)
class Profile:
    """One configuration with its rule instances and reference tables."""

    config: Config
    rules: tuple[Rule, ...]
    reference: Reference
    baseline: Baseline | None = None


@dataclass(frozen=True)
class Prepared:
    """A resolved run: the default profile and any payer profiles.

    Attributes:
        default: the profile every line is checked under unless a payer's applies.
        payers: payer name -> its profile (may be empty).
    """

    default: Profile
    payers: Mapping[str, Profile] = field(default_factory=dict)

    @property
    def config(self) -> Config:
        return self.default.config

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.default.rules

    @property
    def reference(self) -> Reference:
        return self.default.reference


def prepare_profile(config: Config, tables: Mapping[str, pd.DataFrame] | None = None,
                    loaded: dict[tuple[object, ...], Reference] | None = None) -> Profile:
    """Resolve one configuration. ``tables`` may hold the ``mue``, ``hcpcs``, ``asp`` and
    ``ncci`` tables already read (the Excel add-in reads them from sheets; no file is opened
    for them). ``loaded`` keeps the references made so far, by the files they read, so
    profiles of one run share them.

    Raises:
        ConfigError: an unknown rule, or a reference file that cannot be read.
    """
    rules = tuple(selected_rules(config))
    tables = tables or {}
    icd10 = any(r.name in _DIAGNOSIS_RULES for r in rules)
    key = (config.mue, config.hcpcs, config.asp, config.ncci, icd10)
    reference = (loaded or {}).get(key)
    if reference is None:
        reference = load_reference(mue=config.mue, hcpcs=config.hcpcs, asp=config.asp,
                                   ncci=config.ncci, icd10=icd10,
                                   mue_table=tables.get("mue"),
                                   hcpcs_table=tables.get("hcpcs"),
                                   asp_table=tables.get("asp"), ncci_table=tables.get("ncci"))
        if loaded is not None:
            loaded[key] = reference
    return Profile(config, rules, reference,
                   Baseline.load(config.baseline) if config.baseline else None)


def prepare(config: Config | Prepared | None = None,
            payers: Mapping[str, Config] | None = None, *,
            tables: Mapping[str, pd.DataFrame] | None = None) -> Prepared:
    """Resolve a configuration (the defaults when None) and its payer profiles once (the
    config's ``payers``, then any given here).

    A :class:`Prepared` passed in comes back unchanged, so callers may take either.
    ``tables`` holds MUE, HCPCS and ASP tables already read (``{"mue": ..., "hcpcs": ...,
    "asp": ...}``),
    for every profile, where no file can be opened (the Excel add-in).

    Raises:
        ConfigError: an unknown rule, or a reference file that cannot be read.
    """
    if isinstance(config, Prepared):
        if payers or tables:
            raise ValueError("payer profiles belong in the first prepare() call; this run "
                             "is already prepared")
        return config
    config = config or Config()
    loaded: dict[tuple[object, ...], Reference] = {}
    default = prepare_profile(config, tables, loaded)
    return Prepared(default, {name: prepare_profile(c, tables, loaded)
                              for name, c in {**config.payers, **(payers or {})}.items()})
