"""What the coding rules share: reading an infusion line as the push it really was."""

from __future__ import annotations

import pandas as pd

from scrubber.codes import CHEMO_INFUSION, INFUSION


def documented_push(lines: pd.DataFrame, push_max_minutes: float) -> pd.Series:
    """Infusion-code lines whose route says push or whose documented time is a push's."""
    pushed = lines["route_kind"].eq("push").fillna(False)
    short = (lines["duration"] <= push_max_minutes).fillna(False)
    return lines["code"].isin(INFUSION) & (pushed | short)


def effective_code(lines: pd.DataFrame, push_max_minutes: float) -> pd.Series:
    """The billed code, with documented pushes read as the push initial (96374 / 96409)."""
    push = documented_push(lines, push_max_minutes)
    chemo = lines["code"].isin(CHEMO_INFUSION)
    code = lines["code"].mask(push & chemo, "96409")
    return code.mask(push & ~chemo & lines["code"].isin({"96365"}), "96374")
