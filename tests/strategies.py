"""Random documented encounters, and the charge sheet a billing export writes for their coding.

Used by tests/test_engine_agrees.py (issue 8): generate administrations, code them with
:func:`scrubber.coding.code_encounter`, write the engine's lines as a charge sheet and scrub it.

Choices made in writing the sheet (each a form real exports use; see DOMAIN.md):

* One sheet row per engine line that bills one administration, with that administration's
  code, units, modifiers, start and stop (dates in Start Date / Stop Date, so a midnight
  crossing and an administration after midnight sit on the right day), route, drug, dose,
  site. A line the engine aggregated over several services of one code (96375 x2 for two
  pushes, 96367 x2 for two drugs) is written as one row per administration, one unit each,
  as a charge export lists each charge and the claim adds them up; the writer insists that
  the units then equal the number of administrations (:class:`Unwritable` otherwise).
* Each-additional-hour lines (96366, 96415, 96370, 96423, and 96361 after 96360) are one
  row with the engine's units. Their times are left blank (they lean on their primary line,
  as missing-time allows) or, in the ``copy`` style, copied from the one administration they
  extend. An add-on that extends several infusions keeps blank times: one start and stop
  cannot describe several infusions, and a made-up span would invent infusion minutes.
* One drug line per administration (J/Q code of the shipped table, units from
  :mod:`scrubber.reference.units` for the dose), billed or not: the drug given is billable
  even when its administration is not (a repeat push within 30 min, hydration of 30 min).
* A single start/stop pair cannot describe one billed service made of several pieces (the
  same drug infused intermittently, several hydration bags added up): a sheet would need a
  row per piece, and a piece row has no code of its own to carry. So the generator gives
  each encounter at most one IV or intra-arterial infusion per drug and one hydration bag.
  Split hydration (one bag with a drug infusion inside it) is still generated.
* Every IV administration has a start and a stop: a sheet without them is a true
  missing-time finding whoever coded it.
* Date of Service is the encounter's first day on every row (the claim's date); the setting
  is the scrub's config, so no place-of-service column is written. The test may shuffle the
  rows: no rule may depend on their order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cache

import pandas as pd
from hypothesis import strategies as st

from scrubber import Config
from scrubber.coding import Administration, CodedLine, EncounterCoding, code_encounter
from scrubber.normalize import drug_key
from scrubber.reference.drugs import drug_table
from scrubber.reference.units import billing_units

DAY0 = dt.date(2026, 10, 5)
HOURLY = frozenset({"96366", "96415", "96370", "96423"})
PLACE = {"facility": "22", "professional": "11"}
IV_SITES = ("L forearm", "R hand", "R antecubital")
HEADERS = ["Encounter ID", "Patient ID", "Date of Service", "CPT/HCPCS", "Modifier 1",
           "Modifier 2", "Units", "Start Date", "Start Time", "Stop Date", "Stop Time", "Route",
           "Drug", "Dose", "Dose Unit", "Diagnosis", "Ordering Provider", "Site"]


@dataclass(frozen=True)
class Drug:
    """A drug as a clinic documents it: name, HCPCS code, doses it is given in."""

    name: str
    code: str
    doses: tuple[float, ...]
    unit: str
    route: str  # "iv" (infusion), "push", "sc", "im"; hydration is "iv" with a fluid

    @property
    def kind(self) -> str:
        return drug_table().by_code[self.code].kind

    @property
    def hormonal(self) -> bool:
        return drug_table().by_code[self.code].hormonal


INFUSIONS = (
    Drug("Infliximab", "J1745", (300, 400, 500), "mg", "iv"),
    Drug("Ceftriaxone", "J0696", (1000, 2000), "mg", "iv"),
    Drug("Vancomycin", "J3373", (1000, 1250, 1500), "mg", "iv"),
    Drug("Iron sucrose", "J1756", (200, 300), "mg", "iv"),
    Drug("Oxaliplatin", "J9263", (130, 150, 170), "mg", "iv"),
    Drug("Pembrolizumab", "J9271", (200,), "mg", "iv"),
    Drug("Paclitaxel", "J9267", (175, 300), "mg", "iv"),
    Drug("Rituximab", "J9312", (700, 750), "mg", "iv"),
)
PUSHES = (
    Drug("Ondansetron", "J2405", (4, 8), "mg", "push"),
    Drug("Dexamethasone", "J1100", (10, 12, 20), "mg", "push"),
    Drug("Diphenhydramine", "J1200", (25, 50), "mg", "push"),
    Drug("Ketorolac", "J1885", (15, 30), "mg", "push"),
    Drug("Vincristine", "J9370", (1.4, 2), "mg", "push"),
    Drug("Doxorubicin", "J9000", (50, 60), "mg", "push"),
)
INJECTIONS = (
    Drug("Cyanocobalamin", "J3420", (1000,), "mcg", "im"),
    Drug("Denosumab", "J0897", (60, 120), "mg", "sc"),
    Drug("Leuprolide", "J9217", (7.5,), "mg", "sc"),
    Drug("Fulvestrant", "J9395", (500,), "mg", "im"),
    Drug("Bortezomib", "J9041", (2.6,), "mg", "sc"),
)
#: subcutaneous infusions (96369-96371: by pump, with set-up; outside the IV access)
SC_INFUSIONS = (Drug("Hizentra", "J1559", (4000, 8000), "mg", "sc"),)
#: intra-arterial chemotherapy infusion (96422/96423: a route of its own)
IA_INFUSIONS = (Drug("Cisplatin", "J9060", (100, 150), "mg", "ia"),
                Drug("Fluorouracil", "J9190", (1000, 1500), "mg", "ia"))
SALINE = Drug("Normal saline 0.9%", "J7030", (1000,), "mL", "iv")
ROUTE_TEXT = {"iv": "IV infusion", "push": "IV push", "sc": "SC", "im": "IM",
              "ia": "Intra-arterial"}

#: what an administration is, weighted toward the IV services the hierarchy is about.
ROLES = ("infusion", "push", "hydration", "infusion", "push", "hydration", "infusion", "push",
         "injection", "sc infusion", "ia infusion")
#: the published boundaries (DOMAIN.md "Time") and their neighbours.
BOUNDARIES = (10, 15, 16, 29, 30, 31, 45, 60, 89, 90, 91, 120, 149, 150, 151, 180, 209, 210,
              211, 240)


@dataclass(frozen=True)
class Given:
    """One documented administration of a generated encounter (clock: minutes from DAY0)."""

    drug: Drug
    start: int | None
    stop: int | None
    site: str
    dose: float
    primary: bool = False

    def administration(self, number: int) -> Administration:
        fluid = self.drug is SALINE
        return Administration(
            drug=self.drug.name, route=self.drug.route,
            kind="hydration" if fluid else self.drug.kind,
            start=None if self.start is None else float(self.start),
            stop=None if self.stop is None else float(self.stop),
            site=self.site,
            primary=self.primary, hormonal=self.drug.hormonal, drug_key=_key(self.drug.name),
            rows=(number,), day=(self.start or 0) // 1440)

    def describe(self) -> str:
        when = "no times" if self.start is None else \
            f"{_stamp(self.start)}-{'?' if self.stop is None else _stamp(self.stop)}" \
            f" ({'?' if self.stop is None else self.stop - self.start} min)"
        flags = " primary" if self.primary else ""
        return f"{self.drug.name} {ROUTE_TEXT[self.drug.route]} {when} at {self.site}{flags}"


@dataclass(frozen=True)
class Encounter:
    """A generated encounter: its administrations in documentation order."""

    id: str
    patient: str
    given: tuple[Given, ...]

    def administrations(self) -> list[Administration]:
        return [g.administration(n) for n, g in enumerate(self.given, start=1)]

    def code(self, config: Config) -> EncounterCoding:
        return code_encounter(self.administrations(), config.options(), PLACE[config.setting])

    def diagnosis(self) -> str:
        kinds = {g.drug.kind for g in self.given if g.drug is not SALINE}
        return "C18.9" if "chemotherapy" in kinds else "K50.90" if kinds else "E86.0"


@cache
def _key(name: str) -> str:
    return str(drug_key(pd.Series([name], dtype="string"))[0])


def _stamp(minute: int) -> str:
    day, rest = divmod(minute, 1440)
    return f"{'+' * day}{rest // 60:02d}:{rest % 60:02d}"


# --- generating ------------------------------------------------------------------------------

durations = st.one_of(st.sampled_from(BOUNDARIES), st.integers(1, 400))
push_minutes = st.one_of(st.integers(0, 5), st.integers(6, 20))


@st.composite
def encounters(draw: st.DrawFn, number: int = 1, setting: str = "facility") -> Encounter:
    """One encounter of 1 to 6 administrations: IV and intra-arterial infusions (at most one
    per drug), IV pushes, at most one hydration bag, SC/IM injections, SC infusions
    (SC and intra-arterial infusions are not in issue 8's list, but they share the initial
    slot and the hydration overlap with the IV services); each after, during or
    together with an earlier one; some starting late enough to cross midnight; most IV
    administrations through one access site, some through a second or third; in the
    professional setting perhaps one marked primary."""
    first = draw(st.one_of(st.integers(6 * 60, 18 * 60), st.integers(22 * 60, 23 * 60 + 59)))
    size = draw(st.integers(1, 6))
    given: list[Given] = []
    for _ in range(size):
        taken = {g.drug for g in given}
        pools = {"infusion": [d for d in INFUSIONS if d not in taken], "push": list(PUSHES),
                 "injection": list(INJECTIONS), "sc infusion": list(SC_INFUSIONS),
                 "ia infusion": [d for d in IA_INFUSIONS if d not in taken],
                 "hydration": [d for d in (SALINE,) if d not in taken]}
        role = draw(st.sampled_from([r for r in ROLES if pools[r]]))
        drug = draw(st.sampled_from(pools[role]))
        timed = [g for g in given if g.start is not None]
        start = _next_start(draw, draw(st.sampled_from(timed))) if timed else first
        if role == "injection":
            timing = draw(st.sampled_from(("none", "start", "both")))
            stop = start + draw(st.integers(0, 1)) if timing == "both" else None
            start = start if timing != "none" else None
            site = draw(st.sampled_from(("L deltoid", "Abdomen")))
        elif role in ("sc infusion", "ia infusion"):
            stop = start + draw(st.one_of(st.sampled_from(BOUNDARIES[2:]), st.integers(16, 300)))
            site = draw(st.sampled_from(("Abdomen", "L thigh") if role == "sc infusion"
                                        else ("R femoral artery",)))
        else:
            stop = start + draw(push_minutes if role == "push" else durations)
            site = IV_SITES[0] if draw(st.integers(0, 4)) else draw(st.sampled_from(IV_SITES))
        given.append(Given(drug, start, stop, site, draw(st.sampled_from(drug.doses))))
    if setting == "professional" and draw(st.booleans()):
        iv = [i for i, g in enumerate(given) if g.drug.route in ("iv", "push")]
        if iv:
            chosen = draw(st.sampled_from(iv))
            given[chosen] = replace(given[chosen], primary=True)
    return Encounter(f"E{number}", f"P{number:03d}", tuple(given))


def _next_start(draw: st.DrawFn, anchor: Given) -> int:
    """After an earlier administration (a gap, perhaps none), during it, or with it."""
    start, stop = anchor.start, anchor.stop if anchor.stop is not None else anchor.start
    how = draw(st.sampled_from(("after", "during", "with")))
    if how == "after":
        return stop + draw(st.one_of(st.sampled_from((0, 1, 5, 30, 31)), st.integers(0, 120)))
    if how == "during" and stop > start:
        return draw(st.integers(start, stop - 1))
    return start


@dataclass(frozen=True)
class Style:
    """How the export writes what the engine leaves open (see the module docstring)."""

    copy_addon_times: bool = False


styles = st.builds(Style, copy_addon_times=st.booleans())


# --- writing ---------------------------------------------------------------------------------

class Unwritable(AssertionError):
    """An engine line the sheet format cannot carry faithfully (see the module docstring)."""


@dataclass
class Sheet:
    """The charge sheet and, for messages, where each engine line went."""

    frame: pd.DataFrame
    origin: list[str] = field(default_factory=list)  # per sheet row: what it writes

    def row_of(self, index: int) -> int:
        """The worksheet row (header on row 1) of the frame's ``index``-th row."""
        return index + 2


def charge_rows(encounter: Encounter, coding: EncounterCoding, style: Style
                ) -> list[tuple[dict[str, object], str]]:
    """The export's rows for one encounter: administration lines, then drug lines."""
    by_row = dict(enumerate(encounter.given, start=1))
    has_initial_hydration = any(line.code == "96360" for line in coding.lines)
    rows: list[tuple[dict[str, object], str]] = []
    for line in coding.lines:
        given = [by_row[r] for r in line.rows]
        label = f"engine line {line.code} x{line.units}{_mods(line)}"
        hourly = line.code in HOURLY or (line.code == "96361" and has_initial_hydration)
        if hourly:
            timed = given[0] if style.copy_addon_times and len(given) == 1 else None
            rows.append((_admin_row(encounter, line.code, line.units, line.modifiers,
                                    given[0], timed), label))
        elif len(given) == 1:
            rows.append((_admin_row(encounter, line.code, line.units, line.modifiers,
                                    given[0], given[0]), label))
        elif line.units == len(given):
            rows += [(_admin_row(encounter, line.code, 1, line.modifiers, g, g),
                      f"{label} (its unit for {g.drug.name})") for g in given]
        else:
            raise Unwritable(f"{label} bills {len(given)} administrations with "
                             f"{line.units} units: {line}")
    for g in encounter.given:
        rows.append((_drug_row(encounter, g), f"drug line for {g.drug.name}"))
    return rows


def write_sheet(encounters: list[Encounter], codings: list[EncounterCoding], style: Style,
                order: list[int] | None = None) -> Sheet:
    """All encounters' rows as one sheet (``order``: a permutation of the rows, if given)."""
    rows = [r for e, c in zip(encounters, codings, strict=True)
            for r in charge_rows(e, c, style)]
    if order is not None:
        rows = [rows[i] for i in order]
    frame = pd.DataFrame([r for r, _ in rows], columns=HEADERS, dtype=object)
    return Sheet(frame, [o for _, o in rows])


def _mods(line: CodedLine) -> str:
    return f" -{','.join(line.modifiers)}" if line.modifiers else ""


def _date(minute: int | None) -> str | None:
    return None if minute is None else (DAY0 + dt.timedelta(days=minute // 1440)).isoformat()


def _time(minute: int | None) -> str | None:
    return None if minute is None else f"{minute % 1440 // 60:02d}:{minute % 60:02d}"


def _common(encounter: Encounter, given: Given) -> dict[str, object]:
    return {"Encounter ID": encounter.id, "Patient ID": encounter.patient,
            "Date of Service": DAY0.isoformat(), "Drug": given.drug.name,
            "Dose": f"{given.dose:g}", "Dose Unit": given.drug.unit,
            "Diagnosis": encounter.diagnosis(), "Ordering Provider": "Okafor, Ada MD"}


def _admin_row(encounter: Encounter, code: str, units: int, modifiers: tuple[str, ...],
               given: Given, timed: Given | None) -> dict[str, object]:
    start = timed.start if timed else None
    stop = timed.stop if timed else None
    return {**_common(encounter, given), "CPT/HCPCS": code, "Units": units,
            "Modifier 1": modifiers[0] if modifiers else None,
            "Modifier 2": modifiers[1] if len(modifiers) > 1 else None,
            "Start Date": _date(start), "Start Time": _time(start),
            "Stop Date": _date(stop), "Stop Time": _time(stop),
            "Route": ROUTE_TEXT[given.drug.route], "Site": given.site}


def _drug_row(encounter: Encounter, given: Given) -> dict[str, object]:
    entry = drug_table().by_code[given.drug.code]
    units = billing_units(given.dose, given.drug.unit, entry.unit_amount, entry.unit)
    assert units, f"{given.drug.name} {given.dose} {given.drug.unit} has no billing units"
    return {**_common(encounter, given), "CPT/HCPCS": given.drug.code, "Units": units}


def describe(encounter: Encounter, coding: EncounterCoding) -> str:
    """The encounter and its coding as text for a failure message."""
    out = [f"{encounter.id}:"]
    out += [f"  [{n}] {g.describe()}" for n, g in enumerate(encounter.given, start=1)]
    out.append("  engine lines:")
    out += [f"    {line.code} x{line.units}{_mods(line)} rows {list(line.rows)}: {line.reason}"
            for line in coding.lines]
    out += [f"    not billed: {note}" for note in coding.notes]
    return "\n".join(out)
