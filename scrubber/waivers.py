"""Waivers: findings an analyst has reviewed and accepts, reported as waived, not as errors.

Two ways, as linters have them:

- **In the sheet**: a ``Scrub Waive`` column (also ``Waive``, ``Waiver``). Its cell names the
  rules waived on that line, by ID or name, each with an optional reason after a colon:
  ``INF016: vial size documented; missing-diagnosis``. A name that is not a rule is not
  silently ignored: it is listed with its row (``problems``) in every report.
- **A baseline**: ``--baseline report.json``, an earlier JSON report. Every finding in it is
  waived where it appears again: the same rule, encounter, column and value (rows move when
  lines are added, so the row is not part of the match), as often as it was reported.

A waived finding keeps everything it had and gains the reason; it leaves the error and
warning counts, the marks and the exit status.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scrubber.config import ConfigError
from scrubber.findings import Finding
from scrubber.rules import lookup

_SPLIT = re.compile(r"[;,\n]+")


@dataclass(frozen=True)
class Waived:
    """A waived finding and why."""

    finding: Finding
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {**self.finding.to_dict(), "waiver": self.reason}


@dataclass(frozen=True)
class Baseline:
    """The findings of an earlier report, by (rule, encounter, column, value), counted."""

    keys: Mapping[tuple[str, str | None, str | None, str | None], int] = field(
        default_factory=dict)
    source: str = ""

    @classmethod
    def load(cls, path: str | Path) -> Baseline:
        """Read a JSON report that ``scrubber scrub --format json`` wrote.

        Raises:
            ConfigError: the file is missing or is not such a report.
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
            found = [f for file in data["files"] for f in file["findings"]]
            keys = Counter((str(f["rule"]), f.get("encounter"), f.get("column"),
                            f.get("value")) for f in found)
        except FileNotFoundError:
            raise ConfigError(f"baseline {path}: not found") from None
        except (OSError, ValueError, KeyError, TypeError):
            raise ConfigError(f"baseline {path}: not a JSON report of scrubber scrub "
                              f"(--format json)") from None
        return cls(dict(keys), str(path))


def parse_cell(text: str | None) -> dict[str, str]:
    """Rule reference (upper-cased ID or lower-cased name) -> reason, from a waive cell."""
    out: dict[str, str] = {}
    for part in _SPLIT.split(text or ""):
        part = part.strip()
        if not part:
            continue
        rule, _, reason = part.partition(":")
        rule = rule.strip()
        key = rule.upper() if re.fullmatch(r"(?i)[a-z]+\d+", rule) else rule.lower()
        out[key] = reason.strip() or "waived in the sheet"
    return out


def apply(findings: Iterable[Finding], cells: Mapping[int, str],
          baseline: Baseline | None = None
          ) -> tuple[list[Finding], list[Waived], list[str]]:
    """Split findings into those still reported and those waived (sheet first, then the
    baseline). ``cells`` maps a worksheet row to its waive cell's text. The third list says
    which waive cells name something that is not a rule."""
    if baseline is None and not any(cells.values()):  # nothing waived: the usual run
        return list(findings), [], []
    remaining = Counter(baseline.keys) if baseline is not None else Counter()
    kept: list[Finding] = []
    waived: list[Waived] = []
    parsed = {row: parse_cell(text) for row, text in cells.items() if text}
    problems = [f"row {row}: {ref!r} is not a rule (give an ID such as INF003 or a name "
                f"such as push-billed-as-infusion)"
                for row, refs in sorted(parsed.items()) for ref in refs if not _is_rule(ref)]
    for finding in findings:
        on_row = parsed.get(finding.row, {})
        reason = on_row.get(finding.rule.upper()) or on_row.get(finding.name.lower())
        if reason:
            waived.append(Waived(finding, reason))
            continue
        key = (finding.rule, finding.encounter, finding.column, finding.value)
        if remaining[key] > 0:
            remaining[key] -= 1
            waived.append(Waived(finding, f"in the baseline {Path(baseline.source).name}"))
            continue
        kept.append(finding)
    return kept, waived, problems


def _is_rule(reference: str) -> bool:
    try:
        lookup(reference)
    except ConfigError:
        return False
    return True
