"""INF017 missing-documentation."""

from __future__ import annotations

import pandas as pd

from scrubber.codes import DRUG_ADMINISTRATION, HOURLY_ADDON, TIME_BASED
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits

_LABELS = {"drug": "drug name", "dose": "dose", "dose_unit": "dose unit", "route": "route",
           "ordering_provider": "ordering provider", "site": "access site",
           "start": "start time", "stop": "stop time", "diagnosis": "diagnosis",
           "ndc": "NDC"}


class MissingDocumentation(Rule):
    """An administration line leaves a field the payer requires empty.

    Why it matters: each administration must be documented with a signed order, the drug
    name, dose, route and method, the access site for infusions, and the administering and
    ordering clinician; a claim the record cannot support is recouped on audit (CMS Claims
    Processing Manual ch. 12 section 30.5; CMS Program Integrity Manual ch. 3; DOMAIN.md
    "Documentation"). By default drug name, dose, route and ordering provider are required on
    every administration line, and the access site on infusion lines (time-based codes);
    ``required_documentation`` in a payer profile changes the list. Only fields the sheet
    has a column for are checked; hourly add-on lines take theirs from their primary line,
    and codes that give no drug (pump refill 96521/96522, device irrigation 96523) are not
    administration lines here.

    Failing example:

        | Encounter ID | CPT   | Drug       | Dose | Route | Ordering Provider | Site      |
        | E1           | 96365 | Infliximab |      | IV    | Okafor, Ada MD    | L forearm |

    Passing example:

        | Encounter ID | CPT   | Drug       | Dose | Route | Ordering Provider | Site      |
        | E1           | 96365 | Infliximab | 400  | IV    | Okafor, Ada MD    | L forearm |
    """

    id = "INF017"
    name = "missing-documentation"
    severity = Severity.ERROR
    requires = ("code",)

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        code = lines["code"]
        admin = code.isin(DRUG_ADMINISTRATION) & ~code.isin(HOURLY_ADDON)
        parts = []
        for field in ctx.config.required_documentation:
            if not ctx.has(field):
                continue
            blank = lines[field].isna() if field not in ("start", "stop") else \
                lines[f"{field}_blank"]
            scope = admin & code.isin(TIME_BASED) if field == "site" else admin
            label = _LABELS[field]
            flagged = lines.index[scope & blank]  # texts for the flagged lines only
            parts.append(hits(pd.Series(True, index=flagged), field,
                              code.loc[flagged] + " has no " + label,
                              f"Enter the {label} from the administration record"))
        return combine(*parts)
