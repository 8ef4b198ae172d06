"""S002 time-format."""

from __future__ import annotations

import pandas as pd

from scrubber.findings import Severity
from scrubber.rules.schema.base import SchemaRule


class TimeFormat(SchemaRule):
    """A start or stop time cannot be read as a time of day.

    Why it matters: infusion codes are billed by documented minutes (CMS Claims Processing
    Manual ch. 12 section 30.5); a time the scrubber cannot read is a time a reviewer cannot
    verify. Readable forms are Excel times and datetimes, 10:05, 10:05:00, 10:05 AM, 1005,
    2026-10-05 10:05 and 10/05/2026 10:05 PM.

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
        return which + " time cannot be read as a time of day"

    def suggestion(self, lines: pd.DataFrame, field: pd.Series) -> str:
        return "Enter the time as HH:MM (24-hour) or HH:MM AM/PM"
