"""INF012 modifier."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from scrubber.codes import ADMINISTRATION, DISTINCT_MODIFIERS
from scrubber.findings import Severity
from scrubber.normalize import has_modifier
from scrubber.rules.base import Context, Rule, cell_hits, combine, hits
from scrubber.rules.coding.common import (
    any_in_encounter,
    by_value,
    distinct_in_group,
    encounter_ids,
)

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
        code = lines["code"]
        cells = ctx.field_cells("modifiers", lines.index)
        ids = encounter_ids(lines)
        has = _lists(lines["modifiers"])
        both = has("59") & has(*_X)
        unjustified = has(*DISTINCT_MODIFIERS) & ~both
        if unjustified.any():
            unjustified &= ~(_second_site(lines, ids, unjustified)
                             | _second_encounter(lines, ids, unjustified))
        not_repeated = _alone(code, ids, has("76", "77"))
        twenty_five = has("25") & code.isin(ADMINISTRATION).to_numpy()
        code_column = (ctx.columns.get("code") or [None])[0]

        def flagged(mask: np.ndarray, message: Callable[[pd.Series, pd.Series], pd.Series],
                    suggestion: str, *names: str) -> pd.DataFrame:
            """Hits with texts and cell positions made for the flagged lines only."""
            rows = lines.index[mask]
            if rows.empty:
                return combine()
            return hits(pd.Series(True, index=rows), "modifiers",
                        message(lines.loc[rows, "modifiers"].fillna(""), code.loc[rows]),
                        suggestion, position=_cell_holding(_modifier_cells(cells.loc[rows]),
                                                           names, code_column, rows))

        return combine(
            _bad_tokens(cells),
            flagged(both, lambda mods, code: "59 and an X modifier are on the same line",
                    "Keep the X modifier that fits (XE, XS, XP or XU) and drop 59", "59"),
            flagged(unjustified, lambda mods, code: "a distinct-service modifier (" + mods
                    + ") is on " + code + " but no second access site or separate encounter "
                    "is documented",
                    "Document the second site (Site column) or separate encounter, or remove "
                    "the modifier and bill the line as a subsequent service",
                    *DISTINCT_MODIFIERS),
            flagged(not_repeated, lambda mods, code: "76/77 (repeat procedure) is on " + code
                    + " but the code is not repeated in the encounter",
                    "Remove 76/77, or bill the repeated line it refers to", "76", "77"),
            flagged(twenty_five, lambda mods, code: "25 is on administration code " + code
                    + "; it belongs on the E/M code", "Move 25 to the E/M line", "25"),
        )


def _lists(modifiers: pd.Series) -> Callable[..., np.ndarray]:
    """``has(*names)``: per line, whether its 'XS,59' list holds one of ``names`` (the
    distinct lists are factorised once and each asked once)."""
    ids, lists = pd.factorize(modifiers.fillna(""))
    lists = pd.Series(lists, dtype="string")
    return lambda *names: has_modifier(lists, *names).to_numpy()[ids]


def _modifier_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """Each modifier column's cell as upper-case 'XS,59' token lists (one frame column per
    sheet column)."""
    return cells.apply(_token_list)


def _token_list(texts: pd.Series) -> pd.Series:
    return (texts.astype("string").str.upper().str.replace(r"[^0-9A-Z]+", ",", regex=True)
            .str.strip(","))


def _cell_holding(cells: pd.DataFrame, names: tuple[str, ...], code_column: int | None,
                  index: pd.Index) -> pd.Series:
    """The first modifier column whose cell holds one of ``names``; else the code column
    (a modifier typed into the code cell, '96365-59')."""
    found = pd.Series(pd.NA, index=index, dtype="Int64")
    for position in reversed(list(cells.columns)):
        found = found.mask(has_modifier(cells[position].fillna(""), *names), int(position))
    return found if code_column is None else found.fillna(code_column)


def _bad_tokens(cells: pd.DataFrame) -> pd.DataFrame:
    """One hit per modifier cell that holds something other than two-character modifiers
    (each distinct cell text is read once)."""
    if cells.empty or not len(cells.columns):
        return combine()
    found = []
    for position in cells.columns:
        bad = by_value(cells[position], lambda texts: _bad_in(_token_list(texts))).dropna()
        found.append(pd.Series(bad.to_numpy(), index=pd.MultiIndex.from_arrays(
            [bad.index, np.full(len(bad), position)], names=[cells.index.name, None])))
    per_cell = pd.concat(found).sort_index()  # by row, then column
    if per_cell.empty:
        return combine()
    return cell_hits(per_cell, "modifiers", "'" + per_cell + "' is not a valid two-character "
                     "modifier", "Use a valid modifier (two letters or digits, one per "
                     "modifier cell)")


def _bad_in(lists: pd.Series) -> pd.Series:
    """The tokens of each 'XS,59' list that are not two characters, joined; missing when
    there are none."""
    tokens = lists.str.split(",").explode()
    bad = tokens[tokens.notna() & (tokens != "") & ~tokens.str.fullmatch(r"[0-9A-Z]{2}")
                 .fillna(False).astype(bool)]
    return bad.groupby(level=0).agg(", ".join).reindex(lists.index)


def _alone(code: pd.Series, ids: np.ndarray, repeat: np.ndarray) -> np.ndarray:
    """Per ``repeat`` line: its code appears on no other line of its encounter (never for a
    missing code). Only the encounters of those lines are read."""
    near = np.flatnonzero(any_in_encounter(repeat, ids))
    code_ids = pd.factorize(code.iloc[near])[0]
    pair = pd.factorize(ids[near].astype("int64") * (code_ids.max(initial=-1) + 2)
                        + code_ids)[0]
    alone = np.zeros(len(code), dtype=bool)
    alone[near] = (np.bincount(pair)[pair] < 2) & (code_ids >= 0)
    return alone & repeat


def _second_site(lines: pd.DataFrame, ids: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Per ``among`` line: its encounter documents two or more different access sites. Only
    the encounters of those lines are read."""
    near = np.flatnonzero(any_in_encounter(among, ids))
    site = by_value(lines["site"].iloc[near], lambda texts: texts.str.strip().str.lower())
    found = np.zeros(len(lines), dtype=bool)
    found[near] = distinct_in_group(ids[near], pd.factorize(site)[0]) > 1
    return found & among


def _second_encounter(lines: pd.DataFrame, ids: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Per ``among`` line: the patient has another encounter on the same date of service.
    Only the lines of those patients are read."""
    patient = pd.factorize(lines["patient"])[0]  # a missing patient is -1: never found
    wanted = np.zeros(patient.max(initial=-1) + 2, dtype=bool)
    wanted[patient[among]] = True
    wanted[-1] = False
    near = np.flatnonzero(wanted[patient])
    day = by_value(lines["service_date"].iloc[near], lambda dates: dates.dt.strftime("%Y-%m-%d"))
    patient, day = patient[near].astype("int64"), pd.factorize(day)[0]
    group = np.where(day >= 0, pd.factorize(patient * (day.max(initial=0) + 1) + day)[0], -1)
    found = np.zeros(len(lines), dtype=bool)
    found[near] = distinct_in_group(group, ids[near]) > 1
    return found & among
