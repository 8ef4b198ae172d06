"""The one record every output is rendered from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: an error blocks the claim, a warning asks for a look."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem on one charge line, in the user's coordinates.

    Attributes:
        rule: the stable rule ID (``INF003``).
        name: the rule's kebab-case name (``push-billed-as-infusion``).
        severity: error or warning, after config overrides.
        message: what is wrong, in billing terms.
        suggestion: the fix (the corrected code where there is one), or None.
        sheet: the worksheet name.
        row: the worksheet row number that Excel shows.
        column: the header text as written in the file, or None when no column applies.
        column_letter: the column's letter (``E``), or None.
        value: the cell's value as text, or None for an empty cell.
        encounter: the encounter the line belongs to.
    """

    rule: str
    name: str
    severity: Severity
    message: str
    suggestion: str | None
    sheet: str
    row: int
    column: str | None
    column_letter: str | None
    value: str | None
    encounter: str | None

    def to_dict(self) -> dict[str, object]:
        """The finding as it appears in the JSON and CSV reports."""
        return {
            "row": self.row,
            "encounter": self.encounter,
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "column": self.column,
            "column_letter": self.column_letter,
            "value": self.value,
            "message": self.message,
            "suggestion": self.suggestion,
        }

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.row, self.rule)
