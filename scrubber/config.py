"""Scrub configuration, validated loudly: a typo is an error that names it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace

from scrubber.findings import Severity


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
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    push_max_minutes: float = 15
    midnight_max_gap_minutes: float = 720
    max_duration_minutes: float = 1440
    hydration_needs_drug_code: bool = True

    def __post_init__(self) -> None:
        for name in ("push_max_minutes", "midnight_max_gap_minutes", "max_duration_minutes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"option '{name}' must be a number >= 0, not {value!r}")
        if not isinstance(self.hydration_needs_drug_code, bool):
            raise ConfigError("option 'hydration_needs_drug_code' must be true or false")
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

    def with_rules(self, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Config:
        """A copy with command-line rule choices added."""
        return replace(self, select=tuple(select) or self.select,
                       ignore=self.ignore + tuple(ignore))


def split_names(values: Iterable[str] | None) -> tuple[str, ...]:
    """'a,b' 'c' -> ('a', 'b', 'c'), as --select and --ignore take them."""
    names: list[str] = []
    for value in values or ():
        names.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(names)
