"""One problem, one finding per cell: which rule speaks when two judge the same fault.

Some faults are seen by two rules: a malformed code is both a bad pattern (code-format) and
not a real code (invalid-code); an initial code billed with 2 units breaks both the one-unit
limit (mue-exceeded) and the time arithmetic (time-units-mismatch); 96360 billed as the
initial beside a 96365 is both the wrong initial by rank (hierarchy) and a second initial
(duplicate-initial); 96376 on a professional claim without a primary is both
facility-only (facility-only-code) and an add-on without its primary (addon-without-primary),
and the fix is to drop it; a code that the user's NCCI PTP edits bundle into another is
often also what a coding rule reports on that code cell (96360 beside 96365 is a hierarchy
fault, a second initial a duplicate-initial one): ncci-ptp names the edit the payer applies
and the subsequent code, so it speaks, below invalid-code and facility-only-code (a code
that does not exist or is not billed at all). When two *selected*
rules of one group report the same cell (sheet, row, column), only the first-listed rule's
finding is kept; with only the lower rule selected, it reports. Any new overlap goes here,
and ``scrubber rule NAME`` shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

#: groups of rule names, strongest first.
PRECEDENCE: tuple[tuple[str, ...], ...] = (
    ("invalid-code", "code-format"),
    ("mue-exceeded", "time-units-mismatch"),
    # an initial that should be subsequent: hierarchy names the higher service and both codes
    ("hierarchy", "duplicate-initial"),
    # a facility-only code on a professional claim is dropped, not given a primary
    ("facility-only-code", "addon-without-primary"),
    # unreadable units: the count cannot be judged, so only the format is reported
    ("units-format", "time-units-mismatch"),
    ("units-format", "drug-units-mismatch"),
    # an NCCI PTP pair on a code cell that a coding rule judges: the edit the payer runs
    # (with the subsequent code as its fix) speaks for the pair; a code that does not exist
    # or is never billed is the deeper fault
    ("invalid-code", "ncci-ptp"),
    ("facility-only-code", "ncci-ptp"),
    ("ncci-ptp", "hierarchy"),
    ("ncci-ptp", "duplicate-initial"),
    ("ncci-ptp", "hydration-not-separately-billable"),
)


#: rules whose finding on a cell replaces any other rule's there: an Excel error cell holds no
#: value, so what another rule says of the empty cell it reads is beside the point.
OVER_ALL: tuple[str, ...] = ("error-cell",)


class _Cellular(Protocol):
    name: str
    sheet: str
    row: int
    column_letter: str | None


T = TypeVar("T", bound=_Cellular)


def outranked_by(name: str) -> tuple[str, ...]:
    """Rules whose finding on a cell replaces this rule's finding on that cell."""
    first = () if name in OVER_ALL else OVER_ALL
    return tuple(dict.fromkeys((*first, *(r for group in PRECEDENCE if name in group
                                          for r in group[:group.index(name)]))))


def outranks(name: str) -> tuple[str, ...]:
    """Rules whose finding on a cell this rule's finding replaces."""
    if name in OVER_ALL:
        return ("any other rule",)
    return tuple(dict.fromkeys(r for group in PRECEDENCE if name in group
                               for r in group[group.index(name) + 1:]))


def resolve(findings: Iterable[T]) -> list[T]:
    """Drop every finding that a stronger rule of its group made on the same cell."""
    findings = list(findings)
    names = {f.name for f in findings}
    stronger = {name: outranked_by(name) for name in names}
    speaks = {r for group in stronger.values() for r in group}  # rules that outrank another
    spoken = {(f.sheet, f.row, f.column_letter, f.name) for f in findings if f.name in speaks}
    return [f for f in findings
            if not any((f.sheet, f.row, f.column_letter, rule) in spoken
                       for rule in stronger[f.name])]
