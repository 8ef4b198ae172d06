"""INF011 mue-exceeded."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import INITIAL, PER_ENCOUNTER
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits
from scrubber.rules.coding.common import by_value, encounter_ids

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
        # the running total within each encounter and code: only the once-per-encounter
        # codes' groups are read, and those hold no other line
        ids = encounter_ids(lines)[once.to_numpy()]
        running = units[once].groupby([ids, code[once]]).cumsum()
        over_once = running.index[running > 1]
        initial = code.isin(INITIAL) & ~once & ~lines["distinct_modifier"] & (units > 1)
        initial = lines.index[initial]
        parts = []
        if not over_once.empty:  # the texts are made for the flagged lines only
            parts.append(hits(pd.Series(True, index=over_once), "units", code.loc[over_once]
                              + " is reported once per encounter; this line brings it to "
                              + _units_text(running.loc[over_once]) + " units",
                              "Bill " + code.loc[over_once] + " once per encounter"))
        if not initial.empty:
            parts.append(hits(pd.Series(True, index=initial), "units", code.loc[initial]
                              + " is an initial service: one unit per encounter without a "
                              "distinct-service modifier, billed "
                              + _units_text(units.loc[initial]), "Bill " + code.loc[initial]
                              + " x1"))
        if ctx.reference.mue is not None:
            parts.append(_table_hits(lines, ctx.reference.mue))
        return combine(*parts)


def _table_hits(lines: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Lines over the user's MUE table: per line (indicator 1) or per day (2 and 3)."""
    # float64 first: a lookup that matches nothing comes back typed as Arrow nulls or text
    limit = by_value(lines["code"], lambda c: c.map(table["value"])).astype("float64")
    # only codes the table lists are judged, and each code's day groups hold only its lines
    listed = lines.index[limit.notna()]
    code, units, limit = lines.loc[listed, "code"], lines.loc[listed, "units"], limit[listed]
    indicator = code.map(table["indicator"]).astype("float64").fillna(1)
    day = lines.loc[listed, "service_date"].dt.strftime("%Y-%m-%d").fillna("")
    enc = lines.loc[listed, "encounter"]
    daily = units.groupby([enc, day, code]).cumsum()
    per_day = indicator.isin([2, 3])
    total = pd.Series(np.where(per_day, daily, units), index=listed)
    flagged = listed[(total > limit).to_numpy()]  # the texts are made for these lines only
    if flagged.empty:
        return combine()
    code, limit, per_day, total = (s.loc[flagged] for s in (code, limit, per_day, total))
    scope = pd.Series(np.where(per_day, "per day", "per line"), index=flagged)
    limit_text = limit.astype("Int64").astype("string")
    message = (code + " has an MUE of " + limit_text + " unit(s) " + scope + "; "
               + pd.Series(np.where(per_day, "this line brings the day to ", "this line bills "),
                           index=flagged) + _units_text(total))
    return hits(pd.Series(True, index=flagged), "units", message, "Bill at most " + limit_text
                + " unit(s) " + scope + ", or document medical necessity for an appeal")
