"""Write the marked copy: :func:`write_marked_copy` picks the writer.

Workbooks are marked by editing their package (:mod:`scrubber.mark.package`); a CSV input is
first made a workbook with typed values (:mod:`scrubber.mark.csv_book`). openpyxl
(:mod:`scrubber.mark.fallback`, loaded only then) marks what the package path refuses, with a
one-line note on stderr: rows or cells without references, prefixed XML, copies marked by
older versions. The input file is only read; the copy is written to a temporary file and
renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import sys
import zipfile
from pathlib import Path

from scrubber import collector
from scrubber.io import limits
from scrubber.io.atomic import make_temp, output_mode, same_file, sibling_temp, sweep_stale
from scrubber.io.errors import InputError
from scrubber.io.reader import read_sheet_grid
from scrubber.mark import package
from scrubber.mark.csv_book import write_typed_workbook
from scrubber.mark.plan import MarkPlan, plan_marks
from scrubber.result import FileResult
from scrubber.terminal import visible


def marked_path(source: str | Path, out: str | Path | None = None) -> Path:
    """Where the marked copy of ``source`` goes: beside it, or under/at ``out``.

    ``NAME.xlsx``, ``NAME.csv``, ``NAME.xls`` and ``NAME.ods`` give ``NAME.scrubbed.xlsx``;
    ``NAME.xlsm`` gives
    ``NAME.scrubbed.xlsm`` so its macros survive.
    """
    source = Path(source)
    suffix = ".xlsm" if source.suffix.lower() == ".xlsm" else ".xlsx"
    name = f"{source.stem}.scrubbed{suffix}"
    if out is None:
        return source.parent / name
    out = Path(out)
    if out.suffix.lower() in (".xlsx", ".xlsm"):
        return out
    return out / name


def write_marked_copy(result: FileResult, source: str | Path, target: str | Path, *,
                      quiet: bool = False) -> Path:
    """Write the marked copy of ``source`` to ``target`` atomically and return ``target``.

    When the package path cannot edit the workbook, openpyxl marks it and a one-line note
    says so on stderr (``quiet`` keeps it silent).

    Raises:
        InputError: the target is the input itself, or the workbook cannot be loaded.
    """
    return mark_copy(result, source, target, quiet=quiet)[0]


def mark_copy(result: FileResult, source: str | Path, target: str | Path, *,
              quiet: bool = False) -> tuple[Path, tuple[int, ...]]:
    """:func:`write_marked_copy`, also giving the flagged rows the sheet hides (they are
    listed in Issues, not unhidden)."""
    source, target = Path(source), Path(target)
    if same_file(target, source):  # also through a symbolic or hard link
        raise InputError(str(source), "the marked copy would overwrite the input; "
                                      "choose another --out")
    macros = source.suffix.lower() == ".xlsm"
    if macros != (target.suffix.lower() == ".xlsm"):
        raise InputError(str(source), f"the marked copy {target.name} must end in "
                                      f"{'.xlsm' if macros else '.xlsx'} so Excel opens it "
                                      f"{'with its macros' if macros else ''}".rstrip())
    _fits_a_sheet(result, source)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target)  # a killed run's temporary copy, full of patient data
    handle, temp = make_temp(target)
    os.close(handle)
    try:
        with collector.paused():  # the plan makes a mark per line
            hidden, room = _write(plan_marks(result), source, temp, quiet)
        if not room and not quiet:
            sys.stderr.write(f"note: {visible(source)}: the sheet's columns reach XFD, Excel's "
                             f"last, so the marked copy's Scrub Status and Scrub Findings "
                             f"are on its Issues sheet instead, with a note\n")
        os.chmod(temp, output_mode([source]))  # never wider than the input's
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    return target, tuple(sorted(hidden))


def _fits_a_sheet(result: FileResult, source: Path) -> None:
    """A CSV file's copy is a worksheet of its rows: one longer than Excel's sheets is
    declined before anything is written (its lines are scrubbed and reported all the same).

    Raises:
        InputError: the CSV file's lines go past Excel's last row.
    """
    if source.suffix.lower() != ".csv":
        return
    last = max((*result.line_rows, *(s.row for s in result.skipped_rows)), default=0)
    if last > limits.EXCEL_ROWS:
        raise InputError(str(source), f"no marked copy: its lines reach row {last:,}, past "
                                      f"the {limits.EXCEL_ROWS:,} rows of an Excel sheet "
                                      f"(every line is in the report; --no-mark skips the "
                                      f"copy)")


def _write(plan: MarkPlan, source: Path, temp: str, quiet: bool) -> tuple[set[int], bool]:
    """The package writer for workbooks, and for a CSV input made a typed workbook first;
    openpyxl for what the package path cannot edit. Returns the hidden flagged rows, and
    whether the sheet had room for the status columns."""
    suffix = source.suffix.lower()
    if suffix in (".csv", ".xls", ".ods"):
        # an .xls or .ods workbook is marked as a CSV is: a new .xlsx of the scrubbed
        # sheet's values (python-calamine reads them; nothing can edit them in place)
        grid = None if suffix == ".csv" else read_sheet_grid(source, plan.sheet)
        handle, book = sibling_temp(temp)
        os.close(handle)
        try:
            write_typed_workbook(source, plan.sheet, book, grid)
            written = package.write_package_copy(plan, book, temp)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(book)
        if grid is not None and not quiet:
            sys.stderr.write(f"note: {visible(source)}: the marked copy is a new .xlsx workbook of "
                             f"the scrubbed sheet's values (formats, formulas and other "
                             f"sheets of the {suffix} file are not carried over)\n")
        return written
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return package.write_package_copy(plan, str(source), temp)
        except package.Unsupported as why:
            if not quiet:
                sys.stderr.write(f"note: {visible(source)}: marked with openpyxl ({why}); "
                                 f"charts, images and comments may not be kept\n")
        except (zipfile.BadZipFile, KeyError, ValueError, UnicodeDecodeError) as exc:
            raise InputError(str(source), f"the workbook cannot be copied "
                                          f"({type(exc).__name__})") from None
    from scrubber.mark import fallback  # openpyxl loads only when it is needed

    return fallback.write(plan, source, temp)
