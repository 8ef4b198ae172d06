"""INF021 ncci-ptp."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scrubber.codes import NCCI_MODIFIERS, SUBSEQUENT
from scrubber.findings import Severity
from scrubber.normalize import has_modifier
from scrubber.reference.ncci import NO_DELETION, code_numbers, code_text
from scrubber.rules.base import Context, Rule, combine, encounter_ids, hits

#: a synthetic PTP table in the CMS layout, for the examples below (not CMS data).
EXAMPLE_PTP = str(Path(__file__).parents[2] / "reference" / "ncci_example_ptp.txt")
#: code numbers are below this (base 36, five characters).
_SPAN = 36 ** 5


class NcciPtp(Rule):
    """A code is billed with another that an NCCI procedure-to-procedure edit bundles it into.

    Why it matters: CMS NCCI procedure-to-procedure (PTP) edits pair a column-1 code with a
    column-2 code. When both are reported for one patient on one date of service, the
    column-2 code is denied, unless the edit's modifier indicator is 1 and a clinically
    appropriate NCCI-associated modifier is on it (NCCI Policy Manual ch. I; CMS "Medicare
    NCCI Procedure to Procedure (PTP) Edits"): anatomic E1-E4, FA, F1-F9, LC, LD, LM, LT, RC,
    RI, RT, TA, T1-T9; global surgery 24, 25, 57, 58, 78, 79; other 27, 59, 91, XE, XS, XP,
    XU. Indicator 0: no modifier lets both be paid; indicator 9: the edit does not apply.
    Give your copies of the CMS hospital or practitioner PTP files with ``--ncci FILE``
    (repeatable: CMS splits a quarter into several files) or ``ncci = [...]`` in the config;
    edits are never hard-coded, and without a file the rule finds nothing.

    Choices: a column-2 line is judged against the column-1 codes of its encounter on its
    date of service (the service date, else the start date); an edit applies from its
    effective date up to the day before its deletion date (the deletion date is the first
    day it no longer applies). A line without a date is paired only with the undated lines
    of its encounter, and only under edits that have no deletion date. The modifier is read
    on the column-2 line, as CMS asks. When the column-2 code is an initial administration
    code (96360, 96365, 96374, 96409, 96413), the suggestion also names its subsequent code
    (96361, 96367, 96375, 96411, 96417), the usual fix. On a code cell that hierarchy,
    duplicate-initial or hydration-not-separately-billable also reports, this finding is kept
    (it names the edit the payer applies, and that fix); invalid-code and facility-only-code
    outrank it (a code that does not exist or is not billed at all).

    The examples assume a (synthetic) edit with 96365 in column 1, 36000 in column 2 and
    modifier indicator 1.

    Failing example:

        | Encounter ID | Date of Service | CPT   | Modifier |
        | E1           | 2026-04-01      | 96365 |          |
        | E1           | 2026-04-01      | 36000 |          |

    Passing example:

        | Encounter ID | Date of Service | CPT   | Modifier |
        | E1           | 2026-04-01      | 96365 |          |
        | E1           | 2026-04-01      | 36000 | XS       |
    """

    id = "INF021"
    name = "ncci-ptp"
    severity = Severity.ERROR
    requires = ("code", "encounter")
    example_options = {"ncci": (EXAMPLE_PTP,)}

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        table = ctx.reference.ncci
        if table is None or table.empty or lines.empty:
            return combine()
        ids, names = pd.factorize(lines["code"])  # each distinct code is encoded once
        numbers = np.append(code_numbers(pd.Series(names, dtype="object")), -1)
        code = numbers[ids]  # a missing code (-1) picks the appended -1
        billed = np.unique(code[code >= 0])
        edits = table[np.isin(table["column1"].to_numpy(), billed)
                      & np.isin(table["column2"].to_numpy(), billed)
                      & (table["column1"] != table["column2"]).to_numpy()]
        if edits.empty:  # the usual case: a join of a few rows, not of the whole table
            return combine()
        return _hits(lines, code, edits)


def _day(lines: pd.DataFrame) -> np.ndarray:
    """Each line's date of service as a YYYYMMDD number (the start date when the service
    date is missing; 0 when neither is known)."""
    when = lines["service_date"].fillna(lines["start_date"])
    number = when.dt.year * 10000 + when.dt.month * 100 + when.dt.day
    return number.fillna(0).astype("int64").to_numpy()


def _hits(lines: pd.DataFrame, code: np.ndarray, edits: pd.DataFrame) -> pd.DataFrame:
    """Column-2 lines whose column-1 code is billed in the same encounter on the same day,
    under an edit in force that day and not lifted by a modifier."""
    day = _day(lines)
    group = pd.factorize(encounter_ids(lines).astype("int64") * 100_000_000 + day)[0]
    group = group.astype("int64")
    present = np.unique(group[code >= 0] * _SPAN + code[code >= 0])  # (day, code) billed
    candidates = np.flatnonzero(np.isin(code, edits["column2"].to_numpy()))
    pairs = pd.DataFrame({"line": candidates, "column2": code[candidates]}).merge(
        edits.astype({"column2": "int64"}), on="column2")
    line = pairs["line"].to_numpy()
    first = pairs["column1"].to_numpy().astype("int64")
    along = np.isin(group[line] * _SPAN + first, present)
    when = day[line]
    start, end = pairs["effective"].to_numpy(), pairs["deletion"].to_numpy()
    in_force = np.where(when > 0, (start <= when) & (when < end), end == NO_DELETION)
    lifted = has_modifier(lines["modifiers"], *NCCI_MODIFIERS).to_numpy()[line]
    indicator = pairs["indicator"].to_numpy()
    pairs = pairs[along & in_force & ((indicator == 0) | ~lifted)]
    if pairs.empty:
        return combine()
    return _texts(lines, pairs)


def _texts(lines: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """One hit per column-2 line, naming every column-1 code it is billed with."""
    pairs = pairs.drop_duplicates(["line", "column1"]).sort_values(["line", "column1"])
    line = pairs["line"].to_numpy()
    starts = np.flatnonzero(np.r_[True, line[1:] != line[:-1]])
    strict = np.minimum.reduceat(pairs["indicator"].to_numpy(), starts) == 0
    rows = lines.index[line[starts]]
    first = pd.Series(_column1_texts(pairs["column1"].to_numpy(), starts), index=rows,
                      dtype="string")
    strict = pd.Series(strict, index=rows)
    code = lines.loc[rows, "code"]
    message = (code + " is the column-2 code of an NCCI PTP edit with " + first
               + ", billed the same day; " + pd.Series(np.where(
                   strict, "modifier indicator 0: no modifier lets both be paid",
                   "no NCCI-associated modifier is on this line"), index=rows))
    suggestion = pd.Series(np.where(
        strict, "Remove " + code + ": it is not paid with " + first,
        "Remove " + code + "; or, if it was a separate and distinct service (another site or "
        "encounter), append the modifier that documents it (XS, XE, XP, XU or 59)"),
        index=rows)
    later = code.map(SUBSEQUENT).astype("string")  # an initial code's subsequent code
    suggestion = suggestion.where(later.isna(), suggestion + "; if it was a later service "
                                  "of the encounter, bill " + later + " instead")
    return hits(pd.Series(True, index=rows), "code", message, suggestion)


def _column1_texts(column1: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per line (its pairs sorted, from ``starts`` on): its column-1 codes as "A, B". Each
    distinct set of codes is written once: a set is a bit mask over the distinct codes (a
    sheet's flagged pairs name a handful), and only the masks' texts are joined."""
    distinct, which = np.unique(column1, return_inverse=True)
    names = code_text(distinct)
    if len(distinct) > 63:  # too many for a mask: join each line's codes
        ends = np.r_[starts[1:], len(column1)]
        return np.array([", ".join(names[i] for i in which[a:b])
                         for a, b in zip(starts, ends, strict=True)], dtype=object)
    mask = np.bitwise_or.reduceat(np.left_shift(np.int64(1), which.astype(np.int64)), starts)
    masks, back = np.unique(mask, return_inverse=True)
    texts = [", ".join(n for bit, n in enumerate(names) if m >> bit & 1) for m in masks]
    return np.array(texts, dtype=object)[back]
