"""S005 error-cell."""

from __future__ import annotations

import pandas as pd

from scrubber.findings import Severity
from scrubber.rules.base import HIT_COLUMNS, Context, Rule, combine

#: what each Excel error value means, for the message.
_MEANING = {
    "#REF!": "a formula refers to cells that were deleted",
    "#N/A": "a lookup found no value",
    "#VALUE!": "a formula was given a value of the wrong type",
    "#DIV/0!": "a formula divides by zero",
    "#NAME?": "a formula names a function or range Excel does not know",
    "#NUM!": "a formula gave an impossible number",
    "#NULL!": "a formula's ranges do not meet",
}


class ErrorCell(Rule):
    """A cell holds an Excel error value (#REF!, #N/A, #VALUE!, #DIV/0!, #NAME?, #NUM!).

    Why it matters: an error cell holds no value. A units cell showing #REF! bills whatever
    the claim system assumes for a blank, a code cell showing #N/A bills nothing, and the
    export's lookups or formulas that made them are broken for every line they feed. The line
    is checked as if the cell were empty, and this finding names the error on the cell; on
    that cell it replaces what any other rule says of the empty value.

    Failing example:

        | Encounter ID | CPT   | Units |
        | E1           | J1745 | #REF! |

    Passing example:

        | Encounter ID | CPT   | Units |
        | E1           | J1745 | 40    |
    """

    id = "S005"
    name = "error-cell"
    severity = Severity.ERROR

    def check(self, lines: pd.DataFrame, ctx: Context) -> pd.DataFrame:
        errors = ctx.errors
        if errors is None or errors.empty:
            return combine()
        rows = errors.index.get_level_values("row")
        errors = errors[rows.isin(lines.index)]
        if errors.empty:
            return combine()
        positions = errors.index.get_level_values("position")
        field_of = {p: name for name, ps in ctx.columns.items() for p in ps}
        text = pd.Series(errors.to_numpy(), dtype="string")
        meaning = text.map(_MEANING).fillna("a formula failed")
        frame = pd.DataFrame({
            "field": positions.map(field_of).to_numpy(),
            "message": ("The cell holds the Excel error " + text + " (" + meaning
                        + "), so it has no value").to_numpy(dtype=object),
            "suggestion": "Fix the formula or lookup behind it, or type the value",
            "severity": None,
            "position": positions.to_numpy(dtype=object),
        }, index=pd.Index(errors.index.get_level_values("row"), name="row"), dtype=object)
        return frame[list(HIT_COLUMNS)]
