"""Renderers of :class:`~scrubber.suggest.SuggestResult`: text for people, JSON for tools."""

from __future__ import annotations

import json

from scrubber.suggest import SuggestResult


def suggestions_json(result: SuggestResult) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"


def suggestions_text(result: SuggestResult) -> str:
    """One block per encounter: date of service, code, units, modifiers, rows, then the
    reason."""
    out = [f"{result.path} (sheet {result.sheet}): {len(result.encounters)} encounter(s)\n"]
    for encounter in result.encounters:
        out.append(f"\n{encounter.encounter} ({encounter.setting})\n")
        if not encounter.lines:
            out.append("  no administration lines to bill\n")
        for line in encounter.lines:
            mods = f"-{'-'.join(line.modifiers)}" if line.modifiers else ""
            rows = ", ".join(str(r) for r in line.rows)
            date = f"{line.date}  " if line.date else ""
            out.append(f"  {date}{line.code}{mods} x{line.units}  (rows {rows})\n")
            out.append(f"      {line.reason}\n")
        for note in encounter.notes:
            out.append(f"  not billed: {note}\n")
    return "".join(out)


SUGGEST_RENDERERS = {"text": suggestions_text, "json": suggestions_json}
