"""INF009 hierarchy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import (
    AS_PUSH,
    CATALOGUE,
    IV_HIERARCHY,
    IV_INITIAL,
    RANK,
    SUBSEQUENT,
)
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits
from scrubber.rules.coding.common import (
    HYDRATION_INITIAL,
    Codes,
    any_in_encounter,
    documented_push,
    encounter_ids,
)
from scrubber.rules.coding.timeline import clock, days

#: facility hierarchy rank of the service each code of the IV access bills (CMS ch. 12
#: s. 30.5): chemotherapy infusion 6 > chemotherapy push 5 > therapeutic infusion 4 >
#: therapeutic push 3 > hydration 1.
_RANK = {code: rank for code, rank in RANK.items() if code in IV_HIERARCHY}
#: infusion code -> the rank of the push it is when documented as one.
_PUSHED_RANK = {code: RANK[push] for code, push in AS_PUSH.items() if push in RANK}
#: rank -> the initial code that bills that service, and the service's name.
_INITIAL_OF = {RANK[code]: code for code in IV_INITIAL}
_SERVICE = {RANK[code]: "hydration" if CATALOGUE[code].family == "hydration"
            else f"{CATALOGUE[code].family} {CATALOGUE[code].delivery}" for code in IV_INITIAL}


class Hierarchy(Rule):
    """In the facility setting, the initial code is not the highest service given.

    Why it matters: a hospital outpatient department reports as initial the highest service
    of the encounter, not the first one: chemotherapy > therapeutic/prophylactic/diagnostic >
    hydration, and within each infusion > push; a drug given before the chemotherapy is
    still sequential, and with any drug service hydration is 96361, never 96360 (CMS Claims
    Processing Manual ch. 12 section 30.5; CMS Recovery Audit topic 0071). An initial line
    without a distinct-service modifier whose billed service ranks below another
    administration line of the encounter (read as documented: an infusion code given as a
    push ranks as a push) is flagged when that higher service is billed as a subsequent
    code, when the lower one was chosen by order (it started first), or when it is 96360.
    Two initials where the higher one came first are only duplicate-initial. Which came
    first is read on the continuous clock, date and time, so a multi-day encounter orders
    as one long day (time is continuous; CMS Transmittal 2130); with ``initial_per_day``
    (CPT's reading) each calendar day is ranked on its own. Only in the facility setting: a
    physician office reports the primary reason for the encounter.

    Failing example:

        | Encounter ID | CPT   | Units | Start Time | Stop Time |
        | E1           | 96365 | 1     | 09:00      | 09:45     |
        | E1           | 96417 | 1     | 10:00      | 11:00     |

    Passing example:

        | Encounter ID | CPT   | Units | Start Time | Stop Time |
        | E1           | 96367 | 1     | 09:00      | 09:45     |
        | E1           | 96413 | 1     | 10:00      | 11:00     |
    """

    id = "INF009"
    name = "hierarchy"
    severity = Severity.ERROR
    requires = ("code", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        if ctx.config.setting != "facility":
            return hits(pd.Series(False, index=lines.index), "code", "")
        code, codes = lines["code"], Codes(lines["code"])
        pushed = documented_push(lines, ctx.config.push_max_minutes)
        # an infusion code documented as a push ranks as the push it was
        billed_rank = pd.Series(codes.lookup(_RANK), index=lines.index)
        rank = billed_rank.where(~pushed, codes.lookup(_PUSHED_RANK))
        encounter = encounter_ids(lines)
        # the lines that share one initial: the encounter's (CMS), or each of its days' (CPT)
        ids = _per_day(lines, encounter) if ctx.config.initial_per_day else encounter
        top = rank.groupby(ids).transform("max")
        initial = codes.carry(*IV_INITIAL) & ~lines["distinct_modifier"]
        below = initial & (billed_rank < top).fillna(False)
        if not below.any():
            return combine()
        # the first line of the encounter with the top rank, for the lines below it only
        at_top = np.flatnonzero(rank.eq(top).fillna(False).to_numpy())
        first_at_top = pd.Series(lines.index[at_top], index=at_top).groupby(ids[at_top]).first()
        candidates = lines.index[below]
        top, code = top.loc[candidates], code.loc[candidates]
        top_row = pd.Series(first_at_top.reindex(ids[below.to_numpy()]).to_numpy(),
                            index=candidates, dtype="float64")
        top_code = _at(top_row, lines["code"])
        top_is_initial = top_code.isin(IV_INITIAL) & ~_at(
            top_row, lines["distinct_modifier"]).fillna(False).astype(bool)
        # which started first, on the continuous clock (a multi-day stay is one long day)
        near = np.flatnonzero(any_in_encounter(below, encounter))
        start = clock(lines.iloc[near], encounter[near])["start"]
        first = (start.loc[candidates] < _at(top_row, start).astype("float64")).fillna(False)
        low = ~top_is_initial | first | code.isin([HYDRATION_INITIAL])
        flagged = candidates[low.to_numpy()]  # the texts are made for the flagged lines only
        if flagged.empty:
            return combine()
        top, code, top_row, top_code = (s.loc[flagged] for s in (top, code, top_row, top_code))
        service = top.map(_SERVICE)
        message = (code + " is billed as the initial service, but the " + service + " ("
                   + top_code.fillna("") + " on row "
                   + top_row.astype("Int64").astype("string") + ") ranks higher in the "
                   "facility hierarchy (chemotherapy > therapeutic > hydration; infusion > "
                   "push)")
        subsequent = code.map(SUBSEQUENT).fillna(code)
        suggestion = ("Bill the " + service + " as the initial service ("
                      + top.map(_INITIAL_OF) + ") and this line as " + subsequent)
        return hits(pd.Series(True, index=flagged), "code", message, suggestion)


def _per_day(lines: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Each line's (encounter, day it started) as an integer."""
    day = pd.factorize(days(lines, ids))[0].astype("int64")
    return pd.factorize(ids.astype("int64") * (day.max(initial=0) + 1) + day)[0]


def _at(rows: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` at the worksheet row each entry of ``rows`` names (missing where NaN)."""
    return values.reindex(rows.fillna(-1).astype("int64").to_numpy()).set_axis(rows.index)
