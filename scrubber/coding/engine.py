"""Step two of coding: services -> billed administration lines, each with its reason.

Follows ../shared/DOMAIN.md (CMS Claims Processing Manual ch. 12 section 30.5, NCCI Policy
Manual ch. XI, CPT guidance as CMS and the MACs quote it):

* one initial service per encounter and access site; the facility picks it by hierarchy
  (chemotherapy > therapeutic > hydration, infusion > push), the professional setting takes
  the administration marked primary, else the hierarchy; a second site's initial carries XS;
* every other IV service through the same access is subsequent: sequential 96367 / 96417,
  concurrent 96368 (once per encounter), pushes 96375 / 96376 / 96411, hydration 96361;
* hourly add-ons only for more than 30 minutes past each hour;
* SC/IM injections (96372, 96401, 96402), SC infusion (96369-96371), intra-arterial
  (96373, 96420, 96422-96425), the chemotherapy pump (96416) and the on-body injector (96377)
  stand outside the IV hierarchy (the SC and intra-arterial initials 96369 and 96422 are
  initials of their own access);
* hydration minutes that run beside an IV or intra-arterial drug infusion do not count.

Every code and its relations come from the catalogue (:mod:`scrubber.codes`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrubber.codes import ADDON_PRIMARIES, CATALOGUE, SUBSEQUENT, only
from scrubber.coding.model import Administration, CodedLine, Options, started_on
from scrubber.coding.services import (
    Service,
    classify,
    hydration_service,
    initial_code,
    merge_repeats,
)
from scrubber.coding.timing import addon_hours, overlaps, secondary_hydration_units

_CONCURRENT = only(kind="concurrent")  # 96368
_REPEAT_PUSH = only(kind="repeat push")  # 96376
_SC_INITIAL = only(role="initial", method="sc infusion")  # 96369
_SC_SET_UP = only(kind="pump set-up")  # 96371
_IA_INITIAL = only(role="initial", method="intra-arterial")  # 96422
_IA_INJECTION = only(kind="injection", method="intra-arterial", family="therapeutic")  # 96373
_IA_CHEMO_PUSH = only(kind="injection", method="intra-arterial", family="chemotherapy")  # 96420
_ON_BODY = only(kind="on-body injector")  # 96377
_PUMP = only(kind="prolonged pump", method="iv infusion")  # 96416
_IA_PUMP = only(kind="prolonged pump", method="intra-arterial")  # 96425
#: (kind, hormonal) -> the SC/IM injection code: 96372; chemotherapy 96401, hormonal 96402.
_INJECTION = {(c.family, c.kind == "hormonal injection"): c.code for c in CATALOGUE.values()
              if c.method == "sc/im injection" and c.kind in ("injection", "hormonal injection")}


def _leads(initial: Service, group: list[Service]) -> bool:
    """Every other service of the group may follow ``initial`` as its subsequent code."""
    code = initial_code(initial.family, initial.kind)
    return all(code in ADDON_PRIMARIES[_subsequent(s.family, s.kind)]
               for s in group if s is not initial)


def _subsequent(family: str, kind: str) -> str:
    """The subsequent code of a service's initial: 96367/96417 for infusions, 96375/96411 for
    pushes, 96361 for hydration."""
    return SUBSEQUENT[initial_code(family, kind) or ""]
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


class _Coder:
    """Codes services day by day, keeping what the encounter has already reported."""

    def __init__(self, options: Options, notes: list[str]) -> None:
        self.options = options
        self.notes = notes
        self.lines: list[CodedLine] = []
        self.concurrent_done = False
        self.sc_initial_done = False
        self.sc_extra_done = False
        self.last_push: dict[str, float | None] = {}

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
        return min(candidates, key=lambda s: (-s.rank, s.order))

    def _code_group(self, group: list[Service], initial: Service | None, main: Service | None,
                    drugs_given: bool) -> None:
        coded_infusions: list[Service] = []
        if initial is not None:
            modifiers = () if initial is main else ("XS",)
            self._code_initial(initial, modifiers, len(group) > 1)
            if initial.family == "infusion":
                coded_infusions.append(initial)
        for service in sorted(group, key=lambda s: s.order):
            if service is initial:
                continue
            if service.family == "infusion":
                self._code_subsequent_infusion(service, coded_infusions)
                coded_infusions.append(service)
            elif service.family == "push":
                self._code_subsequent_push(service)
            else:
                self._code_secondary_hydration(service)

    def _emit(self, code: str, units: int, service: Service, reason: str,
              modifiers: tuple[str, ...] = ()) -> None:
        if units > 0:
            self.lines.append(CodedLine(code, units, modifiers, service.rows, reason,
                                        started_on(service.admins)))

    def _why(self, service: Service) -> str:
        return f"{service.describe()}{f' ({service.note})' if service.note else ''}"

    def _code_initial(self, service: Service, modifiers: tuple[str, ...], others: bool) -> None:
        code = initial_code(service.family, service.kind) or ""
        addon = CATALOGUE[code].hourly_addon
        if self.options.setting == "professional" and any(a.primary for a in service.admins):
            chosen = "the primary reason for the encounter"
        else:
            chosen = "the highest service in the hierarchy" if others else "the only IV service"
        where = f", second access site {service.first.site}" if modifiers else ""
        if service.family == "push":
            self.last_push[service.first.drug_key] = service.start
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

    def _code_subsequent_infusion(self, service: Service, coded: list[Service]) -> None:
        concurrent = [s for s in coded if overlaps(service.intervals[0], s.intervals)]
        chemo = service.kind == "chemotherapy"
        if concurrent and not chemo and not self._has_primary_of(_CONCURRENT):
            # CPT reports 96368 only with an initial or hourly infusion code (96365, 96366,
            # 96413, 96415, 96416); after a push initial the new drug is billed as a
            # sequential infusion instead, so its minutes are not lost
            self.notes.append(f"{self._why(service)}: runs at the same time as "
                              f"{concurrent[0].label}, but {_CONCURRENT} needs one of "
                              f"{', '.join(CATALOGUE[_CONCURRENT].primaries)} on the claim: "
                              f"billed as a sequential infusion")
            concurrent = []
        if concurrent and not chemo:
            if self.concurrent_done:
                self.notes.append(f"{self._why(service)}: a further concurrent infusion; "
                                  f"{_CONCURRENT} is reported once per encounter")
                return
            self.concurrent_done = True
            self._emit(_CONCURRENT, 1, service,
                       f"{self._why(service)}: runs at the same time as {concurrent[0].label} "
                       f"through the same access: {_CONCURRENT} (concurrent, once per "
                       f"encounter)")
            return
        code = _subsequent("infusion", service.kind)
        addon = CATALOGUE[code].hourly_addon or ""
        minutes = service.minutes or 0
        hours = addon_hours(minutes)
        text = (f"{self._why(service)}: sequential infusion of a new drug: {code} for the "
                f"first hour")
        if hours:
            text += f", {addon} x{hours} for the {int(round(minutes - 60))} min past it"
        self._emit(code, 1, service, text)
        self._emit(addon, hours, service, text)

    def _has_primary_of(self, addon: str) -> bool:
        """Whether a line already coded is one the add-on may be reported with."""
        allowed = CATALOGUE[addon].primaries
        return any(line.code in allowed for line in self.lines)

    def _code_subsequent_push(self, service: Service) -> None:
        key = service.first.drug_key or service.label
        chemo = service.kind == "chemotherapy"
        if key not in self.last_push:
            self.last_push[key] = service.start
            code = _subsequent("push", service.kind)
            what = "chemotherapy push of another drug" if chemo else \
                "IV push of a new drug after the initial service"
            self._emit(code, 1, service, f"{self._why(service)}: {what}: {code}")
            return
        last, now = self.last_push[key], service.start
        if chemo or self.options.setting != "facility":
            why = (f"{_subsequent('push', service.kind)} is for another drug" if chemo
                   else f"{_REPEAT_PUSH} is facility only")
            self.notes.append(f"{self._why(service)}: repeat push of the same drug; "
                              f"not reported ({why})")
            return
        if last is None or now is None:
            self.notes.append(f"{self._why(service)}: repeat push of the same drug without "
                              f"times; {_REPEAT_PUSH} cannot be verified")
            return
        gap = now - last
        if gap <= self.options.repeat_push_minutes:
            self.notes.append(f"{self._why(service)}: same drug pushed again {int(round(gap))} "
                              f"min after its last reported push; {_REPEAT_PUSH} needs "
                              f"more than "
                              f"{int(self.options.repeat_push_minutes)} min")
            return
        self.last_push[key] = now
        self._emit(_REPEAT_PUSH, 1, service, f"{self._why(service)}: same drug pushed again "
                                             f"{int(round(gap))} min after its last reported "
                                             f"push: {_REPEAT_PUSH}")

    def _code_secondary_hydration(self, service: Service) -> None:
        minutes = service.minutes or 0
        units = secondary_hydration_units(minutes)
        code = _subsequent("hydration", "hydration")
        self._emit(code, units, service,
                   f"{self._why(service)}: {int(round(minutes))} min of hydration alongside "
                   f"drug services (hydration is never the initial then): {code} x{units}")

    def _code_standalone(self, service: Service) -> None:
        why = self._why(service)
        family, chemo = service.family, service.kind == "chemotherapy"
        if family == "injection":
            code = _INJECTION.get((service.kind, service.first.hormonal and chemo),
                                  _INJECTION[("therapeutic", False)])
            route = service.first.route.upper()
            self._emit(code, 1, service, f"{why}: {route} injection: {code} (per injection, "
                                         f"outside the IV hierarchy)")
        elif family == "onbody":
            self._emit(_ON_BODY, 1, service, f"{why}: on-body injector application: {_ON_BODY}")
        elif family == "pump":
            self._emit(_PUMP, 1, service, f"{why}: prolonged chemotherapy infusion started "
                                          f"with a portable or implantable pump: {_PUMP}")
        elif family == "ia_pump":
            self._emit(_IA_PUMP, 1, service, f"{why}: prolonged intra-arterial chemotherapy "
                                             f"with a pump: {_IA_PUMP}")
        elif family == "ia_push":
            code = _IA_CHEMO_PUSH if chemo else _IA_INJECTION
            what = "chemotherapy intra-arterial push" if chemo else "intra-arterial injection"
            self._emit(code, 1, service, f"{why}: {what}: {code}")
        elif family == "ia_inf" and chemo:
            self._code_timed(service, _IA_INITIAL, CATALOGUE[_IA_INITIAL].hourly_addon,
                             "intra-arterial infusion")
        elif family == "ia_inf":
            self._code_timed(service, _IA_INJECTION, None, "intra-arterial infusion")
        elif family == "sc_inf":
            self._code_sc_infusion(service)

    def _code_timed(self, service: Service, code: str, addon: str | None, what: str) -> None:
        minutes = service.minutes or 0
        hours = addon_hours(minutes) if addon else 0
        text = f"{self._why(service)}: {what}: {code}"
        if hours:
            text += f", {addon} x{hours} for the {int(round(minutes - 60))} min past the first hour"
        self._emit(code, 1, service, text)
        if addon:
            self._emit(addon, hours, service, text)

    def _code_sc_infusion(self, service: Service) -> None:
        if not self.sc_initial_done:
            self.sc_initial_done = True
            self._code_timed(service, _SC_INITIAL, CATALOGUE[_SC_INITIAL].hourly_addon,
                             "subcutaneous infusion, initial (pump set-up and sites included)")
        elif not self.sc_extra_done:
            self.sc_extra_done = True
            self._emit(_SC_SET_UP, 1, service, f"{self._why(service)}: additional pump set-up "
                                               f"with a new subcutaneous site: {_SC_SET_UP} "
                                               f"(once per encounter)")
        else:
            self.notes.append(f"{self._why(service)}: {_SC_INITIAL} and {_SC_SET_UP} are "
                              f"reported once per encounter")


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
