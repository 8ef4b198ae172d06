"""A batch from start to end: inputs, skip what is unchanged, scrub the rest on a backend,
write the summary.

:func:`run_batch` is the library call behind ``scrubber batch``; it returns the summary
(``summary.json``'s dictionary) and writes ``summary.json`` and ``summary.xlsx`` into the
output folder, atomically.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scrubber.batchrun.backends import DaskBackend, LocalBackend
from scrubber.batchrun.inputs import Task, collect, tasks_for
from scrubber.batchrun.state import State, file_hash, run_key
from scrubber.batchrun.summary import summary as make_summary
from scrubber.batchrun.work import Outcome, WorkOptions
from scrubber.io.atomic import write_atomic
from scrubber.io.errors import InputError

SUMMARY_JSON = "summary.json"
SUMMARY_XLSX = "summary.xlsx"

#: what a caller hears: each outcome as it arrives (a skipped file's too).
Heard = Callable[[Outcome], None]


@dataclass
class BatchRun:
    """What ``run_batch`` gives back: the summary and where it went."""

    summary: dict[str, object]
    outcomes: list[Outcome]
    json_path: Path
    xlsx_path: Path

    @property
    def exit_code(self) -> int:
        return int(self.summary["totals"]["exit_code"])

    @property
    def skipped(self) -> int:
        return int(self.summary["run"]["skipped"])

    def input_errors(self) -> list[InputError]:
        return [InputError(o.path, o.reason) for o in self.outcomes if o.reason]


def plan(inputs: Sequence[str], out: str | Path, *, mark: bool
         ) -> tuple[list[Task | Outcome], int]:
    """Each input file's task, or the outcome of an input that cannot be a task (a pattern
    matching nothing, two files whose outputs would be the same), in input order; and how many
    are tasks."""
    found = collect(list(inputs), out)
    files = [f for f in found if isinstance(f, str)]
    made = iter(tasks_for(files, list(inputs), out, mark=mark))
    owners: dict[str, str] = {}
    planned: list[Task | Outcome] = []
    for entry in found:
        if isinstance(entry, InputError):
            planned.append(Outcome(entry.source, reason=entry.problem))
            continue
        task = next(made)
        clash = next((owners[t] for t in (task.marked, task.report) if t in owners), None)
        if clash is not None:
            planned.append(Outcome(task.path, reason=f"its outputs would overwrite those of "
                                                     f"{clash}; scrub it in another batch"))
            continue
        for target in (task.marked, task.report):
            if target:
                owners[target] = task.path
        planned.append(task)
    return planned, sum(isinstance(p, Task) for p in planned)


def run_batch(inputs: Sequence[str], out: str | Path, options: WorkOptions, *, jobs: int = 1,
              force: bool = False, scheduler: str | None = None, dask_local: int | None = None,
              heard: Heard | None = None, planned: list[Task | Outcome] | None = None,
              backend: LocalBackend | DaskBackend | None = None) -> BatchRun:
    """Scrub every input file into ``out``; see the module docstring.

    Raises:
        BackendError: Dask is wanted but missing, or its scheduler cannot be reached.
    """
    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if planned is None:
        planned, _ = plan(inputs, out, mark=options.mark)
    if backend is None:
        backend = DaskBackend(scheduler, dask_local) if scheduler or dask_local \
            else LocalBackend(jobs)
    state = State(out, run_key(options.prepared, options.sheet, options.mark))
    if force:
        state.files = {}
    outcomes: list[Outcome | None] = [None] * len(planned)
    todo: list[tuple[int, Task, str | None]] = []
    for i, entry in enumerate(planned):
        if isinstance(entry, Outcome):
            outcomes[i] = entry
        else:
            digest = file_hash(entry.source)
            earlier = state.unchanged(entry, digest)
            if earlier is None:
                todo.append((i, entry, digest))
            outcomes[i] = earlier
    for outcome in outcomes:
        if outcome is not None and heard is not None:
            heard(outcome)
    todo.sort(key=lambda item: -_size(item[1].source))  # largest first: no long file last
    try:
        if todo:
            for j, outcome in backend.run([t for _, t, _ in todo], options):
                i, task, digest = todo[j]
                outcomes[i] = outcome
                state.record(task, digest, outcome)
                if heard is not None:
                    heard(outcome)
    finally:
        state.save()
    done = [o for o in outcomes if o is not None]
    run = {"backend": backend.name, "workers": getattr(backend, "jobs", None)
           or dask_local or scheduler, "seconds": round(time.perf_counter() - start, 3)}
    summary = make_summary(done, out.resolve(), options.prepared, inputs=list(inputs), run=run)
    sources = [entry.source for entry in planned if isinstance(entry, Task)]
    return _written(summary, done, out, sources)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _written(summary: dict[str, object], outcomes: list[Outcome], out: Path,
             sources: list[str]) -> BatchRun:
    """The summaries written, never readable by more people than every input is."""
    from scrubber.render.batch_xlsx import render_summary_xlsx

    json_path, xlsx_path = out / SUMMARY_JSON, out / SUMMARY_XLSX
    write_atomic(json_path, (json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
                 .encode("utf-8"), like=sources)
    write_atomic(xlsx_path, render_summary_xlsx(summary), like=sources)
    return BatchRun(summary, outcomes, json_path, xlsx_path)
