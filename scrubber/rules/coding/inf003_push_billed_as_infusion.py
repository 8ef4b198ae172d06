"""INF003 push-billed-as-infusion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import ADDON_PRIMARIES, CATALOGUE, SUBSEQUENT
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits, minutes_text
from scrubber.rules.coding.common import (
    PUSH_INITIAL,
    count_in_encounter,
    documented_push,
    encounter_ids,
)


def _named(code: str) -> str:
    return f"{code} ({CATALOGUE[code].description})"


class PushBilledAsInfusion(Rule):
    """An infusion code is billed for what was documented as an IV push.

    Why it matters: CPT and CMS define a push as an injection the clinician gives and watches,
    or any IV administration of ``push_max_minutes`` (15) minutes or less; infusion codes start
    at 16 minutes (CMS Claims Processing Manual ch. 12 section 30.5; NCCI Policy Manual
    ch. XI). Billing 96365/96367/96368/96413/96417 for a push overpays and is a classic audit
    finding. The line is flagged when its route says push (IV push, IVP, push, bolus) or its
    documented duration is 15 minutes or less. The suggestion follows the hierarchy: 96374,
    or 96375 when another drug initial (96365, 96374, 96409, 96413) is billed in the
    encounter; for chemotherapy 96409, or 96411 after a chemo initial.

    Failing example:

        | Encounter ID | CPT   | Route   | Start Time | Stop Time |
        | E1           | 96365 | IV push | 10:00      | 10:05     |

    Passing example:

        | Encounter ID | CPT   | Route   | Start Time | Stop Time |
        | E1           | 96374 | IV push | 10:00      | 10:05     |
    """

    id = "INF003"
    name = "push-billed-as-infusion"
    severity = Severity.ERROR
    requires = ("code", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        limit = ctx.config.push_max_minutes
        mask = documented_push(lines, limit)
        flagged = lines.index[mask]  # the texts are made for the flagged lines only
        if flagged.empty:
            return combine()
        code = lines.loc[flagged, "code"]
        pushed = lines.loc[flagged, "route_kind"].eq("push").fillna(False)

        # the corrected push is the initial push of its family, or that push's subsequent
        # code when another line carries one of the subsequent code's primaries (a
        # therapeutic push follows any drug initial, a chemotherapy push a chemo initial)
        initial_push = code.map(PUSH_INITIAL)
        ids = encounter_ids(lines)
        fix = pd.Series(pd.NA, index=flagged, dtype="string")
        for push in set(PUSH_INITIAL.values()):
            later = SUBSEQUENT[push]
            after = _others(lines, ids, ADDON_PRIMARIES[later])[mask.to_numpy()]
            fix = fix.mask(initial_push.eq(push) & after, _named(later))
            fix = fix.mask(initial_push.eq(push) & ~after, _named(push))
        why = pd.Series(np.where(
            pushed, "the route is '" + lines.loc[flagged, "route"].fillna("") + "'",
            "the documented time is " + minutes_text(lines.loc[flagged, "duration"]).fillna("")
            + f" ({limit:g} min or less is a push)"), index=flagged)
        message = code + " is an infusion code but " + why
        field = pd.Series(np.where(pushed, "route", "stop"), index=flagged)
        return hits(mask.loc[flagged], field, message, "Bill " + fix)


def _others(lines: pd.DataFrame, ids: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    """True where another line of the same encounter carries one of ``codes``."""
    carries = lines["code"].isin(codes).to_numpy()
    return (count_in_encounter(carries, ids) - carries) > 0
