"""Read the CMS quarterly HCPCS Level II file the user supplies (``--hcpcs FILE``).

CMS publishes it as a workbook and as CSV/text ("HCPC2026_APR_ANWEB"). The columns used:
``HCPC`` (the code), ``LONG DESCRIPTION`` (the descriptor; continuation rows of one code are
joined), and ``TERM DT`` (termination date: the code is deleted from then on) or
``ACTION CD`` ``D`` (discontinued). Codes without a termination date are current.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scrubber.config import ConfigError
from scrubber.reference.cms_files import load_cached, read_grid

_SEARCH_ROWS = 40


def load_hcpcs(path: str | Path) -> pd.DataFrame:
    """Codes in the file: index ``code``, columns ``description`` and ``deleted`` (bool).

    Raises:
        ConfigError: the file cannot be read or has no HCPC column.
    """
    return load_cached(path, "HCPCS file", _parse)


def _parse(path: str, label: str) -> pd.DataFrame:
    return hcpcs_from_grid(read_grid(Path(path), label), path)


def hcpcs_from_grid(grid: list[list[object]], path: str) -> pd.DataFrame:
    """The HCPCS file from rows of cells (a file's first sheet, or the file pasted into a
    workbook, as the Excel add-in reads it); ``path`` names it in messages.

    Raises:
        ConfigError: no HCPC column, or no rows with a code.
    """
    for index, row in enumerate(grid[:_SEARCH_ROWS]):  # noqa: B007 - used after break
        texts = [str(v).strip().upper() if v is not None else "" for v in row]
        code = next((i for i, t in enumerate(texts) if t in ("HCPC", "HCPCS", "HCPCS CODE",
                                                               "HCPC CODE", "CODE")), None)
        if code is not None:
            break
    else:
        raise ConfigError(f"HCPCS file {path}: no header row with an HCPC column in the "
                          f"first {_SEARCH_ROWS} rows")
    desc = next((i for i, t in enumerate(texts) if "LONG DESC" in t), None)
    desc = desc if desc is not None else next((i for i, t in enumerate(texts) if "DESC" in t),
                                              None)
    term = next((i for i, t in enumerate(texts) if t.startswith("TERM")), None)
    action = next((i for i, t in enumerate(texts) if t.startswith("ACTION")), None)

    def column(position: int | None) -> list[str]:
        if position is None:
            return [""] * (len(grid) - index - 1)
        return ["" if position >= len(r) or r[position] is None else str(r[position]).strip()
                for r in grid[index + 1:]]

    frame = pd.DataFrame({"code": column(code), "description": column(desc),
                          "term": column(term), "action": column(action)})
    frame["code"] = frame["code"].str.upper()
    frame = frame[frame["code"].str.fullmatch(r"[A-Z0-9]{5}")]
    if frame.empty:
        raise ConfigError(f"HCPCS file {path}: no rows with a five-character code")
    frame["deleted"] = frame["term"].ne("") | frame["action"].str.upper().eq("D")
    return frame.groupby("code").agg(description=("description", " ".join),
                                     deleted=("deleted", "any"))
