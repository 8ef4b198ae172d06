"""Generate the synthetic sample exports (seeded, so the files are reproducible).

    python samples/generate.py            # writes the files beside this script
    python samples/generate.py --seed 7 --encounters 400 --out /tmp/big.xlsx

Every patient, encounter and provider is invented. Encounters are coded correctly for the
facility setting (CMS Claims Processing Manual ch. 12 s. 30.5), then, in the error export,
known mistakes are planted at recorded rows (``*.answers.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent

# name, HCPCS, billing unit amount, dose unit, kind, (low, high) dose
DRUGS = {
    "infliximab": ("Infliximab", "J1745", 10, "mg", "therapeutic", (300, 700)),
    "vedolizumab": ("Vedolizumab", "J3380", 1, "mg", "therapeutic", (300, 300)),
    "iron": ("Iron sucrose", "J1756", 1, "mg", "therapeutic", (100, 300)),
    "vancomycin": ("Vancomycin", "J3373", 10, "mg", "therapeutic", (1000, 1750)),
    "ceftriaxone": ("Ceftriaxone", "J0696", 250, "mg", "therapeutic", (1000, 2000)),
    "zoledronic": ("Zoledronic acid", "J3489", 1, "mg", "therapeutic", (4, 5)),
    "oxaliplatin": ("Oxaliplatin", "J9263", 0.5, "mg", "chemotherapy", (150, 190)),
    "paclitaxel": ("Paclitaxel", "J9267", 1, "mg", "chemotherapy", (250, 330)),
    "carboplatin": ("Carboplatin", "J9045", 50, "mg", "chemotherapy", (400, 700)),
    "rituximab": ("Rituximab", "J9312", 10, "mg", "chemotherapy", (600, 900)),
    "ondansetron": ("Ondansetron", "J2405", 1, "mg", "therapeutic", (4, 8)),
    "dexamethasone": ("Dexamethasone", "J1100", 1, "mg", "therapeutic", (8, 12)),
    "diphenhydramine": ("Diphenhydramine", "J1200", 50, "mg", "therapeutic", (25, 50)),
    "famotidine": ("Famotidine", "J3490", 1, "mg", "therapeutic", (20, 20)),
    "ketorolac": ("Ketorolac", "J1885", 15, "mg", "therapeutic", (15, 30)),
    "denosumab": ("Denosumab", "J0897", 1, "mg", "therapeutic", (60, 60)),
    "ceftriaxone_im": ("Ceftriaxone", "J0696", 250, "mg", "therapeutic", (250, 1000)),
    "b12": ("Cyanocobalamin", "J3420", 1000, "mcg", "therapeutic", (1000, 1000)),
    "saline": ("Normal saline 0.9%", "J7030", 1000, "mL", "hydration", (1000, 1000)),
}
DIAGNOSES = {"infliximab": "K50.90", "vedolizumab": "K51.90", "iron": "D50.9",
             "vancomycin": "L03.115", "ceftriaxone": "J18.9", "zoledronic": "M81.0",
             "oxaliplatin": "C18.9", "paclitaxel": "C50.911", "carboplatin": "C34.90",
             "rituximab": "C83.30", "saline": "E86.0", "ketorolac": "M54.50",
             "ondansetron": "R11.2", "denosumab": "M81.0", "ceftriaxone_im": "A54.00",
             "b12": "D51.0"}
PROVIDERS = ["Okafor, Ada MD", "Lindqvist, Per MD", "Ramirez, Lucia DO", "Chen, Wei MD",
             "Haddad, Samir NP"]
SITES = ["L forearm", "R forearm", "L antecubital", "R hand", "Port R chest"]
TIME_FORMATS = ("hh:mm", "hh:mm:ss", "ampm", "hhmm", "excel_time", "excel_datetime",
                "fraction", "iso")


@dataclass
class Line:
    """One charge line before it is written; ``row`` is set when the sheet is laid out."""

    encounter: str
    mrn: str
    dos: dt.date
    code: str
    units: float = 1
    start: int | None = None  # minutes from midnight of dos (may pass 1440)
    stop: int | None = None
    route: str = ""
    drug: str = ""
    dose: float | None = None
    dose_unit: str = ""
    diagnosis: str = ""
    provider: str = ""
    site: str = ""
    modifiers: list[str] = field(default_factory=list)
    deleted: bool = False
    row: int = 0
    overrides: dict[str, object] = field(default_factory=dict)


def addon_units(minutes: int) -> int:
    """Each-additional-hour units for an initial infusion of ``minutes`` (DOMAIN.md)."""
    return max(0, (minutes - 31) // 60)


class EncounterMaker:
    """Builds correctly coded encounters of several realistic kinds."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0

    def make(self) -> list[Line]:
        self.count += 1
        rng = self.rng
        self.enc = f"V{2600000 + self.count * 7 + rng.randint(0, 6)}"
        self.mrn = f"SYN{rng.randint(100000, 999999)}"
        self.dos = dt.date(2026, 10, 1) + dt.timedelta(days=rng.randint(0, 27))
        self.provider = rng.choice(PROVIDERS)
        self.site = rng.choice(SITES)
        kind = rng.choices(["therapeutic", "chemo", "hydration", "push_only", "injection",
                            "two_sites"], weights=[30, 22, 14, 14, 14, 6])[0]
        return getattr(self, f"_{kind}")()

    def _line(self, code: str, drug_id: str | None = None, **kw: object) -> Line:
        line = Line(self.enc, self.mrn, self.dos, code, provider=self.provider, **kw)
        if drug_id:
            name = DRUGS[drug_id][0]
            line.drug = name
            line.diagnosis = line.diagnosis or DIAGNOSES.get(drug_id, "Z51.11")
        return line

    def _supply(self, drug_id: str, dose: float | None = None) -> tuple[Line, float]:
        name, hcpcs, per, unit, _, (low, high) = DRUGS[drug_id]
        if dose is None:
            dose = self.rng.randrange(int(low), int(high) + 1, max(1, int((high - low) / 8) or 1))
        units = math.ceil(dose / per)
        line = self._line(hcpcs, drug_id, units=units, dose=dose, dose_unit=unit)
        return line, dose

    def _infusion(self, code: str, drug_id: str, start: int, minutes: int, addon: str | None,
                  site: str | None = None) -> list[Line]:
        supply, dose = self._supply(drug_id)
        route = self.rng.choice(["IV infusion", "IV", "IVPB"])
        main = self._line(code, drug_id, start=start, stop=start + minutes, route=route,
                          dose=dose, dose_unit=DRUGS[drug_id][3], site=site or self.site)
        lines = [main]
        extra = addon_units(minutes) if code in ("96365", "96413", "96360") else \
            max(0, (minutes - 91) // 60 + 1) if minutes > 90 else 0
        if addon and extra:
            copy_times = self.rng.random() < 0.5
            lines.append(self._line(addon, drug_id, units=extra, route=route,
                                    start=main.start if copy_times else None,
                                    stop=main.stop if copy_times else None, site=main.site))
        return lines + [supply]

    def _push(self, code: str, drug_id: str, start: int) -> list[Line]:
        supply, dose = self._supply(drug_id)
        push = self._line(code, drug_id, start=start, stop=start + self.rng.randint(1, 5),
                          route=self.rng.choice(["IV push", "IVP", "IV Push"]), dose=dose,
                          dose_unit=DRUGS[drug_id][3], site=self.site)
        return [push, supply]

    def _therapeutic(self) -> list[Line]:
        rng = self.rng
        start = rng.randint(7 * 60, 15 * 60)
        drug = rng.choice(["infliximab", "vedolizumab", "iron", "vancomycin", "ceftriaxone",
                           "zoledronic"])
        lines: list[Line] = []
        if drug == "infliximab" and rng.random() < 0.6:  # pre-medication push first
            lines += self._push("96375", "diphenhydramine", start)
            start += 10
        minutes = rng.choice([25, 30, 45, 60, 75, 90, 95, 120, 135, 150, 155, 180])
        lines = self._infusion("96365", drug, start, minutes, "96366") + lines
        if rng.random() < 0.3:  # second drug, sequential
            lines += self._infusion("96367", "ceftriaxone" if drug != "ceftriaxone"
                                    else "vancomycin", start + minutes + 5,
                                    rng.choice([30, 45, 60]), None)
        return lines

    def _chemo(self) -> list[Line]:
        rng = self.rng
        start = rng.randint(7 * 60, 11 * 60)
        lines = self._push("96375", "ondansetron", start)
        lines += self._push("96375", "dexamethasone", start + 8)
        t = start + 20
        drug = rng.choice(["oxaliplatin", "paclitaxel", "carboplatin", "rituximab"])
        minutes = rng.choice([60, 90, 120, 150, 180, 240])
        chemo = self._infusion("96413", drug, t, minutes, "96415")
        lines = chemo + lines
        t += minutes + 5
        if drug == "paclitaxel" and rng.random() < 0.7:
            lines += self._infusion("96417", "carboplatin", t, rng.choice([30, 45, 60]), None)
            t += 65
        if rng.random() < 0.5:  # secondary hydration after the drugs
            hyd = rng.choice([45, 60, 100, 120])
            supply, _ = self._supply("saline")
            lines += [self._line("96361", "saline", units=(hyd - 31) // 60 + 1, start=t,
                                 stop=t + hyd, route="IV infusion", dose=1000, dose_unit="mL",
                                 site=self.site), supply]
        return lines

    def _hydration(self) -> list[Line]:
        rng = self.rng
        start = rng.choice([rng.randint(8 * 60, 16 * 60), rng.randint(22 * 60, 23 * 60 + 30)])
        minutes = rng.choice([45, 60, 90, 120, 150, 180, 210])
        main = self._infusion("96360", "saline", start, minutes, "96361")
        return main

    def _push_only(self) -> list[Line]:
        start = self.rng.randint(8 * 60, 17 * 60)
        lines = self._push("96374", "ondansetron", start)
        if self.rng.random() < 0.5:
            lines += self._push("96375", "ketorolac", start + 12)
        return lines

    def _injection(self) -> list[Line]:
        rng = self.rng
        drug = rng.choice(["denosumab", "ceftriaxone_im", "b12"])
        route = "IM" if drug == "ceftriaxone_im" else rng.choice(["SC", "Subcut"])
        supply, dose = self._supply(drug)
        start = rng.randint(8 * 60, 17 * 60)
        shot = self._line("96372", drug, start=start, route=route, dose=dose,
                          dose_unit=DRUGS[drug][3], site=rng.choice(["L deltoid", "Abdomen"]))
        return [shot, supply]

    def _two_sites(self) -> list[Line]:
        start = self.rng.randint(8 * 60, 12 * 60)
        first = self._infusion("96365", "vancomycin", start, 60, "96366")
        second = self._infusion("96365", "ceftriaxone", start + 10, 40, None,
                                site="R hand" if self.site != "R hand" else "L forearm")
        second[0].modifiers = ["XS"]
        return first + second


def build_lines(rng: random.Random, encounters: int) -> list[Line]:
    maker = EncounterMaker(rng)
    lines: list[Line] = []
    while maker.count < encounters:
        lines += maker.make()
    return lines


# --- planting mistakes -------------------------------------------------------------------

def plant_errors(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    """Plant known mistakes in distinct encounters; return (line, rule name) pairs."""
    by_encounter: dict[str, list[Line]] = {}
    for line in lines:
        by_encounter.setdefault(line.encounter, []).append(line)
    encounters = list(by_encounter)
    rng.shuffle(encounters)
    planted: list[tuple[Line, str]] = []
    planters = [_hydration_concurrent, _missing_time, _stop_before_start, _push_as_infusion,
                _hierarchy, _missing_drug_code, _duplicate_initial, _schema_problem,
                _time_units, _too_short, _addon_without_primary, _mue, _modifier,
                _invalid_diagnosis, _missing_diagnosis, _deleted_code, _drug_units,
                _missing_documentation]
    pool = encounters[: len(encounters) * 3 // 5]
    misses = index = 0
    while pool and misses < len(planters):  # planters take turns; each takes the first
        planter = planters[index % len(planters)]  # encounter it fits
        index += 1
        misses += 1
        for encounter in pool:
            found = planter(by_encounter[encounter], rng)
            if found:
                planted += found
                pool.remove(encounter)
                misses = 0
                break
    return planted


def _first(lines: list[Line], codes: tuple[str, ...]) -> Line | None:
    return next((line for line in lines if line.code in codes and not line.deleted), None)


def _missing_time(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    line = _first(lines, ("96365", "96413", "96360", "96367", "96417"))
    if line is None:
        return []
    if rng.random() < 0.5:
        line.stop = None
    else:
        line.start = None
    planted = [(line, "missing-time")]
    for other in lines:  # its add-ons lose their times too and have no primary to lean on
        if other is not line and other.code in ("96366", "96415", "96361") and \
                other.drug == line.drug and other.code != "96361" or (
                other.code == "96361" and line.code == "96360"):
            other.start = other.stop = None
            planted.append((other, "missing-time"))
    return planted


def _stop_before_start(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    line = _first(lines, ("96365", "96413", "96360", "96374", "96375", "96367"))
    if line is None or line.start is None or line.stop is None or line.stop >= 1440:
        return []  # swapping a midnight crossing gives a long forward time, not an error
    line.start, line.stop = line.stop, line.start
    return [(line, "stop-before-start")]


def _push_as_infusion(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    push = _first(lines, ("96375", "96374"))
    if push is not None:
        push.code = "96367" if push.code == "96375" else "96365"
        return [(push, "push-billed-as-infusion")]
    line = _first(lines, ("96365",))
    if line is None or line.start is None:
        return []
    line.stop = line.start + rng.randint(5, 15)
    for other in lines:
        if other.code == "96366":
            other.deleted = True
    return [(line, "push-billed-as-infusion")]


def _missing_drug_code(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    supplies = [line for line in lines if line.code[0] in "JQC" and not line.deleted]
    if not supplies:
        return []
    gone = rng.choice(supplies)
    gone.deleted = True
    admins = [line for line in lines if line.drug == gone.drug and line.code.startswith("96")
              and not line.deleted]
    return [(line, "missing-drug-code") for line in admins]


def _duplicate_initial(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    """A later subsequent line billed as a second initial of the same rank or lower.

    A push billed as initial before a higher infusion is the hierarchy's finding (one fault,
    one finding per cell), so only encounters where duplicate-initial alone applies are used.
    """
    higher = _first(lines, ("96365", "96413")) is not None
    later = _first(lines, ("96367", "96417")) or (None if higher else _first(lines, ("96375",)))
    if later is None:
        return []
    later.code = {"96367": "96365", "96375": "96374", "96417": "96413"}[later.code]
    return [(later, "duplicate-initial")]


def _schema_problem(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    line = _first(lines, ("96372", "96374", "96365", "96360", "96413"))
    if line is None:
        return []
    choice = rng.choice(["code", "time", "units"])
    if choice == "code" and line.code != "96372":
        choice = "units"  # a broken initial code would orphan the encounter's add-ons too
    if choice == "code":
        line.overrides["code"] = line.code[:4]
        # one fault, one finding per cell: invalid-code outranks code-format
        return [(line, "invalid-code")]
    if choice == "time" and line.stop is not None:
        line.overrides["stop"] = "25:75"
        return [(line, "time-format")]
    line.overrides["units"] = "one"
    return [(line, "units-format")]


def _time_units(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    addon = _first(lines, ("96366", "96415", "96361"))
    if addon is None:
        return _undocumented_hours(lines, rng)
    addon.units += rng.choice([1, 2])
    return [(addon, "time-units-mismatch")]


def _too_short(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    hydration = _first(lines, ("96360",))
    if hydration is None or hydration.start is None:
        return []
    hydration.stop = hydration.start + rng.randint(18, 30)
    for other in lines:
        if other.code == "96361":
            other.deleted = True
    return [(hydration, "infusion-too-short")]


def _addon_without_primary(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    """The encounter's initial billed as its subsequent code: every add-on is orphaned."""
    initial = _first(lines, ("96374", "96365"))
    if initial is None or (initial.code == "96374" and _first(lines, ("96375",)) is None):
        return []
    initial.code = {"96374": "96375", "96365": "96367"}[initial.code]
    if _first(lines, ("96365", "96374", "96409", "96413")) is not None:
        initial.code = {"96375": "96374", "96367": "96365"}[initial.code]  # a second site
        return []
    return [(line, "addon-without-primary") for line in lines
            if line.code in ("96375", "96367") and not line.deleted]


def _hierarchy(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    """Coded by order: the first push as the initial, the infusion after it as sequential."""
    infusion, push = _first(lines, ("96365",)), _first(lines, ("96375",))
    if infusion is None or push is None or push.start is None or infusion.start is None \
            or push.start > infusion.start:
        return []
    infusion.code, push.code = "96367", "96374"
    return [(push, "hierarchy")]


def _hydration_concurrent(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    """Secondary hydration moved inside the chemotherapy infusion's time."""
    hydration, chemo = _first(lines, ("96361",)), _first(lines, ("96413",))
    if hydration is None or chemo is None or hydration.start is None or chemo.start is None:
        return []
    hydration.start, hydration.stop = chemo.start + 5, chemo.stop - 5
    return [(hydration, "hydration-not-separately-billable")]


def _undocumented_hours(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    """An initial infusion alone in its encounter runs 2.5 hours with no add-on billed."""
    for line in lines:
        alone = not any(o is not line and o.encounter == line.encounter and
                        o.code.startswith("96") and not o.deleted for o in lines)
        if line.code == "96365" and alone and line.start is not None and not line.deleted:
            line.stop = line.start + 150
            return [(line, "time-units-mismatch")]
    return []


def _mue(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    initial = _first(lines, ("96365", "96360", "96413", "96374"))
    if initial is None:
        return []
    initial.units = 2
    # the units cell's fault is reported once: mue-exceeded outranks time-units-mismatch
    return [(initial, "mue-exceeded")]


def _modifier(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    if any(line.modifiers for line in lines):
        return []
    line = _first(lines, ("96375", "96367", "96366", "96415", "96361", "96372"))
    if line is None:
        return []
    repeated = sum(other.code == line.code for other in lines if not other.deleted) > 1
    line.modifiers = [rng.choice(["59", "XU", "XS", "5"] + ([] if repeated else ["76"]))]
    return [(line, "modifier")]


def _invalid_diagnosis(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    """A diagnosis cut back to its category (C18.9 -> C18), or a made-up code."""
    line = next((x for x in lines if "." in x.diagnosis and not x.deleted), None)
    if line is None:
        return []
    line.diagnosis = rng.choice([line.diagnosis.split(".")[0], "R99.X9"])
    return [(line, "invalid-diagnosis")]


def _missing_diagnosis(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    for line in lines:
        line.diagnosis = ""
    return [(line, "missing-diagnosis") for line in lines if not line.deleted]


def _deleted_code(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    drug = _first(lines, ("J9267",))
    if drug is None:
        return []
    drug.code = "J9265"  # paclitaxel's code before 2015 (30 mg), replaced by J9267 (1 mg)
    return [(drug, "invalid-code")]


def _drug_units(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    drug = next((x for x in lines if x.code in ("J1745", "J9263", "J9045", "J9312", "J3373",
                                                "J1756", "J2405") and not x.deleted), None)
    if drug is None:
        return []
    drug.units = drug.units * 10 if rng.random() < 0.5 else max(1, drug.units // 10) + 1
    return [(drug, "drug-units-mismatch")]


def _missing_documentation(lines: list[Line], rng: random.Random) -> list[tuple[Line, str]]:
    line = _first(lines, ("96365", "96413", "96360", "96372", "96374"))
    if line is None:
        return []
    field = rng.choice(["dose", "route", "provider"] + ([] if any(x.modifiers for x in lines)
                                                        else ["site"]))
    if field == "site" and line.code in ("96372", "96374"):
        field = "provider"
    setattr(line, field, None if field == "dose" else "")
    return [(line, "missing-documentation")]


# --- writing --------------------------------------------------------------------------------

CANONICAL_HEADERS = ["Encounter ID", "Patient ID", "Date of Service", "CPT/HCPCS", "Modifier 1",
                     "Modifier 2", "Units", "Start Time", "Stop Time", "Route", "Drug", "Dose",
                     "Dose Unit", "Diagnosis", "Ordering Provider", "Site"]
SYNONYM_HEADERS = ["Visit ID", "MRN", "DOS", "HCPCS", "Mod", "Modifier 2", "Qty",
                   "Admin Start", "Infusion End", "Admin Route", "Medication", "Dosage", "UOM",
                   "Dx", "Ordered By", "IV Site"]


def _time_cell(minutes: int | None, day: dt.date, fmt: str) -> tuple[object, str | None]:
    """A time in one of the forms exports use, and the number format to give the cell."""
    if minutes is None:
        return None, None
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    if fmt == "iso":
        return moment.strftime("%Y-%m-%d %H:%M"), None
    if fmt == "excel_datetime":
        return moment, "yyyy-mm-dd hh:mm"
    clock = moment.time()
    if fmt == "hh:mm":
        return clock.strftime("%H:%M"), None
    if fmt == "hh:mm:ss":
        return clock.strftime("%H:%M:%S"), None
    if fmt == "ampm":
        return clock.strftime("%I:%M %p").lstrip("0"), None
    if fmt == "hhmm":
        return clock.strftime("%H%M"), None
    if fmt == "excel_time":
        return clock, "hh:mm"
    return round((clock.hour * 60 + clock.minute) / 1440, 10), "0.000000"


def write_export(lines: list[Line], path: Path, rng: random.Random, *, synonyms: bool,
                 title: str) -> None:
    """Lay the lines out under a title and header, rows numbered as Excel shows them."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Charges"
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = "Synthetic data generated by samples/generate.py; no real patients."
    header_row = 4
    headers = SYNONYM_HEADERS if synonyms else CANONICAL_HEADERS
    for col, text in enumerate(headers, start=1):
        sheet.cell(header_row, col, text).font = Font(bold=True)
    row = header_row
    for line in lines:
        if line.deleted:
            continue
        row += 1
        line.row = row
        fmt = rng.choice(TIME_FORMATS)
        start = _time_cell(line.start, line.dos, fmt)
        stop = _time_cell(line.stop, line.dos, fmt)
        values = [line.encounter, line.mrn, line.dos, line.code,
                  line.modifiers[0] if line.modifiers else None,
                  line.modifiers[1] if len(line.modifiers) > 1 else None,
                  line.units, start[0], stop[0], line.route or None, line.drug or None,
                  line.dose, line.dose_unit or None, line.diagnosis or None,
                  line.provider or None, line.site or None]
        for key, value in line.overrides.items():
            values[{"code": 3, "units": 6, "start": 7, "stop": 8}[key]] = value
        if rng.random() < 0.3 and values[3] and values[3].isdigit():
            values[3] = int(values[3])  # codes arrive as numbers too
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row, col, value)
            if col == 3:
                cell.number_format = "mm/dd/yyyy"
        for col, (_, number_format) in ((8, start), (9, stop)):
            if number_format:
                sheet.cell(row, col).number_format = number_format
    for col, width in enumerate([12, 11, 12, 10, 9, 9, 7, 17, 17, 12, 20, 8, 8, 10, 20, 14], 1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(col)].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--encounters", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None,
                        help="write one error export here instead of the bundled samples")
    args = parser.parse_args()
    if args.out:
        generate_error_export(args.out, args.seed, args.encounters or 100)
        return
    generate_error_export(HERE / "infusion_export.xlsx", args.seed, args.encounters or 100)
    generate_clean_export(HERE / "clean_export.xlsx", args.seed + 1, 40)


def generate_error_export(path: Path, seed: int, encounters: int) -> list[dict[str, object]]:
    """Write an export with planted mistakes and its answers file; return the answers."""
    rng = random.Random(seed)
    lines = build_lines(rng, encounters)
    planted = plant_errors(lines, rng)
    write_export(lines, path, rng, synonyms=False,
                 title="Infusion charge export - Riverside Infusion Center (synthetic)")
    answers = sorted(({"row": line.row, "rule": rule} for line, rule in planted
                      if not line.deleted), key=lambda a: (a["row"], a["rule"]))
    path.with_suffix(".answers.json").write_text(json.dumps(answers, indent=1) + "\n")
    return answers


def generate_clean_export(path: Path, seed: int, encounters: int) -> None:
    """Write an export in which every encounter is coded correctly."""
    rng = random.Random(seed)
    write_export(build_lines(rng, encounters), path, rng, synonyms=True,
                 title="Charge detail report - Lakeside Outpatient Infusion (synthetic)")


if __name__ == "__main__":
    main()
