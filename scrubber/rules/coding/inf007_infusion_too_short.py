"""INF007 infusion-too-short."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import HYDRATION, MINIMUM_MINUTES, SUBSEQUENT
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits, minutes_text
from scrubber.rules.coding.common import (
    HYDRATION_INITIAL,
    PUSH_INITIAL,
    Codes,
    any_in_encounter,
    documented_push,
    encounter_ids,
)

#: timed drug infusion codes whose minimum a payer may raise.
_INFUSIONS = frozenset(MINIMUM_MINUTES) - HYDRATION
#: IV drug infusion code -> "96374, or 96375 after another initial" (its family's pushes).
_AS_PUSH_TEXT = {code: f"{push}, or {SUBSEQUENT[push]} after another initial"
                 for code, push in PUSH_INITIAL.items()}


class InfusionTooShort(Rule):
    """Hydration under 31 minutes, or an infusion under the payer's minimum for its code.

    Why it matters: hydration of 30 minutes or less is not reported (CPT 96360; CMS Claims
    Processing Manual ch. 12 section 30.5; CMS Recovery Audit topic 0137). Infusion codes
    start at 16 minutes under CMS and CPT, and anything shorter is a push, which
    push-billed-as-infusion reports; some payers require more (31 minutes for 96365), set
    per code with ``min_minutes`` in a payer profile. A 96360 line, or a timed 96361 with
    no 96360 (secondary hydration), shorter than the 96360/96361 minimum is flagged, as is an
    infusion line longer than a push but shorter than its code's minimum.

    Failing example:

        | Encounter ID | CPT   | Units | Start Time | Stop Time |
        | E1           | 96360 | 1     | 10:00      | 10:25     |

    Passing example:

        | Encounter ID | CPT   | Units | Start Time | Stop Time |
        | E1           | 96360 | 1     | 10:00      | 10:31     |
    """

    id = "INF007"
    name = "infusion-too-short"
    severity = Severity.ERROR
    requires = ("code", "start", "stop", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        options = ctx.config.options()
        code, codes, minutes = lines["code"], Codes(lines["code"]), lines["duration"]
        minimum = pd.Series(codes.lookup({c: options.minimum(c) for c in MINIMUM_MINUTES}),
                            index=lines.index)
        is_initial = codes.carry(HYDRATION_INITIAL)
        no_initial = ~any_in_encounter(is_initial, encounter_ids(lines))
        hydration = pd.Series(is_initial | (codes.carry(*HYDRATION) & no_initial),
                              index=lines.index)
        pushed = documented_push(lines, ctx.config.push_max_minutes) | \
            (minutes <= ctx.config.push_max_minutes)
        infusion = codes.carry(*_INFUSIONS) & ~pushed
        short = (hydration | infusion) & (minutes < minimum)
        flagged = lines.index[short]  # the texts are made for the flagged lines only
        if flagged.empty:
            return combine()
        code, minutes, minimum = code.loc[flagged], minutes.loc[flagged], minimum.loc[flagged]
        hydration = hydration.loc[flagged]
        what = pd.Series(np.where(hydration, "hydration", "the infusion"), index=flagged)
        message = (code + " needs at least " + minimum.astype("Int64").astype("string")
                   + " min but " + what + " ran " + minutes_text(minutes))
        pushes = code.map(_AS_PUSH_TEXT)
        fix = pd.Series(np.select(
            [hydration, pushes.notna()],
            ["Do not report hydration of 30 minutes or less (or document the real stop time)",
             "Bill it as a push (" + pushes.fillna("") + ") or document the real stop time"],
            "Bill the injection or push of its route instead, or document the real stop time"),
            index=flagged)
        return hits(short.loc[flagged], "stop", message, fix)
