"""``suggest(source, config) -> SuggestResult``: the right administration lines per encounter.

The CLI's ``scrubber suggest`` and the add-in call this; the coding itself is
:mod:`scrubber.coding`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from scrubber.billed import Compared, billed_codes, billed_lines, compare, uncodable, with_verdicts
from scrubber.coding import CodedLine, code_encounter
from scrubber.coding.frame import administrations, kind_of
from scrubber.config import Config
from scrubber.fields import headers_seen
from scrubber.io.errors import InputError
from scrubber.io.limits import Limits
from scrubber.io.reader import Table, read_table, table_from_frame, table_from_grids
from scrubber.normalize import canonical_frame, column_map, route_kind
from scrubber.times import duration_minutes, parse_times


@dataclass(frozen=True)
class EncounterSuggestion:
    """The coded lines of one encounter; ``notes`` say what was left unbilled and why.

    Attributes:
        billed: the charge export's administration lines (None for an administration log).
        problem: why the encounter cannot be coded ("" when it can); ``lines`` is empty then.
    """

    encounter: str
    setting: str
    lines: tuple[CodedLine, ...]
    notes: tuple[str, ...] = ()
    billed: tuple[CodedLine, ...] | None = None
    problem: str = ""

    def compared(self) -> list[Compared]:
        """The billed and the supported lines side by side (empty for a log, or an
        encounter that cannot be coded)."""
        if self.billed is None or self.problem:
            return []
        return compare(self.billed, self.lines)

    @property
    def differs(self) -> bool:
        """It cannot be coded, or what was billed is not what the documentation supports."""
        return bool(self.problem) or any(c.status for c in self.compared())

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"encounter": self.encounter, "setting": self.setting,
                                  "lines": [line.to_dict() for line in self.lines]}
        if self.billed is not None:
            out["billed"] = [line.to_dict() for line in self.billed]
        problem = [f"cannot be coded: {self.problem}"] if self.problem else []
        out["notes"] = [*problem, *self.notes]
        return out


@dataclass(frozen=True)
class SuggestResult:
    """Suggestions for every encounter of one sheet, in sheet order.

    Attributes:
        billed: the sheet is a charge export: its encounters carry their billed lines.
    """

    path: str
    sheet: str
    encounters: tuple[EncounterSuggestion, ...]
    billed: bool = False

    def to_dict(self) -> dict[str, object]:
        """The JSON report: ``{"encounters": [...]}``."""
        return {"encounters": [e.to_dict() for e in self.encounters]}

    def differing(self) -> SuggestResult:
        """Only the encounters that differ from the bill or cannot be coded."""
        return replace(self, encounters=tuple(e for e in self.encounters if e.differs))


def suggest(source: str | Path | pd.DataFrame, config: Config | None = None, *,
            sheet: str | None = None, header_row: int = 1) -> SuggestResult:
    """Code every encounter of an administration log or charge export.

    Raises:
        InputError: the file cannot be read or lacks the columns coding needs.
    """
    config = config or Config()
    if isinstance(source, pd.DataFrame):
        table = table_from_frame(source, sheet=sheet or "Sheet1", header_row=header_row)
    else:
        table = read_table(source, sheet, Limits(config.max_unpacked_mb))
    return suggest_table(table, config)


def suggest_grid(rows: Sequence[Sequence[object]], config: Config | None = None, *,
                 sheet: str = "Sheet1", source: str = "<grid>") -> SuggestResult:
    """Code every encounter of a grid of cell values (a header row, then one row per
    administration or charge line), as Excel hands a range over.

    Raises:
        InputError: no header row, or the columns coding needs are missing.
    """
    grid = [list(r) if isinstance(r, (list, tuple)) else [r] for r in rows]
    return suggest_table(table_from_grids(source, {sheet: grid}), config or Config())


@dataclass(frozen=True)
class Difference:
    """One administration code of one encounter where the bill and the suggestion differ.

    ``billed`` and ``suggested`` are units (0: not there); ``status`` says which way.
    """

    encounter: str
    code: str
    billed: int
    suggested: int
    date: str = ""

    @property
    def status(self) -> str:
        """As ``scrubber suggest`` names it: missing from the bill, not supported, units
        differ."""
        if not self.billed:
            return "missing from the bill"
        if not self.suggested:
            return "not supported"
        return "units differ"


def differences(result: SuggestResult) -> list[Difference]:
    """Where a charge sheet's administration lines differ from the suggestion, per
    encounter, date and code (the add-in's table; :meth:`EncounterSuggestion.compared` has
    the lines themselves)."""
    return [Difference(e.encounter, c.code, c.billed_units, c.supported_units, c.date)
            for e in result.encounters for c in e.compared() if c.status]


def suggest_table(table: Table, config: Config) -> SuggestResult:
    """Code the encounters of a table that has been read: every encounter of the sheet, in
    sheet order; one that cannot be coded is listed with the reason."""
    present = set(column_map(table))
    needed = {"drug", "route", "start", "stop"} if "code" not in present else {"code"}
    if "encounter" not in present and not {"patient", "service_date"} <= present:
        needed.add("encounter")
    missing = sorted(needed - present)
    if missing:
        raise InputError(table.source, f"the sheet lacks columns for coding: "
                                       f"{', '.join(missing)}; "
                                       f"{headers_seen(table.headers, table.header_row)}")
    lines = canonical_frame(table, max_midnight_gap=config.midnight_max_gap_minutes)
    export = bool(billed_codes(lines).any())
    billed = billed_lines(lines) if export else {}
    problems = uncodable(lines, export)
    coded = administrations(lines, config.drug_kinds)
    options = config.options()
    out = []
    for encounter in pd.unique(lines["encounter"].astype(str)):
        has = billed.get(encounter, ()) if export else None
        problem = problems.get(encounter, "")
        if problem:
            has = has and tuple(replace(line, reason="; ".join(filter(None, (
                "not compared: the encounter cannot be coded", line.reason)))) for line in has)
            out.append(EncounterSuggestion(encounter, config.setting, (), (), has, problem))
            continue
        admins, place = coded.get(encounter, ([], ""))
        coding = code_encounter(admins, options, place)
        notes = coding.notes if admins else ["no administration documented"]
        if has is not None:
            has = with_verdicts(has, compare(has, tuple(coding.lines)))
        out.append(EncounterSuggestion(encounter, config.setting, tuple(coding.lines),
                                       tuple(notes), has))
    return SuggestResult(table.source, table.sheet, tuple(out), export)


@dataclass(frozen=True)
class OneCoding:
    """How one administration is billed on its own (the add-in's cell functions).

    Attributes:
        minutes: the documented minutes (midnight crossings resolved); None without both times.
        lines: the administration's coded lines: its code first, then any hourly add-on.
        reason: why nothing is billable (empty when ``lines`` is not).
    """

    minutes: float | None
    lines: tuple[CodedLine, ...]
    reason: str = ""

    @property
    def code(self) -> str | None:
        return self.lines[0].code if self.lines else None

    @property
    def addon_units(self) -> int:
        """Units of the hourly add-on (96361, 96366, 96415, ...); 0 when none is billed.

        Secondary hydration's 96361 is the administration's own code and its count."""
        if not self.lines:
            return 0
        if len(self.lines) == 1:
            first = self.lines[0]
            return first.units if first.code == _SECONDARY_HYDRATION else 0
        return sum(line.units for line in self.lines[1:])


#: the subsequent hydration code, whose units count the hours of secondary hydration.
_SECONDARY_HYDRATION = "96361"
_ONE_HEADERS = ["Encounter", "Date of Service", "Start Time", "Stop Time", "Route", "Kind",
                "Drug"]
_ONE_ROW = 3  # the administration's worksheet row in the grid below (header on row 1)
#: the day an administration without a date is placed on (any day would do).
_SOME_DAY = dt.datetime(2000, 1, 3)


def timed(start: object, stop: object, config: Config | None = None) -> float:
    """Minutes of one administration from its start and stop cells, as the rules read them.

    Raises:
        ValueError: a time is empty or not a time of day, the stop is before the start (and
            not a midnight crossing within ``midnight_max_gap_minutes``), or the span is
            longer than ``max_duration_minutes``; the message says which.
    """
    return _checked(_read_times(start, stop), (start, stop), config or Config())


def _read_times(start: object, stop: object) -> pd.DataFrame:
    """Both cells parsed at once (row 0: start, row 1: stop)."""
    return parse_times(pd.Series([start, stop], dtype="object"))


def _checked(read: pd.DataFrame, cells: tuple[object, object], config: Config) -> float:
    for position, name in enumerate(("start", "stop")):
        if read["blank"].iloc[position]:
            raise ValueError(f"the {name} time is empty")
        if read["bad"].iloc[position]:
            raise ValueError(f"the {name} time {str(cells[position])[:40]!r} is not a time "
                             f"of day")
    span = duration_minutes(read.iloc[[0]].reset_index(drop=True),
                            read.iloc[[1]].reset_index(drop=True),
                            max_midnight_gap=config.midnight_max_gap_minutes)
    minutes = span["minutes"].iloc[0]
    if pd.isna(minutes):
        gap = int(config.midnight_max_gap_minutes)
        raise ValueError(f"the stop is before the start (a stop earlier in the day is read "
                         f"as crossing midnight only within {gap // 60} h)")
    if minutes > config.max_duration_minutes:
        raise ValueError(f"{int(minutes)} min from start to stop is longer than "
                         f"{int(config.max_duration_minutes)} min: check the times and dates")
    return float(minutes)


def code_one(start: object, stop: object, route: str = "", kind: str = "",
             initial: bool = True, config: Config | None = None) -> OneCoding:
    """Code one administration as the coding engine codes it inside an encounter.

    ``initial`` False codes it as a later service of its encounter: the engine is also given
    an administration of another drug that ends a minute before this one starts, of the same
    kind through the same route (a drug infusion before hydration), so this one gets its
    subsequent code (96367, 96375, 96417, 96411; 96361 for hydration) exactly as on a claim.

    Raises:
        ValueError: a time cannot be read or the span is impossible (see :func:`timed`), or
            the route or kind is not one the codes know.
    """
    config = config or Config()
    _check_words(route, kind)
    read = _read_times(start, stop)
    minutes = _checked(read, (start, stop), config)
    began = read.iloc[0]
    day = _SOME_DAY if pd.isna(began["date"]) else began["date"].to_pydatetime()
    rows: list[list[object]] = [_ONE_HEADERS, [None] * len(_ONE_HEADERS)]
    if not initial:
        rows[1] = _leading_row(day + dt.timedelta(minutes=float(began["minutes"])), route,
                               kind)
    rows.append(["1", day.date(), start, stop, route or "IV", kind, "this drug"])
    coded = suggest_grid(rows, config)
    lines = tuple(line for e in coded.encounters for line in e.lines if _ONE_ROW in line.rows)
    if lines:
        return OneCoding(minutes, lines)
    notes = [n for e in coded.encounters for n in e.notes if n.startswith("this drug")]
    reason = re.sub(r"^this drug[^:]*:\s*", "", notes[0]) if notes else \
        "no administration code applies"
    return OneCoding(minutes, (), reason)


def _check_words(route: str, kind: str) -> None:
    """A route or kind that the canonical frame would not recognise is refused by name,
    rather than coded as the default (IV, therapeutic)."""
    if route and pd.isna(route_kind(pd.Series([route], dtype="string")).iloc[0]):
        raise ValueError(f"route {route[:30]!r} is not IV, IV push, SC, IM or intra-arterial "
                         f"(administration codes are for those)")
    if kind and not kind_of(pd.Series([kind], dtype="string")).iloc[0]:
        raise ValueError(f"kind {kind[:30]!r} is not hydration, therapeutic or chemotherapy")


def _leading_row(start: dt.datetime, route: str, kind: str) -> list[object]:
    """An earlier administration that takes the initial service and ends a minute before
    ``start``: another drug of the same route and kind (a drug infusion before hydration)."""
    lowered = kind.lower()
    hydration = "hydrat" in lowered or "fluid" in lowered
    push = any(w in (route or "").lower() for w in ("push", "ivp", "bolus"))
    lead_route, lead_kind = ("IV", "therapeutic") if hydration else (route or "IV", kind)
    stop = start - dt.timedelta(minutes=1)
    began = stop - dt.timedelta(minutes=5 if push else 60)
    return ["1", began.date(), began, stop, lead_route, lead_kind, "another drug"]
