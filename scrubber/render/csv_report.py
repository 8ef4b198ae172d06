"""CSV report: one finding a line, the JSON finding fields plus the file and sheet.

Spreadsheet programs run a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(CSV injection), and cell values are quoted back in these reports. Such text gets a leading
apostrophe, as OWASP advises, so a value like ``=HYPERLINK(...)`` opens as the text it was;
plain numbers such as ``-5`` stay as they are. The JSON report carries values untouched.
"""

from __future__ import annotations

import csv
import io
import re

from scrubber.result import ScrubResult

COLUMNS = ("path", "sheet", "row", "encounter", "rule", "name", "severity", "column",
           "column_letter", "value",
           "message", "suggestion")
#: what a spreadsheet would start evaluating: a formula sign, or a tab/CR in front of one.
_FORMULA = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def inert(value: object) -> object:
    """A field as a spreadsheet will show it, never run it (non-text passes through)."""
    if isinstance(value, str) and value[:1] in _FORMULA and not _NUMBER.match(value):
        return "'" + value
    return value


def render_csv(result: ScrubResult) -> str:
    out = io.StringIO()
    # the writer quotes a field that holds a character of its line terminator: with "\n"
    # alone a carriage return went out bare, and a spreadsheet split the line there, so
    # "\r=1+1" began a new row with a live formula. Records end in "\n" all the same.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for file in result.files:
        path, sheet = inert(file.path), inert(file.sheet)
        # the finding's fields in to_dict()'s order, which COLUMNS follows after the sheet
        writer.writerows((path, sheet, *map(inert, f.to_dict().values()))
                         for f in file.findings)
    return out.getvalue().replace("\r\n", "\n")
