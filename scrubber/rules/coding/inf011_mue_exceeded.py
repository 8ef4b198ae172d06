"""INF011 mue-exceeded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import INITIAL, PER_ENCOUNTER
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits

#: CPT limits these codes to once per encounter (96368, 96369, 96371).
ONCE_PER_ENCOUNTER = frozenset(code for code, limit in PER_ENCOUNTER.items() if limit == 1)


def _units_text(units: pd.Series) -> pd.Series:
    return units.astype("string").str.removesuffix(".0")


class MueExceeded(Rule):
    """Units over a once-per-encounter limit, or over the Medically Unlikely Edits table.

    Why it matters: CPT reports 96368, 96369 and 96371 once per encounter, and an initial
    code without a distinct-service modifier (59, XE, XS, XP, XU) is one unit (CMS Claims
    Processing Manual ch. 12 section 30.5). CMS publishes Medically Unlikely Edits quarterly:
    the most units of a code a provider would report for one patient (adjudication indicator
    1: per line; 2 and 3: per day). Units over an MUE deny the line or the day's units. Give
    your copy of the CMS practitioner or outpatient hospital table with ``--mue FILE`` (or
    ``mue`` in the config); values are never hard-coded. Lines are flagged from the one
    whose running total passes the limit.

    Failing example:

        | Encounter ID | CPT   | Units |
        | E1           | 96365 | 1     |
        | E1           | 96368 | 1     |
        | E1           | 96368 | 1     |

    Passing example:

        | Encounter ID | CPT   | Units |
        | E1           | 96365 | 1     |
        | E1           | 96368 | 1     |
    """

    id = "INF011"
    name = "mue-exceeded"
    severity = Severity.ERROR
    requires = ("code", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        code, units = lines["code"], lines["units"]
        once = code.isin(ONCE_PER_ENCOUNTER)
        running = units.where(once, 0).groupby([lines["encounter"], code]).cumsum()
        over_once = once & (running > 1)
        initial = code.isin(INITIAL) & ~once & ~lines["distinct_modifier"] & (units > 1)
        parts = [
            hits(over_once, "units", code + " is reported once per encounter; this line "
                 "brings it to " + _units_text(running) + " units",
                 "Bill " + code + " once per encounter"),
            hits(initial, "units", code + " is an initial service: one unit per encounter "
                 "without a distinct-service modifier, billed " + _units_text(units),
                 "Bill " + code + " x1"),
        ]
        if ctx.reference.mue is not None:
            parts.append(_table_hits(lines, ctx.reference.mue))
        return combine(*parts)


def _table_hits(lines: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Lines over the user's MUE table: per line (indicator 1) or per day (2 and 3)."""
    code, units = lines["code"], lines["units"]
    # float64 first: a lookup that matches nothing comes back typed as Arrow nulls or text
    limit = code.map(table["value"]).astype("float64")
    indicator = code.map(table["indicator"]).astype("float64").fillna(1)
    day = lines["service_date"].dt.strftime("%Y-%m-%d").fillna("")
    daily = units.where(limit.notna(), 0).groupby([lines["encounter"], day, code]).cumsum()
    per_day = indicator.isin([2, 3])
    total = pd.Series(np.where(per_day, daily, units), index=lines.index)
    over = limit.notna() & (total > limit)
    scope = pd.Series(np.where(per_day, "per day", "per line"), index=lines.index)
    limit_text = limit.astype("Int64").astype("string")
    message = (code + " has an MUE of " + limit_text + " unit(s) " + scope + "; "
               + pd.Series(np.where(per_day, "this line brings the day to ", "this line bills "),
                           index=lines.index) + _units_text(total))
    return hits(over, "units", message, "Bill at most " + limit_text + " unit(s) " + scope
                + ", or document medical necessity for an appeal")
