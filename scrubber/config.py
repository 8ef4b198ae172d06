"""Scrub configuration, validated loudly: a typo is an error that names it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from scrubber.codes import MINIMUM_MINUTES
from scrubber.coding.model import KINDS, SETTINGS, Options
from scrubber.findings import Severity
from scrubber.io.limits import DEFAULT_MAX_UNPACKED_MB

#: codes whose minimum minutes a payer may set (the catalogue's codes with a minimum).
TIMED_CODES = tuple(sorted(MINIMUM_MINUTES))


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names it."""


@dataclass(frozen=True)
class Config:
    """What to check and the thresholds to check it with.

    Attributes:
        select: rule names or IDs to run (empty: every rule).
        ignore: rule names or IDs not to run.
        severity: rule name or ID -> severity that replaces the rule's default.
        push_max_minutes: an IV administration this long or shorter is a push (CPT: 15).
        midnight_max_gap_minutes: a stop earlier than the start is read as crossing midnight
            only when the resulting duration is at most this long.
        max_duration_minutes: a documented duration longer than this is an error.
        hydration_needs_drug_code: hydration lines need a fluid line (J7030...) too.
        setting: "facility" (hospital outpatient: the hierarchy picks the initial service)
            or "professional" (office: the administration marked primary, no 96376).
        min_minutes: code -> the fewest minutes the code may be billed for; defaults follow
            CPT (16 for infusions, 31 for hydration); some payers want 31 for 96365.
        hydration_split_added: hydration split around a drug infusion counts its pieces
            added up (CPT); false counts only the longest piece.
        initial_per_day: restart the initial service each calendar day of a multi-day
            encounter (CPT) rather than once per encounter (CMS Transmittal 2130).
        drug_kinds: drug name -> chemotherapy, therapeutic or hydration, over the shipped
            drug table (payers differ on monoclonal antibodies).
        mue: a CMS Medically Unlikely Edits file (CSV or workbook) to check units against.
        hcpcs: a CMS quarterly HCPCS file (CSV or workbook) for code validity and drug
            billing units (read from its long descriptions).
        asp: a CMS quarterly ASP pricing file (CSV or workbook) for drug billing units (its
            HCPCS Code Dosage column).
        ncci: CMS NCCI procedure-to-procedure edit files (CSV, tab-delimited text or
            workbook; CMS splits a quarter's table into several), for ncci-ptp.
        jw_jz: Medicare Part B single-dose drug lines need JW or JZ (the Medicare profile).
        required_documentation: fields an administration line must fill (drug, dose, route,
            ordering_provider, site; site only for infusions), where the sheet has them.
        payer: the payer profile these settings came from (reported, not used).
        match: in a payer profile, case-insensitive pieces of text that pick the profile for
            a line whose Payer (Insurance, Plan, Financial Class) cell contains one of them.
        payers: profile name -> its settings, for the profiles that declare ``match``: each
            line is checked under the profile its payer matches, else under these settings
            (made by :func:`scrubber.config_file.config_from_table`; empty when ``--payer``
            forces one profile).
        baseline: an earlier JSON report whose findings are waived where they recur
            (scrubber.waivers).
        max_unpacked_mb: the largest workbook read, unpacked, in MiB (a CSV file's size);
            a sheet's grid may hold this many MiB / 32 cells (scrubber.io.limits).
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    push_max_minutes: float = 15
    midnight_max_gap_minutes: float = 720
    max_duration_minutes: float = 1440
    hydration_needs_drug_code: bool = True
    setting: str = "facility"
    min_minutes: Mapping[str, float] = field(default_factory=dict)
    hydration_split_added: bool = True
    initial_per_day: bool = False
    drug_kinds: Mapping[str, str] = field(default_factory=dict)
    mue: str | None = None
    hcpcs: str | None = None
    asp: str | None = None
    ncci: tuple[str, ...] = ()
    jw_jz: bool = False
    required_documentation: tuple[str, ...] = ("drug", "dose", "route", "ordering_provider",
                                               "site")
    payer: str | None = None
    match: tuple[str, ...] = ()
    payers: Mapping[str, Config] = field(default_factory=dict)
    baseline: str | None = None
    max_unpacked_mb: float = DEFAULT_MAX_UNPACKED_MB

    def __post_init__(self) -> None:
        for name in ("push_max_minutes", "midnight_max_gap_minutes", "max_duration_minutes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"option '{name}' must be a number >= 0, not {value!r}")
        value = self.max_unpacked_mb
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ConfigError(f"option 'max_unpacked_mb' must be a number of MiB > 0, "
                              f"not {value!r}")
        for name in ("hydration_needs_drug_code", "hydration_split_added", "initial_per_day",
                     "jw_jz"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"option '{name}' must be true or false")
        if self.setting not in SETTINGS:
            raise ConfigError(f"option 'setting' must be one of {', '.join(SETTINGS)}, "
                              f"not {self.setting!r}")
        object.__setattr__(self, "min_minutes", _min_minutes(self.min_minutes))
        object.__setattr__(self, "drug_kinds", _drug_kinds(self.drug_kinds))
        object.__setattr__(self, "required_documentation",
                           _documentation(self.required_documentation))
        for name in ("mue", "hcpcs", "asp", "payer"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise ConfigError(f"option '{name}' must be text")
        object.__setattr__(self, "ncci", _paths("ncci", self.ncci))
        object.__setattr__(self, "match", _match(self.match))
        if not isinstance(self.payers, Mapping) or not all(
                isinstance(c, Config) and c.match for c in self.payers.values()):
            raise ConfigError("option 'payers' must map profile names to settings with a "
                              "match list")
        object.__setattr__(self, "payers", dict(self.payers))
        severities = {}
        for rule, level in dict(self.severity).items():
            try:
                severities[rule] = Severity(str(level).lower())
            except ValueError:
                raise ConfigError(f"severity for '{rule}' must be 'error' or 'warning', "
                                  f"not {level!r}") from None
        object.__setattr__(self, "severity", severities)
        object.__setattr__(self, "select", tuple(self.select))
        object.__setattr__(self, "ignore", tuple(self.ignore))

    @classmethod
    def from_mapping(cls, options: Mapping[str, object]) -> Config:
        """Build a config from a mapping (a TOML table, say); unknown keys are errors."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(f"unknown option(s) {', '.join(unknown)}; "
                              f"known options: {', '.join(sorted(known))}")
        return cls(**options)  # type: ignore[arg-type]

    def options(self) -> Options:
        """The coding engine's options."""
        return Options(setting=self.setting, push_max_minutes=self.push_max_minutes,
                       min_minutes=dict(self.min_minutes),
                       hydration_split_added=self.hydration_split_added,
                       initial_per_day=self.initial_per_day)

    def with_rules(self, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Config:
        """A copy with command-line rule choices added (to every payer profile too)."""
        select, ignore = tuple(select), tuple(ignore)
        return replace(self, select=select or self.select, ignore=self.ignore + ignore,
                       payers={name: profile.with_rules(select, ignore)
                               for name, profile in self.payers.items()})


def split_names(values: Iterable[str] | None) -> tuple[str, ...]:
    """'a,b' 'c' -> ('a', 'b', 'c'), as --select and --ignore take them."""
    names: list[str] = []
    for value in values or ():
        names.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(names)


def _paths(name: str, values: object) -> tuple[str, ...]:
    """A file or a list of files as a tuple of paths."""
    if isinstance(values, (str, Path)):
        values = (values,)
    if not isinstance(values, (list, tuple)) or not all(
            isinstance(v, (str, Path)) and str(v).strip() for v in values):
        raise ConfigError(f"option '{name}' must be a file or a list of files")
    return tuple(str(v) for v in values)


def _match(values: object) -> tuple[str, ...]:
    """Match texts, lower-cased: a list, or one text whose commas separate several (as the
    add-in's settings sheet gives them)."""
    if isinstance(values, str):
        values = values.split(",")
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ConfigError("option 'match' must be a list of texts, e.g. match = "
                          "[\"medicare\", \"part b\"]")
    texts = tuple(dict.fromkeys(v.strip().lower() for v in values))
    if "" in texts:
        raise ConfigError("option 'match' holds an empty text, which would match every payer")
    return texts


def _min_minutes(values: Mapping[str, object]) -> dict[str, float]:
    if not isinstance(values, Mapping):
        raise ConfigError("option 'min_minutes' must be a table of code = minutes")
    out = {}
    for code, minutes in values.items():
        code = str(code).strip()
        if code not in TIMED_CODES:
            raise ConfigError(f"min_minutes: '{code}' is not a timed administration code "
                              f"({', '.join(TIMED_CODES)})")
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes < 0:
            raise ConfigError(f"min_minutes: '{code}' must be a number of minutes, "
                              f"not {minutes!r}")
        out[code] = float(minutes)
    return out


def _drug_kinds(values: Mapping[str, object]) -> dict[str, str]:
    if not isinstance(values, Mapping):
        raise ConfigError("option 'drug_kinds' must be a table of drug = kind")
    out = {}
    for drug, kind in values.items():
        folded = {"chemo": "chemotherapy", "therapy": "therapeutic"}.get(str(kind).lower(),
                                                                        str(kind).lower())
        if folded not in KINDS:
            raise ConfigError(f"drug_kinds: '{drug}' must be one of {', '.join(KINDS)}, "
                              f"not {kind!r}")
        out[str(drug)] = folded
    return out


#: fields missing-documentation can require (canonical field names).
DOCUMENTABLE = ("drug", "dose", "dose_unit", "route", "ordering_provider", "site", "start",
                "stop", "diagnosis", "ndc")


def _documentation(values: object) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise ConfigError("option 'required_documentation' must be a list of field names")
    out = []
    for value in values:
        name = str(value).strip().lower().replace(" ", "_").replace("-", "_")
        if name not in DOCUMENTABLE:
            raise ConfigError(f"required_documentation: unknown field '{value}'; fields: "
                              f"{', '.join(DOCUMENTABLE)}")
        out.append(name)
    return tuple(out)
