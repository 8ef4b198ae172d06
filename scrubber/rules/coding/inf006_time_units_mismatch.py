"""INF006 time-units-mismatch."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import CATALOGUE, HOURLY_EXTENDS, HYDRATION, INITIAL, only
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits
from scrubber.rules.coding.common import (
    HYDRATION_HOURS,
    HYDRATION_INITIAL,
    Codes,
    any_in_encounter,
    documented_push,
    encounter_any,
    encounter_ids,
)
from scrubber.rules.coding.timeline import hydration_minutes, own_minutes

#: drug each-additional-hour add-on -> the timed lines whose minutes it extends (hydration's
#: hours are counted apart: its minutes beside a drug infusion do not count).
_FAMILIES = {addon: lines for addon, lines in HOURLY_EXTENDS.items() if addon not in HYDRATION}
#: a concurrent infusion's hours alone count too (96368 covers up to 90 minutes of its own,
#: as the coding engine bills it; past that the engine bills it as sequential).
_CONCURRENT = only(kind="concurrent")
_FAMILIES[CATALOGUE[CATALOGUE[_CONCURRENT].as_initial].hourly_addon] += (_CONCURRENT,)
#: initial infusions billed once, whatever their length.
_ONCE = frozenset(c for c in INITIAL if CATALOGUE[c].delivery == "infusion")


def _hours(minutes: pd.Series) -> pd.Series:
    """Units past the first hour: more than 30 minutes past each hour (90 -> 0, 91 -> 1)."""
    return ((minutes - 31) // 60).clip(lower=0)


class TimeUnitsMismatch(Rule):
    """Billed units of an hourly add-on, or of an initial infusion, disagree with the time.

    Why it matters: each additional hour (96361, 96366, 96370, 96415, 96423) is billed only
    for more than 30 minutes past the last full hour, so the first code covers up to 90
    minutes: extra units = (minutes - 31) // 60 (90 -> 0, 91 -> 1, 151 -> 2, 211 -> 3).
    Secondary hydration (96361 without 96360) bills (minutes - 31) // 60 + 1 from 31 minutes.
    Hydration minutes that ran with a drug infusion do not count (CMS Claims Processing
    Manual ch. 12 section 30.5; NCCI Policy Manual ch. XI; CMS Recovery Audit topic 0137).
    The rule adds up, per encounter, the units the documented times support for each add-on
    and compares them with the units billed; extra or missing units are flagged on the
    add-on lines, or on the timed lines when the add-on is missing. An encounter whose times
    for that add-on are incomplete is left to missing-time. Initial infusions (96360,
    96365, 96369, 96413, 96422) are billed x1; more goes on the add-on.

    Infusions that overlap through one access (the Site column; a line without one shares
    the encounter's first site) are counted as the coding engine bills them, so no minute
    counts twice and none is dropped: the initial line keeps all its minutes, every other
    line (96367, 96368, 96417, in order of start) only the minutes no line before it ran
    beside it. Drug A 06:00-07:30 beside drug B 07:00-16:00 is B 96365 + 96366 x8 and A 96368
    (Medlearn, "Pharmacy question for the week of January 31, 2022", bills the same hours);
    a concurrent 96368 line that ran alone for more than 90 minutes supports 96366 hours for
    that time.

    Failing example:

        | Encounter ID | CPT   | Units | Start Time | Stop Time |
        | E1           | 96365 | 1     | 10:00      | 11:45     |
        | E1           | 96366 | 2     |            |           |

    Passing example:

        | Encounter ID | CPT   | Units | Start Time | Stop Time |
        | E1           | 96365 | 1     | 10:00      | 11:45     |
        | E1           | 96366 | 1     |            |           |
    """

    id = "INF006"
    name = "time-units-mismatch"
    severity = Severity.ERROR
    requires = ("code", "start", "stop", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        ids, codes = encounter_ids(lines), Codes(lines["code"])
        code, units = lines["code"], lines["units"]
        pushed = documented_push(lines, ctx.config.push_max_minutes).to_numpy()
        own = own_minutes(lines, ids, ctx.config.push_max_minutes, ctx.config.initial_per_day)
        minutes = own.fillna(lines["duration"])
        parts = []
        for addon, primaries in _FAMILIES.items():
            is_addon, primary = codes.carry(addon), codes.carry(*primaries) & ~pushed
            if is_addon.any() or primary.any():
                parts.append(_compare(lines, ids, addon, is_addon,
                                      *_drug_minutes(minutes, ids, primary),
                                      "the documented minutes of " + "/".join(primaries)))
        per = hydration_minutes(lines, ctx.config, ids)
        if not per.empty:
            parts.append(_compare(lines, ids, HYDRATION_HOURS, codes.carry(HYDRATION_HOURS),
                                  *_hydration(lines, ctx, ids, codes, per),
                                  "the documented hydration minutes (minutes alongside a "
                                  "drug infusion do not count)"))
        many = lines.index[codes.carry(*_ONCE) & (units > 1)]
        if not many.empty:  # the texts are made for the flagged lines only
            code, units = code.loc[many], units.loc[many]
            parts.append(hits(pd.Series(True, index=many), "units",
                              code + " is an initial infusion billed with "
                              + units.astype("string").str.removesuffix(".0")
                              + " units; it is billed once and the time past its first hour "
                                "goes on the each-additional-hour code",
                              "Bill " + code + " x1"))
        return combine(*parts)


def _drug_minutes(minutes: pd.Series, ids: np.ndarray,
                  primary: np.ndarray) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Per encounter, the units the ``minutes`` of its ``primary`` lines support and whether
    a time is missing; per line, whether it supports units."""
    each = _hours(minutes[primary])
    unknown = encounter_any(primary & minutes.isna().to_numpy(), ids)
    # whole units: any order of adding them up gives the same total
    expected = pd.Series(np.bincount(ids[primary], weights=each.fillna(0).to_numpy(),
                                     minlength=len(unknown)))
    carriers = np.zeros(len(minutes), dtype=bool)
    carriers[np.flatnonzero(primary)[each.to_numpy() > 0]] = True
    return expected, unknown, carriers


def _hydration(lines: pd.DataFrame, ctx: Context, ids: np.ndarray, codes: Codes,
               per: pd.DataFrame) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Per encounter with hydration, the units of 96361 its billable minutes support and
    whether they cannot be judged here; per line, whether it is timed hydration."""
    initial = encounter_any(codes.carry(HYDRATION_INITIAL), ids)[per.index]
    billable = per["billable"]
    expected = pd.Series(np.where(initial, _hours(billable),
                                  np.where(billable < 31, 0, (billable - 31) // 60 + 1)),
                         index=per.index)
    timed = codes.carry(*HYDRATION) & lines["duration"].notna().to_numpy()
    # hydration left under the minimum by a drug infusion is hydration-not-separately-
    # billable's finding, not a units one
    lost = (per["overlap"] > 0) & (billable < ctx.config.options().minimum(HYDRATION_INITIAL))
    return expected, ~per["known"] | lost, timed


def _compare(lines: pd.DataFrame, ids: np.ndarray, addon: str, is_addon: np.ndarray,
             expected: pd.Series, unknown: pd.Series | np.ndarray, carriers: np.ndarray,
             source: str) -> pd.DataFrame:
    """Hits where the billed units of ``addon`` differ from ``expected``; ``expected`` and
    ``unknown`` are per encounter (``expected`` indexed by its integer in ``ids``)."""
    if is_addon.any():
        # every line is added, zeros too (with fractional units, leaving them out could
        # round the compensated sum differently)
        billed = lines["units"].where(is_addon, 0).groupby(ids).sum()
    else:
        billed = pd.Series(0.0, index=expected.index)
    expected = expected.fillna(0)
    got = billed.reindex(expected.index).fillna(0).to_numpy()
    wrong = expected.index[(expected.to_numpy() != got) & ~np.asarray(unknown, dtype=bool)]
    if wrong.empty:
        return combine()
    in_wrong = np.isin(ids, wrong)
    has_addon = any_in_encounter(is_addon, ids)
    mask = in_wrong & (is_addon | (~has_addon & carriers))
    flagged = lines.index[mask]  # the texts are made for the flagged lines only
    if flagged.empty:
        return combine()
    enc, is_addon = pd.Series(ids[mask], index=flagged), is_addon[mask]
    supported = enc.map(expected).astype("float64").fillna(0)
    exp = supported.astype(int).astype("string")
    got = enc.map(billed).astype("float64").fillna(0).astype(int).astype("string")
    message = (addon + " is billed x" + got + " in this encounter but " + source
               + " support x" + exp)
    suggestion = pd.Series(np.where(supported > 0,
                                    "Bill " + addon + " x" + exp, "Remove " + addon),
                           index=flagged)
    field = pd.Series(np.where(is_addon, "units", "stop"), index=flagged)
    return hits(pd.Series(True, index=flagged), field, message, suggestion)
