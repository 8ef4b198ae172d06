"""Drug identity: which drug a line's drug cell names, so two lines can be compared.

One helper for the coding engine and every rule that compares drugs (issue 11 item 1):

1. the cell is reduced to the words that name a substance (:func:`scrubber.drugnames.
   reduce_name`: diluent phrases such as "in NS", "in D5W", "in 100 mL" go first, then
   strength, units, volume, form and packaging words);
2. the drug table's entries are looked for anywhere in what is left, by code, generic name,
   brand or synonym (the longest name at the leftmost place wins, so "ampicillin and
   sulbactam" is the combination J0295, not ampicillin J0290; "drug B (vancomycin 1 g)" is
   vancomycin); a name made only of a cation ("potassium", "magnesium") does not match when
   the text goes on with a salt's anion ("potassium phosphate" is not potassium chloride); a
   fluid named after a drug is its diluent ("heparin 5,000 units NS"), a fluid named before a
   drug is the bag the drug rides in ("D5-1/2NS with 20 mEq KCl", a hydration fluid);
3. the line's drug is then its entry's key (the generic name reduced, a product name in
   brackets left out; a biosimilar takes its reference product's key, so Inflectra is
   infliximab), a combination of two table drugs their keys joined, and a name the table
   does not know its reduced words (brand words the table lacks folded first).

Two lines are the same drug only when their keys are equal: Lasix 40 mg and Furosemide
40 mg/4 mL are furosemide; potassium chloride and potassium phosphate, or sodium chloride and
sodium bicarbonate, stay apart. The work is done once per distinct cell text (a 1M-line sheet
holds a few thousand drug texts), the table's matcher once per table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from scrubber.drugnames import ANION_WORDS, BRAND_TO_GENERIC, ION_WORDS, reduce_name
from scrubber.reference.drugs import DrugEntry, DrugTable, drug_table

_BRACKETED = re.compile(r"\([^)]*\)")


@dataclass(frozen=True)
class Identity:
    """What one drug text names.

    Attributes:
        key: the drug's identity ("" when the text names nothing).
        code: the code of the first drug table entry named (kind and hormonal flag come from
            it), "" when none.
        mentions: every key the text names: its own, then each table drug's.
    """

    key: str
    code: str
    mentions: tuple[str, ...]


class _Matcher:
    """The drug table's names as one regular expression over reduced text."""

    def __init__(self, table: DrugTable) -> None:
        by_code = table.by_code
        self.names: dict[str, tuple[DrugEntry, str]] = {}
        for entry in table.entries:
            key = _entry_key(entry, by_code)
            unclassified = entry.unit_amount is None  # J3490: its synonyms are the drugs
            names = [entry.code, *entry.replaces, *entry.synonyms]
            if not unclassified:
                names[1:1] = [entry.name, _BRACKETED.sub(" ", entry.name)]
            for name in names:
                reduced = reduce_name(name)
                if reduced and reduced not in self.names:
                    self.names[reduced] = (entry, _fold(reduced) if unclassified else key)
        alternatives = "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![^ ])(?:{alternatives})(?![^ ])")

    def identify(self, text: str) -> Identity:
        reduced = reduce_name(text)
        if not reduced:
            return Identity("", "", ())
        found = self._find(reduced)
        if not found:
            folded = _fold(reduced)
            found = self._find(folded) if folded != reduced else []
            if not found:
                return Identity(folded, "", (folded,))
        # a fluid after the first drug is its diluent (the "in" left out)
        first = next((i for i, (e, _) in enumerate(found) if e.kind != "hydration"), len(found))
        found = found[:first] + [f for f in found[first:] if f[0].kind != "hydration"]
        keys = tuple(dict.fromkeys(k for _, k in found))
        key = keys[0] if len(keys) == 1 else " + ".join(sorted(keys))
        return Identity(key, found[0][0].code, tuple(dict.fromkeys((key, *keys))))

    def _find(self, reduced: str) -> list[tuple[DrugEntry, str]]:
        found = []
        for match in self.pattern.finditer(reduced):
            name = match.group(0)
            if set(name.split()) <= ION_WORDS:  # "potassium" is not "potassium phosphate"
                rest = reduced[match.end():].split(maxsplit=1)
                if rest and rest[0] in ANION_WORDS:
                    continue
            found.append(self.names[name])
        return found


def _entry_key(entry: DrugEntry, by_code: dict[str, DrugEntry]) -> str:
    """An entry's identity: its generic name reduced, without a bracketed product name; a
    biosimilar's is its reference product's."""
    if entry.biosimilar_of and entry.biosimilar_of in by_code:
        entry = by_code[entry.biosimilar_of]
    return reduce_name(_BRACKETED.sub(" ", entry.name)) or entry.code.lower()


def _fold(reduced: str) -> str:
    """Brand words the table does not list folded to their generic (Tylenol: acetaminophen)."""
    return " ".join(BRAND_TO_GENERIC.get(w, w) for w in reduced.split())


@lru_cache(maxsize=4)  # the shipped table and a run's own (with the user's CMS files)
def _matcher(table: DrugTable) -> _Matcher:
    return _Matcher(table)


def identify_one(text: str, table: DrugTable | None = None) -> Identity:
    """The :class:`Identity` of one drug text in ``table`` (the shipped table when None)."""
    return _matcher(table or drug_table()).identify(text)


def _per_text(drug: pd.Series, table: DrugTable | None) -> tuple[np.ndarray, list[Identity]]:
    """Each row's place among the distinct texts (-1 when blank), and their identities."""
    codes, texts = pd.factorize(drug.astype("string").array)
    matcher = _matcher(table or drug_table())
    return codes, [matcher.identify(str(t)) for t in texts]


def identify(drug: pd.Series, table: DrugTable | None = None) -> pd.DataFrame:
    """Per row: ``key`` (the drug's identity) and ``code`` (the first table entry it names),
    <NA> when the cell is blank or names nothing; once per distinct text."""
    codes, found = _per_text(drug, table)
    keys = pd.array([f.key or None for f in found] + [None], dtype="string")
    entry = pd.array([f.code or None for f in found] + [None], dtype="string")
    return pd.DataFrame({"key": keys[codes], "code": entry[codes]}, index=drug.index)


def drug_identity(drug: pd.Series, table: DrugTable | None = None) -> pd.Series:
    """Per row, the drug's identity key (<NA> when blank or naming nothing)."""
    return identify(drug, table)["key"].rename(drug.name)


def drug_mentions(drug: pd.Series, table: DrugTable | None = None) -> pd.Series:
    """Every key each drug text names (its own, then each table drug in it), one per entry,
    indexed by row: "D5-1/2NS with 20 mEq KCl" gives the combination, D5NS and potassium
    chloride, so a drug line of either part matches it."""
    codes, found = _per_text(drug, table)
    counts = np.array([len(f.mentions) for f in found], dtype=np.intp)
    flat = pd.array([m for f in found for m in f.mentions], dtype="string")
    rows = np.flatnonzero(codes >= 0)
    per_row = counts[codes[rows]]
    where = np.repeat(rows, per_row)
    # each row's mentions: its text's first mention in ``flat``, then the next ones
    first = (np.cumsum(counts) - counts)[codes[rows]] - (np.cumsum(per_row) - per_row)
    picks = np.repeat(first, per_row) + np.arange(len(where))
    return pd.Series(flat.take(picks), index=drug.index[where])
