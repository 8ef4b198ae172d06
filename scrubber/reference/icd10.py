"""ICD-10-CM validity from a precomputed list of the CMS code set (``icd10cm.txt.gz``).

A diagnosis on a claim must exist and be billable: a leaf of the tabular list, not a
category header such as K50 or G35. Codes are accepted with or without the dot and in any
case, and reported in their normalised dotted form.

The list is made from the ``simple-icd-10-cm`` package (which ships the CMS tabular list) by
``python -m scrubber.reference.make_icd10``. Reading it takes tens of milliseconds, where
building the package's code tree takes two seconds or more; a test compares every answer given
here with the package's for every code it knows.

The file is gzipped text, one code a line in tabular-list order: a billable code stands alone,
and a code with codes under it is followed by how many billable codes it has, which are the
billable codes that follow it in the list (``K50 28``, then K50.00 ... K50.919). Lines starting
with ``#`` are comments; ``# release: ...`` names the package release the list was made from.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

import numpy as np
import pandas as pd

_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
#: how many billable codes a suggestion lists before it shortens to "first ... last".
SHOWN = 4
#: the shipped list, package data of ``scrubber.reference``.
DATA = "icd10cm.txt.gz"
RELEASE_PREFIX = "# release: "


@dataclass(frozen=True)
class CodeSet:
    """The ICD-10-CM code set, read once and never changed.

    Attributes:
        release: what the list was made from, e.g. ``simple-icd-10-cm 1.5.0``.
        billable: every billable code, in tabular-list order.
        is_billable: the same codes as a set, for lookups.
        headers: each code that has codes under it -> (index of its first billable code in
            ``billable``, how many billable codes it has).
    """

    release: str
    billable: Sequence[str]
    is_billable: frozenset[str]
    headers: Mapping[str, tuple[int, int]]

    def find(self, code: str) -> str | None:
        """The listed form of a code shaped like one (``K5090`` -> ``K50.90``), or None."""
        if len(code) >= 4 and code[3] != ".":
            dotted = f"{code[:3]}.{code[3:]}"
            if dotted in self.is_billable or dotted in self.headers:
                return dotted
        if code in self.is_billable or code in self.headers:
            return code
        return None


def parse_code_set(text: str) -> CodeSet:
    """A :class:`CodeSet` from the list's text (the module docstring gives the format)."""
    release = ""
    billable: list[str] = []
    headers: dict[str, tuple[int, int]] = {}
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith(RELEASE_PREFIX):
                release = line[len(RELEASE_PREFIX):].strip()
            continue
        if " " in line:
            code, count = line.split(" ")
            headers[code] = (len(billable), int(count))
        else:
            billable.append(line)
    return CodeSet(release, tuple(billable), frozenset(billable), MappingProxyType(headers))


@cache
def code_set() -> CodeSet:
    """The shipped list (read once per process; the table is immutable)."""
    data = resources.files("scrubber.reference").joinpath(DATA).read_bytes()
    return parse_code_set(gzip.decompress(data).decode("utf-8"))


def normalise(code: str) -> str:
    """'k5090' -> 'K50.90'; text that is not shaped like a code comes back upper-cased."""
    text = code.strip().upper()
    if not _SHAPE.match(text):
        return text
    bare = text.replace(".", "")
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


def verdict(code: str) -> tuple[str, str]:
    """(status, detail) of a normalised code: ('ok', ''), ('category', 'K50.00 ... K50.919')
    or ('unknown', '')."""
    if not _SHAPE.match(code):
        return "unknown", ""
    table = code_set()
    listed = table.find(code)
    if listed is None:
        return "unknown", ""
    if listed in table.is_billable:
        return "ok", ""
    start, count = table.headers[listed]
    return "category", _shorten(table.billable[start:start + count])


def _shorten(codes: Sequence[str]) -> str:
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
    # an export repeats a few diagnoses over many lines: read each distinct text once
    ids, texts = pd.factorize(diagnosis.astype("string").str.upper())
    first, rest = _words(pd.Series(texts, dtype="string"))
    found = pd.concat([_spread(first, ids, diagnosis.index),
                       _spread(rest, ids, diagnosis.index)])
    return found.sort_index(kind="stable")


def _words(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The first word of each part of each text, and its further code-shaped words, each
    normalised, indexed by the text's position (in order within a text)."""
    parts = texts.str.split(r"[,;]+", regex=True).explode()
    parts = parts[parts.notna()].str.strip()
    words = parts.str.split(r"\s+", regex=True)
    first = words.str[0]
    rest = words.str[1:].explode()
    rest = rest[rest.notna() & rest.str.fullmatch(r"[A-Z]\d[0-9A-Z.]*").fillna(False)
                .astype(bool)]
    return tuple(found[found.notna() & (found != "")].map(normalise).astype("string")
                 for found in (first.astype("string"), rest.astype("string")))


def _spread(per_text: pd.Series, ids: np.ndarray, index: pd.Index) -> pd.Series:
    """Entries indexed by distinct text (``ids`` numbers each cell's text, -1 for none),
    repeated for every cell that holds the text, in cell order and then in their order within
    the text, indexed like the cells."""
    owner = per_text.index.to_numpy(dtype=np.intp)  # ascending: explode keeps the order
    counts = np.bincount(owner, minlength=int(ids.max(initial=-1)) + 1)
    starts = np.cumsum(counts) - counts
    cells = np.flatnonzero(ids >= 0)
    many = counts[ids[cells]]
    within = np.arange(many.sum()) - np.repeat(np.cumsum(many) - many, many)
    taken = np.repeat(starts[ids[cells]], many) + within
    return pd.Series(per_text.to_numpy()[taken], index=index[np.repeat(cells, many)],
                     dtype="string")
