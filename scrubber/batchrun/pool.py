"""A process pool that outlives its workers: a worker that dies takes only its own task.

``concurrent.futures.ProcessPoolExecutor`` breaks for good when one worker dies (out of
memory, a crash in a compiled reader): every pending future fails with ``BrokenProcessPool``.
A batch of a thousand exports must instead report the one file whose worker died and go on.
This pool gives each worker one task at a time over its own pipe, so when a worker's process
ends without answering, the pool knows exactly which task it held, reports it as failed and
starts a replacement.

Workers come from the ``forkserver`` start method where there is one (Linux): the server
process imports the modules named in ``preload`` once, and each worker is forked from it with
them loaded, so a worker is ready in milliseconds and never inherits the caller's threads (a
progress bar's refresh thread, say). Elsewhere workers are spawned.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

#: seconds a worker is given to finish after it is told to stop, before it is terminated.
STOP_WAIT = 5.0


@dataclass(frozen=True)
class Failed:
    """A task that did not return: its exception's type and message, or how its worker died."""

    reason: str
    died: bool = False


def _context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        if preload:
            context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")


def warm(preload: Sequence[str] = ()) -> None:
    """Start the workers' server process now, so that it imports ``preload`` while the caller
    does its own preparing (the imports take about a second; workers come after)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        _context(preload)
        forkserver.ensure_running()


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _serve(conn: Connection, initializer: Callable[..., object] | None,
           initargs: tuple[object, ...]) -> None:
    """A worker: run the initializer, then each task sent until None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # the parent stops a worker at work with SIGTERM (Ctrl-C or SIGTERM ended the run): end
    # through the finally blocks, so the output it was writing leaves no temporary file
    signal.signal(signal.SIGTERM, _terminated)
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        fn, item = message
        try:
            answer: tuple[bool, object] = (True, fn(item))
        except Exception as exc:  # noqa: BLE001 - reported with its task, the pool goes on
            answer = (False, Failed(f"{type(exc).__name__}: {exc}"))
        try:
            conn.send(answer)
        except Exception as exc:  # noqa: BLE001 - a result that does not pickle
            conn.send((False, Failed(f"its result could not be sent ({type(exc).__name__})")))


def death(exitcode: int | None) -> str:
    """How a worker process ended, in words."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        why = " (out of memory?)" if -exitcode == signal.SIGKILL else ""
        return f"its worker process was killed by {name}{why}"
    return f"its worker process stopped (exit status {exitcode})"


class _Worker:
    def __init__(self, context: Any, initializer: Callable[..., object] | None,
                 initargs: tuple[object, ...]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, initializer, initargs),
                                       daemon=True, name="scrubber-worker")
        self.process.start()
        child.close()
        self.task: int | None = None


class Pool:
    """``jobs`` worker processes; :meth:`run` yields each task's answer as it arrives.

    Use as a context manager. ``initializer(*initargs)`` runs once in each worker (and in
    each replacement), so what every task needs (a prepared run) is shipped once per worker.
    """

    def __init__(self, jobs: int, initializer: Callable[..., object] | None = None,
                 initargs: tuple[object, ...] = (), *, preload: Sequence[str] = ()) -> None:
        self.jobs = max(1, jobs)
        self._context = _context(preload)
        self._initializer, self._initargs = initializer, initargs
        self._workers: list[_Worker] = []
        #: how many workers died and were replaced (for a report, and the tests).
        self.replaced = 0

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pids(self) -> list[int]:
        """The live workers' process IDs."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def run(self, fn: Callable[[Any], object], items: Iterable[object]
            ) -> Iterator[tuple[int, bool, object]]:
        """``(index, True, fn(item))`` or ``(index, False, Failed)`` for every item, in the
        order they finish. A worker's next task is sent before its answer is yielded."""
        queue = deque(enumerate(items))
        while len(self._workers) < min(self.jobs, len(queue)):
            self._workers.append(self._start())
        for worker in self._workers:
            self._give(worker, fn, queue)
        while any(w.task is not None for w in self._workers):
            busy = [w for w in self._workers if w.task is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                index = worker.task
                answer = self._answer(worker)
                if answer is None:  # it died: report its task, replace it
                    exitcode = self._stop(worker)
                    place = self._workers.index(worker)
                    worker = self._workers[place] = self._start()
                    self.replaced += 1
                    answer = (False, Failed(death(exitcode), died=True))
                worker.task = None
                self._give(worker, fn, queue)
                yield (index, *answer)

    def _answer(self, worker: _Worker) -> tuple[bool, object] | None:
        """The worker's answer, or None when its process ended without one."""
        try:
            if worker.conn.poll():
                return worker.conn.recv()
        except (EOFError, OSError):
            pass
        return None

    def _give(self, worker: _Worker, fn: Callable[[Any], object],
              queue: deque[tuple[int, object]]) -> None:
        if queue and worker.task is None:
            index, item = queue.popleft()
            worker.task = index
            try:
                worker.conn.send((fn, item))
            except OSError:  # it died idle; the sentinel reports the task as its death
                pass

    def _start(self) -> _Worker:
        return _Worker(self._context, self._initializer, self._initargs)

    @staticmethod
    def _stop(worker: _Worker) -> int | None:
        """Wait for a worker whose pipe closed to end; its exit code."""
        worker.process.join(STOP_WAIT)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(STOP_WAIT)
        worker.conn.close()
        return worker.process.exitcode

    def close(self) -> None:
        """Stop every worker (those still at work are terminated)."""
        for worker in self._workers:
            try:
                if worker.task is None:
                    worker.conn.send(None)
            except OSError:
                pass
        for worker in self._workers:
            if worker.task is None:
                worker.process.join(STOP_WAIT)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(STOP_WAIT)
            worker.conn.close()
        self._workers = []
