"""S002 time-format."""

from __future__ import annotations

import pandas as pd

from scrubber.findings import Severity
from scrubber.rules.schema.base import SchemaRule
from scrubber.times import PLAUSIBLE_YEARS

#: a timestamp dated after PLAUSIBLE_YEARS (9999-12-31 23:59): a "no time yet" sentinel.
_PLACEHOLDER = (f" time is a placeholder: it is dated after {PLAUSIBLE_YEARS[1]}, outside any "
                "plausible date of service")


class TimeFormat(SchemaRule):
    """A start or stop time cannot be read as a time of day.

    Why it matters: infusion codes are billed by documented minutes (CMS Claims Processing
    Manual ch. 12 section 30.5); a time the scrubber cannot read is a time a reviewer cannot
    verify. Readable forms are Excel times and datetimes, 10:05, 10:05:00, 10:05 AM, 1005,
    2026-10-05 10:05 and 10/05/2026 10:05 PM. A number that is neither an Excel time nor an
    Excel date (an epoch in milliseconds such as 1709337600000) is not readable, and neither is
    a timestamp dated after 2099 (9999-12-31 23:59 is a system's "not stopped yet").

    Failing example:

        | Encounter ID | CPT   | Start Time | Stop Time |
        | E1           | 96365 | 10:00      | 25:10     |

    Passing example:

        | Encounter ID | CPT   | Start Time | Stop Time |
        | E1           | 96365 | 10:00      | 11:10     |
    """

    id = "S002"
    name = "time-format"
    severity = Severity.ERROR
    fields = ("start", "stop")

    def message(self, lines: pd.DataFrame, field: pd.Series) -> pd.Series:
        which = field.map({"start": "Start", "stop": "Stop"}).fillna("Start")
        # normalize carries the parser's ``implausible`` flags when it has them to give
        placeholder = pd.Series(False, index=lines.index)
        for name in ("start", "stop"):
            flag = lines.get(f"{name}_implausible", pd.Series(False, index=lines.index))
            placeholder |= (field == name).fillna(False) & flag.fillna(False).astype(bool)
        return (which + " time cannot be read as a time of day").mask(
            placeholder, which + _PLACEHOLDER)

    def suggestion(self, lines: pd.DataFrame, field: pd.Series) -> str:
        return "Enter the time as HH:MM (24-hour) or HH:MM AM/PM"
