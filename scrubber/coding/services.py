"""Step one of coding: documented administrations -> billable services.

A service is what one administration code family bills: an IV infusion (the same drug's
intermittent pieces added up), an IV push, the encounter's hydration (every bag's minutes
outside drug infusions), an SC/IM injection, an SC infusion, an intra-arterial service, a
prolonged chemotherapy pump or an on-body injector. Administrations that are not separately
billable become notes instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrubber.codes import IV_INITIAL_OF, RANK
from scrubber.coding.model import Administration, Options
from scrubber.coding.timing import Interval, clock, span_text, subtract, total, union


def initial_code(family: str, kind: str) -> str | None:
    """The IV initial code that bills a service of this family ("infusion", "push",
    "hydration") and kind (chemotherapy, therapeutic, hydration), from the catalogue."""
    return IV_INITIAL_OF.get(("infusion" if family == "hydration" else family, kind))


#: a chemotherapy infusion started with a portable or implantable pump and running longer
#: than this is 96416 (96425 intra-arterial).
PROLONGED_PUMP_MINUTES = 480


@dataclass
class Service:
    """One billable service (see the module docstring)."""

    family: str
    kind: str
    admins: list[Administration]
    intervals: list[Interval] = field(default_factory=list)
    minutes: float | None = None
    note: str = ""
    group: tuple[str, int] = ("", 0)

    @property
    def first(self) -> Administration:
        return self.admins[0]

    @property
    def start(self) -> float | None:
        starts = [a.start for a in self.admins if a.start is not None]
        return min(starts) if starts else None

    @property
    def rows(self) -> tuple[int, ...]:
        return tuple(sorted({r for a in self.admins for r in a.rows}))

    @property
    def rank(self) -> int:
        """Facility hierarchy rank of its initial code (CMS ch. 12 s. 30.5); 0 outside."""
        code = initial_code(self.family, self.kind)
        return RANK[code] if code else 0

    @property
    def order(self) -> tuple[float, int]:
        start = self.start
        return (start if start is not None else float("inf"), min(self.rows, default=0))

    @property
    def label(self) -> str:
        return self.first.label

    def describe(self) -> str:
        """'infliximab 10:00-11:45 = 105 min' (pieces joined with ' + ')."""
        if self.family == "hydration":
            spans = " + ".join(span_text(a, b) for a, b in union(self.intervals)) or \
                "no times documented"
            names = sorted({a.label for a in self.admins})
            return f"{', '.join(names)} {spans}"
        if self.family in ("push", "injection", "onbody", "ia_push") and (
                self.minutes is None or self.minutes <= 15):
            what = " push" if self.family == "push" else ""
            when = f" at {clock(self.start)}" if self.start is not None else " (no time)"
            return f"{self.label}{what}{when}"
        if len(self.admins) > 1:
            spans = " + ".join(span_text(a.start, a.stop) for a in self.admins)
            return f"{self.label} {spans} (added up: {int(round(self.minutes or 0))} min)"
        return f"{self.label} {span_text(self.first.start, self.first.stop)}"


def classify(admin: Administration, options: Options) -> tuple[Service | None, str]:
    """The service an administration is, or None and why it is not billed."""
    minutes = admin.minutes
    if admin.purpose:
        purpose = "KVO" if admin.purpose == "kvo" else admin.purpose
        return None, f"{admin.label} given as a {purpose}: not separately billable"
    if admin.method == "on-body":
        return Service("onbody", admin.kind, [admin], minutes=minutes), ""
    if admin.route in ("sc", "im"):
        infusing = admin.route == "sc" and (admin.method == "pump" or (
            minutes is not None and minutes > options.push_max_minutes))
        return Service("sc_inf" if infusing else "injection", admin.kind, [admin],
                       _interval(admin), minutes), ""
    if admin.route == "ia":
        if admin.method == "pump" and admin.kind == "chemotherapy" and (
                minutes is None or minutes > PROLONGED_PUMP_MINUTES):
            return Service("ia_pump", admin.kind, [admin], _interval(admin), minutes), ""
        infusing = minutes is not None and minutes > options.push_max_minutes
        return Service("ia_inf" if infusing else "ia_push", admin.kind, [admin],
                       _interval(admin), minutes), ""
    if admin.kind == "hydration":
        if minutes is None:
            return None, (f"{admin.label}: hydration without a start and stop time cannot be "
                          f"billed (time-based)")
        return Service("hydration", "hydration", [admin], _interval(admin), minutes), ""
    if admin.method == "pump" and admin.kind == "chemotherapy" and (
            minutes is None or minutes > PROLONGED_PUMP_MINUTES):
        return Service("pump", admin.kind, [admin], _interval(admin), minutes), ""
    return _iv_drug(admin, options)


def _iv_drug(admin: Administration, options: Options) -> tuple[Service, str]:
    minutes = admin.minutes
    if admin.route == "push":
        return Service("push", admin.kind, [admin], _interval(admin), minutes), ""
    if minutes is None:
        return Service("push", admin.kind, [admin], minutes=None,
                       note="no start and stop time, so an infusion cannot be verified; "
                            "coded as a push"), ""
    if minutes <= options.push_max_minutes:
        return Service("push", admin.kind, [admin], _interval(admin), minutes,
                       note=f"{int(round(minutes))} min is a push "
                            f"({int(options.push_max_minutes)} min or less)"), ""
    code = initial_code("infusion", admin.kind) or initial_code("infusion", "therapeutic")
    if minutes < options.minimum(code):
        return Service("push", admin.kind, [admin], _interval(admin), minutes,
                       note=f"{int(round(minutes))} min is under the "
                            f"{int(options.minimum(code))} min the payer requires for "
                            f"{code}; coded as a push"), ""
    return Service("infusion", admin.kind, [admin], _interval(admin), minutes), ""


def _interval(admin: Administration) -> list[Interval]:
    if admin.start is None or admin.stop is None:
        return []
    return [(admin.start, admin.stop)]


def merge_repeats(services: list[Service]) -> list[Service]:
    """Intermittent IV infusions of the same drug in one group and day, added up."""
    merged: dict[tuple[object, ...], Service] = {}
    out: list[Service] = []
    for service in services:
        key = (service.group, service.first.drug_key, service.first.day, service.kind)
        if service.family != "infusion" or not service.first.drug_key:
            out.append(service)
        elif key in merged:
            into = merged[key]
            into.admins.append(service.first)
            into.intervals = union(into.intervals + service.intervals)
            into.minutes = total(into.intervals)
        else:
            merged[key] = service
            out.append(service)
    return out


def hydration_service(hydrations: list[Service], drug_infusions: list[Service],
                      options: Options) -> tuple[Service | None, str]:
    """All hydration of one encounter (or day) as one service of its billable minutes.

    Minutes that run at the same time as a drug infusion do not count (CMS ch. 12 s. 30.5;
    NCCI ch. XI); the pieces left are added up, or only the longest counts when the payer
    refuses split hydration (``hydration_split_added = false``).
    """
    if not hydrations:
        return None, ""
    admins = [a for s in hydrations for a in s.admins]
    pieces = subtract([i for s in hydrations for i in s.intervals],
                      [i for s in drug_infusions for i in s.intervals])
    covered = total(union(i for s in hydrations for i in s.intervals))
    minutes = total(pieces) if options.hydration_split_added else \
        max((b - a for a, b in pieces), default=0)
    service = Service("hydration", "hydration", admins, pieces, minutes,
                      group=hydrations[0].group)
    service.admins.sort(key=lambda a: (a.start if a.start is not None else 0, a.rows))
    overlap = covered - total(pieces)
    if overlap > 0:
        service.note = (f"{int(round(overlap))} min ran at the same time as a drug infusion "
                        f"and do not count")
        if not options.hydration_split_added and len(pieces) > 1:
            service.note += "; split pieces are not added up for this payer"
    minimum = options.minimum(initial_code("hydration", "hydration"))
    if minutes < minimum:
        names = ", ".join(sorted({a.label for a in admins}))
        why = service.note + ", leaving" if overlap > 0 else "only"
        return None, (f"{names}: {why} {int(round(minutes))} min of hydration; under "
                      f"{int(minimum)} min hydration is not reported")
    return service, ""
