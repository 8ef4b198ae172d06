"""Read the CMS NCCI procedure-to-procedure (PTP) edit tables the user supplies (``--ncci``).

CMS publishes the practitioner and the hospital (outpatient) PTP edits each quarter, split by
code range into several files (``ccipra-v321r0-f1`` ... ``-f4``), as tab-delimited text and as
workbooks. A copyright notice and a title line ("Column1/Column 2 Edits") sit above the
header; the header reads ``Column 1``, ``Column 2``, ``*=in existence prior to 1996``,
``Effective Date``, ``Deletion Date *=no data``, ``Modifier 0=not allowed 1=allowed 9=not
applicable`` and ``PTP Edit Rationale``, and the workbooks spread those words over several
header rows ("Effective" / "Date"). Dates are ``YYYYMMDD`` (a workbook may hold real dates);
a deletion date of ``*`` means the edit is in force. Every file given is read and the edits
are put together; values are never hard-coded.

The table is kept compact, as integers (a quarter's practitioner edits are about a million
pairs and travel to every worker): codes as base-36 numbers (:func:`code_numbers`), dates as
``YYYYMMDD`` numbers (no deletion date: :data:`NO_DELETION`), the modifier indicator 0 or 1.
Indicator 9 (the edit does not apply) is dropped when the file is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from scrubber.config import ConfigError
from scrubber.reference.cms_files import load_cached

LABEL = "NCCI PTP file"
#: the deletion date of an edit that has none (still in force).
NO_DELETION = 99_999_999
#: the columns of the loaded table.
COLUMNS = ("column1", "column2", "effective", "deletion", "indicator")
_SEARCH_ROWS = 40
#: header cells (folded: lower case, letters and digits) that name the two code columns.
_FIRST = frozenset({"column1", "col1", "columnone", "column1code", "columnonecode"})
_SECOND = frozenset({"column2", "col2", "columntwo", "column2code", "columntwocode"})
_WORKBOOK = (".xlsx", ".xlsm", ".xls")
#: base-36 place values of a five-character code.
_PLACES = 36 ** np.arange(4, -1, -1, dtype=np.int64)


def load_ncci(paths: Iterable[str | Path]) -> pd.DataFrame:
    """The PTP edits of every file, put together (each file read once per process).

    Returns a frame with :data:`COLUMNS`: ``column1`` and ``column2`` as code numbers,
    ``effective`` (0 when the file gives none) and ``deletion`` as ``YYYYMMDD`` numbers, and
    ``indicator`` 0 (no modifier allows the pair) or 1 (an NCCI-associated modifier does).

    Raises:
        ConfigError: a file is missing, unreadable, has no PTP header in its first rows, or
            no edit under it; the message names the file.
    """
    frames = [load_cached(path, LABEL, _parse) for path in paths]
    if not frames:
        return _empty()
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return table.drop_duplicates(ignore_index=True)


def code_numbers(codes: pd.Series | Iterable[object]) -> np.ndarray:
    """Five-character codes as integers (base 36, digits then letters); -1 for anything else.

    ``96365`` and ``J1745`` each give one number, the same however the cell was typed (a
    workbook's 96365.0, a lower-case j1745, an anesthesia code 00100 read as the number 100).
    """
    text = pd.Series(codes, dtype="object").astype("string").str.strip().str.upper()
    text = text.str.replace(r"\.0+$", "", regex=True)
    short = text.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
    text = text.mask(short, text.str.zfill(5))
    ok = text.str.fullmatch(r"[0-9A-Z]{5}").fillna(False).to_numpy(dtype=bool)
    out = np.full(len(text), -1, dtype=np.int64)
    if ok.any():
        raw = np.array(text[ok].tolist(), dtype="S5").view(np.uint8).reshape(-1, 5)
        digits = np.where(raw >= ord("A"), raw - (ord("A") - 10), raw - ord("0"))
        out[ok] = digits.astype(np.int64) @ _PLACES
    return out


def code_text(numbers: np.ndarray) -> list[str]:
    """Code numbers back to their five characters (for messages)."""
    out = []
    for number in np.asarray(numbers, dtype=np.int64).tolist():
        chars = []
        for _ in range(5):
            number, digit = divmod(number, 36)
            chars.append(chr(digit + ord("0")) if digit < 10 else chr(digit - 10 + ord("A")))
        out.append("".join(reversed(chars)))
    return out


def ncci_from_grid(grid: list[list[object]], path: str) -> pd.DataFrame:
    """The PTP edits from rows of cells (a workbook's sheet, or a table pasted into a
    workbook); ``path`` names it in messages.

    Raises:
        ConfigError: no header row with Column 1, Column 2 and Modifier, or no edits.
    """
    index, columns = _header(grid[:_SEARCH_ROWS], path)
    rows = grid[index + 1:]

    def column(position: int | None) -> list[object]:
        if position is None:
            return [None] * len(rows)
        return [r[position] if position < len(r) else None for r in rows]

    return _table([column(p) for p in columns], path)


def _parse(path: str, label: str) -> pd.DataFrame:
    source = Path(path)
    if source.suffix.lower() in _WORKBOOK:
        return _workbook(source, label)
    text = _text(source, label)
    head = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    rows, ends = [], []
    for row in head:  # the first rows, and the physical line each ends on
        rows.append(row)
        ends.append(head.line_num)
        if len(rows) > _SEARCH_ROWS:
            break
    index, columns = _header(rows[:_SEARCH_ROWS], path)
    # pandas takes the width of the first line it reads as the table's: a line past it is cut
    width = next((len(r) for r in rows[index + 1:] if r), 0)
    used = sorted({p for p in columns if p is not None and p < width})
    if not used:
        raise ConfigError(f"{LABEL} {path}: no edits (two codes and a modifier indicator 0 "
                          f"or 1) under the header")
    frame = pd.read_csv(io.StringIO(text), sep=_delimiter(text), header=None,
                        skiprows=ends[index], names=range(width), usecols=used, dtype=str,
                        keep_default_na=False, on_bad_lines="skip")
    columns = tuple(p if p in used else None for p in columns)
    return _table([frame[p] if p is not None else [None] * len(frame) for p in columns],
                  path)


def _workbook(path: Path, label: str) -> pd.DataFrame:
    """Every sheet that holds PTP edits (a notice or a disclaimer sheet may come first)."""
    try:
        import python_calamine

        book = python_calamine.CalamineWorkbook.from_path(str(path))
        grids = [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]
    except Exception as exc:  # noqa: BLE001 - any reader failure is one clear message
        raise ConfigError(f"{label} {path}: cannot be read ({type(exc).__name__})") from None
    found, problem = [], None
    for grid in grids:
        try:
            found.append(ncci_from_grid(grid, str(path)))
        except ConfigError as exc:
            problem = problem or exc
    if not found:
        raise problem or ConfigError(f"{label} {path}: the workbook has no sheets")
    return pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]


def _text(path: Path, label: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{label} {path}: cannot be read ({exc.strerror})") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConfigError(f"{label} {path}: not a text (CSV or tab-delimited) file or a workbook")


def _delimiter(text: str) -> str:
    sample = text[:20_000]
    return "\t" if sample.count("\t") > sample.count(",") else ","


def _key(value: object) -> str:
    return "".join(ch for ch in str(value).lower() if ch.isalnum()) if value is not None else ""


def _header(rows: list[list[object]], path: str
            ) -> tuple[int, tuple[int, int, int | None, int | None, int]]:
    """(row, (column 1, column 2, effective, deletion, modifier)) of the header, whose words
    may continue on the rows under it (the workbooks' "Effective" / "Date")."""
    for index, row in enumerate(rows):
        keys = [_key(v) for v in row]
        first = next((i for i, k in enumerate(keys) if k in _FIRST), None)
        second = next((i for i, k in enumerate(keys) if k in _SECOND), None)
        if first is None or second is None:
            continue
        below = [[_key(v) for v in r] for r in rows[index:index + 4]]
        words = [" ".join(r[i] for r in below if i < len(r)) for i in range(len(keys))]
        effective = next((i for i, w in enumerate(words) if "effective" in w), None)
        deletion = next((i for i, w in enumerate(words) if "deletion" in w), None)
        modifier = next((i for i, w in enumerate(words) if "modifier" in w
                         or "indicator" in w), None)
        if modifier is None:
            break
        return index, (first, second, effective, deletion, modifier)
    raise ConfigError(f"{LABEL} {path}: no header row with Column 1, Column 2 and Modifier "
                      f"columns in the first {_SEARCH_ROWS} rows")


def _table(columns: list[object], path: str) -> pd.DataFrame:
    """The edits from the raw cells of the five columns; rows without two codes and an
    indicator of 0 or 1 (notice lines, the header's continuation rows, indicator 9) go.
    Each distinct cell text is read once (a quarter's million edits hold some ten thousand
    codes and a few hundred dates)."""
    first, second, effective, deletion, modifier = columns
    column1 = _each_distinct(first, code_numbers, -1)
    column2 = _each_distinct(second, code_numbers, -1)
    indicator = _each_distinct(modifier, _indicators, -1)
    kept = np.flatnonzero((column1 >= 0) & (column2 >= 0) & np.isin(indicator, (0, 1)))
    if not len(kept):
        raise ConfigError(f"{LABEL} {path}: no edits (two codes and a modifier indicator 0 "
                          f"or 1) under the header")
    start = _each_distinct(_cells(effective).iloc[kept], _dates, 0)
    end = _each_distinct(_cells(deletion).iloc[kept], _dates, NO_DELETION)
    return pd.DataFrame({
        "column1": column1[kept].astype(np.int32), "column2": column2[kept].astype(np.int32),
        "effective": np.nan_to_num(start, nan=0).astype(np.int32),
        "deletion": np.nan_to_num(end, nan=NO_DELETION).astype(np.int32),
        "indicator": indicator[kept].astype(np.int8)})


def _cells(cells: object) -> pd.Series:
    series = cells if isinstance(cells, pd.Series) else pd.Series(cells, dtype="object")
    return series.reset_index(drop=True)


def _each_distinct(cells: object, func, missing: float) -> np.ndarray:
    """``func`` (distinct cells -> an array of numbers) spread back to every cell; an empty
    cell gives ``missing``."""
    ids, distinct = pd.factorize(_cells(cells))
    values = np.asarray(func(pd.Series(np.asarray(distinct, dtype=object), dtype="object")),
                        dtype="float64")
    return np.append(values, missing)[ids]


def _indicators(cells: pd.Series) -> np.ndarray:
    """The modifier indicator's leading digit (0, 1 or 9; -1 for anything else)."""
    digit = cells.astype("string").str.extract(r"^\s*([019])", expand=False)
    return pd.to_numeric(digit, errors="coerce").fillna(-1).to_numpy(dtype="float64")


def _dates(cells: pd.Series) -> np.ndarray:
    """Cells as ``YYYYMMDD`` numbers (float; NaN for a blank, ``*`` or an unreadable date):
    ``20260101``, a workbook's 20260101.0 or date, ``1/1/2026``, ``2026-01-01``."""
    text = cells.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    eight = text.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
    out = pd.to_numeric(text.where(eight), errors="coerce").astype("float64")
    other = (~eight & text.str.contains(r"\d", regex=True).fillna(False)).astype(bool)
    if other.any():
        distinct = pd.Series(text[other].unique())
        parsed = pd.to_datetime(distinct, errors="coerce", format="mixed")
        number = parsed.dt.year * 10000 + parsed.dt.month * 100 + parsed.dt.day
        out[other] = text[other].map(dict(zip(distinct, number, strict=True))).astype(
            "float64")
    return out.to_numpy(dtype="float64")


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"column1": np.empty(0, np.int32), "column2": np.empty(0, np.int32),
                         "effective": np.empty(0, np.int32),
                         "deletion": np.empty(0, np.int32),
                         "indicator": np.empty(0, np.int8)})
