"""S001 code-format."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.findings import Severity
from scrubber.rules.schema.base import SchemaRule


class CodeFormat(SchemaRule):
    """A charge line has no billing code, or one that is not a CPT or HCPCS code.

    Why it matters: a claim line needs a CPT code (five digits; Category II/III four digits and
    F or T) or a HCPCS Level II code (a letter and four digits). Anything else is rejected by
    the clearinghouse before a payer sees it (CMS Claims Processing Manual ch. 26, item 24D).
    Codes typed as numbers (96365.0) or with spaces are read as the code they mean; a
    modifier typed into the code cell ("96365-59") is moved to the modifiers.

    Failing example:

        | Encounter ID | CPT   | Units |
        | E1           | 9636  | 1     |

    Passing example:

        | Encounter ID | CPT   | Units |
        | E1           | 96365 | 1     |
    """

    id = "S001"
    name = "code-format"
    severity = Severity.ERROR
    fields = ("code",)

    def message(self, lines: pd.DataFrame, field: pd.Series) -> pd.Series:
        code = lines["code"]
        text = np.where(code.isna(), "The line has no billing code",
                        "Code '" + code.fillna("") + "' is not a CPT code (five digits) or a "
                        "HCPCS Level II code (a letter and four digits)")
        return pd.Series(text, index=lines.index)

    def suggestion(self, lines: pd.DataFrame, field: pd.Series) -> str:
        return "Enter the CPT or HCPCS code from the charge master, e.g. 96365 or J1745"
