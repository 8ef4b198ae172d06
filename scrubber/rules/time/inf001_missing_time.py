"""INF001 missing-time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import HOURLY_ADDON_PRIMARIES, PUSH, TIME_BASED
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, any_in_encounter, encounter_ids, hits


class MissingTime(Rule):
    """A time-based infusion line lacks its start or stop time.

    Why it matters: infusion and hydration codes (96360, 96365, 96367, 96368, 96369, 96413,
    96416, 96417, 96422, 96425) are billed by the documented minutes; without a start and a
    stop the service cannot be verified and CMS contractors deny or down-code it (CMS Claims
    Processing Manual ch. 12 section 30.5; CMS Recovery Audit topic 0071). Hourly add-on lines
    (96361, 96366, 96370, 96415, 96423) may leave their own times blank: they take them from
    their primary line in the encounter (the primary of the same drug when there is one, else
    any primary CPT lets that add-on follow; secondary hydration 96361 leans on the initial
    it follows) and are flagged only when neither documents them. A push (96374, 96375,
    96376, 96409, 96411) without a start time is a warning: it is not billed by time, but the
    administration time belongs in the record. Cells that hold something unreadable are
    reported by time-format instead.

    Failing example:

        | Encounter ID | CPT   | Start Time | Stop Time |
        | E1           | 96365 | 10:00      |           |
        | E1           | 96366 |            |           |

    Passing example:

        | Encounter ID | CPT   | Start Time | Stop Time |
        | E1           | 96365 | 10:00      | 11:45     |
        | E1           | 96366 |            |           |
    """

    id = "INF001"
    name = "missing-time"
    severity = Severity.ERROR
    requires = ("code", "start", "stop", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        code, no_start, no_stop = lines["code"], lines["start_blank"], lines["stop_blank"]
        complete = ~no_start & ~no_stop
        timed = code.isin(TIME_BASED) & ~complete
        orphan = self._uncovered_addons(lines, complete)
        push = code.isin(PUSH) & no_start & ~timed
        mask = timed | orphan | push

        flagged = lines.index[mask]  # the texts are made for the flagged lines only
        code, no_start, no_stop = code.loc[flagged], no_start.loc[flagged], no_stop.loc[flagged]
        timed, orphan, push = timed.loc[flagged], orphan.loc[flagged], push.loc[flagged]
        both = no_start & no_stop
        missing = pd.Series(np.select([both, no_start], ["no start or stop time",
                                                         "no start time"], "no stop time"),
                            index=flagged)
        message = pd.Series(np.select(
            [timed, orphan],
            [code + " is billed by time but the line has " + missing,
             code + " add-on has no times and no primary line in the encounter documents "
                    "start and stop"],
            code + " push has no start time"), index=flagged)
        suggestion = pd.Series(np.select(
            [timed | orphan],
            ["Enter the documented start and stop times; without them the infusion time "
             "cannot be verified (bill it as a push only if it was documented as one)"],
            "Enter the administration (start) time of the push"), index=flagged)
        field = pd.Series(np.where(no_start, "start", "stop"), index=flagged)
        severity = pd.Series(np.where(push, Severity.WARNING, None), index=flagged)
        return hits(mask.loc[flagged], field, message, suggestion, severity)

    @staticmethod
    def _uncovered_addons(lines: pd.DataFrame, complete: pd.Series) -> pd.Series:
        """Add-on lines without their own times whose primary documents none either.

        The primary is the line of the same drug when one exists; otherwise any primary code
        of that add-on in the encounter.
        """
        uncovered = pd.Series(False, index=lines.index)
        bare = lines["code"].isin(list(HOURLY_ADDON_PRIMARIES)) & ~complete
        if not bare.any():
            return uncovered
        # only encounters with an add-on lacking its times can hold an uncovered one
        inside = any_in_encounter(bare, encounter_ids(lines))
        lines, complete = lines.loc[inside], complete.loc[inside]
        code, encounter, ids = lines["code"], lines["encounter"], encounter_ids(lines)
        pairs = pd.MultiIndex.from_arrays([encounter, lines["drug_key"]])
        named = lines["drug_key"].notna().to_numpy()
        found = np.zeros(len(lines), dtype=bool)
        for addon, primaries in HOURLY_ADDON_PRIMARIES.items():
            primary = code.isin(primaries).to_numpy()
            timed = primary & complete.to_numpy()
            same_drug = named & pairs.isin(pairs[primary & named])
            same_drug_timed = named & pairs.isin(pairs[timed & named])
            any_timed = any_in_encounter(timed, ids)
            covered = same_drug_timed | (~same_drug & any_timed)
            found |= code.isin([addon]).to_numpy() & ~complete.to_numpy() & ~covered
        uncovered.loc[lines.index[found]] = True
        return uncovered
