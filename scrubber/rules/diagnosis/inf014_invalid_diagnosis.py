"""INF014 invalid-diagnosis."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.findings import Severity
from scrubber.reference.icd10 import tokens
from scrubber.reference.tables import Icd10
from scrubber.rules.base import Context, Rule, cell_hits, combine


class InvalidDiagnosis(Rule):
    """A diagnosis is not a valid, billable ICD-10-CM code.

    Why it matters: payers deny a line whose diagnosis is not in the current ICD-10-CM code
    set or is a category header rather than a billable code at the highest level of
    specificity (ICD-10-CM Official Guidelines for Coding and Reporting, section I.B.2; CMS
    Claims Processing Manual ch. 23). Codes are checked against the CMS code set shipped
    with the scrubber (made from the ``simple-icd-10-cm`` release the report names), with or
    without the dot and in any case, and reported
    in their normalised form; for a category the billable codes under it are suggested
    (K50 -> K50.00 ... K50.919). Every diagnosis column and every code in a cell is checked;
    the finding names the diagnosis column that holds the code (Diagnosis 2, not Diagnosis 1)
    and quotes each failing code of that cell.

    Failing example:

        | Encounter ID | CPT   | Diagnosis |
        | E1           | 96365 | K50       |

    Passing example:

        | Encounter ID | CPT   | Diagnosis |
        | E1           | 96365 | k5090     |
    """

    id = "INF014"
    name = "invalid-diagnosis"
    severity = Severity.ERROR
    requires = ("code",)

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        cells = ctx.field_cells("diagnosis", lines.index).stack()
        codes = tokens(cells)
        if codes.empty:
            return combine()
        icd10 = ctx.reference.icd10 or Icd10()
        unique = pd.Series(codes.unique())
        verdicts = pd.DataFrame([icd10.verdict(str(c)) for c in unique], index=unique,
                                columns=["status", "detail"])
        status, detail = codes.map(verdicts["status"]), codes.map(verdicts["detail"])
        bad = pd.DataFrame({"code": codes, "status": status, "detail": detail})[
            status != "ok"]
        if bad.empty:
            return combine()
        category = bad["status"] == "category"
        message = bad["code"] + pd.Series(np.where(
            category, " is a category, not a billable code", " is not an ICD-10-CM code"),
            index=bad.index)
        suggestion = pd.Series(np.where(
            category, "Use a billable code under it: " + bad["detail"],
            "Check the code against the current ICD-10-CM code set"), index=bad.index)
        # one finding per cell: the codes of one cell that fail are quoted together (joined
        # only where a cell has several, since joining every cell's group takes a while)
        per_cell = pd.DataFrame({"message": message, "suggestion": suggestion})
        several = per_cell.index.duplicated(keep=False)
        if several.any():
            joined = per_cell[several].groupby(level=[0, 1]).agg("; ".join)
            per_cell = pd.concat([per_cell[~several], joined]).sort_index()
        return cell_hits(per_cell["message"], "diagnosis", per_cell["message"],
                         per_cell["suggestion"])
