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
from dataclasses import dataclass, field, replace
from pathlib import Path

from scrubber.batchrun.backends import DaskBackend, LocalBackend
from scrubber.batchrun.inputs import (
    STATE_NAME,
    SUMMARY_JSON,
    SUMMARY_XLSX,
    Task,
    collect,
    tasks_for,
)
from scrubber.batchrun.state import State, file_hash, run_key
from scrubber.batchrun.summary import summary as make_summary
from scrubber.batchrun.work import Outcome, WorkOptions
from scrubber.io.atomic import Claims, write_atomic
from scrubber.io.errors import InputError

#: what a caller hears: each outcome as it arrives (a skipped file's too).
Heard = Callable[[Outcome], None]


@dataclass
class BatchRun:
    """What ``run_batch`` gives back: the summary and where it went, and the batch's own
    outputs (summaries, state) not written, one line each: refused before they were (they
    would overwrite an input), or failed (a full disk, a folder in their place)."""

    summary: dict[str, object]
    outcomes: list[Outcome]
    json_path: Path
    xlsx_path: Path
    unwritten: dict[Path, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 2 if self.unwritten else int(self.summary["totals"]["exit_code"])

    @property
    def skipped(self) -> int:
        return int(self.summary["run"]["skipped"])

    def input_errors(self) -> list[InputError]:
        return [InputError(o.path, o.reason) for o in self.outcomes if o.reason]


def plan(inputs: Sequence[str], out: str | Path, *, mark: bool
         ) -> tuple[list[Task | Outcome], int]:
    """Each input file's task, or the outcome of an input that cannot be a task (a pattern
    matching nothing, a file inside the output folder), in input order; and how many are
    tasks.

    No output may be an input of the batch (also through a symbolic or hard link), the
    batch's summaries or state, or another file's output: such an output is refused before
    anything is written (the task says why; its file is still scrubbed and counted)."""
    found = collect(list(inputs), out)
    files = [f for f in found if isinstance(f, str)]
    tasks = tasks_for(files, list(inputs), out, mark=mark)
    claims = Claims(task.path for task in tasks)  # named as the user named them
    for name in (SUMMARY_JSON, SUMMARY_XLSX, STATE_NAME):
        claims.claim(Path(out) / name, "the batch's summary")
    made = iter(tasks)
    planned: list[Task | Outcome] = []
    for entry in found:
        if isinstance(entry, InputError):
            planned.append(Outcome(entry.source, reason=entry.problem))
        else:
            planned.append(_claimed(next(made), claims))
    return planned, sum(isinstance(p, Task) for p in planned)


def _claimed(task: Task, claims: Claims) -> Task:
    """The task with each output it may write claimed, and any it may not refused (one
    line says which and why)."""
    why: dict[str, list[str]] = {}  # what it would overwrite -> the outputs refused for it
    refused = {}
    for field_name, kind in (("marked", "marked copy"), ("report", "report")):
        target = getattr(task, field_name)
        if target is None:
            continue
        other, owner = claims.input_at(target), claims.owner_of(target)
        if other is not None:
            why.setdefault(f"the input {other}", []).append(f"{kind} {Path(target).name}")
        elif owner is not None and owner != task.path:
            whose = owner if owner.startswith("the batch") else f"the outputs of {owner}"
            why.setdefault(whose, []).append(f"{kind} {Path(target).name}")
        else:
            claims.claim(target, task.path)
            continue
        refused[field_name] = None
    if not why:
        return task
    line = "; ".join(f"its {' and '.join(kinds)} would overwrite {what}"
                     for what, kinds in why.items())
    return replace(task, **refused, refused=f"{line}; scrub it in another batch or with "
                                            f"another --out")


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
    sources = [entry.source for entry in planned if isinstance(entry, Task)]
    refused = _refused_own(out, [e.path for e in planned if isinstance(e, Task)])
    state.kept = out / STATE_NAME not in refused  # never written over an input
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
        _save(state, refused)
    done = [o for o in outcomes if o is not None]
    run = {"backend": backend.name, "workers": getattr(backend, "jobs", None)
           or dask_local or scheduler, "seconds": round(time.perf_counter() - start, 3)}
    summary = make_summary(done, out.resolve(), options.prepared, inputs=list(inputs), run=run)
    return _written(summary, done, out, sources, refused)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _refused_own(out: Path, inputs: list[str]) -> dict[Path, str]:
    """The batch's own outputs (summaries, state) that would overwrite an input (through a
    link: an input is never found inside the output folder), and why, one line each."""
    claims = Claims(inputs)
    refused = {}
    for name in (SUMMARY_JSON, SUMMARY_XLSX, STATE_NAME):
        other = claims.input_at(out / name)
        if other is not None:
            refused[out / name] = (f"{out / name} would overwrite the input {other}; it is "
                                   f"not written (give another --out)")
    return refused


def _save(state: State, unwritten: dict[Path, str]) -> None:
    """The state written, or a line saying why not (the batch's results stand without it)."""
    try:
        state.save()
    except OSError as exc:
        unwritten[state.path] = _failed(state.path, exc)


def _failed(path: Path, exc: OSError) -> str:
    return f"{path}: could not be written ({exc.strerror or type(exc).__name__})"


def _written(summary: dict[str, object], outcomes: list[Outcome], out: Path,
             sources: list[str], unwritten: dict[Path, str]) -> BatchRun:
    """The summaries written (those not refused), never readable by more people than every
    input is; one that cannot be written is a line in ``unwritten``, and the other is still
    written."""
    from scrubber.render.batch_xlsx import render_summary_xlsx

    json_path, xlsx_path = out / SUMMARY_JSON, out / SUMMARY_XLSX
    for path, render in (
            (json_path, lambda: (json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
             .encode("utf-8")),
            (xlsx_path, lambda: render_summary_xlsx(summary))):
        if path in unwritten:
            continue
        try:
            write_atomic(path, render(), like=sources)
        except OSError as exc:
            unwritten[path] = _failed(path, exc)
    return BatchRun(summary, outcomes, json_path, xlsx_path, dict(unwritten))
