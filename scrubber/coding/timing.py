"""Time arithmetic of the administration codes (DOMAIN.md "Time"), in whole minutes."""

from __future__ import annotations

from collections.abc import Iterable

Interval = tuple[float, float]


def addon_hours(minutes: float) -> int:
    """Each-additional-hour units past an initial or sequential infusion's first hour.

    An hour is billed only for more than 30 minutes past the last full hour, so the first
    code covers up to 90 minutes: 90 -> 0, 91 -> 1, 150 -> 1, 151 -> 2, 210 -> 2, 211 -> 3.
    """
    return max(0, int(minutes - 31) // 60)


def secondary_hydration_units(minutes: float) -> int:
    """96361 units for hydration after another initial service (no 96360).

    Below 31 minutes nothing; then one unit per hour begun past 30 minutes:
    31..90 -> 1, 91..150 -> 2, 151..210 -> 3 (45 -> 1, 120 -> 2, 175 -> 3).
    """
    return 0 if minutes < 31 else int(minutes - 31) // 60 + 1


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or touching intervals merged, sorted by start."""
    merged: list[list[float]] = []
    for start, stop in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    return [(a, b) for a, b in merged]


def subtract(pieces: Iterable[Interval], cut: Iterable[Interval]) -> list[Interval]:
    """The parts of ``pieces`` outside every interval of ``cut``."""
    out = union(pieces)
    for c_start, c_stop in union(cut):
        kept: list[Interval] = []
        for start, stop in out:
            if c_stop <= start or c_start >= stop:
                kept.append((start, stop))
                continue
            if start < c_start:
                kept.append((start, c_start))
            if c_stop < stop:
                kept.append((c_stop, stop))
        out = kept
    return out


def total(intervals: Iterable[Interval]) -> float:
    return sum(stop - start for start, stop in intervals)


def overlaps(a: Interval, others: Iterable[Interval]) -> bool:
    """Whether ``a`` shares more than an instant with any of ``others``."""
    return any(min(a[1], b[1]) > max(a[0], b[0]) for b in others)


def clock(minutes: float) -> str:
    """'HH:MM' of a continuous-clock minute."""
    whole = int(round(minutes)) % 1440
    return f"{whole // 60:02d}:{whole % 60:02d}"


def span_text(start: float | None, stop: float | None) -> str:
    """'10:00-11:45 = 105 min', or what is missing."""
    if start is None and stop is None:
        return "no times documented"
    if stop is None:
        return f"{clock(start)}-? (no stop time)"
    if start is None:
        return f"?-{clock(stop)} (no start time)"
    return f"{clock(start)}-{clock(stop)} = {int(round(stop - start))} min"
