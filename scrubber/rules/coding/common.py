"""What the coding rules share: reading an infusion line as the push it really was."""

from __future__ import annotations

import pandas as pd

from scrubber.codes import AS_INITIAL, AS_PUSH, CATALOGUE, INFUSION, IV_INITIAL_OF

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
    return lines["code"].mask(push, lines["code"].map(AS_PUSH))
