"""INF008 addon-without-primary."""

from __future__ import annotations

import pandas as pd

from scrubber.codes import ADDON_PRIMARIES, AS_INITIAL
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits
from scrubber.rules.coding.common import Codes, any_in_encounter, encounter_ids


class AddonWithoutPrimary(Rule):
    """An add-on code is billed in an encounter that has none of its primary codes.

    Why it matters: add-on codes (96361, 96366, 96367, 96368, 96370, 96371, 96375, 96376,
    96411, 96415, 96417, 96423) are reported only with the primary services CPT lists for
    them (96367 with 96365, 96374, 96409 or 96413; 96417 with 96413; ...). Without one the
    line is denied (NCCI Policy Manual ch. XI; CMS Claims Processing Manual ch. 12 section
    30.5). The first service of the encounter is its initial: bill it with the initial code
    the suggestion names, or add the missing primary line.

    Failing example:

        | Encounter ID | CPT   | Units |
        | E1           | 96367 | 1     |
        | E1           | 96375 | 1     |

    Passing example:

        | Encounter ID | CPT   | Units |
        | E1           | 96365 | 1     |
        | E1           | 96367 | 1     |
        | E1           | 96375 | 1     |
    """

    id = "INF008"
    name = "addon-without-primary"
    severity = Severity.ERROR
    requires = ("code", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        codes = Codes(lines["code"])
        ids = encounter_ids(lines)
        parts = []
        for addon, primaries in ADDON_PRIMARIES.items():
            is_addon = codes.carry(addon)
            if not is_addon.any():
                continue
            mask = is_addon & ~any_in_encounter(codes.carry(*primaries), ids)
            parts.append(hits(
                pd.Series(True, index=lines.index[mask]), "code",
                f"{addon} is an add-on code but the encounter has none of its primary codes "
                f"({', '.join(primaries)})",
                f"If this was the first service of the encounter, bill it as "
                f"{AS_INITIAL[addon]}; otherwise add the primary service line"))
        return combine(*parts)
