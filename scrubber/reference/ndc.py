"""National Drug Codes: the 11-digit 5-4-2 form payers want, from the 10-digit label forms.

A 10-digit NDC is printed as 4-4-2, 5-3-2 or 5-4-1; the billing form pads the short segment
with a leading zero (1234-5678-90 -> 01234-5678-90). An 11-digit code without hyphens is
already in billing form. A 10-digit code without hyphens cannot be padded: which segment is
short is unknown.
"""

from __future__ import annotations

import pandas as pd

_FORMS = (  # pattern, how the three segments are padded
    (r"^(\d{5})-(\d{4})-(\d{2})$", (5, 4, 2)),
    (r"^(\d{4})-(\d{4})-(\d{2})$", (5, 4, 2)),
    (r"^(\d{5})-(\d{3})-(\d{2})$", (5, 4, 2)),
    (r"^(\d{5})-(\d{4})-(\d{1})$", (5, 4, 2)),
)


def normalise_ndc(ndc: pd.Series) -> pd.DataFrame:
    """``normalised`` (5-4-2 text, or <NA> when it cannot be derived) and ``ok`` (already
    11 digits in 5-4-2 form, with or without hyphens) for each NDC cell."""
    text = ndc.astype("string").str.upper().str.strip()
    text = text.str.replace(r"^N4\s*", "", regex=True).str.replace(r"\s+", "", regex=True)
    normalised = pd.Series(pd.NA, index=ndc.index, dtype="string")
    plain = text.str.extract(r"^(\d{5})(\d{4})(\d{2})$")
    eleven = plain[0].notna()
    normalised[eleven] = plain[0] + "-" + plain[1] + "-" + plain[2]
    for pattern, widths in _FORMS:
        parts = text.str.extract(pattern)
        found = parts[0].notna() & normalised.isna()
        padded = [parts[i].str.zfill(w) for i, w in enumerate(widths)]
        normalised[found] = padded[0] + "-" + padded[1] + "-" + padded[2]
    ok = (eleven | text.str.fullmatch(r"\d{5}-\d{4}-\d{2}")).fillna(False).astype(bool)
    return pd.DataFrame({"normalised": normalised, "ok": ok})
