"""INF013 missing-diagnosis."""

from __future__ import annotations

import pandas as pd

from scrubber.codes import ADMINISTRATION, DRUG_CODE_PATTERN
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits


class MissingDiagnosis(Rule):
    """An administration or drug line has no diagnosis, on the line or in its encounter.

    Why it matters: a diagnosis supporting medical necessity must be documented and reported
    to bill any infusion, injection or drug; a claim line without one is returned unprocessed
    (CMS Claims Processing Manual ch. 12 section 30.5 and ch. 26; DOMAIN.md
    "Documentation"). Every diagnosis column is read (Diagnosis 1..4, Dx 1..4), and several
    codes in one cell may be separated by commas, semicolons or spaces. A line is flagged only
    when neither it nor any other line of its encounter names a diagnosis. Sheets without a
    diagnosis column are not checked.

    Failing example:

        | Encounter ID | CPT   | Diagnosis |
        | E1           | 96365 |           |
        | E1           | J1745 |           |

    Passing example:

        | Encounter ID | CPT   | Diagnosis |
        | E1           | 96365 | K50.90    |
        | E1           | J1745 |           |
    """

    id = "INF013"
    name = "missing-diagnosis"
    severity = Severity.ERROR
    requires = ("code", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        if not ctx.has("diagnosis"):
            return combine()
        code = lines["code"]
        billed = code.isin(ADMINISTRATION) | code.str.match(DRUG_CODE_PATTERN).fillna(False)
        has_dx = lines["diagnosis"].notna()
        encounter_dx = has_dx.groupby(lines["encounter"]).transform("any")
        mask = billed.astype(bool) & ~encounter_dx
        return hits(mask, "diagnosis", code + " has no diagnosis on the line or in its "
                    "encounter", "Enter the ICD-10-CM diagnosis that supports this service")
