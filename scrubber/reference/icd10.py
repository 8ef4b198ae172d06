"""ICD-10-CM validity from the ``simple-icd-10-cm`` package (it ships the CMS code set).

A diagnosis on a claim must exist and be billable: a leaf of the tabular list, not a
category header such as K50 or G35. Codes are accepted with or without the dot and in any
case, and reported in their normalised dotted form.
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType

import pandas as pd

_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
#: how many billable codes a suggestion lists before it shortens to "first ... last".
SHOWN = 4


def normalise(code: str) -> str:
    """'k5090' -> 'K50.90'; text that is not shaped like a code comes back upper-cased."""
    text = code.strip().upper()
    if not _SHAPE.match(text):
        return text
    bare = text.replace(".", "")
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


@cache
def _code_set() -> ModuleType:
    """The package, imported on first use: loading the code set takes over a second."""
    import simple_icd_10_cm

    return simple_icd_10_cm


@cache
def verdict(code: str) -> tuple[str, str]:
    """(status, detail) of a normalised code: ('ok', ''), ('category', 'K50.00 ... K50.919')
    or ('unknown', '')."""
    cm = _code_set()
    if not _SHAPE.match(code) or not cm.is_valid_item(code):
        return "unknown", ""
    if cm.is_leaf(code):
        return "ok", ""
    leaves = [c for c in cm.get_descendants(code) if cm.is_leaf(c)]
    return "category", _shorten(leaves)


def _shorten(codes: list[str]) -> str:
    if len(codes) <= SHOWN:
        return ", ".join(codes)
    return f"{codes[0]}, {codes[1]} ... {codes[-1]} ({len(codes)} billable codes)"


def tokens(diagnosis: pd.Series) -> pd.Series:
    """Every code in each diagnosis cell, one per entry, indexed like the cells, normalised.

    Codes are separated by commas, semicolons or spaces. A code followed by its description
    ("E11.9 - Type 2 diabetes mellitus") reads as the code: within each comma- or
    semicolon-separated part, the first word is taken, and further words only when they are
    shaped like codes (a letter, a digit, then letters, digits or a dot).
    """
    parts = diagnosis.astype("string").str.upper().str.split(r"[,;]+", regex=True).explode()
    parts = parts[parts.notna()].str.strip()
    words = parts.str.split(r"\s+", regex=True)
    first = words.str[0]
    rest = words.str[1:].explode()
    rest = rest[rest.notna() & rest.str.fullmatch(r"[A-Z]\d[0-9A-Z.]*").fillna(False)
                .astype(bool)]
    found = pd.concat([first, rest]).astype("string")
    found = found[found.notna() & (found != "")]
    return found.sort_index(kind="stable").map(normalise).astype("string")


def description(code: str) -> str:
    try:
        return _code_set().get_description(code)
    except ValueError:
        return ""
