"""INF018 ndc-format."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.findings import Severity
from scrubber.reference.ndc import normalise_ndc
from scrubber.rules.base import Context, Rule, combine, hits


class NdcFormat(Rule):
    """An NDC is not 11 digits in 5-4-2 form.

    Why it matters: Medicaid and many commercial payers require the 11-digit National Drug
    Code in 5-4-2 form (qualifier N4) on drug lines; the 10-digit label forms 4-4-2, 5-3-2
    and 5-4-1 must be padded with a leading zero in the short segment, and a claim with a
    10-digit or malformed NDC is rejected (CMS Medicaid Drug Rebate Program NDC guidance;
    NUCC 837P/CMS-1500 instructions for item 24 shaded area). The normalised 11-digit NDC is
    suggested where it can be derived. Checked only when the sheet has an NDC column.

    Failing example:

        | Encounter ID | CPT   | NDC          |
        | E1           | J1745 | 1234-5678-90 |

    Passing example:

        | Encounter ID | CPT   | NDC           |
        | E1           | J1745 | 01234-5678-90 |
    """

    id = "INF018"
    name = "ndc-format"
    severity = Severity.ERROR
    requires = ("code",)

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        if not ctx.has("ndc"):
            return combine()
        ndc = normalise_ndc(lines["ndc"])
        bad = lines["ndc"].notna() & ~ndc["ok"]
        fix = pd.Series(np.where(
            ndc["normalised"].notna(), "Bill the 11-digit NDC " + ndc["normalised"].fillna(""),
            "Enter the 11-digit NDC in 5-4-2 form (e.g. 12345-6789-01) from the package"),
            index=lines.index)
        return hits(bad, "ndc", "the NDC is not 11 digits in 5-4-2 form", fix)
