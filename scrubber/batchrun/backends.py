"""Where a batch's files are scrubbed: one map interface, a local process pool or a Dask
cluster behind it. Each yields ``(index, Outcome)`` for every task, in the order they finish,
and every task gets an answer: a worker that dies costs its own file, never the batch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from scrubber.batchrun import work
from scrubber.batchrun.inputs import Task
from scrubber.batchrun.pool import Failed, Pool
from scrubber.batchrun.work import Outcome, WorkOptions

#: what the workers' server process imports once, so each worker starts with it loaded.
PRELOAD = ("scrubber.batchrun.work", "scrubber.engine", "scrubber.mark.xlsx",
           "scrubber.render.json_report")
DASK_EXTRA = "pip install 'infusion-scrubber[dask]'"


class BackendError(Exception):
    """The backend cannot run at all (Dask missing, the scheduler unreachable): one line."""


def cores() -> int:
    """The cores this process may use (one worker per core by default)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


class LocalBackend:
    """``jobs`` worker processes on this machine (replaced when one dies)."""

    name = "local"

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool: Pool | None = None  # while it runs (the tests reach the workers)

    def run(self, tasks: Sequence[Task], options: WorkOptions) -> Iterator[tuple[int, Outcome]]:
        with Pool(min(self.jobs, len(tasks)), work.start_worker, (options,),
                  preload=PRELOAD) as pool:
            self.pool = pool
            for index, ok, value in pool.run(work.run_task, tasks):
                yield index, value if ok else work.failed(tasks[index], _reason(value))
            self.pool = None


def _reason(failure: object) -> str:
    if isinstance(failure, Failed) and failure.died:
        return f"could not be scrubbed: {failure.reason}; the batch went on without it"
    return f"could not be scrubbed ({failure.reason if isinstance(failure, Failed) else ''})"


class DaskBackend:
    """A Dask distributed cluster: a scheduler's address, or a local cluster of N workers.

    The prepared run is scattered to every worker once; workers open the files by their
    absolute paths (which must be visible to them) and write their outputs into the output
    folder (shared with them); only each file's small outcome comes back.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, local: int | None = None) -> None:
        self.scheduler, self.local = scheduler, local

    def run(self, tasks: Sequence[Task], options: WorkOptions) -> Iterator[tuple[int, Outcome]]:
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError:
            flag = "--scheduler" if self.scheduler else "--dask-local"
            raise BackendError(f"{flag} needs Dask, an optional extra: {DASK_EXTRA}") from None
        cluster = None
        try:
            if self.local:
                cluster = LocalCluster(n_workers=self.local, threads_per_worker=1,
                                       processes=True, host="127.0.0.1",
                                       dashboard_address=None)
            client = Client(cluster if cluster is not None else self.scheduler, timeout=10)
        except (OSError, TimeoutError, ValueError) as exc:
            if cluster is not None:
                cluster.close()
            where = self.scheduler or "a local cluster"
            raise BackendError(f"could not reach the Dask scheduler at {where} "
                               f"({type(exc).__name__})") from None
        try:
            shared = client.scatter(options, broadcast=True)
            futures = client.map(work.scrub_file, list(tasks), options=shared, pure=False)
            index = {future.key: i for i, future in enumerate(futures)}
            for future in as_completed(futures):
                i = index[future.key]
                try:
                    outcome = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker costs its file only
                    outcome = work.failed(tasks[i], _dask_reason(exc))
                future.release()
                yield i, outcome
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _dask_reason(exc: Exception) -> str:
    if type(exc).__name__ == "KilledWorker":
        return ("could not be scrubbed: the Dask workers scrubbing it died (out of memory?); "
                "the batch went on without it")
    return f"could not be scrubbed ({type(exc).__name__})"
