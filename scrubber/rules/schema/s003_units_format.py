"""S003 units-format."""

from __future__ import annotations

import pandas as pd

from scrubber.findings import Severity
from scrubber.rules.schema.base import SchemaRule


class UnitsFormat(SchemaRule):
    """Billed units are not a positive number.

    Why it matters: units of service must be a positive quantity on every claim line
    (CMS Claims Processing Manual ch. 26, item 24G); text, zero or a negative number is
    rejected or pays nothing. A blank units cell is read as one unit.

    Failing example:

        | Encounter ID | CPT   | Units |
        | E1           | J1745 | forty |

    Passing example:

        | Encounter ID | CPT   | Units |
        | E1           | J1745 | 40    |
    """

    id = "S003"
    name = "units-format"
    severity = Severity.ERROR
    fields = ("units",)

    def message(self, lines: pd.DataFrame, field: pd.Series) -> str:
        return "Units must be a positive number"

    def suggestion(self, lines: pd.DataFrame, field: pd.Series) -> str:
        return "Enter the billed units as a number (1 for an administration code)"
