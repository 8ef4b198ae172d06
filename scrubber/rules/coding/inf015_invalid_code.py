"""INF015 invalid-code."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.codes import ADMINISTRATION, CODE_PATTERN, RANGE_PATTERN, nearest
from scrubber.findings import Severity
from scrubber.rules.base import Context, Rule, combine, hits
from scrubber.rules.coding.common import by_value


class InvalidCode(Rule):
    """A billed code is not a CPT or HCPCS Level II code, or has been deleted.

    Why it matters: a claim line must carry a current code: a five-digit CPT code (or a
    Category II/III code) or a HCPCS Level II code (a letter and four digits). A number
    inside the administration ranges 96360-96379 and 96401-96549 that CPT does not define
    (96378, 96364, 96500: a typo or a charge-master error) is denied; the nearest real
    administration codes are suggested (CPT code set as DOMAIN.md lists it). Drug codes are
    replaced from time to time, and a deleted code is denied: J1170 -> J1171, J2505 -> J2506,
    J3370 -> J3373, J1300 -> J1299, J2920/J2930 -> J2919, J9265 -> J9267 (CMS HCPCS
    quarterly update; OPPS Addendum B). Deleted codes come from the shipped drug table's
    "replaces" column, and the replacement is suggested. With ``--hcpcs FILE`` (the CMS
    quarterly HCPCS file) a Level II code that is not in the file, or is terminated in it,
    is flagged too. A missing code is code-format's finding.

    Failing example:

        | Encounter ID | CPT   | Units |
        | E1           | J2505 | 12    |
        | E1           | 96378 | 1     |

    Passing example:

        | Encounter ID | CPT   | Units |
        | E1           | J2506 | 12    |
        | E1           | 96377 | 1     |
    """

    id = "INF015"
    name = "invalid-code"
    severity = Severity.ERROR
    requires = ("code",)

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        code = lines["code"]
        # each distinct code is judged once (an export has a few dozen)
        malformed = by_value(code, lambda c: c.notna() & ~c.str.match(CODE_PATTERN)
                             .fillna(False).astype(bool))
        replacement = by_value(code, lambda c: c.map(ctx.reference.drugs.replaced_by))
        deleted = code.notna() & replacement.notna()
        bad = lines.index[malformed]  # the texts are made for the flagged lines only
        gone = lines.index[deleted]
        parts = []
        if not bad.empty:
            parts.append(hits(pd.Series(True, index=bad), "code", "'" + code.loc[bad].fillna("")
                              + "' is neither a five-digit CPT code nor a HCPCS Level II code "
                              "(a letter and four digits)", "Enter the CPT or HCPCS code"))
        if not gone.empty:
            parts.append(hits(pd.Series(True, index=gone), "code", code.loc[gone]
                              + " is a deleted HCPCS code", "Bill "
                              + replacement.loc[gone].fillna("") + ", the code that replaced it "
                              "(check the units: the new descriptor's unit may differ)"))
        parts.append(_not_administration(code))
        if ctx.reference.hcpcs is not None:
            parts.append(_file_hits(lines, ctx.reference.hcpcs, malformed | deleted))
        return combine(*parts)


def _not_administration(code: pd.Series) -> pd.DataFrame:
    """Five-digit codes inside the administration ranges that are not real codes."""
    unreal = by_value(code, lambda c: c.str.match(RANGE_PATTERN).fillna(False).astype(bool)
                      & ~c.isin(ADMINISTRATION))
    code = code[unreal]
    if code.empty:
        return combine()
    guesses = {c: _or(nearest(c)) for c in code.unique()}  # a few distinct codes
    return hits(pd.Series(True, index=code.index), "code",
                code + " is not a CPT administration code",
                "Did you mean " + code.map(guesses).astype("string") + "? Check the code on "
                "the order and the charge master")


def _or(codes: tuple[str, ...]) -> str:
    return codes[0] if len(codes) == 1 else f"{', '.join(codes[:-1])} or {codes[-1]}"


def _file_hits(lines: pd.DataFrame, table: pd.DataFrame, known_bad: pd.Series) -> pd.DataFrame:
    code = lines["code"]
    level_two = by_value(code, lambda c: c.str.match(r"^[A-V]\d{4}$").fillna(False)
                         .astype(bool)) & ~known_bad
    listed = by_value(code, lambda c: c.isin(table.index))
    terminated = by_value(code, lambda c: c.isin(table.index[table["deleted"].astype(bool)]))
    flagged = lines.index[level_two & (~listed | terminated)]
    if flagged.empty:
        return combine()
    code, listed = code.loc[flagged], listed.loc[flagged]
    message = code + pd.Series(np.where(listed, " is terminated in the HCPCS file",
                                        " is not in the HCPCS file"), index=flagged)
    return hits(pd.Series(True, index=flagged), "code", message,
                "Use a current HCPCS code for this drug or supply")
