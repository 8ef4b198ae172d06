"""INF020 facility-only-code."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import FACILITY_ONLY
from scrubber.coding.engine import FACILITY_PLACES
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits
from scrubber.rules.coding.common import Codes, by_value

#: the setting whose claims may not carry a facility-only code.
_PROFESSIONAL = "professional"


def _place(text: pd.Series) -> pd.Series:
    """A Place of Service cell as its two-digit code ('11 - Office' -> '11'); missing when
    it holds none."""
    return text.str.extract(r"^\s*(\d{1,2})\b", expand=False).str.zfill(2)


class FacilityOnlyCode(Rule):
    """A facility-only administration code is billed on a professional claim.

    Why it matters: 96376, each additional sequential IV push of the same drug, may be
    reported by facilities only (CPT's parenthetical under 96376, as ASCO J Oncol Pract
    2009;5(5):252 quotes it; ../shared/DOMAIN.md "The codes"). CMS's physician fee schedule
    carries it with status X, a statutory exclusion with no payment to a physician or
    practitioner, so on a professional claim (CMS-1500 / 837P, the ``professional``
    setting) the line is denied. No other code bills a repeat push of the same drug in an
    office (ASCO, ibid.; 96375 is for a new drug only): the line is dropped, and the drug's
    own HCPCS line still bills the whole dose given, this push included. The facility-only
    codes come from the code catalogue. A line is on a professional claim in the
    ``professional`` setting, or when its Place of Service is a place other than a hospital
    or facility one (11 office, 12 home...: the place of service is a CMS-1500 field, and
    at 19, 21-24 and 26 the facility bills the administration).

    Failing example:

        | Encounter ID | CPT   | Units | Drug          | Start Time | Stop Time |
        | E1           | 96374 | 1     | Ondansetron   | 10:00      | 10:02     |
        | E1           | 96376 | 1     | Ondansetron   | 11:00      | 11:02     |
        | E1           | J2405 | 8     | Ondansetron   |            |           |

    Passing example:

        | Encounter ID | CPT   | Units | Drug          | Start Time | Stop Time |
        | E1           | 96374 | 1     | Ondansetron   | 10:00      | 10:02     |
        | E1           | J2405 | 8     | Ondansetron   |            |           |
    """

    id = "INF020"
    name = "facility-only-code"
    severity = Severity.ERROR
    requires = ("code",)
    example_options = {"setting": _PROFESSIONAL}

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        billed = Codes(lines["code"]).carry(*FACILITY_ONLY)
        if not billed.any():
            return combine()
        place = by_value(lines["place_of_service"], _place)
        office = (place.notna() & ~place.isin(FACILITY_PLACES)).to_numpy()
        professional = ctx.config.setting == _PROFESSIONAL
        flagged = lines.index[billed & (professional | office)]
        if flagged.empty:  # the texts are made for the flagged lines only
            return combine()
        code, place = lines.loc[flagged, "code"], place.loc[flagged]
        why = pd.Series(np.where(
            professional, "it is not billed on a professional claim",
            "place of service " + place.fillna("") + " is not a facility, so this is a "
            "professional claim"), index=flagged)
        message = code + " is reported by facilities only; " + why
        suggestion = ("Remove " + code + " (no code bills it in an office); keep the drug's "
                      "HCPCS line with the whole dose given, this administration included")
        return hits(pd.Series(True, index=flagged), "code", message, suggestion)
