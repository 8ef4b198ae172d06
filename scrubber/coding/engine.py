"""Step two of coding: services -> billed administration lines, each with its reason.

Follows ../shared/DOMAIN.md (CMS Claims Processing Manual ch. 12 section 30.5, NCCI Policy
Manual ch. XI, CPT guidance as CMS and the MACs quote it):

* one initial service per encounter and access site; the facility picks it by hierarchy
  (chemotherapy > therapeutic > hydration, infusion > push), the professional setting takes
  the administration marked primary, else the hierarchy; a second site's initial carries XS;
  of the highest services the earliest, or, when infusions of that rank overlap it, the
  one of them with the most minutes (see "every minute counted");
* every other IV service through the same access is subsequent: sequential 96367 / 96417,
  concurrent 96368 (once per encounter), pushes 96375 / 96376 / 96411, hydration 96361;
* a push of a drug already given in the encounter, as a push or an infusion, is 96376
  (facility only) when more than ``repeat_push_minutes`` (30) after its last reported
  administration: a push's time, an infusion's stop (a push while the infusion still runs
  is not reported); in the professional setting, or for chemotherapy, it is not reported
  (96375 and 96411 are for a new drug) (ASCO J Oncol Pract 2009;5(5):252; DOMAIN.md);
* hourly add-ons only for more than 30 minutes past each hour;
* SC/IM injections (96372, 96401, 96402), SC infusion (96369-96371), intra-arterial
  (96373, 96420, 96422-96425), the chemotherapy pump (96416) and the on-body injector (96377)
  stand outside the IV hierarchy (the SC and intra-arterial initials 96369 and 96422 are
  initials of their own access; :mod:`scrubber.coding.standalone` codes them);
* hydration minutes that run beside an IV or intra-arterial drug infusion do not count.

Every minute counted (issue 11 item 2; DOMAIN.md 96368: no documented minute is dropped).
When two infusions overlap through one access, the one with more time is the initial service
with its hourly add-on units (96366, 96415), and the other is concurrent (96368) when they
overlap, sequential (96367, 96417) when they do not. Drug A 06:00-07:30 beside drug B
07:00-16:00 is B 96365 + 96366 x8 and A 96368: B's hours alone are billed (Medlearn,
"Pharmacy question for the week of January 31, 2022", bills the same 96365 + 96366 x8 and
deducts the overlap from A, billing A's 60 minutes alone as 96367; the issue's rule, followed
here, makes A the concurrent infusion, whose one unit covers its 60 minutes). Each later
infusion counts only the minutes no infusion billed before it ran beside it ("its own"), so
no minute is billed twice: an overlapping infusion that ran more than 90 minutes on its own
(more than one unit covers) is sequential for those minutes, and so is one that cannot be
96368 (reported once per encounter; or no 96365, 96366, 96413, 96415 or 96416 to report it
with) when it ran more than a push's 15 minutes on its own; one whose minutes all ran beside
billed infusions gets no line (a note says why). Time-units-mismatch (INF006) counts the
same minutes (:func:`scrubber.rules.coding.timeline.own_minutes`).

Every code and its relations come from the catalogue (:mod:`scrubber.codes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrubber.codes import ADDON_PRIMARIES, CATALOGUE, SUBSEQUENT, only
from scrubber.coding.model import Administration, CodedLine, Options
from scrubber.coding.services import (
    Service,
    classify,
    hydration_service,
    initial_code,
    merge_repeats,
)
from scrubber.coding.standalone import StandaloneCoder
from scrubber.coding.timing import (
    addon_hours,
    overlaps,
    secondary_hydration_units,
    subtract,
    total,
)

_CONCURRENT = only(kind="concurrent")  # 96368
_REPEAT_PUSH = only(kind="repeat push")  # 96376

def _leads(initial: Service, group: list[Service]) -> bool:
    """Every other service of the group may follow ``initial`` as its subsequent code."""
    code = initial_code(initial.family, initial.kind)
    return all(code in ADDON_PRIMARIES[_subsequent(s.family, s.kind)]
               for s in group if s is not initial)


def _subsequent(family: str, kind: str) -> str:
    """The subsequent code of a service's initial: 96367/96417 for infusions, 96375/96411 for
    pushes, 96361 for hydration."""
    return SUBSEQUENT[initial_code(family, kind) or ""]
def _highest(candidates: list[Service]) -> Service:
    """The facility's initial service: the highest in the hierarchy, the earliest of those;
    when that is an infusion that overlaps others of its rank, the one of them with the most
    minutes (it carries its hourly add-ons and the other is the concurrent one, so no
    documented hour is dropped)."""
    first = min(candidates, key=lambda s: (-s.rank, s.order))
    if first.family != "infusion":
        return first
    rivals = [s for s in candidates if s.family == "infusion" and s.rank == first.rank
              and (s is first or any(overlaps(i, first.intervals) for i in s.intervals))]
    return min(rivals, key=lambda s: (-(s.minutes or 0), s.order))


def _coding_order(service: Service) -> tuple[float, int, float, int]:
    """The order services after the initial are coded in: by start; at one start the higher
    service in the hierarchy, then the longer, then the row (so a later infusion's minutes
    alone do not depend on the order of the sheet's rows)."""
    start, row = service.order
    return start, -service.rank, -(service.minutes or 0), row


def _drug(service: Service) -> str:
    """The service's drug identity (its name when it has none), for same-drug rules."""
    return service.first.drug_key or service.label


#: places of service where the facility, not the physician, bills administration codes.
FACILITY_PLACES = frozenset({"19", "21", "22", "23", "24", "26"})


@dataclass
class EncounterCoding:
    """The coded lines of one encounter, and what was left unbilled and why."""

    lines: list[CodedLine]
    notes: list[str] = field(default_factory=list)


def code_encounter(admins: list[Administration], options: Options | None = None,
                   place_of_service: str = "") -> EncounterCoding:
    """Code one encounter's administrations (see the module docstring)."""
    options = options or Options()
    if options.setting == "professional" and place_of_service in FACILITY_PLACES:
        return EncounterCoding([], [f"place of service {place_of_service} is a facility: the "
                                    f"facility bills the administration codes, not the "
                                    f"physician"])
    notes: list[str] = []
    services: list[Service] = []
    for admin in sorted(admins, key=lambda a: (a.start if a.start is not None else 1e12,
                                               a.rows)):
        service, why = classify(admin, options)
        if service is None:
            notes.append(why)
        else:
            services.append(service)
    _assign_groups(services, options)
    services = merge_repeats(services)
    coder = _Coder(options, notes)
    for service in services:
        if service.family == "infusion":
            coder.infused.setdefault(_drug(service), []).extend(service.intervals)
    for day in sorted({s.group[1] for s in services}):
        coder.code_day([s for s in services if s.group[1] == day])
    return EncounterCoding(_aggregate(coder.lines), notes)


def _assign_groups(services: list[Service], options: Options) -> None:
    """Group IV services by access site (and day when the initial restarts daily)."""
    sites = [s.first.site for s in services if s.family in ("infusion", "push", "pump")
             and s.first.site]
    default = sites[0] if sites else ""
    for service in services:
        site = service.first.site if service.family in ("infusion", "push", "pump",
                                                        "hydration") else ""
        day = service.first.day if options.initial_per_day else 0
        service.group = (site or default, day)


class _Coder(StandaloneCoder):
    """Codes services day by day, keeping what the encounter has already reported."""

    def __init__(self, options: Options, notes: list[str]) -> None:
        super().__init__(options, notes)
        self.concurrent_done = False
        #: per drug: the times of its reported pushes, and its infusions' intervals (the
        #: encounter's, known before any push is coded)
        self.pushed: dict[str, list[float | None]] = {}
        self.infused: dict[str, list[tuple[float, float]]] = {}

    def code_day(self, services: list[Service]) -> None:
        iv = [s for s in services if s.family in ("infusion", "push")]
        # hydration does not count beside a drug infusion: IV, or intra-arterial (96422),
        # as the rules' timeline counts it; pumps and SC infusions are left out there too
        infusions = [s for s in services if s.family == "infusion"
                     or (s.family == "ia_inf" and s.kind == "chemotherapy")]
        hydration, why = hydration_service([s for s in services if s.family == "hydration"],
                                           infusions, self.options)
        if why:
            self.notes.append(why)
        drugs_given = bool(iv) or any(s.family == "pump" for s in services)
        groups: dict[str, list[Service]] = {}
        for service in iv + ([hydration] if hydration else []):
            groups.setdefault(service.group[0], []).append(service)
        initials = {site: self._initial(group, drugs_given) for site, group in groups.items()}
        ranked = sorted((s for s in initials.values() if s is not None),
                        key=lambda s: (-s.rank, s.order))
        main = ranked[0] if ranked else None
        for site, group in groups.items():
            self._code_group(group, initials[site], main, drugs_given)
        for service in sorted(services, key=lambda s: s.order):
            self._code_standalone(service)

    def _initial(self, group: list[Service], drugs_given: bool) -> Service | None:
        candidates = [s for s in group if s.family != "hydration" or not drugs_given]
        if not candidates:
            return None
        if self.options.setting == "professional":
            # the primary reason is the initial when every other service's subsequent code
            # may be reported with it: 96417 needs 96413, 96411 a chemotherapy initial, 96375
            # and 96367 a drug initial (CPT); otherwise the hierarchy, whose top always may
            marked = [s for s in candidates if any(a.primary for a in s.admins)]
            leading = [s for s in marked if _leads(s, group)]
            if leading:
                return min(leading, key=lambda s: s.order)
            for service in marked:
                self.notes.append(f"{service.label} is marked the primary reason, but another "
                                  f"service's add-on code cannot be reported with its initial "
                                  f"code (CPT), so the hierarchy chooses the initial")
        return _highest(candidates)

    def _code_group(self, group: list[Service], initial: Service | None, main: Service | None,
                    drugs_given: bool) -> None:
        coded_infusions: list[Service] = []
        if initial is not None:
            modifiers = () if initial is main else ("XS",)
            tied = initial.family == "infusion" and any(
                s.family == "infusion" and s.rank == initial.rank and s.order < initial.order
                and any(overlaps(i, initial.intervals) for i in s.intervals) for s in group)
            self._code_initial(initial, modifiers, len(group) > 1, tied)
            if initial.family == "infusion":
                coded_infusions.append(initial)
        for service in sorted(group, key=_coding_order):
            if service is initial:
                continue
            if service.family == "infusion":
                if self._code_subsequent_infusion(service, coded_infusions):
                    coded_infusions.append(service)
            elif service.family == "push":
                self._code_subsequent_push(service)
            else:
                self._code_secondary_hydration(service)

    def _code_initial(self, service: Service, modifiers: tuple[str, ...], others: bool,
                      tied: bool = False) -> None:
        code = initial_code(service.family, service.kind) or ""
        addon = CATALOGUE[code].hourly_addon
        if self.options.setting == "professional" and any(a.primary for a in service.admins):
            chosen = "the primary reason for the encounter"
        else:
            chosen = "the highest service in the hierarchy" if others else "the only IV service"
            if tied:
                chosen = ("the highest service in the hierarchy, the longest of the infusions "
                          "that overlap")
        where = f", second access site {service.first.site}" if modifiers else ""
        if service.family == "push":
            self.pushed.setdefault(_drug(service), []).append(service.start)
            self._emit(code, 1, service, f"{self._why(service)}: initial service ({chosen}"
                                         f"{where}): {code}", modifiers)
            return
        minutes = service.minutes or 0
        hours = addon_hours(minutes)
        first = "the first hour" if service.family != "hydration" else "31 to 90 min"
        text = f"{self._why(service)}: initial service ({chosen}{where}): {code} for {first}"
        if hours:
            text += f", {addon} x{hours} for the {int(round(minutes - 60))} min past the first hour"
        self._emit(code, 1, service, text, modifiers)
        if addon:
            self._emit(addon, hours, service, text)

    def _code_subsequent_infusion(self, service: Service, coded: list[Service]) -> bool:
        """Code an infusion after the initial service; False when it is not billed.

        ``coded`` are the access's infusions billed so far. An infusion that runs at the same
        time as one of them is concurrent (96368, once per encounter, with 96365, 96366,
        96413, 96415 or 96416 on the claim); otherwise sequential (96367, 96417) for its
        first hour and the hourly add-on past it. No documented minute is dropped: the
        minutes it ran with no billed infusion beside it ("its own") are billed as a
        sequential infusion when 96368 cannot be (once per encounter, or no primary for it)
        or cannot cover them (more than 90 min: the first unit covers up to 90).
        """
        own = subtract(service.intervals, [i for s in coded for i in s.intervals])
        alone = total(own)
        beside = [s for s in coded if any(overlaps(i, s.intervals) for i in service.intervals)]
        why = ""
        if beside and service.kind != "chemotherapy":
            other = beside[0].label
            if not self._has_primary_of(_CONCURRENT):
                # CPT reports 96368 only with an initial or hourly infusion code (96365,
                # 96366, 96413, 96415, 96416); after a push initial the new drug is billed as
                # a sequential infusion instead, so its minutes are not lost
                self.notes.append(f"{self._why(service)}: runs at the same time as {other}, "
                                  f"but {_CONCURRENT} needs one of "
                                  f"{', '.join(CATALOGUE[_CONCURRENT].primaries)} on the "
                                  f"claim: billed as a sequential infusion")
            elif addon_hours(alone) and not self.concurrent_done:
                why = (f"runs at the same time as {other} but {int(round(alone))} min on its "
                       f"own, more than {_CONCURRENT}'s one unit covers: sequential, so its "
                       f"hours alone count")
            elif self.concurrent_done and alone <= self.options.push_max_minutes:
                self.notes.append(f"{self._why(service)}: a further concurrent infusion; "
                                  f"{_CONCURRENT} is reported once per encounter and its "
                                  f"minutes ran beside infusions already billed")
                return False
            elif self.concurrent_done:
                why = (f"a further concurrent infusion ({_CONCURRENT} is reported once per "
                       f"encounter) that ran {int(round(alone))} min on its own: sequential "
                       f"for those minutes")
            else:
                self.concurrent_done = True
                self._emit(_CONCURRENT, 1, service,
                           f"{self._why(service)}: runs at the same time as {other} through "
                           f"the same access: {_CONCURRENT} (concurrent, once per encounter)")
                return True
        code = _subsequent("infusion", service.kind)
        addon = CATALOGUE[code].hourly_addon or ""
        minutes = alone if beside else service.minutes or 0
        hours = addon_hours(minutes)
        text = (f"{self._why(service)}: {why or 'sequential infusion of a new drug'}: {code} "
                f"for the first hour")
        if beside and not why:
            text += f" ({int(round(minutes))} min outside {beside[0].label})"
        if hours:
            text += f", {addon} x{hours} for the {int(round(minutes - 60))} min past it"
        self._emit(code, 1, service, text)
        self._emit(addon, hours, service, text)
        return True

    def _has_primary_of(self, addon: str) -> bool:
        """Whether a line already coded is one the add-on may be reported with."""
        allowed = CATALOGUE[addon].primaries
        return any(line.code in allowed for line in self.lines)

    def _code_subsequent_push(self, service: Service) -> None:
        key = _drug(service)
        chemo = service.kind == "chemotherapy"
        given, last, what_last = self._last_given(key, service.start)
        if not given:
            self.pushed.setdefault(key, []).append(service.start)
            code = _subsequent("push", service.kind)
            what = "chemotherapy push of another drug" if chemo else \
                "IV push of a new drug after the initial service"
            self._emit(code, 1, service, f"{self._why(service)}: {what}: {code}")
            return
        again = (f"repeat push of the same drug (given before as "
                 f"{'an infusion' if what_last == 'infusion' else 'a push'})")
        if chemo or self.options.setting != "facility":
            why = (f"{_subsequent('push', service.kind)} is for another drug" if chemo
                   else f"{_REPEAT_PUSH} is facility only")
            self.notes.append(f"{self._why(service)}: {again}; not reported ({why})")
            return
        if last is None:
            self.notes.append(f"{self._why(service)}: {again} without times; {_REPEAT_PUSH} "
                              f"cannot be verified")
            return
        gap = service.start - last if service.start is not None else 0
        if gap <= self.options.repeat_push_minutes:
            when = (f"{int(round(gap))} min after" if gap >= 0
                    else "while it was still running as")
            self.notes.append(f"{self._why(service)}: same drug pushed again {when} its last "
                              f"reported {what_last}; {_REPEAT_PUSH} needs more than "
                              f"{int(self.options.repeat_push_minutes)} min")
            return
        self.pushed.setdefault(key, []).append(service.start)
        self._emit(_REPEAT_PUSH, 1, service, f"{self._why(service)}: same drug pushed again "
                                             f"{int(round(gap))} min after its last reported "
                                             f"{what_last}: {_REPEAT_PUSH}")

    def _last_given(self, key: str, now: float | None
                    ) -> tuple[bool, float | None, str]:
        """Whether the drug was given before a push at ``now`` (as a reported push, or an
        infusion that started earlier), when its last administration ended (None when a time
        is unknown) and what that was ("push" or "infusion")."""
        ends = [(stop, "infusion") for start, stop in self.infused.get(key, ())
                if now is None or start < now]
        ends += [(at, "push") for at in self.pushed.get(key, ())
                 if now is None or at is None or at <= now]
        if not ends:
            return False, None, ""
        if now is None or any(at is None for at, _ in ends):
            return True, None, "push"
        last, what = max(ends, key=lambda e: (e[0], e[1] == "infusion"))
        return True, last, what

    def _code_secondary_hydration(self, service: Service) -> None:
        minutes = service.minutes or 0
        units = secondary_hydration_units(minutes)
        code = _subsequent("hydration", "hydration")
        self._emit(code, units, service,
                   f"{self._why(service)}: {int(round(minutes))} min of hydration alongside "
                   f"drug services (hydration is never the initial then): {code} x{units}")



def _aggregate(lines: list[CodedLine]) -> list[CodedLine]:
    """One line per date of service, code and modifiers, as a facility claim reports them:
    units added, rows and reasons joined; by date, first-seen order within a date."""
    merged: dict[tuple[str, str, tuple[str, ...]], CodedLine] = {}
    for line in lines:
        key = (line.date, line.code, line.modifiers)
        if key not in merged:
            merged[key] = line
            continue
        old = merged[key]
        reasons = old.reason if line.reason in old.reason.split("; ") else \
            f"{old.reason}; {line.reason}"
        merged[key] = CodedLine(line.code, old.units + line.units, line.modifiers,
                                tuple(sorted(set(old.rows) | set(line.rows))), reasons,
                                line.date)
    return sorted(merged.values(), key=lambda line: line.date)


def code_administration(admin: Administration, options: Options | None = None) -> list[CodedLine]:
    """Code one administration on its own (the add-in's cell functions use this)."""
    return code_encounter([admin], options).lines
