"""One file of a batch, as a worker scrubs it: read, check, write the marked copy and the JSON
report, and hand back a small record of what it found (never the findings themselves, which
stay in the report on disk: a cluster's workers need not ship megabytes back).

The same function runs in the local pool's workers and on Dask workers; both receive the
prepared run once (the pool ships it to each worker at start, Dask scatters it).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from scrubber import parallel
from scrubber.batch import BatchOptions, scrub_one
from scrubber.batchrun.inputs import Task
from scrubber.findings import Severity
from scrubber.io.atomic import write_atomic
from scrubber.io.errors import InputError
from scrubber.prepared import Prepared
from scrubber.result import FileResult, ScrubResult


@dataclass(frozen=True)
class Outcome:
    """What one file gave: its counts, or why it failed (or both, when only writing failed).

    ``by_rule`` maps a rule name to ``(rule ID, errors, warnings)``.
    """

    path: str
    rows: int | None = None
    errors: int = 0
    warnings: int = 0
    by_rule: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    failed_rules: tuple[str, ...] = ()
    reason: str | None = None
    marked: str | None = None
    report: str | None = None
    skipped: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class WorkOptions:
    """What every file of a batch shares: the prepared run and how to read and mark."""

    prepared: Prepared
    sheet: str | None = None
    mark: bool = True


#: the prepared run in a pool worker, set once by :func:`start_worker`.
_shared: WorkOptions | None = None


def start_worker(options: WorkOptions) -> None:
    """A local pool worker's initializer: keep the run; never fork for a large file
    (scrubber.parallel): the other cores already scrub other files."""
    global _shared
    parallel.disable()
    _shared = options


def run_task(task: Task) -> Outcome:
    """:func:`scrub_file` with the run :func:`start_worker` kept (the local pool's task)."""
    if _shared is None:
        raise RuntimeError("start_worker was not called in this process")
    return scrub_file(task, _shared)


def scrub_file(task: Task, options: WorkOptions) -> Outcome:
    """Scrub one file, write its marked copy and JSON report, and say what it found."""
    start = time.perf_counter()
    out = str(Path(task.marked).parent) if task.marked else None
    result, error = scrub_one(task.source, BatchOptions(options.prepared, options.sheet,
                                                         options.mark and bool(task.marked),
                                                         out, quiet=True))
    reason = "; ".join(r for r in (error.problem if error else None, task.refused) if r) \
        or None
    if result is None:
        _remove_stale(task)
        return Outcome(task.path, reason=reason, seconds=time.perf_counter() - start)
    result = replace(result, path=task.path)  # reports name the file as the user does
    marked = task.marked if task.marked and error is None else None
    report = ScrubResult((result,), reference=options.prepared.reference.quarter)
    try:
        from scrubber.render.json_report import render_json

        if task.report is not None:
            write_atomic(task.report, render_json(report).encode("utf-8"),
                         like=[task.source])
    except OSError as exc:
        reason = reason or f"its report could not be written to {task.report} " \
                           f"({exc.strerror or type(exc).__name__})"
        return _counted(task, result, reason, start, marked, None)
    return _counted(task, result, reason, start, marked, task.report)


def _counted(task: Task, result: FileResult, reason: str | None, start: float,
             marked: str | None, report: str | None) -> Outcome:
    by = Counter((f.name, f.rule, f.severity) for f in result.findings)
    rules: dict[str, tuple[str, int, int]] = {}
    for (name, rule, severity), n in sorted(by.items()):
        _, errors, warnings = rules.get(name, (rule, 0, 0))
        rules[name] = (rule, errors + n * (severity is Severity.ERROR),
                       warnings + n * (severity is Severity.WARNING))
    errors = sum(e for _, e, _ in rules.values())
    warnings = sum(w for _, _, w in rules.values())
    return Outcome(task.path, result.rows, errors, warnings, rules, result.failed_rules,
                   reason, marked, report, seconds=time.perf_counter() - start)


def _remove_stale(task: Task) -> None:
    """A file that cannot be read now leaves no outputs of an earlier run to mislead."""
    for output in (task.marked, task.report):
        if output:
            Path(output).unlink(missing_ok=True)


def failed(task: Task, reason: str) -> Outcome:
    """A file whose worker gave no answer (it died, or the cluster lost it)."""
    return Outcome(task.path, reason=reason)


def input_error(outcome: Outcome) -> InputError | None:
    return InputError(outcome.path, outcome.reason) if outcome.reason else None
