"""What the coding rules share: reading an infusion line as the push it really was, and the
group-by helpers that keep a check fast on a large export.

Speed notes: a group-by, ``map`` or regex over a 100k-line Arrow text column costs 5-20 ms
each time (the column is hashed or scanned again), and a check makes many. So a check
factorises the encounter column once (:func:`encounter_ids`) and works per encounter with
integer arrays, and evaluates anything that depends only on a cell's text once per distinct
text (:func:`by_value`): an export has ~30 distinct codes and a few hundred modifier or site
texts. Message texts are made for the flagged lines only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from scrubber.codes import AS_INITIAL, AS_PUSH, CATALOGUE, INFUSION, IV_INITIAL_OF
from scrubber.distinct import per_value
from scrubber.rules.base import any_in_encounter as any_in_encounter
from scrubber.rules.base import count_in_encounter as count_in_encounter
from scrubber.rules.base import encounter_any as encounter_any
from scrubber.rules.base import encounter_ids as encounter_ids

#: the hydration initial (96360) and its each-additional-hour add-on (96361), which without
#: 96360 is secondary hydration.
HYDRATION_INITIAL = IV_INITIAL_OF[("infusion", "hydration")]
HYDRATION_HOURS = CATALOGUE[HYDRATION_INITIAL].hourly_addon

#: IV drug infusion code -> the initial push of its family (96365, 96367, 96368 -> 96374;
#: 96413, 96417 -> 96409).
PUSH_INITIAL = {code: AS_PUSH[AS_INITIAL.get(code, code)] for code in AS_PUSH}


def documented_push(lines: pd.DataFrame, push_max_minutes: float) -> pd.Series:
    """Infusion-code lines whose route says push or whose documented time is a push's."""
    pushed = lines["route_kind"].eq("push").fillna(False).astype(bool)
    short = (lines["duration"] <= push_max_minutes).fillna(False).astype(bool)
    return lines["code"].isin(INFUSION) & (pushed | short)


def effective_code(lines: pd.DataFrame, push_max_minutes: float) -> pd.Series:
    """The billed code, with documented pushes read as the push code of the same family and
    role (96365 -> 96374, 96413 -> 96409, 96367 -> 96375, 96417 -> 96411)."""
    push = documented_push(lines, push_max_minutes)
    code = lines["code"]
    return code.mask(push, by_value(code, lambda c: c.map(AS_PUSH)))


def by_value(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func(values)`` evaluated once per distinct value and spread back to every line
    (:func:`scrubber.distinct.per_value`); ``func`` must treat each value on its own."""
    return per_value(func)(values)


class Codes:
    """The lines' codes as integers, for a check that asks many times which lines carry one
    of some codes (each ``isin`` over the Arrow text hashes every line again)."""

    def __init__(self, code: pd.Series) -> None:
        self.ids, self.names = pd.factorize(code)  # a missing code is -1: it carries nothing

    def carry(self, *codes: str) -> np.ndarray:
        """Per line: whether its code is one of ``codes``."""
        wanted = np.zeros(len(self.names) + 1, dtype=bool)
        wanted[:-1] = self.names.isin(codes)
        return wanted[self.ids]

    def lookup(self, table: Mapping[str, float]) -> np.ndarray:
        """Per line: ``table``'s number for its code (NaN when the table has none)."""
        values = np.full(len(self.names) + 1, np.nan)
        values[:-1] = pd.Series(self.names).map(table).astype("float64").to_numpy()
        return values[self.ids]


def distinct_in_group(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per line: how many different values (>= 0) its group (>= 0) holds; 0 for a line
    without a group."""
    known = (groups >= 0) & (values >= 0)
    span = values.max(initial=0) + 1
    pairs = pd.unique(groups[known].astype("int64") * span + values[known])
    per_group = np.bincount(pairs // span, minlength=groups.max(initial=0) + 1)
    return np.where(groups >= 0, per_group[np.maximum(groups, 0)], 0)
