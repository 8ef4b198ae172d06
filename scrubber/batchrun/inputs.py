"""A batch's inputs: files, folders (recursively) and globs, each with where its outputs go.

Outputs mirror the input folders under the output folder: the inputs' deepest common folder
is the root, so ``batch exports --out DIR`` puts ``exports/clinic-a/mon.xlsx``'s marked copy
at ``DIR/clinic-a/mon.scrubbed.xlsx``, and two folders ``a`` and ``b`` become ``DIR/a`` and
``DIR/b``. Nothing under the output folder is ever read as an input (it may sit inside an
input folder), nor a marked copy or an Excel lock file found in a folder.
"""

from __future__ import annotations

import glob
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from scrubber.io.errors import InputError
from scrubber.io.reader import SUPPORTED_SUFFIXES

#: what a glob character looks like in an input that is not an existing path.
_GLOB = frozenset("*?[")
#: a batch's own files in its output folder: the summaries and the state of its runs.
SUMMARY_JSON = "summary.json"
SUMMARY_XLSX = "summary.xlsx"
STATE_NAME = ".scrubber-batch-state.json"


@dataclass(frozen=True)
class Task:
    """One file of a batch.

    Attributes:
        path: the file as the user named or the expansion found it (reports show this).
        source: its absolute path (what a worker opens, wherever it runs).
        marked: the marked copy's absolute path, or None with ``--no-mark`` (or when it is
            refused).
        report: the file's JSON report's absolute path, or None when it is refused.
        refused: why an output of the file is refused before anything is written (it would
            be an input of the batch, the same file through a link, or another output); the
            file is still scrubbed and counted in the summary.
    """

    path: str
    source: str
    marked: str | None
    report: str | None
    refused: str | None = None


def collect(inputs: list[str], out: str | Path) -> list[str | InputError]:
    """The files named by ``inputs``, in order, each once; an input that names none (a
    pattern that matches nothing, a file inside the output folder) is an InputError in its
    place."""
    out = Path(out).resolve()
    files: list[str | InputError] = []
    seen: set[Path] = set()

    def add(found: str, explicit: bool) -> None:
        if not _regular(found):  # a pipe would block the run forever, a device never end
            if explicit:
                files.append(InputError(found, "not a regular file (a pipe, device or "
                                               "socket); give the export file itself"))
            return
        resolved = Path(found).resolve()
        if resolved in seen:
            return
        if _inside(resolved, out):
            if explicit:
                files.append(InputError(found, "is inside the --out folder; outputs are "
                                               "never read as inputs"))
            return
        seen.add(resolved)
        files.append(found)

    for given in inputs:
        path = Path(given)
        if path.is_dir():
            if _inside(path.resolve(), out):  # --out is this folder, or holds it
                files.append(InputError(given, "is the --out folder or inside it; outputs "
                                               "are never read as inputs, so give another "
                                               "--out"))
                continue
            for found in _folder(path, out):
                add(found, False)
        elif not path.exists() and _GLOB & set(given):
            matches = sorted(glob.glob(given, recursive=True))
            for match in matches:
                if Path(match).is_dir():
                    for found in _folder(Path(match), out):
                        add(found, False)
                elif wanted(Path(match)):
                    add(match, False)
            if not matches:
                files.append(InputError(given, "no file matches this pattern"))
        else:
            add(given, True)  # a missing or unreadable file is the reader's to report
    return files


def _regular(path: str) -> bool:
    """A regular file (through links), or a path that does not exist (the reader says so)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


def _folder(folder: Path, out: Path) -> list[str]:
    found = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not _inside((here / d).resolve(), out))
        found.extend(str(here / name) for name in sorted(names) if wanted(here / name))
    return found


def wanted(path: Path) -> bool:
    """A file a folder's search scrubs: not a marked copy, an Excel lock file, or the
    summary.xlsx of an earlier batch's output folder (it holds the batch's state file)."""
    return (path.suffix.lower() in SUPPORTED_SUFFIXES and ".scrubbed" not in path.suffixes
            and not path.name.startswith("~$")
            and not (path.name == SUMMARY_XLSX and (path.parent / STATE_NAME).is_file()))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def root_of(inputs: list[str]) -> Path:
    """The deepest folder that holds every input (a folder counts as itself, a file as its
    folder)."""
    places = [str(Path(p).resolve() if Path(p).is_dir() else Path(p).resolve().parent)
              for p in inputs]
    if not places:
        return Path.cwd()
    try:
        return Path(os.path.commonpath(places))
    except ValueError:  # different drives (Windows): mirror from each drive's root
        return Path(Path(places[0]).anchor)


def tasks_for(files: list[str], inputs: list[str], out: str | Path, *, mark: bool
          ) -> list[Task]:
    """Each file with its outputs under ``out``, mirroring the folders below the inputs'
    root."""
    from scrubber.mark.xlsx import marked_path  # openpyxl-free; loads only for a batch

    root = root_of([p for p in inputs if Path(p).is_dir()] + files)
    out = Path(out).resolve()
    made = []
    for path in files:
        source = Path(path).resolve()
        try:
            relative = source.parent.relative_to(root)
        except ValueError:  # a file outside the root (a different drive): under its anchor
            relative = Path(*source.parent.parts[1:])
        copy = marked_path(source, out / relative)
        made.append(Task(path, str(source), str(copy) if mark else None,
                         str(copy.with_suffix(".json"))))
    return made
