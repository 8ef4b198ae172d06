"""Renderers of :class:`~scrubber.suggest.SuggestResult`: text for people, JSON for tools.

The text is plain (no colour, no box drawing) so it reads the same in a terminal, a pipe and
a file: a difference is marked by ``!`` at the start of its row and named at its end, so
``grep '^  !'`` lists them. Text from the user's file (encounter IDs, drug names in reasons)
is shown with control characters escaped. Reasons wrap at ``width`` (the terminal's, else 100).
"""

from __future__ import annotations

import json
import textwrap

from scrubber.billed import UNREADABLE, Compared
from scrubber.coding import CodedLine
from scrubber.render.layout import shown
from scrubber.suggest import EncounterSuggestion, SuggestResult

#: width when none is given (a pipe or a file; as the scrub report).
_WIDTH = 100


def suggestions_json(result: SuggestResult, diff: bool = False) -> str:
    """``{"encounters": [...]}``; with ``diff`` only the encounters that differ."""
    return json.dumps((result.differing() if diff else result).to_dict(), indent=2) + "\n"


def suggestions_text(result: SuggestResult, diff: bool = False, width: int | None = None
                     ) -> str:
    """A heading with the counts, then one block per encounter (with ``diff`` only those
    that differ from the bill or cannot be coded)."""
    width = width or _WIDTH
    shown_result = result.differing() if diff else result
    out = [_heading(result)]
    for encounter in shown_result.encounters:
        out.append("\n")
        if result.billed:
            out += _compared_block(encounter, width)
        else:
            out += _block(encounter, width)
    return "".join(out)


def _heading(result: SuggestResult) -> str:
    count = len(result.encounters)
    head = f"{shown(result.path)} (sheet {shown(result.sheet)}): {count} encounter(s)"
    if result.billed:
        problems = sum(1 for e in result.encounters if e.problem)
        differ = sum(1 for e in result.encounters if e.differs) - problems
        head += (f": {count - differ - problems} billed as the documentation supports, "
                 f"{differ} differ, {problems} cannot be coded")
    return head + "\n"


def _title(encounter: EncounterSuggestion) -> str:
    return f"{shown(encounter.encounter)} ({encounter.setting})"


def _block(encounter: EncounterSuggestion, width: int) -> list[str]:
    """An administration log's encounter: each line with its reason, then the notes."""
    if encounter.problem:
        return [*_wrapped(f"{_title(encounter)}: cannot be coded: {encounter.problem}", width,
                          "", "    "), *_notes(encounter, width)]
    out = [f"{_title(encounter)}\n"]
    if not encounter.lines:
        out.append("  no administration lines to bill\n")
    for line in encounter.lines:
        out.append(f"  {_dated(line)}  (rows {_rows(line)})\n")
        out += _wrapped(line.reason, width, "      ")
    return out + _notes(encounter, width)


def _compared_block(encounter: EncounterSuggestion, width: int) -> list[str]:
    """A charge export's encounter: billed and supported side by side, then why."""
    if encounter.problem:
        out = _wrapped(f"{_title(encounter)}: cannot be coded: {encounter.problem}", width, "",
                       "    ")
        out += [f"  billed {_dated(line)}  (rows {_rows(line)})\n"
                for line in encounter.billed or ()]
        return out + _notes(encounter, width)
    compared = encounter.compared()
    differ = sum(1 for c in compared if c.status)
    state = f"{differ} difference(s)" if differ else "billed as the documentation supports"
    out = [f"{_title(encounter)}: {state}\n"]
    if compared:
        out += _table(compared)
    else:
        out.append("  nothing billed, nothing to bill\n")
    if encounter.lines:
        out.append("  why:\n")
    for (_, reason), lines in _by_reason(encounter.lines).items():  # a service's lines
        rows = sorted({r for line in lines for r in line.rows})
        date = f"{lines[0].date}  " if lines[0].date else ""
        out += _wrapped(f"{date}{', '.join(_code(line) for line in lines)} (rows "
                        f"{', '.join(map(str, rows))}): {reason}", width, "    ", "      ")
    return out + _notes(encounter, width)


def _by_reason(lines: tuple[CodedLine, ...]) -> dict[tuple[str, str], list[CodedLine]]:
    """Lines of one date that share their reason (an initial and its hourly add-on)."""
    grouped: dict[tuple[str, str], list[CodedLine]] = {}
    for line in lines:
        grouped.setdefault((line.date, line.reason), []).append(line)
    return grouped


def _table(compared: list[Compared]) -> list[str]:
    """Date, billed, supported, and the difference, in columns sized to their contents."""
    cells = [(c.date, _codes(c.billed), _codes(c.supported),
              f"{c.status} ({UNREADABLE})" if c.status and c.unreadable else c.status)
             for c in compared]
    dated = any(date for date, *_ in cells)
    rows = [("date", "billed", "supported", "")] + cells
    wide = [max(len(r[i]) for r in rows) for i in range(3)]
    out = []
    for number, (date, billed, supported, status) in enumerate(rows):
        mark = "!" if status else " "
        parts = ([date.ljust(wide[0])] if dated else []) + [billed.ljust(wide[1]),
                                                          supported.ljust(wide[2]), status]
        if number == 0:
            mark = " "
        out.append(f"  {mark} {'  '.join(parts)}".rstrip() + "\n")
    return out


def _codes(lines: tuple[CodedLine, ...]) -> str:
    """'96365-XS x1' for each line ('-' when there is none)."""
    return ", ".join(_code(line) for line in lines) or "-"


def _code(line: CodedLine) -> str:
    mods = f"-{'-'.join(line.modifiers)}" if line.modifiers else ""
    return f"{line.code}{mods} x{line.units}"


def _dated(line: CodedLine) -> str:
    return f"{line.date}  {_code(line)}" if line.date else _code(line)


def _rows(line: CodedLine) -> str:
    return ", ".join(str(r) for r in line.rows)


def _notes(encounter: EncounterSuggestion, width: int) -> list[str]:
    out: list[str] = []
    for note in encounter.notes:
        out += _wrapped(f"not billed: {note}", width, "  ", "      ")
    return out


def _wrapped(text: str, width: int, indent: str, later: str | None = None) -> list[str]:
    lines = textwrap.wrap(shown(text), width, initial_indent=indent,
                          subsequent_indent=indent if later is None else later,
                          break_long_words=False, break_on_hyphens=False)
    return [f"{line}\n" for line in lines]
