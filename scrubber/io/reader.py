"""Read a charge export (.xlsx, .xlsm, .csv or a DataFrame) into a raw :class:`Table`.

The reader only finds the sheet and the header row and keeps raw cell values with their
worksheet row numbers; turning values into typed fields is :mod:`scrubber.normalize`'s job.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scrubber import collector
from scrubber.fields import map_headers
from scrubber.io.error_cells import ERROR_SEARCH, ERROR_TEXTS, place
from scrubber.io.errors import InputError
from scrubber.io.limits import UNLIMITED_MB, Limits
from scrubber.io.workbook import (
    EXCEL_SUFFIXES,
    OTHER_WORKBOOK_SUFFIXES,
    calamine_call,
    open_workbook,
    take,
)

#: the header row is looked for within this many rows from the top of a sheet.
HEADER_SEARCH_ROWS = 20
CSV_SUFFIXES = (".csv",)
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES + OTHER_WORKBOOK_SUFFIXES + CSV_SUFFIXES


@dataclass(frozen=True)
class Table:
    """Raw cells of the charge-line sheet.

    Attributes:
        source: the path as given, or a label for a DataFrame.
        sheet: the worksheet name.
        header_row: the worksheet row number (as Excel shows it) of the header.
        headers: header text of each column, left to right, from column A.
        data: raw cell values; columns are 0-based positions, the index is the worksheet row.
    """

    source: str
    sheet: str
    header_row: int
    headers: list[str]
    data: pd.DataFrame
    #: column position -> its cells as cleaned text (scrubber.normalize.cleaned_column), made
    #: once per scrub; kept by the tables made from this one, whose rows may be fewer.
    cleaned: dict[int, pd.Series] = field(default_factory=dict, compare=False, repr=False)
    #: whether some cell may be an Excel error (its text, ``#REF!``, stands in ``data``): a
    #: workbook's sheet that has error cells, a CSV file or grid with such a text.
    error_cells: bool = field(default=False, compare=False)


def read_table(path: str | Path, sheet: str | None = None,
               limits: Limits | None = None) -> Table:
    """Read the charge-line sheet of a workbook or CSV file, within ``limits`` (the
    defaults when None: :mod:`scrubber.io.limits`).

    Raises:
        InputError: the file is missing, unsupported, damaged, encrypted, over a limit or has
            no header.
    """
    limits = limits or Limits()
    path = Path(path)
    label = str(path)
    if not path.is_file():
        raise InputError(label, "not a regular file (a folder, pipe, device or socket)"
                         if path.exists() else "file not found")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(label, f"unsupported file type '{suffix or '(none)'}'; "
                                "use .xlsx, .xlsm, .xls, .ods or .csv")
    if path.stat().st_size == 0:
        raise InputError(label, "the file is empty")
    if suffix in CSV_SUFFIXES:
        if path.stat().st_size > limits.max_bytes:
            raise InputError(label, limits.size_problem("CSV file", path.stat().st_size, "is"))
        grid, errors = read_csv(path)
        return table_from_grids(label, {csv_sheet_name(path): grid}, sheet,
                                error_cells=lambda: errors)
    book = take(path, limits) or open_workbook(path, limits)  # parsed ahead, or now
    heads = {name: calamine_call(label, book.sheet(name).to_python, skip_empty_area=False,
                                 nrows=HEADER_SEARCH_ROWS)
             for name in book.names()}

    errors = False

    def load(name: str) -> list[list[object]]:
        nonlocal errors
        grid = calamine_call(label, book.sheet(name).to_python, skip_empty_area=False)
        book.sheets.clear()  # the parsed sheets are no longer needed: free them before the frame
        errors = place(grid, book.error_cells(name)) > 0  # calamine reads them as empty
        return grid

    table = table_from_grids(label, heads, sheet, load=load, error_cells=lambda: errors)
    collector.give_back()  # the parsed sheet and the grid's row lists are gone by now
    return table


def csv_sheet_name(path: Path) -> str:
    """The sheet a CSV file's lines are reported on, and its marked copy's sheet: the file's
    name as Excel allows a sheet name (31 characters; no control characters, none of
    ``[]:*?/\\``, no apostrophe at either end)."""
    name = re.sub(r"[\x00-\x1f\x7f-\x9f\[\]:*?/\\]", "_", path.stem)[:31].strip("'")
    return name or "Sheet1"


def read_sheet_grid(path: str | Path, sheet: str) -> list[list[object]]:
    """Every cell of one sheet of a workbook (row 1 first, from column A), as the reader
    reads it: the marked copy of an .xls or .ods input is made from it."""
    path = Path(path)
    book = open_workbook(path, Limits(UNLIMITED_MB))  # read within the run's limits already
    grid = calamine_call(str(path), book.sheet(sheet).to_python, skip_empty_area=False)
    place(grid, book.error_cells(sheet))
    return grid


def table_from_frame(frame: pd.DataFrame, *, sheet: str = "Sheet1", header_row: int = 1,
                     source: str = "<DataFrame>") -> Table:
    """Wrap a DataFrame whose columns are the header texts (as xlwings or pandas give it).

    Rows are numbered as in a worksheet whose header sits on ``header_row``.
    """
    headers = ["" if c is None else str(c) for c in frame.columns]
    data = frame.copy()
    data.columns = range(len(headers))
    data.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(data))
    data = data.astype(object).where(data.notna(), None)
    return Table(source, sheet, header_row, headers, _drop_empty_rows(data),
                 error_cells=_has_error_text(data))


def table_from_grids(label: str, grids: dict[str, list[list[object]]],
                     sheet: str | None = None,
                     load: Callable[[str], list[list[object]]] | None = None,
                     error_cells: Callable[[], bool] | None = None) -> Table:
    """Pick the sheet and header row from grids of raw cells (row 1 first).

    ``grids`` may hold only the top rows of each sheet; ``load`` then reads the whole chosen
    sheet, so a workbook's other sheets are never read in full. ``error_cells`` says (after
    ``load``) whether the sheet has Excel error cells; without it the cells are searched.
    """
    if sheet is not None and sheet not in grids:
        count = f"{len(grids)} sheet{'s' if len(grids) != 1 else ''}"
        # the sheets' names are not listed: they are often a patient's name
        raise InputError(label, f"no sheet named '{sheet}' (the workbook has {count}; "
                                f"--sheet names are case-sensitive)")
    best: tuple[int, str, int] | None = None
    for name, grid in grids.items():
        if sheet is not None and name != sheet:
            continue
        found = _find_header(grid)
        if found is not None and (best is None or found[1] > best[0]):
            best = (found[1], name, found[0])
    if best is None:
        where = (f"sheet '{sheet}'" if sheet else "its only sheet" if len(grids) == 1
                 else "any sheet")
        raise InputError(label, f"no header row with a code column (CPT/HCPCS, CPT, HCPCS, "
                                f"Procedure Code...) or administration-log columns (Drug, "
                                f"Route, Start Time) in the first {HEADER_SEARCH_ROWS} rows "
                                f"of {where}")
    _, name, index = best
    grid = load(name) if load is not None else grids[name]
    width = max((len(r) for r in grid), default=0)
    headers = [_header_text(v) for v in grid[index]] + [""] * (width - len(grid[index]))
    body = np.empty((len(grid) - index - 1, width), dtype=object)  # one block, no copies
    try:
        body[:] = grid[index + 1:] if len(body) else body  # calamine's grids are rectangular
    except ValueError:  # CSV rows and hand-made grids may be ragged
        body[:] = None
        for number, row in enumerate(grid[index + 1:]):
            body[number, :len(row)] = row
    if load is not None:
        del grid  # the loaded rows live on in ``body``; their lists can go
    empty = pd.isna(body) | (body == "")
    body[empty] = None
    data = pd.DataFrame(body, columns=range(width), dtype=object, copy=False)
    data.index = pd.RangeIndex(index + 2, index + 2 + len(body))
    blank = empty.all(axis=1)
    errors = error_cells() if error_cells is not None else _has_error_text(data)
    return Table(label, name, index + 1, headers, data.loc[~blank] if blank.any() else data,
                 error_cells=errors)


def _find_header(grid: list[list[object]]) -> tuple[int, int] | None:
    """(row index, score) of the likeliest header row, or None when no row names a code
    column (a charge export) or a drug with its route or start (an administration log)."""
    best: tuple[int, int] | None = None
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        texts = [v if isinstance(v, str) else "" for v in row]
        mapping = map_headers(texts)
        log = "drug" in mapping and ("route" in mapping or "start" in mapping)
        if ("code" not in mapping and not log) or len(mapping) < 2:
            continue
        if best is None or len(mapping) > best[1]:
            best = (index, len(mapping))
    return best


def _header_text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ("" if value in (None, "") else str(value))


def _has_error_text(data: pd.DataFrame) -> bool:
    """Whether a cell of a grid or frame handed over by the caller is an Excel error's text
    (Excel and xlwings give an error cell as its text)."""
    return bool(len(data)) and bool(data.isin(ERROR_TEXTS).to_numpy().any())


def _drop_empty_rows(data: pd.DataFrame) -> pd.DataFrame:
    return data.loc[data.notna().any(axis=1)]


def read_csv_grid(path: Path) -> list[list[object]]:
    """The CSV file's rows of text cells."""
    return read_csv(path)[0]


def read_csv(path: Path) -> tuple[list[list[object]], bool]:
    """The CSV file's rows of text cells, and whether some text is an Excel error's
    (``#REF!``: what Excel writes for an error cell when it saves a CSV)."""
    raw = path.read_bytes()
    # a byte-order mark names the encoding (Excel's "Unicode text" is UTF-16 with one)
    encodings = ("utf-32",) if raw[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff") else \
        ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ()
    if not encodings and b"\x00" in raw[:4096]:
        raise InputError(str(path), "not a text CSV file (it contains binary data)")
    text = ""
    for encoding in encodings or ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            if encodings:
                raise InputError(str(path), f"the CSV file is not valid {encoding.upper()} "
                                            "text") from None
            continue
    if "\x00" in text[:4096]:
        raise InputError(str(path), "not a text CSV file (it contains binary data)")
    delimiter = _guess_delimiter(text)
    try:
        grid: list[list[object]] = [row for row in csv.reader(io.StringIO(text),
                                                              delimiter=delimiter)]
        return grid, ERROR_SEARCH.search(text) is not None
    except csv.Error as exc:
        raise InputError(str(path), f"the CSV file cannot be parsed ({exc})") from None


def _guess_delimiter(text: str) -> str:
    """The delimiter that splits the first rows into the most columns (',' on a tie)."""
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS + 5])
    widths = {}
    for delimiter in (",", ";", "\t", "|"):
        try:
            rows = list(csv.reader(io.StringIO(head), delimiter=delimiter))
        except csv.Error:
            continue
        widths[delimiter] = max((len(r) for r in rows), default=0)
    return max(widths, key=lambda d: widths[d]) if widths else ","
