"""S004 date-format."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrubber.findings import Severity
from scrubber.rules.schema.base import SchemaRule
from scrubber.times import PLAUSIBLE_YEARS

_UNREADABLE = "Date of service cannot be read as a date"
#: a real calendar date outside PLAUSIBLE_YEARS (9999-12-31, 0001-01-01): a "no date" sentinel.
_PLACEHOLDER = (f"Date of service is a placeholder, outside any plausible date of service "
                f"(years {PLAUSIBLE_YEARS[0]}-{PLAUSIBLE_YEARS[1]})")


class DateFormat(SchemaRule):
    """A date of service cannot be read as a date, or is no plausible day of care.

    Why it matters: the date of service decides the encounter when there is no encounter
    column, and every claim line needs one (CMS Claims Processing Manual ch. 26, item 24A).
    Readable forms are Excel dates, 2026-10-05, 10/05/2026, 10/5/26 and 20261005 (a time of
    day after the date is ignored). A real date outside the years 1900-2099, such as
    9999-12-31 or 0001-01-01, is the placeholder a system writes for "no date", not a day a
    patient was treated, so it is reported too.

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

    def message(self, lines: pd.DataFrame, field: pd.Series) -> pd.Series:
        # normalize carries the parser's ``implausible`` flag when it has one to give
        placeholder = lines.get("service_date_implausible",
                                pd.Series(False, index=lines.index)).fillna(False)
        return pd.Series(np.where(placeholder.astype(bool), _PLACEHOLDER, _UNREADABLE),
                         index=lines.index)

    def suggestion(self, lines: pd.DataFrame, field: pd.Series) -> str:
        return "Enter the real date of service as YYYY-MM-DD or MM/DD/YYYY"
