"""INF019 jw-jz-modifier."""

from __future__ import annotations

import pandas as pd

from scrubber.codes import DRUG_CODE_PATTERN
from scrubber.findings import Severity
from scrubber.normalize import has_modifier
from scrubber.reference.units import billing_units_series
from scrubber.rules.base import Context, Rule, combine, hits


class JwJzModifier(Rule):
    """A Medicare single-dose drug line lacks JW/JZ, or bills JW the rounding already covers.

    Why it matters: for separately payable drugs from single-dose containers, Medicare Part B
    requires JW on a separate line for the discarded amount, and JZ (required since July
    2023) when nothing was discarded; no JW is billed when the rounded-up units of the given
    dose already cover what was discarded (CMS "Discarded Drugs and Biologicals - JW Modifier
    and JZ Modifier Policy" FAQ; Claims Processing Manual ch. 17 section 40). Single-dose,
    separately payable drugs are marked in the shipped drug table. A warning, active only
    when ``jw_jz = true`` (the Medicare payer profile sets it).

    Failing example:

        | Encounter ID | CPT   | Units | Modifier |
        | E1           | J1745 | 40    |          |

    Passing example:

        | Encounter ID | CPT   | Units | Modifier |
        | E1           | J1745 | 40    | JZ       |
    """

    id = "INF019"
    name = "jw-jz-modifier"
    severity = Severity.WARNING
    requires = ("code",)
    example_options = {"jw_jz": True}

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        if not ctx.config.jw_jz:
            return combine()
        table = ctx.reference.drugs.frame()
        code, mods = lines["code"], lines["modifiers"].fillna("")
        single = code.isin(table.index[table["single_dose"].astype(bool)])
        drug_line = code.str.match(DRUG_CODE_PATTERN).fillna(False).astype(bool) & single
        jw, jz = has_modifier(mods, "JW"), has_modifier(mods, "JZ")
        neither = drug_line & ~jw & ~jz
        return combine(
            hits(neither, "modifiers", code + " is a single-dose drug billed to Medicare "
                 "without JW or JZ", "Add JZ if nothing was discarded; otherwise bill the "
                 "discarded amount on a separate line with JW"),
            hits(drug_line & jw & _covered(lines, jw, table), "modifiers",
                 code + " JW bills a discarded amount the rounded-up units of the given dose "
                 "already cover", "Remove the JW line and bill JZ on the given dose"),
        )


def _covered(lines: pd.DataFrame, jw: pd.Series, table: pd.DataFrame) -> pd.Series:
    """JW lines whose discarded dose fits in the rounding of the same drug's given line
    (``table``: the drug table's unit frame)."""
    if "dose" not in lines or lines["dose"].isna().all():
        return pd.Series(False, index=lines.index)
    # typed first: a lookup that matches nothing comes back as Arrow nulls
    amount = lines["code"].map(table["amount"]).astype("float64")
    unit = lines["code"].map(table["unit"]).astype("string")
    known = amount.notna() & lines["dose"].notna()
    units = billing_units_series(lines["dose"].where(known), lines["dose_unit"],
                                 amount.fillna(1.0), unit.fillna("mg"))
    given = ~jw & known
    slack = (units["expected"] * amount - units["converted"]).where(given)
    key = [lines["encounter"], lines["code"]]
    room = slack.groupby(key).transform("max")
    wasted = units["converted"].where(jw & known)
    return (jw & (wasted <= room)).fillna(False).astype(bool)
