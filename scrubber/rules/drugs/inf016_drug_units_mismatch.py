"""INF016 drug-units-mismatch."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import DRUG_CODE_PATTERN
from scrubber.findings import Severity
from scrubber.normalize import has_modifier
from scrubber.reference.units import billing_units_series
from scrubber.rules.base import Context, Rule, combine, hits


def _number(value: pd.Series) -> pd.Series:
    return value.astype("Float64").round(3).astype("string").str.replace(
        r"\.0+$", "", regex=True).str.replace(r"(\.\d*?)0+$", r"\1", regex=True)


class DrugUnitsMismatch(Rule):
    """Drug-line units disagree with the dose divided by the HCPCS billing unit, rounded up.

    Why it matters: a drug is billed in the units of its HCPCS descriptor: units = dose given
    / the descriptor's amount, rounded up, and an "up to X" descriptor bills one unit per X
    (infliximab 400 mg on J1745 "10 mg" = 40 units; 70 mg of a 100 mg unit = 1). Wrong units
    are the costliest drug billing error and a standing audit topic (CMS Claims Processing
    Manual ch. 17 section 70; OPPS Addendum B). Dose units convert (g, mg, mcg; units; mL;
    mEq) and the dose may carry its unit ("400 mg") or take it from a Dose Unit column. A
    dose that cannot be read or converted is a warning; JW (discarded amount) lines and
    sheets without a dose column are not checked. The billing unit comes from the shipped
    drug table.

    Failing example:

        | Encounter ID | CPT   | Units | Dose | Dose Unit |
        | E1           | J1745 | 4     | 400  | mg        |

    Passing example:

        | Encounter ID | CPT   | Units | Dose | Dose Unit |
        | E1           | J1745 | 40    | 400  | mg        |
    """

    id = "INF016"
    name = "drug-units-mismatch"
    severity = Severity.ERROR
    requires = ("code",)

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        if not ctx.has("dose"):
            return combine()  # nothing to compare with
        table = ctx.reference.drugs.frame()
        code = lines["code"]
        drug_line = code.str.match(DRUG_CODE_PATTERN).fillna(False).astype(bool)
        waste = has_modifier(lines["modifiers"], "JW")
        # typed first: a lookup that matches nothing comes back as Arrow nulls
        per_amount = code.map(table["amount"]).astype("float64")
        per_unit = code.map(table["unit"]).astype("string")
        checked = drug_line & ~waste.astype(bool) & per_amount.notna() & lines["dose"].notna()
        if not checked.any():
            return combine()
        rows = lines[checked]
        units = billing_units_series(rows["dose"], rows["dose_unit"], per_amount[checked],
                                     per_unit[checked])
        wrong = units["readable"] & (rows["units"] != units["expected"])
        unreadable = ~units["readable"]
        flagged = rows.index[wrong | unreadable]  # the texts are made for these lines only
        if flagged.empty:
            return combine()
        rows, units, code = rows.loc[flagged], units.loc[flagged], code.loc[flagged]
        wrong, unreadable = wrong.loc[flagged], unreadable.loc[flagged]
        descriptor = (code.map(table["up_to"]).map({True: "up to ", False: ""})
                      + _number(per_amount[flagged]) + " " + per_unit[flagged])
        expected = units["expected"].astype("Int64").astype("string")
        dose = _number(units["amount"]) + " " + units["unit"].fillna("")
        mismatch = hits(wrong, "units", code + " is billed x" + _number(rows["units"])
                        + " but " + dose + " at " + descriptor + " per unit is "
                        + expected + " unit(s)",
                        "Bill " + code + " x" + expected)
        why = pd.Series(np.where(units["amount"].isna(), "cannot be read",
                                 "is not in a unit that converts to the descriptor's"),
                        index=rows.index)
        warn = hits(unreadable, "dose", "the dose of " + code + " " + why + " ("
                    + descriptor + " per unit), so its units cannot be checked",
                    "Enter the dose as a number with its unit (e.g. 400 mg)",
                    severity=Severity.WARNING)
        return combine(mismatch, warn)
