"""The batch's process pool: a task that raises, a worker that exits or is killed, and the pool
goes on with a new worker; every task gets exactly one answer."""

from __future__ import annotations

import os
import signal

from scrubber.batchrun.pool import Failed, Pool, death


def _work(item: int) -> int:
    if item == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    if item == 5:
        raise ValueError("five is not allowed")
    if item == 7:
        os._exit(3)
    return item * item


def test_dead_workers_are_replaced_and_reported():
    with Pool(2) as pool:
        answers = sorted(pool.run(_work, range(10)), key=lambda a: a[0])
        assert pool.replaced == 2 and len(pool.pids()) == 2
    assert [a[0] for a in answers] == list(range(10))
    assert [a[2] for a in answers if a[1]] == [0, 1, 4, 16, 36, 64, 81]
    failed = {a[0]: a[2] for a in answers if not a[1]}
    assert failed == {
        3: Failed("its worker process was killed by SIGKILL (out of memory?)", died=True),
        5: Failed("ValueError: five is not allowed"),
        7: Failed("its worker process stopped (exit status 3)", died=True)}


def test_one_worker_runs_tasks_in_order_and_survives_every_death():
    with Pool(1) as pool:
        answers = list(pool.run(_work, [3, 2, 7, 4, 3, 1]))
    assert [(i, ok) for i, ok, _ in answers] == [(0, False), (1, True), (2, False), (3, True),
                                                  (4, False), (5, True)]


def test_death_in_words():
    assert death(-signal.SIGSEGV) == "its worker process was killed by SIGSEGV"
    assert death(1) == "its worker process stopped (exit status 1)"



def test_batch_workers_never_fork_for_a_large_file(monkeypatch):
    from scrubber import parallel
    from scrubber.batchrun import work
    from scrubber.prepared import prepare

    monkeypatch.setattr(work, "_shared", None)
    parallel.enable()  # as the command line does in its own process (a fork inherits it)
    try:
        work.start_worker(work.WorkOptions(prepare()))
        assert not parallel.active(parallel.MIN_LINES)
    finally:
        parallel.enable(False)
