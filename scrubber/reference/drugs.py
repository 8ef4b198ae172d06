"""The shipped HCPCS drug table (``hcpcs_drugs.csv``): code, billing unit, kind, synonyms.

The table's header comment names its source and quarter. Lookups fold names to the words
that name a substance (:func:`scrubber.drugnames.reduce_name`), so "Remicade", "infliximab"
and "Infliximab 400 mg" all find infliximab. Which drug a sheet's drug cell names is
:mod:`scrubber.reference.identity`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import pandas as pd

from scrubber.drugnames import reduce_name

KINDS = ("chemotherapy", "therapeutic", "hydration")


@dataclass(frozen=True)
class DrugEntry:
    """One row of the drug table.

    Attributes:
        code: the HCPCS Level II code.
        name: generic name.
        synonyms: brand and other names.
        unit_amount: the descriptor's billing unit amount (None for unclassified codes).
        unit: the unit of ``unit_amount`` (mg, mcg, g, units, mL, mEq).
        up_to: the descriptor says "up to": one unit per amount.
        kind: chemotherapy, therapeutic or hydration.
        hormonal: a hormonal anti-neoplastic (96402 rather than 96401 when given SC/IM).
        single_dose: usually a separately payable single-dose container (JW/JZ apply).
        replaces: deleted codes this code replaced.
        biosimilar_of: for a biosimilar, its reference product's code ("" otherwise).
        unit_source: where the billing unit came from: "table" (the shipped table), or the
            user's "HCPCS file" or "ASP file" when one gave this code's unit.
    """

    code: str
    name: str
    synonyms: tuple[str, ...]
    unit_amount: float | None
    unit: str
    up_to: bool
    kind: str
    hormonal: bool
    single_dose: bool
    replaces: tuple[str, ...]
    biosimilar_of: str = ""
    unit_source: str = "table"

    @property
    def unit_text(self) -> str:
        if self.unit_amount is None:
            return "no unit (unclassified: bill with NDC and drug name)"
        amount = f"{self.unit_amount:g}"
        return f"{'up to ' if self.up_to else ''}{amount} {self.unit}"


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


@dataclass(frozen=True)
class DrugTable:
    """The drug table with lookups by code, deleted code and name."""

    entries: tuple[DrugEntry, ...]
    source: str
    quarter: str

    @property
    def by_code(self) -> dict[str, DrugEntry]:
        return _by_code(self)

    @property
    def replaced_by(self) -> dict[str, str]:
        """Deleted code -> the code that replaced it."""
        return {old: e.code for e in self.entries for old in e.replaces}

    def frame(self) -> pd.DataFrame:
        """The table indexed by code: ``amount``, ``unit``, ``up_to``, ``single_dose`` (a
        copy: a caller that changes it never changes what the next caller reads)."""
        return _frame(self).copy()

    def names(self) -> dict[str, DrugEntry]:
        """Every name and synonym, reduced (:func:`reduce_name`) -> its entry (first wins)."""
        return _name_index(self)

    def biosimilars(self, code: str) -> tuple[DrugEntry, ...]:
        """The biosimilars listed under a reference product's code."""
        return tuple(e for e in self.entries if e.biosimilar_of == code.upper())

    def with_units(self, units: pd.DataFrame, source: str) -> DrugTable:
        """A copy whose billing units follow ``units`` (indexed by code: ``amount``, ``unit``,
        ``up_to`` (None when the file does not say: an entry with the same amount and unit
        keeps its own), ``description``), as read from a quarterly CMS file: a code already here
        takes the file's unit; a drug code not here is added under the file's description
        (kind chemotherapy for J9 codes, else therapeutic). ``source`` names the file."""
        if units is None or units.empty:
            return self
        known = self.by_code
        entries = []
        for entry in self.entries:
            if entry.code in units.index:
                row = units.loc[entry.code]
                amount, unit = float(row["amount"]), str(row["unit"])
                same = (amount, unit) == (entry.unit_amount, entry.unit)
                up_to = entry.up_to and same if pd.isna(row["up_to"]) else bool(row["up_to"])
                entry = replace(entry, unit_amount=amount, unit=unit, up_to=up_to,
                                unit_source=source)
            entries.append(entry)
        replaced = self.replaced_by
        for code, row in units.iterrows():
            if code in known or code in replaced:
                continue
            name = str(row.get("description") or code).strip() or code
            entries.append(DrugEntry(
                code=code, name=name, synonyms=(), unit_amount=float(row["amount"]),
                unit=str(row["unit"]), up_to=row["up_to"] is True,
                kind="chemotherapy" if code.startswith("J9") else "therapeutic",
                hormonal=False, single_dose=False, replaces=(), unit_source=source))
        return DrugTable(tuple(entries), f"{self.source}; units from the {source}",
                         self.quarter)


@cache
def _by_code(table: DrugTable) -> dict[str, DrugEntry]:
    return {e.code: e for e in table.entries}


@cache
def _frame(table: DrugTable) -> pd.DataFrame:
    return pd.DataFrame([(e.code, e.unit_amount, e.unit, e.up_to, e.single_dose)
                         for e in table.entries],
                        columns=["code", "amount", "unit", "up_to", "single_dose"]
                        ).set_index("code")


@cache
def _name_index(table: DrugTable) -> dict[str, DrugEntry]:
    out: dict[str, DrugEntry] = {}
    for entry in table.entries:
        for name in (entry.name, *entry.synonyms):
            key = reduce_name(name)
            if key:
                out.setdefault(key, entry)
    return out


def parse_table(text: str) -> DrugTable:
    """Parse the CSV text of a drug table (comment lines start with '#')."""
    meta = {}
    body = []
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            meta[key.strip()] = value.strip()
        elif line.strip():
            body.append(line)
    entries = []
    for row in csv.DictReader(io.StringIO("\n".join(body))):
        amount = row["unit_amount"].strip()
        kind = row["kind"].strip()
        if kind not in KINDS:
            raise ValueError(f"drug table: {row['code']} has unknown kind '{kind}'")
        entries.append(DrugEntry(
            code=row["code"].strip().upper(), name=row["name"].strip(),
            synonyms=_split(row["synonyms"]), unit_amount=float(amount) if amount else None,
            unit=row["unit"].strip(), up_to=row["up_to"].strip() == "Y", kind=kind,
            hormonal=row["hormonal"].strip() == "Y", single_dose=row["single_dose"].strip() == "Y",
            replaces=_split(row["replaces"].upper()),
            biosimilar_of=(row.get("biosimilar_of") or "").strip().upper()))
    return DrugTable(tuple(entries), meta.get("source", ""), meta.get("quarter", ""))


@cache
def drug_table() -> DrugTable:
    """The shipped table (read once per process)."""
    text = resources.files("scrubber.reference").joinpath("hcpcs_drugs.csv").read_text("utf-8")
    return parse_table(text)


def find_drug(name_or_code: str, table: DrugTable | None = None) -> list[DrugEntry]:
    """Entries matching a code (current or deleted), a generic or brand name, in ``table``
    (the shipped table when None)."""
    table = table or drug_table()
    text = " ".join(name_or_code.strip().split())
    code = text.upper()
    if code in table.by_code:
        return [table.by_code[code]]
    if code in table.replaced_by:
        return [table.by_code[table.replaced_by[code]]]
    lower = text.lower()
    exact = [e for e in table.entries
             if lower == e.name.lower() or lower in (s.lower() for s in e.synonyms)]
    if exact:
        return exact
    key = reduce_name(text)
    if not key:
        return []
    found = [e for e in table.entries if reduce_name(e.name) == key]
    return found or ([table.names()[key]] if key in table.names() else [])


def drug_candidates(name_or_code: str, table: DrugTable | None = None) -> list[DrugEntry]:
    """Every code a drug name may be billed with: :func:`find_drug`'s matches first, then
    each entry whose generic name or a synonym holds the name as whole words ("heparin"
    gives heparin sodium J1644 and heparin lock flush J1642; "immune globulin" every immune
    globulin product; "infliximab" the reference product and its biosimilars, named
    "infliximab-dyyb" and so on). A brand name gives its product's entry ("Lasix" is
    furosemide J1940; "Neulasta" J2506 alone). A code gives its own entry only."""
    table = table or drug_table()
    found = find_drug(name_or_code, table)
    text = " ".join(name_or_code.strip().lower().split())
    if not text or (found and found[0].code == text.upper()) or len(text) < 3:
        return found
    word = re.compile(rf"(?<![a-z0-9]){re.escape(text)}(?![a-z0-9])")
    more = [e for e in table.entries
            if any(word.search(n.lower()) for n in (e.name, *e.synonyms))]
    return list(dict.fromkeys([*found, *more]))


def billing_entry(name_or_code: str, table: DrugTable | None = None) -> list[DrugEntry]:
    """The entries a dose of ``name_or_code`` is billed on, for counting units: a code's own
    entry; else the one entry whose generic name is exactly the name ("infliximab" is J1745,
    not a biosimilar); else
    every candidate (:func:`drug_candidates`), so a name with several codes can say so."""
    table = table or drug_table()
    text = " ".join(name_or_code.strip().split())
    if text.upper() in table.by_code:
        return [table.by_code[text.upper()]]
    lower = text.lower()
    named = [e for e in table.entries if e.name.lower() == lower]
    if len(named) == 1:
        return named
    also = [e for e in table.entries if lower in (s.lower() for s in e.synonyms)]
    if not named and len(also) == 1:
        return also
    return drug_candidates(text, table)
