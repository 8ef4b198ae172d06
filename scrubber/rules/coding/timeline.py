"""Encounter time arithmetic for the rules, vectorised: interval unions and overlaps.

Times are put on a continuous clock (day * 1440 + minute) so a midnight crossing or a
multi-day encounter adds up as CMS counts it: time is continuous.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import CATALOGUE, HYDRATION, INITIAL, RANK
from scrubber.coding.frame import PURPOSE_PATTERNS, day_number
from scrubber.coding.timing import subtract
from scrubber.config import Config
from scrubber.rules.coding.common import (
    HYDRATION_HOURS,
    any_in_encounter,
    documented_push,
    encounter_any,
)

#: drug infusion codes whose documented minutes hydration cannot share: IV and intra-arterial
#: drug infusions. A prolonged pump (96416, 96425) is left out: its times are the pump's
#: days at home, not the chair time hydration could run beside.
DRUG_INFUSION = frozenset(
    c.code for c in CATALOGUE.values()
    if c.family != "hydration" and c.delivery == "infusion" and c.kind != "prolonged pump"
    and c.method in ("iv infusion", "intra-arterial"))
#: timed IV drug infusion lines through one access, each billing its own minutes: the
#: initials 96365 and 96413, sequential 96367 and 96417, concurrent 96368.
IV_TIMED = frozenset(c.code for c in CATALOGUE.values()
                     if c.method == "iv infusion" and c.family != "hydration"
                     and c.delivery == "infusion" and c.kind != "prolonged pump"
                     and not c.hourly)
_NOT_BILLABLE = "|".join(pattern for _, pattern in PURPOSE_PATTERNS)
#: the columns hydration_minutes reads.
_READ = ["code", "purpose", "drug", "route_kind", "start", "start_date", "service_date",
         "duration", "start_blank", "stop_blank"]


def days(lines: pd.DataFrame, ids: np.ndarray) -> pd.Series:
    """The day each line started, as the coding engine numbers it
    (:func:`scrubber.coding.frame.day_number`: its start date, else its date of service, else
    its encounter's first date); ``ids`` are the lines' :func:`encounter_ids` integers.

    Pass every line of the encounters asked about: an undated line takes its encounter's
    first date."""
    # the day number groups by encounter: integers group much faster than Arrow text
    return day_number(pd.DataFrame({"start_date": lines["start_date"],
                                    "service_date": lines["service_date"],
                                    "encounter": ids}, index=lines.index))


def clock(lines: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    """``start`` and ``stop`` of each line on the continuous clock (NaN when unknown), with
    the line's ``encounter`` as its :func:`encounter_ids` integer and the ``day`` it
    started (see :func:`days`)."""
    day = days(lines, ids)
    start = day * 1440 + lines["start"]
    return pd.DataFrame({"encounter": ids, "start": start,
                         "stop": start + lines["duration"], "day": day}, index=lines.index)


def blocks(spans: pd.DataFrame) -> pd.DataFrame:
    """The union of each encounter's intervals: one row per disjoint block, by encounter
    and start."""
    spans = spans.dropna(subset=["start", "stop"])
    order = np.lexsort((spans["start"].to_numpy(), spans["encounter"].to_numpy()))
    encounter = spans["encounter"].to_numpy()[order]
    start, stop = spans["start"].to_numpy()[order], spans["stop"].to_numpy()[order]
    if not len(order):
        return pd.DataFrame({"encounter": pd.Series(dtype="int64"),
                             "start": pd.Series(dtype=float), "stop": pd.Series(dtype=float)})
    # a block starts at an encounter's first interval and wherever an interval starts after
    # every earlier one of its encounter has stopped
    reach = pd.Series(stop).groupby(encounter).cummax().to_numpy()
    new = np.flatnonzero(np.r_[True, (encounter[1:] != encounter[:-1])
                               | (start[1:] > reach[:-1])])
    return pd.DataFrame({"encounter": encounter[new], "start": np.minimum.reduceat(start, new),
                         "stop": np.maximum.reduceat(stop, new)})


def overlap(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    """Minutes each interval of ``a`` shares with the (disjoint) blocks ``b`` of its
    encounter, indexed like ``a``."""
    pairs = a.reset_index(names="_a").merge(b, on="encounter", suffixes=("", "_b"))
    shared = (np.minimum(pairs["stop"], pairs["stop_b"])
              - np.maximum(pairs["start"], pairs["start_b"]))
    shared = shared.clip(lower=0).groupby(pairs["_a"]).sum()
    return shared.reindex(a.index, fill_value=0.0)


def hydration_rows(lines: pd.DataFrame) -> pd.Series:
    return lines["code"].isin(HYDRATION)


def not_billable_fluid(lines: pd.DataFrame, hydration: pd.Series) -> pd.Series:
    """Hydration lines documented as KVO, a flush or a carrier (purpose or drug text); only
    the ``hydration`` lines are read."""
    rows = lines.index[hydration]
    text = lines.loc[rows, "purpose"].fillna("") + " " + lines.loc[rows, "drug"].fillna("")
    found = text.str.lower().str.contains(_NOT_BILLABLE, regex=True).fillna(False).astype(bool)
    return pd.Series(lines.index.isin(rows[found.to_numpy()]), index=lines.index)


def hydration_minutes(lines: pd.DataFrame, config: Config, ids: np.ndarray) -> pd.DataFrame:
    """Per encounter with hydration lines (indexed by its :func:`encounter_ids` integer, in
    the order of the encounters' first hydration line): ``covered`` (minutes of hydration
    documented), ``overlap`` (of those, minutes a drug infusion ran too), ``billable`` (the
    rest, or its longest piece when split hydration is not added up) and ``known`` (every
    hydration line that is not a time-less 96361 has times)."""
    # only encounters with hydration are timed: their lines, all of them (an encounter's
    # first date dates its undated lines)
    kept = any_in_encounter(hydration_rows(lines), ids)
    lines, ids = lines.loc[kept, _READ], ids[kept]
    hyd_rows = hydration_rows(lines)
    hyd = hyd_rows & ~not_billable_fluid(lines, hyd_rows)
    drug = lines["code"].isin(DRUG_INFUSION) & ~documented_push(lines, config.push_max_minutes)
    spans = clock(lines, ids)
    timed = spans["stop"].notna()
    unknown = hyd & ~timed & ~(lines["code"].isin([HYDRATION_HOURS]) & lines["start_blank"]
                               & lines["stop_blank"])
    hyd_blocks = blocks(spans[hyd & timed])
    drug_blocks = blocks(spans[drug & timed])
    hyd_blocks["shared"] = overlap(hyd_blocks, drug_blocks)
    per = hyd_blocks.assign(length=hyd_blocks["stop"] - hyd_blocks["start"]).groupby(
        "encounter")[["length", "shared"]].sum().set_axis(["covered", "overlap"], axis=1)
    per["billable"] = per["covered"] - per["overlap"]
    if not config.hydration_split_added:
        per["billable"] = _longest_pieces(hyd_blocks, drug_blocks).reindex(per.index)
    encounters = pd.unique(ids[hyd.to_numpy()])
    per = per.reindex(encounters).fillna({"covered": 0.0, "overlap": 0.0, "billable": 0.0})
    per["known"] = ~encounter_any(unknown, ids)[encounters] & (per["covered"] > 0)
    return per


def _longest_pieces(hyd: pd.DataFrame, drug: pd.DataFrame) -> pd.Series:
    """Longest piece of hydration outside drug infusions, per encounter.

    Only for payers that refuse split hydration; loops over encounters with hydration.
    """
    out = {}
    for encounter, own in hyd.groupby("encounter"):
        cut = drug[drug["encounter"] == encounter]
        pieces = subtract(zip(own["start"], own["stop"], strict=True),
                          zip(cut["start"], cut["stop"], strict=True))
        out[encounter] = max((b - a for a, b in pieces), default=0.0)
    return pd.Series(out, dtype=float)


def own_minutes(lines: pd.DataFrame, ids: np.ndarray, push_max_minutes: float,
                per_day: bool = False) -> pd.Series:
    """Minutes each timed IV drug infusion line (:data:`IV_TIMED`, not a documented push)
    ran with no infusion billed before it beside it, through the same access, as the coding
    engine counts them: the initial line (96365, 96413) first, then the others by start (at
    one start the higher service in the hierarchy, then the longer, then the row). The access
    is the Site text (a line without one shares the encounter's first-started site); with
    ``per_day`` each day on its own. An infusion alone, or after the others stopped, keeps
    all its minutes. NaN where the line has no times; indexed like the lines."""
    timed = lines["code"].isin(IV_TIMED) & ~documented_push(lines, push_max_minutes)
    out = lines["duration"].where(timed)
    timed &= out.notna()
    counts = np.bincount(ids[timed.to_numpy()], minlength=ids.max(initial=0) + 1)
    several = timed.to_numpy() & (counts[np.maximum(ids, 0)] > 1) & (ids >= 0)
    if not several.any():  # the usual encounter: one infusion, all its minutes its own
        return out
    rows = lines.index[several]
    span = clock(lines, ids).loc[rows]
    site = lines.loc[rows, "site"].astype("string").str.strip().str.lower() \
        if "site" in lines else pd.Series(pd.NA, index=rows, dtype="string")
    first_site = site.dropna().groupby(span["encounter"][site.notna()]).first() \
        if site.notna().any() else pd.Series(dtype="string")
    site = site.fillna(span["encounter"].map(first_site).astype("string")).fillna("")
    group = pd.factorize(pd.MultiIndex.from_arrays(
        [span["encounter"], site, span["day"] if per_day else np.zeros(len(rows))]))[0]
    code = lines.loc[rows, "code"]
    late = ~code.isin(INITIAL).to_numpy()  # not an initial: counted after one
    duration = lines.loc[rows, "duration"].to_numpy()
    # the engine's order: the initial, then by start; at one start the higher service, then
    # the longer, then the row
    place = np.empty(len(rows), dtype=np.int64)
    place[np.lexsort((np.asarray(rows), -duration, -code.map(RANK).fillna(0).to_numpy(),
                      span["start"].to_numpy(), late))] = np.arange(len(rows))
    spans = pd.DataFrame({"group": group, "place": place, "start": span["start"].to_numpy(),
                          "stop": span["stop"].to_numpy()})
    pairs = spans.reset_index(names="line").merge(spans, on="group", suffixes=("", "_b"))
    before = pairs["place_b"] < pairs["place"]
    cut = pd.DataFrame({"encounter": pairs["line"],
                        "start": np.maximum(pairs["start"], pairs["start_b"]),
                        "stop": np.minimum(pairs["stop"], pairs["stop_b"])})[before]
    cut = blocks(cut[cut["stop"] > cut["start"]])
    shared = (cut["stop"] - cut["start"]).groupby(cut["encounter"]).sum()
    shared = shared.reindex(range(len(rows)), fill_value=0.0).to_numpy()
    out.loc[rows] = lines.loc[rows, "duration"].to_numpy() - shared
    return out
