"""INF012 modifier."""

from __future__ import annotations

import pandas as pd

from scrubber.codes import ADMINISTRATION, DISTINCT_MODIFIERS
from scrubber.findings import Severity
from scrubber.normalize import has_modifier
from scrubber.rules.base import Context, Rule, cell_hits, combine, hits

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
        cells = _modifier_cells(ctx, lines.index)
        distinct = has_modifier(mods, *DISTINCT_MODIFIERS)
        both = has_modifier(mods, "59") & has_modifier(mods, *_X)
        justified = _second_site(lines) | _second_encounter(lines)
        unjustified = distinct & ~both & ~justified
        repeat = has_modifier(mods, "76", "77")
        count = code.groupby([enc, code]).transform("size")
        not_repeated = repeat & (count < 2)
        twenty_five = has_modifier(mods, "25") & code.isin(ADMINISTRATION)
        code_column = (ctx.columns.get("code") or [None])[0]

        def cell(*names: str) -> pd.Series:
            return _cell_holding(cells, names, code_column, lines.index)

        return combine(
            _bad_tokens(cells),
            hits(both, "modifiers", "59 and an X modifier are on the same line",
                 "Keep the X modifier that fits (XE, XS, XP or XU) and drop 59",
                 position=cell("59")),
            hits(unjustified, "modifiers", "a distinct-service modifier (" + mods + ") is on "
                 + code + " but no second access site or separate encounter is documented",
                 "Document the second site (Site column) or separate encounter, or remove "
                 "the modifier and bill the line as a subsequent service",
                 position=cell(*DISTINCT_MODIFIERS)),
            hits(not_repeated, "modifiers", "76/77 (repeat procedure) is on " + code
                 + " but the code is not repeated in the encounter",
                 "Remove 76/77, or bill the repeated line it refers to",
                 position=cell("76", "77")),
            hits(twenty_five, "modifiers", "25 is on administration code " + code
                 + "; it belongs on the E/M code", "Move 25 to the E/M line",
                 position=cell("25")),
        )


def _modifier_cells(ctx: Context, index: pd.Index) -> pd.DataFrame:
    """Each modifier column's cell as upper-case 'XS,59' token lists (one frame column per
    sheet column)."""
    cells = ctx.field_cells("modifiers", index)
    return cells.apply(lambda column: column.astype("string").str.upper()
                       .str.replace(r"[^0-9A-Z]+", ",", regex=True).str.strip(","))


def _cell_holding(cells: pd.DataFrame, names: tuple[str, ...], code_column: int | None,
                  index: pd.Index) -> pd.Series:
    """The first modifier column whose cell holds one of ``names``; else the code column
    (a modifier typed into the code cell, '96365-59')."""
    found = pd.Series(pd.NA, index=index, dtype="Int64")
    for position in reversed(list(cells.columns)):
        found = found.mask(has_modifier(cells[position].fillna(""), *names), int(position))
    return found if code_column is None else found.fillna(code_column)


def _bad_tokens(cells: pd.DataFrame) -> pd.DataFrame:
    """One hit per modifier cell that holds something other than two-character modifiers."""
    if cells.empty or not len(cells.columns):
        return combine()
    tokens = cells.stack().str.split(",").explode()
    bad = tokens[tokens.notna() & (tokens != "") & ~tokens.str.fullmatch(r"[0-9A-Z]{2}")
                 .fillna(False).astype(bool)]
    if bad.empty:
        return combine()
    per_cell = bad.groupby(level=[0, 1]).agg(", ".join)
    return cell_hits(per_cell, "modifiers", "'" + per_cell + "' is not a valid two-character "
                     "modifier", "Use a valid modifier (two letters or digits, one per "
                     "modifier cell)")


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
