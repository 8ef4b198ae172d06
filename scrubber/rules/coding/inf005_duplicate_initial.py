"""INF005 duplicate-initial."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import INITIAL_RANK, IV_INITIAL, SUBSEQUENT
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits
from scrubber.rules.coding.common import (
    by_value,
    count_in_encounter,
    effective_code,
    encounter_ids,
)
from scrubber.rules.coding.timeline import clock


class DuplicateInitial(Rule):
    """More than one initial service in an encounter.

    Why it matters: only one initial drug-administration code of the IV access (96360, 96365,
    96374, 96409, 96413) is reported per encounter; every other service through the same
    access is sequential, concurrent or subsequent (CMS Claims Processing Manual ch. 12
    section 30.5; NCCI Policy Manual ch. XI; CMS Recovery Audit topic 0071). A second initial
    is allowed only for a separate access site or encounter, and then carries 59, XE, XS, XP
    or XU. The initial the facility hierarchy keeps (chemotherapy > therapeutic > hydration,
    infusion > push; an infusion code documented as a push ranks as the push it was; ties go
    to the earliest start, then the first row) stays; every other initial is flagged with its
    subsequent code (96365 -> 96367, 96374 -> 96375, 96360 -> 96361, 96413 -> 96417, 96409 ->
    96411). The subcutaneous and intra-arterial initials (96369, 96422) belong to their own
    access, outside the IV hierarchy, and are not counted (a second 96369 is mue-exceeded's
    once-per-encounter finding). An initial code billed with more than one unit is reported
    by time-units-mismatch and mue-exceeded. Starts are compared on the continuous clock,
    date and time (a line's start date, else its date of service): an observation stay that
    crosses midnight keeps one initial for the whole encounter (CMS Transmittal 2130), and
    its day-1 20:10 infusion started before its day-2 09:00 one. With ``initial_per_day``
    (CPT's reading) each calendar day of the encounter has its own initial.

    Failing example:

        | Encounter ID | CPT   | Modifier | Units | Start Time | Stop Time |
        | E1           | 96413 |          | 1     | 10:00      | 11:00     |
        | E1           | 96365 |          | 1     | 11:05      | 11:50     |

    Passing example:

        | Encounter ID | CPT   | Modifier | Units | Start Time | Stop Time |
        | E1           | 96413 |          | 1     | 10:00      | 11:00     |
        | E1           | 96365 | XS       | 1     | 10:05      | 10:50     |
    """

    id = "INF005"
    name = "duplicate-initial"
    severity = Severity.ERROR
    requires = ("code", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        code, ids = lines["code"], encounter_ids(lines)
        initial = (code.isin(IV_INITIAL) & ~lines["distinct_modifier"]).to_numpy()
        # only encounters with two initials need an order; only their lines are put on the
        # continuous clock (an undated line takes its encounter's first date)
        near = np.flatnonzero(count_in_encounter(initial, ids) > 1)
        if not len(near):
            return combine()
        timed = clock(lines.iloc[near], ids[near])
        group = ids[near]
        if ctx.config.initial_per_day:  # CPT: the initial service restarts each day
            day = pd.factorize(timed["day"])[0].astype("int64")
            group = pd.factorize(group.astype("int64") * (day.max() + 1) + day)[0]
        rows = lines.index[near][initial[near]]
        effective = effective_code(lines.loc[rows, ["code", "route_kind", "duration"]],
                                   ctx.config.push_max_minutes)
        rank = by_value(effective, lambda c: c.map(INITIAL_RANK)).astype("float64")
        ranked = pd.DataFrame({"encounter": group[initial[near]], "rank": rank,
                               "start": timed.loc[rows, "start"], "line": rows}, index=rows)
        ranked = ranked.sort_values(["encounter", "rank", "start", "line"],
                                    ascending=[True, False, True, True], na_position="last")
        is_extra = pd.Series(lines.index.isin(ranked.index[ranked["encounter"].duplicated()]),
                             index=lines.index)
        extra = lines.index[is_extra]  # the texts are made for these lines only
        if extra.empty:
            return combine()
        kept = ranked.drop_duplicates("encounter").set_index("encounter")["line"]
        kept_row = ranked.loc[extra, "encounter"].map(kept)
        kept_code = kept_row.map(code)

        subsequent = effective.loc[extra].map(SUBSEQUENT)
        fix = pd.Series(np.where(
            subsequent.notna(),
            "Bill " + subsequent.fillna("") + " (subsequent service) instead, or add XS/XE "
            "if a separate access site or encounter is documented",
            "Remove it, or add XS/XE if a separate access site or encounter is documented"),
            index=extra)
        where = " on this day" if ctx.config.initial_per_day else ""
        second = hits(is_extra, "code",
                      code.loc[extra] + " is a second initial service in the encounter"
                      + where + "; "
                      + kept_code + " on row " + kept_row.astype("Int64").astype("string")
                      + " is the initial one", fix)

        return second
