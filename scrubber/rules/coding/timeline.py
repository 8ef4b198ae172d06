"""Encounter time arithmetic for the rules, vectorised: interval unions and overlaps.

Times are put on a continuous clock (day * 1440 + minute) so a midnight crossing or a
multi-day encounter adds up as CMS counts it: time is continuous.
"""

from __future__ import annotations

import pandas as pd

from scrubber.codes import CATALOGUE, HYDRATION
from scrubber.coding.frame import PURPOSE_PATTERNS, day_number
from scrubber.coding.timing import subtract
from scrubber.config import Config
from scrubber.rules.coding.common import HYDRATION_HOURS, documented_push

#: drug infusion codes whose documented minutes hydration cannot share: IV and intra-arterial
#: drug infusions. A prolonged pump (96416, 96425) is left out: its times are the pump's
#: days at home, not the chair time hydration could run beside.
DRUG_INFUSION = frozenset(
    c.code for c in CATALOGUE.values()
    if c.family != "hydration" and c.delivery == "infusion" and c.kind != "prolonged pump"
    and c.method in ("iv infusion", "intra-arterial"))
_NOT_BILLABLE = "|".join(pattern for _, pattern in PURPOSE_PATTERNS)


def clock(lines: pd.DataFrame) -> pd.DataFrame:
    """``start`` and ``stop`` of each line on the continuous clock (NaN when unknown)."""
    start = day_number(lines) * 1440 + lines["start"]
    return pd.DataFrame({"encounter": lines["encounter"], "start": start,
                         "stop": start + lines["duration"]}, index=lines.index)


def blocks(spans: pd.DataFrame) -> pd.DataFrame:
    """The union of each encounter's intervals: one row per disjoint block."""
    spans = spans.dropna(subset=["start", "stop"]).sort_values(["encounter", "start"])
    if spans.empty:
        return pd.DataFrame({"encounter": pd.Series(dtype="string"),
                             "start": pd.Series(dtype=float), "stop": pd.Series(dtype=float)})
    reach = spans.groupby("encounter")["stop"].cummax()
    before = reach.groupby(spans["encounter"]).shift()
    new = before.isna() | (spans["start"] > before)
    block = new.cumsum()
    return spans.groupby(block).agg(encounter=("encounter", "first"), start=("start", "min"),
                                    stop=("stop", "max")).reset_index(drop=True)


def overlap(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    """Minutes each interval of ``a`` shares with the (disjoint) blocks ``b`` of its
    encounter, indexed like ``a``."""
    pairs = a.reset_index(names="_a").merge(b, on="encounter", suffixes=("", "_b"))
    shared = (pairs[["stop", "stop_b"]].min(axis=1) - pairs[["start", "start_b"]].max(axis=1))
    shared = shared.clip(lower=0).groupby(pairs["_a"]).sum()
    return shared.reindex(a.index, fill_value=0.0)


def hydration_rows(lines: pd.DataFrame) -> pd.Series:
    return lines["code"].isin(HYDRATION)


def not_billable_fluid(lines: pd.DataFrame) -> pd.Series:
    """Hydration documented as KVO, a flush or a carrier (purpose or drug text)."""
    text = lines["purpose"].fillna("") + " " + lines["drug"].fillna("")
    return text.str.lower().str.contains(_NOT_BILLABLE, regex=True).fillna(False).astype(bool)


def hydration_minutes(lines: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per encounter with hydration lines: ``covered`` (minutes of hydration documented),
    ``overlap`` (of those, minutes a drug infusion ran too), ``billable`` (the rest, or its
    longest piece when split hydration is not added up) and ``known`` (every hydration line
    that is not a time-less 96361 has times)."""
    spans = clock(lines)
    hyd = hydration_rows(lines) & ~not_billable_fluid(lines)
    timed = spans["stop"].notna()
    unknown = hyd & ~timed & ~(lines["code"].isin([HYDRATION_HOURS]) & lines["start_blank"]
                               & lines["stop_blank"])
    drug = lines["code"].isin(DRUG_INFUSION) & ~documented_push(lines, config.push_max_minutes)
    hyd_blocks = blocks(spans[hyd & timed])
    drug_blocks = blocks(spans[drug & timed])
    hyd_blocks["shared"] = overlap(hyd_blocks, drug_blocks)
    per = hyd_blocks.assign(length=hyd_blocks["stop"] - hyd_blocks["start"]).groupby(
        "encounter").agg(covered=("length", "sum"), overlap=("shared", "sum"))
    per["billable"] = per["covered"] - per["overlap"]
    if not config.hydration_split_added:
        per["billable"] = _longest_pieces(hyd_blocks, drug_blocks).reindex(per.index)
    encounters = lines.loc[hyd, "encounter"].unique()
    per = per.reindex(encounters).fillna({"covered": 0.0, "overlap": 0.0, "billable": 0.0})
    per["known"] = (~unknown.groupby(lines["encounter"]).any().reindex(per.index)
                    .fillna(False).astype(bool)) & (per["covered"] > 0)
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
