"""INF004 missing-drug-code."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import DRUG_ADMINISTRATION, DRUG_CODE_PATTERN, HYDRATION
from scrubber.findings import Severity
from scrubber.reference.identity import drug_mentions
from scrubber.rules.base import Context, Rule, any_in_encounter, encounter_ids, hits


class MissingDrugCode(Rule):
    """An administration line's drug has no drug code billed.

    Why it matters: an administration code bills the work of giving a drug; the drug itself
    is billed on its own line with a HCPCS Level II code (J, Q or C; J3490/J3590/J9999 with
    the NDC for unclassified drugs). A drug given but not billed loses the most expensive part
    of the claim, and a payer may deny the administration without it (CMS Claims Processing
    Manual ch. 17 section 10; ch. 4 section 230.2). The drug code may sit on its own line in
    the encounter or in a Drug Code column on the administration line. Lines are matched by
    drug identity when both carry a name (the drug table entry or substance each names, so
    "Remicade (infliximab) 400 mg" matches "INFLIXIMAB-dyyb" and "Lasix" "Furosemide"; a
    fluid with an additive matches a line of either part); otherwise any drug line in the
    encounter counts.
    Hydration lines need their fluid line too (J7030...) unless ``hydration_needs_drug_code``
    is off. Codes that give no drug of their own (pump refill and maintenance 96521/96522,
    access device irrigation 96523) need none.

    Failing example:

        | Encounter ID | CPT   | Drug       | Units |
        | E1           | 96365 | Infliximab | 1     |
        | E1           | J2405 | Ondansetron| 4     |

    Passing example:

        | Encounter ID | CPT   | Drug       | Units |
        | E1           | 96365 | Infliximab | 1     |
        | E1           | J1745 | Infliximab | 40    |
    """

    id = "INF004"
    name = "missing-drug-code"
    severity = Severity.ERROR
    requires = ("code", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        code, encounter = lines["code"], lines["encounter"]
        admin = code.isin(DRUG_ADMINISTRATION)
        if not ctx.config.hydration_needs_drug_code:
            admin &= ~code.isin(HYDRATION)
        own_code = lines["drug_code"].str.match(DRUG_CODE_PATTERN).fillna(False)
        supply = code.str.match(DRUG_CODE_PATTERN).fillna(False) | (admin & own_code)

        tokens = drug_mentions(lines["drug"], ctx.reference.drugs)
        named = pd.Series(lines.index.isin(tokens.index), index=lines.index)
        token_pairs = pd.MultiIndex.from_arrays([encounter.loc[tokens.index], tokens])
        supply_pairs = token_pairs[supply.loc[tokens.index].to_numpy()]
        matched_rows = tokens.index[token_pairs.isin(supply_pairs)].unique()
        by_name = pd.Series(lines.index.isin(matched_rows), index=lines.index)
        ids = encounter_ids(lines)
        unnamed_supply = any_in_encounter(supply & ~named, ids)
        any_supply = any_in_encounter(supply, ids)
        covered = own_code | by_name | (named & unnamed_supply) | (~named & any_supply)
        mask = admin & ~covered

        flagged = lines.index[mask]  # the texts are made for the flagged lines only
        drug, code = lines["drug"].loc[flagged], code.loc[flagged]
        message = pd.Series(np.where(
            drug.notna(),
            "No drug line (HCPCS J, Q or C code) for " + drug.fillna("") + " in the encounter",
            code + " administration has no drug line (HCPCS J, Q or C code) in the encounter"),
            index=flagged)
        # the drug cell when it names the drug; an empty drug cell is missing-documentation's
        # finding, so this one then names the code cell
        field = drug.notna().map({True: "drug", False: "code"}) if ctx.has("drug") else "code"
        return hits(mask.loc[flagged], field, message,
                    "Add a line with the drug's HCPCS code and billing units, or enter the code "
                    "in a Drug Code column")
