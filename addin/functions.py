"""The add-in's cell functions: =INFUSION_CODE(...), =SCRUB_TABLE(...) and the rest.

This module holds cell functions only (the classic add-in's "Import Functions" turns every
decorated function of its UDF module into VBA; the scripts live in :mod:`addin.scripts`).
Each function reads its arguments through :mod:`addin.boundary` and calls the core's public
API; none holds billing logic of its own. A function never shows a traceback in a cell: bad
input raises a short message (Excel shows ``#VALUE!``), and an administration that is not
billable returns the text ``not billable: REASON``.

The docstrings are what Excel shows as each function's description; ``doc=`` is each
argument's help.
"""

from __future__ import annotations

import xlwings as xw

from addin.boundary import (
    CellInputError,
    bool_value,
    grid,
    number_value,
    text_value,
    time_value,
)
from scrubber import Config, ConfigError, InputError, prepare, scrub_grid
from scrubber.coding.model import SETTINGS
from scrubber.fields import FINDINGS_HEADER, STATUS_HEADER
from scrubber.mark.plan import plan_marks
from scrubber.reference.drugs import drug_candidates
from scrubber.reference.units import units_for
from scrubber.suggest import OneCoding, code_one, suggest_grid, timed

NOT_BILLABLE = "not billable: "
_START = "Start time: a time cell, a serial time, or text such as 10:45 or 10:45 AM."
_STOP = "Stop time; a stop before the start crosses midnight."
_ROUTE = "Route as documented: IV, IV push, SC, IM, intra-arterial (IV when empty)."
_KIND = "What was given: hydration, therapeutic or chemotherapy (therapeutic when empty)."
_INITIAL = "TRUE (default) for the encounter's initial service; FALSE for a later one."
__all__ = ["drug_code", "drug_units", "infusion_code", "infusion_codes", "infusion_minutes",
           "infusion_units", "scrub_table"]


def _coded(start: object, stop: object, route: object, kind: object,
           initial: object) -> OneCoding:
    try:
        return code_one(time_value(start, "start"), time_value(stop, "stop"),
                        text_value(route, "route"), text_value(kind, "kind"),
                        bool_value(initial, "initial", True))
    except CellInputError:
        raise
    except ValueError as exc:  # the core's own words: an empty or unreadable time
        raise CellInputError(str(exc)) from None


@xw.func
@xw.arg("start", doc=_START)
@xw.arg("stop", doc=_STOP)
@xw.arg("route", doc=_ROUTE)
@xw.arg("kind", doc=_KIND)
@xw.arg("initial", doc=_INITIAL)
def infusion_code(start, stop, route=None, kind=None, initial=None):
    """The administration code of one infusion, push or injection (96365, 96374, 96360,
    96413, 96367 when not initial ...), or "not billable: REASON"."""
    coded = _coded(start, stop, route, kind, initial)
    return coded.code if coded.code else NOT_BILLABLE + coded.reason


@xw.func
@xw.arg("start", doc=_START)
@xw.arg("stop", doc=_STOP)
@xw.arg("kind", doc=_KIND)
@xw.arg("initial", doc=_INITIAL + " FALSE gives secondary hydration's 96361 count.")
def infusion_units(start, stop, kind=None, initial=None):
    """Units of the hourly add-on (96366, 96361, 96415) for the time past the first hour
    (more than 30 minutes past each hour); 0 when none."""
    coded = _coded(start, stop, "IV", kind, initial)
    return coded.addon_units if coded.code else NOT_BILLABLE + coded.reason


@xw.func
@xw.arg("start", doc=_START)
@xw.arg("stop", doc=_STOP)
def infusion_minutes(start, stop):
    """Minutes from start to stop, across midnight."""
    try:
        minutes = timed(time_value(start, "start"), time_value(stop, "stop"))
    except CellInputError:
        raise
    except ValueError as exc:  # the core's own words, as INFUSION_CODE gives them
        raise CellInputError(str(exc)) from None
    return int(minutes) if minutes.is_integer() else minutes


@xw.func
@xw.arg("table", doc="The administration table with its header row (Encounter, Start "
                     "Time, Stop Time, Route, Drug, Kind ...), one or more encounters.")
@xw.arg("setting", doc="facility (default: hierarchy) or professional (office claim).")
def infusion_codes(table, setting=None):
    """The coding engine's lines for every encounter of an administration table: encounter,
    code, units, modifiers, table rows and the reason (spills)."""
    chosen = text_value(setting, "setting", "facility").lower()
    if chosen not in SETTINGS:
        raise CellInputError(f"setting: expects {' or '.join(SETTINGS)}, got {chosen[:20]!r}")
    try:
        result = suggest_grid(grid(table), Config(setting=chosen))
    except InputError as exc:
        raise CellInputError(exc.problem) from None
    out: list[list[object]] = [["Encounter", "Code", "Units", "Modifiers", "Table Rows",
                                "Reason"]]
    for encounter in result.encounters:
        for line in encounter.lines:
            out.append([encounter.encounter, line.code, line.units, " ".join(line.modifiers),
                        ", ".join(str(r) for r in line.rows), line.reason])
    return out


@xw.func
@xw.arg("name", doc="A drug's generic or brand name (infliximab, Remicade) or HCPCS code.")
def drug_code(name):
    """The HCPCS code of a drug; where a name has several codes (heparin, immune globulin),
    spills the candidates with their billing units."""
    text = text_value(name, "name")
    if not text:
        raise CellInputError("name: give a drug name or HCPCS code")
    found = drug_candidates(text)
    if not found:
        raise CellInputError(f"no drug '{text[:40]}' in the drug table")
    if len(found) == 1:
        return found[0].code
    return [[e.code, f"{e.name}, {e.unit_text} per unit"] for e in found]


@xw.func
@xw.arg("code_or_name", doc="The drug's HCPCS code (J1745) or its name.")
@xw.arg("dose", doc="The dose given: 400, or 400 mg.")
@xw.arg("dose_unit", doc="The dose's unit when the dose cell is a number: mg, mcg, g, "
                         "units, mL, mEq.")
def drug_units(code_or_name, dose, dose_unit=None):
    """Billing units of a drug dose: the dose over the HCPCS descriptor's unit, rounded up
    (infliximab 400 mg on J1745 10 mg = 40)."""
    amount = number_value(dose, "dose") if not isinstance(dose, str) else text_value(dose,
                                                                                    "dose")
    try:
        return units_for(text_value(code_or_name, "code_or_name"), amount,
                         text_value(dose_unit, "dose_unit") or None)[3]
    except ValueError as exc:
        raise CellInputError(str(exc)) from None


@xw.func
@xw.arg("table", doc="The charge table with its header row, as exported (encounter, code, "
                     "units, times, route, drug, diagnosis ...).")
def scrub_table(table):
    """Scrubs a charge table: one row per table row with the Scrub Status and Scrub Findings
    that the marked copy shows (spills beside the table)."""
    rows = grid(table)
    try:
        result = scrub_grid(rows, prepare(Config()), sheet="table")
    except InputError as exc:
        if "lacks columns for code" in exc.problem:
            raise CellInputError("the table has no CPT/HCPCS code column (a charge table "
                                 "needs one; for an administration log use "
                                 "INFUSION_CODES)") from None
        raise CellInputError(exc.problem.split(";")[0]) from None
    except ConfigError as exc:
        raise CellInputError(str(exc)) from None
    file = result.files[0]
    plan = plan_marks(file)
    marks = {mark.row: mark for mark in plan.rows}
    out: list[list[object]] = []
    for row in range(1, len(rows) + 1):
        if row == file.header_row:
            out.append([STATUS_HEADER, FINDINGS_HEADER])
        elif row in marks:
            out.append([marks[row].status, marks[row].findings])
        else:
            out.append(["", ""])
    return out
