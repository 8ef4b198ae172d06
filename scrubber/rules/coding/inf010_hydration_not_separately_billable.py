"""INF010 hydration-not-separately-billable."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits
from scrubber.rules.coding.common import HYDRATION_INITIAL, encounter_ids
from scrubber.rules.coding.timeline import hydration_minutes, hydration_rows, not_billable_fluid


class HydrationNotSeparatelyBillable(Rule):
    """Hydration is billed although it ran with a drug infusion or was a carrier, KVO or flush.

    Why it matters: hydration codes are for fluid given to hydrate. Fluid that keeps a vein
    open (KVO/TKO), flushes a line, or carries or dilutes a drug is part of that service, and
    hydration running at the same time as a drug infusion is not reported: only its minutes
    outside the drug infusions count (CMS Claims Processing Manual ch. 12 section 30.5; NCCI
    Policy Manual ch. XI; CMS Recovery Audit topic 0137). A 96360/96361 line is flagged when
    its purpose or drug says KVO, TKO, flush, carrier or diluent, or when the encounter's
    hydration minutes outside drug infusions are under the hydration minimum (31) although
    the documented hydration was longer. When enough minutes are left, only the units
    change: time-units-mismatch reports that.

    Failing example:

        | Encounter ID | CPT   | Units | Start Time | Stop Time | Drug                |
        | E1           | 96365 | 1     | 10:00      | 11:00     | Vancomycin          |
        | E1           | 96361 | 1     | 10:00      | 11:00     | Normal saline 0.9%  |

    Passing example:

        | Encounter ID | CPT   | Units | Start Time | Stop Time | Drug                |
        | E1           | 96365 | 1     | 10:00      | 11:00     | Vancomycin          |
        | E1           | 96361 | 1     | 11:00      | 12:00     | Normal saline 0.9%  |
    """

    id = "INF010"
    name = "hydration-not-separately-billable"
    severity = Severity.ERROR
    requires = ("code", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        hyd = hydration_rows(lines)
        fluid = not_billable_fluid(lines, hyd)
        minimum = ctx.config.options().minimum(HYDRATION_INITIAL)
        billable = pd.Series(dtype="float64")  # per encounter: minutes outside drug infusions
        ids = np.zeros(len(lines), dtype="int64")
        concurrent = pd.Series(False, index=lines.index)
        if ctx.has("start", "stop"):
            ids = encounter_ids(lines)
            per = hydration_minutes(lines, ctx.config, ids)
            lost = per.index[per["known"] & (per["overlap"] > 0) & (per["billable"] < minimum)]
            concurrent = hyd & ~fluid & np.isin(ids, lost)
            billable = per["billable"]
        mask = (fluid | concurrent).to_numpy()
        flagged = lines.index[mask]  # the texts are made for these lines only
        if flagged.empty:
            return combine()
        code, fluid = lines.loc[flagged, "code"], fluid.loc[flagged]
        left = (pd.Series(ids[mask], index=flagged).map(billable).astype("float64").fillna(0)
                .round().astype(int))
        message = pd.Series(np.where(
            fluid, code + " is billed for fluid documented as a carrier, KVO or flush",
            code + " is billed for hydration that ran at the same time as a drug "
            "infusion; only " + left.astype("string") + " min fell outside it"),
            index=flagged)
        suggestion = ("Remove " + code + ": this fluid is part of the drug "
                      "administration, not separately billable")
        field = pd.Series(np.where(fluid, np.where(lines.loc[flagged, "purpose"].notna(),
                                                   "purpose", "drug"), "code"), index=flagged)
        return hits(pd.Series(True, index=flagged), field, message, suggestion)
