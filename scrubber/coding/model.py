"""What the coding engine takes and gives: administrations in, billed lines out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scrubber.codes import FAMILIES, HYDRATION, MINIMUM_MINUTES

#: normalised routes: IV infusion (or IV not said), IV push, subcutaneous, intramuscular,
#: intra-arterial.
ROUTES = ("iv", "push", "sc", "im", "ia")
#: what an administration gives: the catalogue's code families.
KINDS = FAMILIES
PURPOSES = ("carrier", "kvo", "flush")
METHODS = ("pump", "on-body")
SETTINGS = ("facility", "professional")


@dataclass(frozen=True)
class Administration:
    """One documented administration.

    Attributes:
        drug: the drug or fluid as documented (used in reasons and to match repeats).
        route: one of :data:`ROUTES`.
        kind: one of :data:`KINDS`.
        start: minutes on a continuous clock (day * 1440 + minute of the day), or None.
        stop: the same clock; after ``start`` (a midnight crossing is already resolved).
        site: the access site or line; "" when not documented (one site).
        purpose: "" or one of :data:`PURPOSES` (not separately billable).
        method: "" or one of :data:`METHODS`.
        primary: marked as the primary reason for the encounter (professional setting).
        hormonal: a hormonal anti-neoplastic (96402 rather than 96401 when given SC/IM).
        drug_key: the drug's identity (:mod:`scrubber.reference.identity`): two
            administrations with the same key give the same drug.
        rows: worksheet rows it came from.
        day: the day of service on the continuous clock (for the per-day option).
        date: the calendar date it started (ISO), "" when the sheet gives none.
    """

    drug: str = ""
    route: str = "iv"
    kind: str = "therapeutic"
    start: float | None = None
    stop: float | None = None
    site: str = ""
    purpose: str = ""
    method: str = ""
    primary: bool = False
    hormonal: bool = False
    drug_key: str = ""
    rows: tuple[int, ...] = ()
    day: int = 0
    date: str = ""

    @property
    def minutes(self) -> float | None:
        if self.start is None or self.stop is None:
            return None
        return self.stop - self.start

    @property
    def label(self) -> str:
        return self.drug or self.kind


def started_on(admins: Iterable[Administration]) -> str:
    """The date a service is billed on: the day its first administration started (hours
    past midnight included), as a facility claim dates a line; "" when undated."""
    admins = list(admins)
    timed = [a for a in admins if a.start is not None]
    first = min(timed, key=lambda a: a.start) if timed else (admins[0] if admins else None)
    return first.date if first is not None else ""


@dataclass(frozen=True)
class CodedLine:
    """One billed administration line.

    Attributes:
        date: the line's date of service (ISO), "" when the sheet gives no date.
    """

    code: str
    units: int
    modifiers: tuple[str, ...] = ()
    rows: tuple[int, ...] = ()
    reason: str = ""
    date: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"date": self.date or None, "code": self.code, "units": self.units,
                "modifiers": list(self.modifiers), "rows": list(self.rows),
                "reason": self.reason}


@dataclass(frozen=True)
class Options:
    """Thresholds the coding follows (CPT defaults; payer profiles change them).

    Attributes:
        setting: "facility" (hospital outpatient, hierarchy) or "professional" (office;
            the primary reason is the initial service; no 96376).
        push_max_minutes: an IV administration this long or shorter is a push.
        min_minutes: code -> the fewest minutes that code may be billed for; an IV drug
            infusion shorter than its code's minimum is coded as a push, hydration shorter
            than the 96360/96361 minimum is not reported.
        hydration_split_added: hydration split into pieces by a drug infusion counts the
            pieces added up (CPT); False counts the longest piece only.
        initial_per_day: restart the initial service each calendar day (CPT) instead of
            once per encounter (CMS, Transmittal 2130).
        repeat_push_minutes: 96376 needs more than this many minutes since the last
            reported push of the same drug.
    """

    setting: str = "facility"
    push_max_minutes: float = 15
    min_minutes: dict[str, float] = field(default_factory=dict)
    hydration_split_added: bool = True
    initial_per_day: bool = False
    repeat_push_minutes: float = 30

    def minimum(self, code: str) -> float:
        """The payer's minimum for ``code``; else CPT's: hydration's own (31), and for a drug
        infusion anything longer than a push."""
        default = MINIMUM_MINUTES[code] if code in HYDRATION else self.push_max_minutes + 1
        return self.min_minutes.get(code, default)
