"""Read the CMS quarterly ASP pricing file the user supplies (``--asp FILE``).

CMS publishes the Medicare Part B drug Average Sales Price file each quarter (for example
"Section 508 version of April 2026 ASP Pricing File") as a workbook and as CSV. A few notice
lines sit above the header; the columns used are ``HCPCS Code``, ``Short Description`` and
``HCPCS Code Dosage`` (the billing unit the payment limit is per: "10 MG", "0.5 MG",
"100 UNITS", "1 ML", "2 MEQ"); ``Payment Limit`` is kept for reference. A dosage that names no
amount and unit ("1 EA", a vial) gives no unit: such a code keeps the shipped table's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from scrubber.config import ConfigError
from scrubber.reference.cms_files import load_cached, read_grid
from scrubber.reference.hcpcs_file import unit_from_text

_SEARCH_ROWS = 40
_LABEL = "ASP file"


def load_asp(path: str | Path) -> pd.DataFrame:
    """The file's drug codes: index ``code``; ``amount``, ``unit``, ``up_to`` (None: the
    dosage never says whether the descriptor reads "up to"), ``description``, ``dosage``
    (as written) and ``payment_limit`` (NaN when blank).

    Raises:
        ConfigError: the file is missing or unreadable, has no HCPCS Code and HCPCS Code
            Dosage header in its first rows, or no row with a code and a readable dosage.
    """
    return load_cached(path, _LABEL, _parse)


def _parse(path: str, label: str) -> pd.DataFrame:
    return asp_from_grid(read_grid(Path(path), label), path)


def asp_from_grid(grid: list[list[object]], path: str) -> pd.DataFrame:
    """The ASP file from rows of cells (a file's first sheet, or the file pasted into a
    workbook); ``path`` names it in messages.

    Raises:
        ConfigError: no header row, or no row with a code and a readable dosage.
    """
    header = _header(grid, path)
    index, code, dosage, short, limit = header

    def column(position: int | None) -> list[str]:
        return ["" if position is None or position >= len(r) or r[position] is None
                else str(r[position]).strip() for r in grid[index + 1:]]

    frame = pd.DataFrame({"code": column(code), "dosage": column(dosage),
                          "description": column(short), "limit": column(limit)})
    frame["code"] = frame["code"].str.upper()
    frame = frame[frame["code"].str.fullmatch(r"[A-Z]\d{4}")]
    units = [unit_from_text(d) for d in frame["dosage"]]
    frame = frame.assign(amount=[u[0] if u else None for u in units],
                         unit=[u[1] if u else None for u in units], up_to=None)
    frame = frame[frame["unit"].notna()].drop_duplicates("code")
    if frame.empty:
        raise ConfigError(f"{_LABEL} {path}: no rows with a HCPCS code and a dosage such as "
                          f"'10 MG' under the header")
    frame["payment_limit"] = pd.to_numeric(frame["limit"].str.replace(r"[$,]", "",
                                                                       regex=True),
                                           errors="coerce")
    return frame.set_index("code")[["amount", "unit", "up_to", "description", "dosage",
                                    "payment_limit"]]


def _header(grid: list[list[object]], path: str
            ) -> tuple[int, int, int, int | None, int | None]:
    """(row, code column, dosage column, short description column, payment limit column)
    of the header row, or ConfigError naming the file."""
    for index, row in enumerate(grid[:_SEARCH_ROWS]):
        texts = [re.sub(r"\s+", " ", str(v)).strip().upper() if v is not None else ""
                 for v in row]
        code = next((i for i, t in enumerate(texts) if t in ("HCPCS CODE", "HCPCS")), None)
        dosage = next((i for i, t in enumerate(texts) if "DOSAGE" in t), None)
        if code is not None and dosage is not None:
            short = next((i for i, t in enumerate(texts) if "DESCRIPTION" in t), None)
            limit = next((i for i, t in enumerate(texts) if t.startswith("PAYMENT LIMIT")),
                         None)
            return index, code, dosage, short, limit
    raise ConfigError(f"{_LABEL} {path}: no header row with HCPCS Code and HCPCS Code Dosage "
                      f"columns in the first {_SEARCH_ROWS} rows")
