"""Scrub many files: expand folders, run in parallel, write marked copies, keep going.

One bad file never stops the run: it becomes an :class:`InputError` with a one-line message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from scrubber import parallel
from scrubber.batchrun.inputs import wanted
from scrubber.config import Config
from scrubber.engine import FileResult, ScrubResult, scrub
from scrubber.io.atomic import Claims
from scrubber.io.errors import InputError
from scrubber.mark import mark_copy, marked_path
from scrubber.prepared import Prepared, prepare


@dataclass(frozen=True)
class BatchOptions:
    """How each file of a batch is scrubbed and where its marked copy goes.

    ``config`` may be a :class:`Config` or a prepared run; it is prepared once, here, and
    the prepared run (picklable) is what each worker receives.
    """

    config: Config | Prepared
    sheet: str | None = None
    mark: bool = True
    out: str | None = None
    quiet: bool = False  # no notes on stderr (errors are still reported by the caller)
    #: (path, why) of inputs whose marked copy is refused before anything is written (it
    #: would be another input of the run): scrubbed and reported, not marked.
    refused: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", prepare(self.config))


def expand(paths: Iterable[str]) -> list[str]:
    """Files to scrub: files as given; folders searched recursively for .xlsx/.xlsm/.csv.

    Marked copies (``*.scrubbed.*``), Excel lock files (``~$*``) and a batch's
    ``summary.xlsx`` inside folders are skipped.
    """
    files: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and wanted(p))
            files.extend(str(p) for p in found)
        else:
            files.append(given)
    return files


Outcome = tuple[FileResult | None, InputError | None]
#: what a caller hears as files are done: (path, its findings or None, its problem or None,
#: the marked copy written or None).
Done = Callable[[str, FileResult | None, InputError | None, Path | None], None]
#: the phase one file has reached ("checking", "writing"), for a progress display.
Phase = Callable[[str, str], None]


def scrub_one(path: str, options: BatchOptions, phase: Phase | None = None) -> Outcome:
    """Scrub one file and write its marked copy.

    Returns the findings (None when the file could not be read) and the problem, if any: a
    marked copy that cannot be written is reported without losing the file's findings.
    """
    if phase is not None:
        phase(path, "checking")
    try:
        result = scrub(path, options.config, sheet=options.sheet).files[0]
    except InputError as exc:
        return None, exc
    except MemoryError:  # a file too large for this machine is no bug to report
        return None, InputError(path, "not enough memory to scrub it; split the export, "
                                      "or run it on a machine with more memory")
    except Exception as exc:  # never a traceback for one bad file; the batch goes on
        return None, InputError(path, f"could not be scrubbed ({type(exc).__name__}); "
                                      "please report this file's shape to the maintainers")
    if not options.mark:
        return result, None
    refused = dict(options.refused).get(path)
    if refused is not None:
        return result, InputError(path, refused)
    target = marked_path(path, options.out)
    if phase is not None:
        phase(path, "writing")
    try:
        _, hidden = mark_copy(result, path, target, quiet=options.quiet)
    except InputError as exc:
        return result, exc
    except Exception as exc:  # a full disk or a read-only folder must not lose the findings
        return result, InputError(path, f"the marked copy could not be written to {target} "
                                        f"({type(exc).__name__})")
    return (replace(result, hidden_rows=hidden) if hidden else result), None


def scrub_many(paths: list[str], options: BatchOptions, jobs: int = 1, *,
               done: Done | None = None, phase: Phase | None = None) -> ScrubResult:
    """Scrub files in order (``jobs`` > 1 uses that many worker processes).

    A marked copy that would land on another input, or on an earlier input's copy (same name,
    one --out folder), is not written: its file is scrubbed and reported, and the copy is
    one line of its own instead of silently overwriting the other.
    ``done`` hears each file as it finishes (with the marked copy written, if any);
    ``phase`` hears each file's phases (only when files run in this process).
    """
    files: list[FileResult] = []
    errors: list[InputError] = []
    options = replace(options, refused=_refused(paths, options))
    for path, (result, error) in zip(paths, _run(paths, options, jobs, phase), strict=True):
        if result is not None:
            files.append(result)
        if error is not None:
            errors.append(error)
        if done is not None:
            written = result is not None and error is None and options.mark and not any(
                path == p for p, _ in options.refused)
            done(path, result, error, marked_path(path, options.out) if written else None)
    return ScrubResult(tuple(files), tuple(errors),
                       reference=prepare(options.config).reference.quarter)


def _refused(paths: list[str], options: BatchOptions) -> tuple[tuple[str, str], ...]:
    """Inputs whose marked copy is refused before anything is written: it would be another
    input of the run (or the same file through a link), or the copy of an earlier input
    (``a.xls`` and ``a.ods`` both give ``a.scrubbed.xlsx``). They are still scrubbed and
    reported."""
    if not options.mark:
        return ()
    claims = Claims(paths)
    refused = []
    for path in paths:
        target = marked_path(path, options.out)
        other, owner = claims.input_at(target), claims.owner_of(target)
        if other is not None:
            refused.append((path, f"its marked copy {target.name} would overwrite the input "
                                  f"{other}; scrub it with another --out"))
        elif owner is not None and owner != path:
            refused.append((path, f"its marked copy would overwrite the one of {owner} "
                                  f"({target.name}); scrub it with another --out"))
        else:
            claims.claim(target, path)
    return tuple(refused)


def _run(paths: list[str], options: BatchOptions, jobs: int,
         phase: Phase | None = None) -> Iterator[Outcome]:
    """Each path's outcome, in order. Worker processes get the options (the prepared run)
    once each; a worker that dies costs only its own file (the pool replaces it)."""
    if jobs <= 1 or len(paths) <= 1:
        for path in paths:
            yield scrub_one(path, options, phase)
        return
    from scrubber.batchrun.pool import Failed, Pool

    waiting: dict[int, Outcome] = {}
    following = 0
    with Pool(min(jobs, len(paths)), _keep, (options,), preload=("scrubber.batch",)) as pool:
        for index, ok, value in pool.run(_scrub_kept, paths):
            if not ok:
                why = value.reason if isinstance(value, Failed) else "it failed"
                value = (None, InputError(paths[index], f"could not be scrubbed: {why}"))
            waiting[index] = value
            while following in waiting:
                yield waiting.pop(following)
                following += 1


_kept: BatchOptions | None = None


def _keep(options: BatchOptions) -> None:
    """A worker's initializer: the options every file of the run shares. A worker never
    forks for a large file (scrubber.parallel): the other cores scrub other files."""
    global _kept
    _kept = options
    parallel.disable()


def _scrub_kept(path: str) -> Outcome:
    assert _kept is not None, "the worker was started without its options"
    return scrub_one(path, _kept)
