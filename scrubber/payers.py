"""Which payer profile each line is checked under, from its Payer column.

A real export mixes payers in one sheet, with a Payer (Insurance, Plan, Financial Class)
column. A ``[payers.NAME]`` profile that declares ``match = ["medicare", "part b"]`` takes
the lines whose payer cell contains one of those texts, in any case; every other line (an
empty payer cell, a payer no profile names) is checked under the base settings. A payer that
matches two profiles goes to the one whose matching text is longest, the more specific
("medicare advantage" over "medicare"; on a tie the one the config lists first), with a
warning that names both.

The cell is read once per distinct payer text (an export holds a few dozen), and only when
some profile declares ``match``: without one nothing here runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: the name the text report and the JSON summary give the base settings' lines.
BASE = "(base settings)"
#: a payer text is quoted in a warning up to this many characters.
_QUOTE = 40


@dataclass(frozen=True)
class Assignment:
    """Each line's profile: ``profile`` holds an index into ``names`` per line, -1 for the
    base settings; ``warnings`` says which payer texts matched more than one profile."""

    names: tuple[str, ...]
    profile: np.ndarray
    warnings: tuple[str, ...] = ()

    def counts(self) -> tuple[tuple[str, int], ...]:
        """(profile, lines) for the base settings and every profile, in config order."""
        per = np.bincount(self.profile + 1, minlength=len(self.names) + 1)
        return ((BASE, int(per[0])), *((n, int(c)) for n, c in zip(self.names, per[1:],
                                                                   strict=True)))


def assign(payer: pd.Series, matches: Mapping[str, Sequence[str]]) -> Assignment:
    """The profile of every line (``payer``: the lines' payer cells, <NA> when empty;
    ``matches``: profile name -> its lower-case match texts, in config order)."""
    names = tuple(matches)
    ids, distinct = pd.factorize(payer)  # an empty cell is -1: the base settings
    text = pd.Series(np.asarray(distinct, dtype=object), dtype="string").str.lower()
    # per distinct text and profile: the length of its longest match text found (0: none)
    longest = np.column_stack([_longest(text, matches[name]) for name in names]) \
        if len(text) and names else np.zeros((len(text), len(names)), dtype=np.int64)
    hit = longest > 0
    chosen = np.where(hit.any(axis=1), longest.argmax(axis=1), -1) if names else \
        np.full(len(text), -1)
    profile = np.append(chosen, -1)[ids]
    return Assignment(names, profile.astype(np.int64),
                      _warnings(distinct, hit, chosen, names, ids))


def _longest(text: pd.Series, needles: Sequence[str]) -> np.ndarray:
    found = np.zeros(len(text), dtype=np.int64)
    for needle in needles:  # a profile has a few texts; each is one vectorised scan
        here = text.str.contains(needle, regex=False).fillna(False).to_numpy(dtype=bool)
        found = np.where(here, np.maximum(found, len(needle)), found)
    return found


def _warnings(distinct: object, hit: np.ndarray, chosen: np.ndarray, names: tuple[str, ...],
              ids: np.ndarray) -> tuple[str, ...]:
    """One warning per payer text that matches several profiles: the text quoted short and
    on one line, with how many lines carry it (never the other cells of those rows)."""
    several = np.flatnonzero(hit.sum(axis=1) > 1)
    if not len(several):
        return ()
    lines = np.bincount(ids[ids >= 0], minlength=len(hit))
    out = []
    values = list(distinct)
    for index in several.tolist():  # a few distinct texts at most, never one per line
        both = [names[i] for i in np.flatnonzero(hit[index])]
        out.append(f"payer '{_quoted(values[index])}' ({lines[index]} line(s)) matches the "
                   f"profiles {', '.join(both[:-1])} and {both[-1]}; checked under "
                   f"{names[chosen[index]]} (its match text is the longest found): make the "
                   f"match texts more specific")
    return tuple(out)


def _quoted(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _QUOTE else text[:_QUOTE - 1] + "…"
