"""CSV report: one finding a line, the JSON finding fields plus the file and sheet."""

from __future__ import annotations

import csv
import io

from scrubber.engine import ScrubResult

COLUMNS = ("path", "sheet", "row", "encounter", "rule", "name", "severity", "column", "value",
           "message", "suggestion")


def render_csv(result: ScrubResult) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for file in result.files:
        for finding in file.findings:
            writer.writerow({"path": file.path, "sheet": file.sheet, **finding.to_dict()})
    return out.getvalue()
