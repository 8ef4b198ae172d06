"""INF002 stop-before-start."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, clock_text, hits, minutes_text


class StopBeforeStart(Rule):
    """A stop time is earlier than its start, or the documented duration is over 24 hours.

    Why it matters: billed infusion units come from the minutes between start and stop (CMS
    Claims Processing Manual ch. 12 section 30.5). Time is continuous across midnight (CMS
    Transmittal 2130), so 23:00 to 01:30 is 150 minutes; but a "crossing" that would last
    longer than ``midnight_max_gap_minutes`` (12 hours by default) is almost always swapped
    times or an AM/PM slip, and a duration over ``max_duration_minutes`` (24 hours) cannot be
    one administration. When the stop carries a later date, the real difference is used.

    Failing example:

        | Encounter ID | CPT   | Start Time | Stop Time |
        | E1           | 96365 | 14:00      | 11:30     |

    Passing example:

        | Encounter ID | CPT   | Start Time | Stop Time |
        | E1           | 96365 | 23:00      | 00:30     |
    """

    id = "INF002"
    name = "stop-before-start"
    severity = Severity.ERROR
    requires = ("code", "start", "stop")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        limit = ctx.config.max_duration_minutes
        flagged = lines.index[lines["time_impossible"] | (lines["duration"] > limit)]
        rows = lines.loc[flagged]  # the texts are made for the flagged lines only
        start, stop = clock_text(rows["start"]), clock_text(rows["stop"])
        message = pd.Series(np.where(
            rows["time_impossible"],
            "Stop " + stop + " is before start " + start + " and is not a plausible midnight "
            "crossing",
            "Documented duration " + minutes_text(rows["duration"]).fillna("")
            + f" is longer than {limit / 60:g} hours"), index=flagged)
        suggestion = ("Check the start and stop times (swapped, AM/PM, or a missing stop date "
                      "for an infusion that ran past midnight)")
        return hits(pd.Series(True, index=flagged), "stop", message, suggestion)
