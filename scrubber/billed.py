"""What a charge export billed, per encounter, beside what its documentation supports.

``scrubber suggest`` on a charge export shows both (issue 11 item 8). The billed side is the
export's administration lines (96360-96549, real or not) with their units and modifiers,
added up per date of service, code and modifiers exactly as the coding engine adds up its own
lines; drug (J-code) lines are not compared, since the suggestion holds administration lines
only. An encounter whose rows cannot be coded (a broken code, a time that cannot be read, no
administration row) gets its reason instead of a suggestion.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from scrubber.codes import (
    ADMINISTRATION,
    CODE_PATTERN,
    DISTINCT_MODIFIERS,
    DRUG_CODE_PATTERN,
    RANGE_PATTERN,
)
from scrubber.coding import CodedLine
from scrubber.coding.frame import administration_rows, start_date

#: what a billed line's reason says when a units cell of it cannot be read.
UNREADABLE = "units cannot be read"


def _matches(code: pd.Series, pattern: str) -> pd.Series:
    return code.str.match(pattern).fillna(False).astype(bool)


def billed_codes(lines: pd.DataFrame) -> pd.Series:
    """The lines that bill an administration code: five digits inside 96360-96379 or
    96401-96549, a real code or not."""
    return _matches(lines["code"], RANGE_PATTERN)


def billed_lines(lines: pd.DataFrame) -> dict[str, tuple[CodedLine, ...]]:
    """Encounter -> its billed administration lines: one per date, code and modifiers, units
    added up, by date. A units cell that cannot be read counts 0 (never a guess), and the
    line's reason says so."""
    dates = start_date(lines).dt.strftime("%Y-%m-%d").fillna("")
    billed = lines[billed_codes(lines)]
    if billed.empty:
        return {}
    modifiers = billed["modifiers"].fillna("")
    modifiers = modifiers.map({text: ",".join(sorted(m for m in text.split(",") if m))
                               for text in modifiers.unique()})  # a few distinct lists
    frame = pd.DataFrame({"encounter": billed["encounter"].astype(str),
                          "date": dates[billed.index], "code": billed["code"].astype(str),
                          "modifiers": modifiers, "units": billed["units"].fillna(0.0),
                          "unread": billed["units"].isna(), "row": billed.index})
    # the groups are numbered once, and each group's rows are cut from one sorted array
    keys = ["encounter", "date", "code", "modifiers"]
    group = frame.groupby(keys, sort=False).ngroup().to_numpy()
    order = np.argsort(group, kind="stable")
    cuts = np.flatnonzero(np.diff(group[order])) + 1
    rows = np.split(frame["row"].to_numpy()[order], cuts)
    unread = np.split(frame["unread"].to_numpy()[order], cuts)
    units = np.bincount(group, weights=frame["units"].to_numpy())
    first = frame.iloc[order[np.r_[0, cuts]]]
    out: dict[str, list[CodedLine]] = {}
    for n, (encounter, date, code, mods) in enumerate(zip(*(first[k] for k in keys),
                                                          strict=True)):
        bad = rows[n][unread[n]]
        reason = f"row {', '.join(map(str, bad))}: {UNREADABLE}, counted as 0" \
            if len(bad) else ""
        out.setdefault(encounter, []).append(CodedLine(
            code, int(round(units[n])), tuple(m for m in mods.split(",") if m),
            tuple(int(r) for r in rows[n]), reason, date))
    return {e: tuple(sorted(ls, key=lambda line: line.date)) for e, ls in out.items()}


def uncodable(lines: pd.DataFrame, export: bool) -> dict[str, str]:
    """Encounter -> why its administrations cannot be coded (the first reason, by row).

    A broken code in a charge export (not a CPT or HCPCS code, or a number inside the
    administration ranges that CPT does not define): which administration the row was is not
    known. A start or stop that cannot be read on an administration row, or a stop before the
    start that is not a midnight crossing: the minutes that choose the code are not known.
    A charge export's encounter with drug or add-on lines but no administration row: there
    is nothing to code from (one with neither, an E/M visit, has nothing to code).
    """
    code = lines["code"]
    reasons = pd.Series("", index=lines.index, dtype=object)
    admin = administration_rows(lines)
    checks: list[tuple[pd.Series, pd.Series]] = []
    if export:
        malformed = code.notna() & ~_matches(code, CODE_PATTERN)
        unreal = billed_codes(lines) & ~code.isin(ADMINISTRATION)
        checks += [(malformed, "'" + code.fillna("") + "' is neither a CPT code nor a HCPCS "
                               "code, so which administration it bills is not known"),
                   (unreal, code.fillna("") + " is not a CPT administration code, so which "
                                              "administration it bills is not known")]
    checks += [(admin & lines["start_bad"], pd.Series("the start time cannot be read",
                                                      index=lines.index)),
               (admin & lines["stop_bad"], pd.Series("the stop time cannot be read",
                                                     index=lines.index)),
               (admin & lines["time_impossible"],
                pd.Series("the stop is before the start (not a midnight crossing)",
                          index=lines.index))]
    for mask, text in reversed(checks):  # the first check that holds names the row
        reasons = reasons.mask(mask.astype(bool), text)
    flagged = reasons[reasons != ""]
    out = {}
    for row, text in flagged.items():
        out.setdefault(str(lines.at[row, "encounter"]), f"row {row}: {text}")
    if export:  # encounters with drug or administration lines but no administration row
        encounter = lines["encounter"].astype(str)
        given = billed_codes(lines) | _matches(code, DRUG_CODE_PATTERN)
        idle = ~encounter.isin(set(encounter[admin])) & given
        billed = code[idle].groupby(encounter[idle], sort=False).agg(
            lambda c: ", ".join(sorted(set(c))))
        for name, codes in billed.items():
            out.setdefault(name, f"no administration row to code from (billed: {codes}): is "
                                 f"its administration code missing?")
    return out


def _distinct(line: CodedLine) -> bool:
    """Whether a line carries a distinct-service modifier (59, XE, XS, XP, XU)."""
    return bool(set(line.modifiers) & set(DISTINCT_MODIFIERS))


@dataclass(frozen=True)
class Compared:
    """One date and code of an encounter: what was billed and what is supported.

    Lines are matched on date of service, code, and whether a distinct-service modifier is
    there; which one (59 or an X modifier) and every other modifier are the ``modifier``
    rule's concern, not the coding's.
    """

    date: str
    code: str
    billed: tuple[CodedLine, ...]
    supported: tuple[CodedLine, ...]

    @property
    def billed_units(self) -> int:
        return sum(line.units for line in self.billed)

    @property
    def supported_units(self) -> int:
        return sum(line.units for line in self.supported)

    @property
    def status(self) -> str:
        """"" (billed as supported), "missing from the bill", "not supported" or "units
        differ"."""
        if not self.billed:
            return "missing from the bill"
        if not self.supported:
            return "not supported"
        return "units differ" if self.billed_units != self.supported_units else ""

    @property
    def unreadable(self) -> bool:
        """A billed units cell of it cannot be read (counted as 0)."""
        return any(UNREADABLE in line.reason for line in self.billed)


def compare(billed: tuple[CodedLine, ...], supported: tuple[CodedLine, ...]
            ) -> list[Compared]:
    """Billed and supported lines matched (see :class:`Compared`), ignoring their order: by
    date, the supported lines' order first, then what only the bill has."""
    keys: dict[tuple[str, str, bool], tuple[list[CodedLine], list[CodedLine]]] = {}
    for side, lines in ((1, supported), (0, billed)):
        for line in lines:
            keys.setdefault((line.date, line.code, _distinct(line)), ([], []))[side].append(line)
    out = [Compared(date, code, tuple(b), tuple(s))
           for (date, code, _), (b, s) in keys.items()]
    return sorted(out, key=lambda c: c.date)


def with_verdicts(billed: tuple[CodedLine, ...], compared: list[Compared]
                  ) -> tuple[CodedLine, ...]:
    """The billed lines, each with the comparison's verdict as its reason."""
    verdict = {}
    for c in compared:
        text = {"": "as the documentation supports",
                "not supported": "not supported by the documentation",
                "units differ": f"billed x{c.billed_units}; the documentation supports "
                                f"x{c.supported_units}"}.get(c.status, "")
        for line in c.billed:
            verdict[id(line)] = text
    return tuple(replace(line, reason="; ".join(filter(None, (verdict.get(id(line)),
                                                             line.reason))))
                 for line in billed)


__all__ = ["UNREADABLE", "Compared", "billed_codes", "billed_lines", "compare", "uncodable",
           "with_verdicts"]
