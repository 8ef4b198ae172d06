"""Rule documentation: a rule's docstring is its documentation, examples included.

Examples are pipe tables under "Failing example:" and "Passing example:"; the test suite runs
them, and ``scrubber rule NAME`` prints the same text.
"""

from __future__ import annotations

import pandas as pd

from scrubber.rules import REGISTRY, Rule
from scrubber.rules.precedence import PRECEDENCE, outranked_by, outranks

_HEADINGS = {"failing": "Failing example:", "passing": "Passing example:"}


def rule_index() -> str:
    """One line per rule: ID, name, default severity, summary."""
    width = max(len(r.name) for r in REGISTRY.values())
    lines = [f"{r.id:<7} {r.name:<{width}}  {r.severity.value:<7}  {r.summary()}"
             for r in REGISTRY.values()]
    return "\n".join(lines) + "\n"


def explain(rule: type[Rule]) -> str:
    """The full documentation of one rule."""
    head = f"{rule.id} {rule.name} (default severity: {rule.severity.value})"
    needs = ", ".join(rule.requires)
    hard = ", ".join(f for f in rule.requires if f in ("code", "encounter")) or "none"
    examples = ""
    if rule.example_options:
        options = ", ".join(f"{k} = {_shown_option(v)}"
                            for k, v in rule.example_options.items())
        examples = f"\nThe examples assume: {options}\n"
    columns = (f"Reads columns: {needs} (required: {hard}; any other missing column reads "
               f"as empty cells)")
    return f"{head}\n\n{rule.doc()}\n\n{columns}\n{examples}{_precedence(rule)}"


def _shown_option(value: object) -> str:
    """An example option as the config file writes it; a shipped file by its name only (the
    pages are generated once, not per machine)."""
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown_option(v) for v in value) + "]"
    if isinstance(value, str) and ("/" in value or "\\" in value):
        return repr(value.replace("\\", "/").rsplit("/", 1)[-1])
    return repr(value).replace("True", "true")


def _precedence(rule: type[Rule]) -> str:
    """What one-finding-per-cell means for this rule (scrubber.rules.precedence)."""
    lines = []
    stronger, weaker = outranked_by(rule.name), outranks(rule.name)
    if stronger:
        lines.append(f"On a cell that {' or '.join(stronger)} also reports, only that "
                     f"finding is kept.")
    if weaker:
        lines.append(f"On a cell that {' or '.join(weaker)} also reports, this finding "
                     f"replaces it.")
    order = "; ".join(" > ".join(group) for group in PRECEDENCE)
    lines.append(f"Precedence (one finding per cell, strongest first): {order}")
    return "\n" + "\n".join(lines) + "\n"


def example(rule: type[Rule], kind: str) -> pd.DataFrame:
    """The failing or passing example of a rule's docstring as a frame of header -> text.

    Raises:
        ValueError: the docstring has no such example.
    """
    heading = _HEADINGS[kind]
    lines = rule.doc().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == heading)
    except StopIteration:
        raise ValueError(f"{rule.id} has no '{heading}' in its docstring") from None
    rows = []
    for line in lines[start + 1:]:
        text = line.strip()
        if not text and rows:
            break
        if text.startswith("|"):
            rows.append([cell.strip() or None for cell in text.strip("|").split("|")])
        elif text:
            break
    header, *body = rows
    return pd.DataFrame(body, columns=header, dtype=object)
