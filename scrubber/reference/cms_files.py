"""Reading the CMS files users supply (MUE tables, the HCPCS file): CSV or workbook, read
once per process and again only when the file changes."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd

from scrubber.config import ConfigError


def load_cached(path: str | Path, label: str,
                parse: Callable[[str, str], pd.DataFrame]) -> pd.DataFrame:
    """``parse(path, label)``, cached on the file's path, size and modification time.

    Raises:
        ConfigError: the file is missing (or ``parse`` says what is wrong), named by label.
    """
    try:
        stat = os.stat(path)
    except OSError:
        raise ConfigError(f"{label} {path}: not found") from None
    return _cached(parse, str(path), label, stat.st_mtime_ns, stat.st_size).copy()


@cache
def _cached(parse: Callable[[str, str], pd.DataFrame], path: str, label: str, _mtime: int,
            _size: int) -> pd.DataFrame:
    return parse(path, label)


def read_grid(path: Path, label: str) -> list[list[object]]:
    """The first sheet of a workbook, or the rows of a CSV/tab-separated text file."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            import python_calamine

            book = python_calamine.CalamineWorkbook.from_path(str(path))
            return book.get_sheet_by_index(0).to_python()
        raw = path.read_bytes()
    except Exception as exc:  # noqa: BLE001 - any reader failure is one clear message
        raise ConfigError(f"{label} {path}: cannot be read ({type(exc).__name__})") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ConfigError(f"{label} {path}: not a text (CSV) file or a workbook")
    delimiter = "\t" if text.count("\t") > text.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
