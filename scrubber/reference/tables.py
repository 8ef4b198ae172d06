"""The reference tables a run needs, loaded once and handed to the rules through their context.

A :class:`Reference` is immutable and picklable: it is what a worker process, a Dask worker or
the Excel add-in receives inside the prepared run. Rules never load a file themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from scrubber.reference.drugs import DrugTable, drug_table
from scrubber.reference.hcpcs_file import load_hcpcs
from scrubber.reference.icd10 import code_set, verdict
from scrubber.reference.mue import load_mue


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
        drugs: the shipped HCPCS drug table.
        mue: the user's CMS MUE table (indexed by code: value, indicator), or None.
        hcpcs: the user's CMS HCPCS file (indexed by code: deleted), or None.
        icd10: the ICD-10-CM code set, or None when no selected rule reads diagnoses.
    """

    drugs: DrugTable
    mue: pd.DataFrame | None = None
    hcpcs: pd.DataFrame | None = None
    icd10: Icd10 | None = field(default=None, compare=False)

    @property
    def quarter(self) -> dict[str, str]:
        """What the report says produced it: the drug table's quarter and source, and the
        ICD-10-CM code set's release (the package that ships it)."""
        out = {"drug_table": self.drugs.quarter, "drug_table_source": self.drugs.source}
        if self.icd10 is not None:
            out["icd10cm"] = _icd10_release()
        return out


def load_reference(*, mue: str | None = None, hcpcs: str | None = None,
                   icd10: bool = True, mue_table: pd.DataFrame | None = None,
                   hcpcs_table: pd.DataFrame | None = None) -> Reference:
    """Load every table once. ``mue_table`` and ``hcpcs_table`` are tables already read
    (:func:`~scrubber.reference.mue.mue_from_grid`), used where no file can be opened.

    Raises:
        ConfigError: a user-supplied file is missing or unreadable (named in the message).
    """
    if mue_table is None and mue:
        mue_table = load_mue(mue)
    if hcpcs_table is None and hcpcs:
        hcpcs_table = load_hcpcs(hcpcs)
    return Reference(drugs=drug_table(), mue=mue_table, hcpcs=hcpcs_table,
                     icd10=Icd10() if icd10 else None)
