"""Read a CMS Medically Unlikely Edits (MUE) table the user supplies (``--mue FILE``).

CMS publishes the practitioner and the outpatient hospital tables each quarter as CSV and
Excel files with a few lines of notice above the header. The columns used are the code
("HCPCS/CPT Code"), the MUE value ("Practitioner Services MUE Values" or "Outpatient
Hospital Services MUE Values"; any header with "MUE Value") and the adjudication indicator
("MUE Adjudication Indicator": 1 per line, 2 per day absolute, 3 per day clinical; the
leading digit of "3 Date of Service Edit: Clinical" is read). Values are never hard-coded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scrubber.config import ConfigError
from scrubber.reference.cms_files import load_cached, read_grid

_SEARCH_ROWS = 40


def load_mue(path: str | Path) -> pd.DataFrame:
    """The MUE table indexed by code, columns ``value`` and ``indicator`` (1, 2 or 3).

    Raises:
        ConfigError: the file cannot be read or has no code and MUE value columns.
    """
    return load_cached(path, "MUE file", _parse)


def _parse(path: str, label: str) -> pd.DataFrame:
    return mue_from_grid(read_grid(Path(path), label), path)


def mue_from_grid(grid: list[list[object]], path: str) -> pd.DataFrame:
    """The MUE table from rows of cells (a file's first sheet, or a table pasted into a
    workbook, as the Excel add-in reads it); ``path`` names it in messages.

    Raises:
        ConfigError: no header row with a code and an MUE value column, or no rows.
    """
    header_at, columns = _header(grid, path)
    code_col, value_col, flag_col = columns
    rows = grid[header_at + 1:]
    frame = pd.DataFrame({
        "code": [_cell(r, code_col) for r in rows],
        "value": [_cell(r, value_col) for r in rows],
        "indicator": [_cell(r, flag_col) if flag_col is not None else "" for r in rows],
    })
    frame["code"] = frame["code"].str.upper().str.strip().str.replace(r"\.0$", "", regex=True)
    frame["value"] = pd.to_numeric(frame["value"].str.extract(r"(\d+(?:\.\d+)?)")[0],
                                   errors="coerce")
    frame["indicator"] = pd.to_numeric(frame["indicator"].str.extract(r"^\s*([123])")[0],
                                       errors="coerce").fillna(1).astype(int)
    frame = frame[frame["code"].str.match(r"^[0-9A-Z]{5}$").fillna(False) & frame["value"].notna()]
    if frame.empty:
        raise ConfigError(f"MUE file {path}: no rows with a code and an MUE value")
    return frame.drop_duplicates("code").set_index("code")


def _cell(row: list[object], col: int) -> str:
    value = row[col] if col < len(row) else None
    return "" if value is None else str(value)


def _header(grid: list[list[object]], path: str) -> tuple[int, tuple[int, int, int | None]]:
    for index, row in enumerate(grid[:_SEARCH_ROWS]):
        texts = [str(v).lower() if v is not None else "" for v in row]
        value = next((i for i, t in enumerate(texts) if "mue value" in t), None)
        code = next((i for i, t in enumerate(texts) if "hcpcs" in t or "cpt" in t
                     or t.strip() == "code"), None)
        if value is not None and code is not None:
            flag = next((i for i, t in enumerate(texts) if "adjudication" in t
                         or "indicator" in t), None)
            return index, (code, value, flag)
    raise ConfigError(f"MUE file {path}: no header row with a code column (HCPCS/CPT Code) "
                      f"and an MUE value column in the first {_SEARCH_ROWS} rows")
