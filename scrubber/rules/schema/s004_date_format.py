"""S004 date-format."""

from __future__ import annotations

import pandas as pd

from scrubber.findings import Severity
from scrubber.rules.schema.base import SchemaRule


class DateFormat(SchemaRule):
    """A date of service cannot be read as a date.

    Why it matters: the date of service decides the encounter when there is no encounter
    column, and every claim line needs one (CMS Claims Processing Manual ch. 26, item 24A).
    Readable forms are Excel dates, 2026-10-05, 10/05/2026, 10/5/26 and 20261005.

    Failing example:

        | Encounter ID | Date of Service | CPT   |
        | E1           | 2026-13-45      | 96372 |

    Passing example:

        | Encounter ID | Date of Service | CPT   |
        | E1           | 2026-10-05      | 96372 |
    """

    id = "S004"
    name = "date-format"
    severity = Severity.WARNING
    fields = ("service_date",)

    def message(self, lines: pd.DataFrame, field: pd.Series) -> str:
        return "Date of service cannot be read as a date"

    def suggestion(self, lines: pd.DataFrame, field: pd.Series) -> str:
        return "Enter the date as YYYY-MM-DD or MM/DD/YYYY"
