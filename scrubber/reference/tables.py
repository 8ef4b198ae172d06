"""The reference tables a run needs, loaded once and handed to the rules through their context.

A :class:`Reference` is immutable and picklable: it is what a worker process, a Dask worker or
the Excel add-in receives inside the prepared run. Rules never load a file themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from scrubber.reference.asp import load_asp
from scrubber.reference.drugs import DrugTable, drug_table
from scrubber.reference.hcpcs_file import drug_units, load_hcpcs
from scrubber.reference.icd10 import code_set, verdict
from scrubber.reference.mue import load_mue
from scrubber.reference.ncci import load_ncci


def _icd10_release() -> str:
    """The release the shipped ICD-10-CM list was made from."""
    return code_set().release


class Icd10:
    """ICD-10-CM validity: ``verdict(code)`` -> (status, detail).

    The code set is the shipped list (:func:`scrubber.reference.icd10.code_set`, read once);
    the object only carries the verdicts it has already given, so it pickles small.
    """

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, str]] = {}

    def verdict(self, code: str) -> tuple[str, str]:
        found = self._seen.get(code)
        if found is None:
            found = self._seen[code] = verdict(code)
        return found

    def __getstate__(self) -> dict[str, object]:
        return {"_seen": {}}


@dataclass(frozen=True)
class Reference:
    """Reference tables for one configuration.

    Attributes:
        drugs: the shipped HCPCS drug table, with the billing units of the user's HCPCS and
            ASP files where given (:func:`units_table`).
        mue: the user's CMS MUE table (indexed by code: value, indicator), or None.
        hcpcs: the user's CMS HCPCS file (indexed by code: deleted), or None.
        asp: the user's CMS ASP pricing file (indexed by code: amount, unit, ...), or None.
        ncci: the user's CMS NCCI PTP edits (:func:`~scrubber.reference.ncci.load_ncci`:
            column1, column2, effective, deletion, indicator), or None.
        icd10: the ICD-10-CM code set, or None when no selected rule reads diagnoses.
    """

    drugs: DrugTable
    mue: pd.DataFrame | None = None
    hcpcs: pd.DataFrame | None = None
    asp: pd.DataFrame | None = None
    ncci: pd.DataFrame | None = field(default=None, compare=False)
    icd10: Icd10 | None = field(default=None, compare=False)

    @property
    def quarter(self) -> dict[str, str]:
        """What the report says produced it: the drug table's quarter and source, and the
        ICD-10-CM code set's release (the package that ships it)."""
        out = {"drug_table": self.drugs.quarter, "drug_table_source": self.drugs.source}
        if self.icd10 is not None:
            out["icd10cm"] = _icd10_release()
        return out


def units_table(hcpcs: pd.DataFrame | None = None, asp: pd.DataFrame | None = None
                ) -> DrugTable:
    """The shipped drug table with the billing units of the user's quarterly CMS files: the
    ASP file's dosage, then the HCPCS file's long description (the descriptor is the
    authority, so it wins where both give a code)."""
    table = drug_table()
    if asp is not None:
        table = table.with_units(asp, "ASP file")
    if hcpcs is not None:
        table = table.with_units(drug_units(hcpcs), "HCPCS file")
    return table


def drug_units_table(*, hcpcs: str | None = None, asp: str | None = None) -> DrugTable:
    """:func:`units_table` from the files' paths (``scrubber units`` and ``scrubber drug``).

    Raises:
        ConfigError: a file is missing or unreadable (named in the message).
    """
    return units_table(load_hcpcs(hcpcs) if hcpcs else None, load_asp(asp) if asp else None)


def load_reference(*, mue: str | None = None, hcpcs: str | None = None,
                   asp: str | None = None, ncci: tuple[str, ...] = (), icd10: bool = True,
                   mue_table: pd.DataFrame | None = None,
                   hcpcs_table: pd.DataFrame | None = None,
                   asp_table: pd.DataFrame | None = None,
                   ncci_table: pd.DataFrame | None = None) -> Reference:
    """Load every table once. ``mue_table``, ``hcpcs_table``, ``asp_table`` and
    ``ncci_table`` are tables already read (:func:`~scrubber.reference.mue.mue_from_grid`,
    :func:`~scrubber.reference.asp.asp_from_grid`,
    :func:`~scrubber.reference.ncci.ncci_from_grid`), used where no file can be opened.

    Raises:
        ConfigError: a user-supplied file is missing or unreadable (named in the message).
    """
    if mue_table is None and mue:
        mue_table = load_mue(mue)
    if hcpcs_table is None and hcpcs:
        hcpcs_table = load_hcpcs(hcpcs)
    if asp_table is None and asp:
        asp_table = load_asp(asp)
    if ncci_table is None and ncci:
        ncci_table = load_ncci(ncci)
    return Reference(drugs=units_table(hcpcs_table, asp_table), mue=mue_table,
                     hcpcs=hcpcs_table, asp=asp_table, ncci=ncci_table,
                     icd10=Icd10() if icd10 else None)
