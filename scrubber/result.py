"""What a scrub returns: findings per file, the files that could not be read, and the report
shape (``to_dict``). Outputs (render, mark, batch) read these records; they sit below the
engine, so an output never imports the engine that made them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING

from scrubber.findings import Finding, Severity
from scrubber.io.errors import InputError
from scrubber.version import __version__

if TYPE_CHECKING:  # the annotation only: waivers sits above the result records
    from scrubber.waivers import Waived


@dataclass(frozen=True)
class SkippedRow:
    """A row under the data that is not a charge line (a totals or summary row)."""

    row: int
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"row": self.row, "reason": self.reason}


@dataclass(frozen=True)
class FileResult:
    """Findings for one file (or frame, or grid), with where its data sits."""

    path: str
    sheet: str
    header_row: int
    rows: int
    findings: tuple[Finding, ...]
    #: worksheet rows of every charge line (for marking clean rows); not in reports.
    line_rows: tuple[int, ...] = field(default=(), repr=False, compare=False)
    #: totals and summary rows left out of the checks.
    skipped_rows: tuple[SkippedRow, ...] = ()
    #: names of the rules that could not run on this sheet (each has a finding too).
    failed_rules: tuple[str, ...] = ()
    #: findings an analyst waived (scrubber.waivers.Waived): not counted, not marked.
    waived: tuple[Waived, ...] = ()
    #: waive cells that name something that is not a rule.
    waiver_problems: tuple[str, ...] = ()
    #: flagged rows that the sheet hides (the marked copy lists them; it does not unhide).
    hidden_rows: tuple[int, ...] = ()
    #: (profile, lines checked under it) when payer profiles applied line by line (the base
    #: settings as scrubber.payers.BASE); empty otherwise.
    payer_profiles: tuple[tuple[str, int], ...] = ()
    #: payer texts that matched several profiles, or a sheet without a Payer column.
    payer_warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        out = {"path": self.path, "sheet": self.sheet, "header_row": self.header_row,
               "rows": self.rows, "skipped_rows": [s.to_dict() for s in self.skipped_rows],
               "findings": [f.to_dict() for f in self.findings]}
        if self.waived or self.waiver_problems:  # only where waivers were used
            out["waived"] = [w.to_dict() for w in self.waived]
            out["waiver_problems"] = list(self.waiver_problems)
        if self.hidden_rows:
            out["hidden_flagged_rows"] = list(self.hidden_rows)
        if self.payer_profiles:  # only where payer profiles applied line by line
            out["lines_by_profile"] = dict(self.payer_profiles)
            out["payer_warnings"] = list(self.payer_warnings)
        return out


@dataclass(frozen=True)
class ScrubResult:
    """Findings for one or many files, plus the files that could not be read."""

    files: tuple[FileResult, ...]
    input_errors: tuple[InputError, ...] = field(default=())
    #: what produced the findings: the reference tables' sources and quarters.
    reference: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(chain.from_iterable(file.findings for file in self.files))

    def count(self, severity: Severity) -> int:
        return self._severities()[severity]

    def _severities(self) -> Counter[Severity]:
        # map and attrgetter count in C: a large run has tens of thousands of findings
        return Counter(map(attrgetter("severity"), self.findings))

    @property
    def exit_code(self) -> int:
        """0 clean, 1 an error-severity finding, 2 an input error or a rule that could not
        run."""
        if self.input_errors or any(f.failed_rules for f in self.files):
            return 2
        return 1 if self.count(Severity.ERROR) else 0

    def summary(self) -> dict[str, object]:
        by_rule = Counter(map(attrgetter("name"), self.findings))
        severities = self._severities()
        out = {"files": len(self.files), "rows": sum(f.rows for f in self.files),
               "skipped_rows": sum(len(f.skipped_rows) for f in self.files),
               "errors": severities[Severity.ERROR], "warnings": severities[Severity.WARNING],
               "by_rule": dict(sorted(by_rule.items()))}
        waived = sum(len(f.waived) for f in self.files)
        if waived:
            out["waived"] = waived
        hidden = sum(len(f.hidden_rows) for f in self.files)
        if hidden:
            out["hidden_flagged_rows"] = hidden
        profiles: Counter[str] = Counter()
        for file in self.files:
            profiles.update(dict(file.payer_profiles))
        if profiles:
            out["lines_by_profile"] = dict(profiles)
        return out

    def to_dict(self) -> dict[str, object]:
        """The JSON report: ``{"version", "reference", "files": [...], "summary": {...}}``."""
        return {"version": __version__, "reference": dict(self.reference),
                "files": [f.to_dict() for f in self.files], "summary": self.summary()}
