"""Billing units of a drug line: dose given / the descriptor's unit, rounded up.

"Up to X" descriptors bill one unit per X as well (infliximab 400 mg on J1745 "10 mg" = 40;
70 mg of a 100 mg unit = 1). Dose units convert within mass (g, mg, mcg), and units, mL and
mEq match themselves.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from scrubber.distinct import per_value
from scrubber.reference.drugs import DrugEntry, DrugTable, billing_entry, drug_table
from scrubber.strings import extract

#: dose unit spelling -> (dimension, factor to the dimension's base unit).
_UNITS = {
    "g": ("mass", 1000.0), "gm": ("mass", 1000.0), "gram": ("mass", 1000.0),
    "grams": ("mass", 1000.0), "mg": ("mass", 1.0), "milligram": ("mass", 1.0),
    "milligrams": ("mass", 1.0), "mcg": ("mass", 0.001), "ug": ("mass", 0.001),
    "µg": ("mass", 0.001), "microgram": ("mass", 0.001), "micrograms": ("mass", 0.001),
    "units": ("units", 1.0), "unit": ("units", 1.0), "u": ("units", 1.0), "iu": ("units", 1.0),
    "ml": ("volume", 1.0), "cc": ("volume", 1.0), "l": ("volume", 1000.0),
    "meq": ("meq", 1.0),
}
_DOSE = re.compile(r"^\s*(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)\s*([a-zµ]+)?\.?\s*$", re.IGNORECASE)


def parse_dose(dose: object, unit: object = None) -> tuple[float, str] | None:
    """(amount, unit) from a dose cell and an optional unit cell; None when unreadable."""
    text = "" if dose is None or (isinstance(dose, float) and math.isnan(dose)) else str(dose)
    match = _DOSE.match(text)
    if not match:
        return None
    amount = float(match.group(1).replace(",", ""))
    spelled = (match.group(2) or ("" if unit is None or pd.isna(unit) else str(unit))).strip()
    return amount, spelled.lower()


def convert(amount: float, unit: str, target: str) -> float | None:
    """``amount`` of ``unit`` in ``target`` units, or None when they do not convert."""
    source, goal = _UNITS.get(unit.lower()), _UNITS.get(target.lower())
    if source is None or goal is None or source[0] != goal[0]:
        return None
    return amount * source[1] / goal[1]


def billing_units(amount: float, unit: str, per_amount: float, per_unit: str) -> int | None:
    """Units for a dose: ceil(dose / descriptor unit); None when the units do not convert."""
    converted = convert(amount, unit, per_unit)
    if converted is None:
        return None
    return max(1, math.ceil(round(converted / per_amount, 9))) if converted > 0 else 0


def billing_units_series(dose: pd.Series, dose_unit: pd.Series, per_amount: pd.Series,
                         per_unit: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`billing_units` over lines: ``expected`` (NaN when unknown),
    ``readable`` (the dose could be read and converted), the dose's ``amount`` and ``unit``
    as read, and ``converted`` (the dose in the descriptor's unit)."""
    parts = _dose_parts(dose.astype("string"))
    amount = parts["amount"]
    unit = parts["unit"].fillna(dose_unit.astype("string")).str.strip().str.lower()
    target = per_unit.astype("string").str.lower()
    dimension = {k: v[0] for k, v in _UNITS.items()}
    scale = {k: v[1] for k, v in _UNITS.items()}
    same = (unit.map(dimension) == target.map(dimension)).fillna(False).astype(bool)
    factor = unit.map(scale).astype(float) / target.map(scale).astype(float)
    ratio = (amount * factor / per_amount.astype(float)).round(9)
    expected = np.ceil(ratio).clip(lower=1).where(amount > 0, 0).where(same & amount.notna())
    return pd.DataFrame({"expected": expected, "readable": same & amount.notna(),
                         "amount": amount, "unit": unit, "converted": amount * factor})


@per_value
def _dose_parts(dose: pd.Series) -> pd.DataFrame:
    """The ``amount`` (float) and ``unit`` (text, <NA> when the cell has none) of dose cells
    such as '400', '400 mg', '1,000mcg' or '.5 g'."""
    text = dose.str.strip().str.replace(",", "", regex=False)
    parts = extract(text, r"^(?P<amount>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[A-Za-zµ]+)?\.?$")
    return pd.DataFrame({"amount": pd.to_numeric(parts["amount"], errors="coerce"),
                         "unit": parts["unit"]}, index=dose.index)


def units_for(code_or_name: str, dose: object, dose_unit: object = None,
              table: DrugTable | None = None) -> tuple[DrugEntry, float, str, int]:
    """Billing units of a dose of one drug (a HCPCS code, or a name with one code) in
    ``table`` (the shipped drug table when None; with a user's HCPCS or ASP file its units).

    A name that is exactly one entry's generic name gives that entry, so "vancomycin" is
    J3373 and "infliximab" J1745 (biosimilars are billed by their own code); a brand name
    gives its generic's entry ("Lasix" is furosemide J1940).

    Returns:
        The drug's entry, the dose amount and unit as read, and the units.

    Raises:
        ValueError: no such drug, a deleted code (its replacement named), a name with several
            codes, a code without a billing unit, an unreadable, zero or negative dose, a dose
            without a unit, a dose unit that contradicts the dose cell's own or that does not
            convert (the message says which).
    """
    table = table or drug_table()
    text = " ".join(str(code_or_name).split())
    replaced = table.replaced_by.get(text.upper())
    if replaced:
        raise ValueError(f"{text.upper()} is deleted: bill {replaced} (its units follow "
                         f"{replaced}'s descriptor)")
    found = billing_entry(text, table) if text else []
    if not found:
        raise ValueError(f"no drug '{text[:40]}' in the drug table; give the HCPCS code or "
                         f"the generic name")
    exact = [e for e in found if e.code == text.upper()]
    if len(found) > 1 and not exact:
        codes = ", ".join(f"{e.code} {e.unit_text}" for e in found[:12])
        more = f" and {len(found) - 12} more" if len(found) > 12 else ""
        raise ValueError(f"'{text[:40]}' has several codes ({codes}{more}); give the code")
    entry = (exact or found)[0]
    if entry.unit_amount is None:
        raise ValueError(f"{entry.code} has no billing unit (unclassified: bill one unit with "
                         f"the NDC and drug name)")
    amount, unit = _dose(dose, dose_unit)
    units = billing_units(amount, unit, entry.unit_amount, entry.unit)
    if units is None:
        raise ValueError(f"{unit} does not convert to {entry.unit} ({entry.code} is "
                         f"billed per {entry.unit_text})")
    return entry, amount, unit, units


def _dose(dose: object, dose_unit: object) -> tuple[float, str]:
    """(amount, unit) of a dose, or ValueError saying what is missing or wrong."""
    shown = f"{dose:g}" if isinstance(dose, float) else str(dose)[:40]
    given = "" if dose_unit is None or pd.isna(dose_unit) else str(dose_unit).strip().lower()
    if isinstance(dose, (int, float)) and not isinstance(dose, bool) and dose < 0 or \
            str(dose).strip().startswith("-"):
        raise ValueError(f"the dose {shown} is negative")
    own = parse_dose(dose)
    if own is not None and own[1] and given and own[1] != given:
        raise ValueError(f"the dose '{shown}' says {own[1]} but the dose unit says {given}")
    parsed = parse_dose(dose, dose_unit)
    if parsed is None:
        raise ValueError(f"cannot read the dose '{shown}'; give a number and a unit, "
                         f"e.g. 400 mg")
    if not parsed[1]:
        raise ValueError(f"the dose {shown} has no unit: give it (mg, mcg, g, units, mL, "
                         f"mEq)")
    if parsed[0] <= 0:
        raise ValueError(f"the dose {shown} is zero: nothing to bill")
    return parsed
