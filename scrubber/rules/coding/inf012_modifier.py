"""INF012 modifier."""

from __future__ import annotations

import pandas as pd

from scrubber.codes import ADMINISTRATION, DISTINCT_MODIFIERS
from scrubber.findings import Severity
from scrubber.normalize import has_modifier
from scrubber.rules.base import Context, Rule, combine, hits

_X = ("XE", "XS", "XP", "XU")


class Modifier(Rule):
    """A modifier does not fit the line it is on.

    The checks: a distinct-service modifier with nothing distinct documented, 59 with an X
    modifier, 76/77 on a code not repeated, 25 on an administration code, or a modifier
    that is not two characters.

    Why it matters: 59, XE, XS, XP and XU bypass the one-initial and NCCI edits only when a
    separate encounter, site, practitioner or unrelated service is documented; CMS prefers
    the X modifier that fits and never 59 together with an X modifier on one line (CMS
    MLN1783722 "Proper Use of Modifiers 59, XE, XP, XS, XU"; NCCI Policy Manual ch. I and
    XI; CMS Recovery Audit topic 0071). Here a distinct modifier needs a second access site
    in the encounter (two different Site values) or another encounter of the patient on the
    same date. 76 and 77 mark a repeated procedure, so the code must appear on another line
    of the encounter. 25 belongs on the E/M code. Modifiers are two letters or digits.

    Failing example:

        | Encounter ID | CPT   | Modifier | Site      |
        | E1           | 96365 |          | L forearm |
        | E1           | 96374 | XS       | L forearm |

    Passing example:

        | Encounter ID | CPT   | Modifier | Site      |
        | E1           | 96365 |          | L forearm |
        | E1           | 96365 | XS       | R hand    |
    """

    id = "INF012"
    name = "modifier"
    severity = Severity.ERROR
    requires = ("code", "encounter")

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        if not ctx.has("modifiers") and lines["modifiers"].isna().all():
            return combine()  # no modifier column and none typed into the code cells
        mods, code, enc = lines["modifiers"].fillna(""), lines["code"], lines["encounter"]
        tokens = mods.str.split(",").explode()
        bad_tokens = tokens[(tokens != "") & ~tokens.str.fullmatch(r"[0-9A-Z]{2}")]
        bad = bad_tokens.groupby(level=0).agg(", ".join).reindex(lines.index)
        distinct = has_modifier(mods, *DISTINCT_MODIFIERS)
        both = has_modifier(mods, "59") & has_modifier(mods, *_X)
        justified = _second_site(lines) | _second_encounter(lines)
        unjustified = distinct & ~both & ~justified
        repeat = has_modifier(mods, "76", "77")
        count = code.groupby([enc, code]).transform("size")
        not_repeated = repeat & (count < 2)
        twenty_five = has_modifier(mods, "25") & code.isin(ADMINISTRATION)
        return combine(
            hits(bad.notna(), "modifiers", "'" + bad.fillna("") + "' is not a valid "
                 "two-character modifier", "Use a valid modifier (two letters or digits, "
                 "one per modifier cell)"),
            hits(both, "modifiers", "59 and an X modifier are on the same line",
                 "Keep the X modifier that fits (XE, XS, XP or XU) and drop 59"),
            hits(unjustified, "modifiers", "a distinct-service modifier (" + mods + ") is on "
                 + code + " but no second access site or separate encounter is documented",
                 "Document the second site (Site column) or separate encounter, or remove "
                 "the modifier and bill the line as a subsequent service"),
            hits(not_repeated, "modifiers", "76/77 (repeat procedure) is on " + code
                 + " but the code is not repeated in the encounter",
                 "Remove 76/77, or bill the repeated line it refers to"),
            hits(twenty_five, "modifiers", "25 is on administration code " + code
                 + "; it belongs on the E/M code", "Move 25 to the E/M line"),
        )


def _second_site(lines: pd.DataFrame) -> pd.Series:
    """The line's encounter documents two or more different access sites."""
    site = lines["site"].str.strip().str.lower()
    return (site.groupby(lines["encounter"]).transform("nunique") > 1).fillna(False)


def _second_encounter(lines: pd.DataFrame) -> pd.Series:
    """The patient has another encounter on the same date of service."""
    if lines["patient"].isna().all():
        return pd.Series(False, index=lines.index)
    day = lines["service_date"].dt.strftime("%Y-%m-%d")
    counts = lines["encounter"].groupby([lines["patient"], day]).transform("nunique")
    return (counts > 1).fillna(False).astype(bool)
