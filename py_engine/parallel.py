"""Independent jobs over one shared state, in this process or in worker processes.

The settings search (`py_engine.optimise`) fits and scores many candidates that do not depend on each
other within a round. On CPython with more than one CPU they can run in worker processes; in Pyodide
(one thread, no processes) and with `workers=1` they run here, one at a time and only when asked
for, so the browser's driver still yields between candidates and sees a cancel.

A job is `fn(state, job)` with `fn` a module-level function (it is pickled by name) and `state` the
data every job reads (sent to each worker once, when it starts). Each job draws its randomness from
its own arguments, never from the worker it runs in, so results are the same, bit for bit, whatever
the number of workers and the order they finish in; callers consume them in the order submitted.

    pool = make_pool(workers, state)
    results = pool.imap(fn, jobs)   # an iterator over fn(state, job), in the order of jobs
    next(results) ...
    pool.close()
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

from .errors import EngineError

_STATE: Any = None  # the shared state inside a worker process (`_init`)


def cpu_count() -> int:
    """CPUs this process may use (the affinity mask where the platform has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_workers(workers) -> int | None:
    """None (all CPUs) or a whole number of at least 1; else EngineError optimise.bad_workers."""
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise EngineError("optimise.bad_workers", kind="settings", value=workers)
    return workers


class SerialPool:
    """Jobs in this process, each computed when its result is asked for."""

    workers = 1

    def __init__(self, state: Any):
        self.state = state

    def imap(self, fn: Callable[[Any, Any], Any], jobs: list) -> Iterator:
        return (fn(self.state, job) for job in jobs)

    def close(self) -> None:
        pass


def _init(state: Any) -> None:
    global _STATE
    _STATE = state
    try:  # one BLAS thread per worker: the workers already use the CPUs
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass


def _call(fn: Callable[[Any, Any], Any], job: Any) -> Any:
    return fn(_STATE, job)


class _Results:
    """The results of submitted jobs in their order; `close` drops the jobs not yet started (the
    caller stopped early: the budget, a cancel, an error)."""

    def __init__(self, futures: list):
        self._futures, self._next = futures, 0

    def __iter__(self):
        return self

    def __next__(self):
        if self._next >= len(self._futures):
            raise StopIteration
        f = self._futures[self._next]
        self._next += 1
        return f.result()

    def close(self) -> None:
        for f in self._futures[self._next:]:
            f.cancel()


class ProcessPool:
    """Jobs in `workers` worker processes; `imap` submits all its jobs at once."""

    def __init__(self, state: Any, workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork starts a worker in milliseconds and shares the state without copying it; elsewhere
        # (macOS, Windows) spawn, which pickles the state to each worker
        method = "fork" if sys.platform.startswith("linux") else "spawn"
        self.workers = workers
        self._ex = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                                       initializer=_init, initargs=(state,))

    def imap(self, fn: Callable[[Any, Any], Any], jobs: list) -> _Results:
        return _Results([self._ex.submit(_call, fn, job) for job in jobs])

    def close(self) -> None:
        self._ex.shutdown(wait=True, cancel_futures=True)


def make_pool(workers: int | None, state: Any) -> SerialPool | ProcessPool:
    """A pool of `workers` processes (None: every CPU this process may use); a SerialPool for one
    worker, one CPU or Pyodide."""
    n = check_workers(workers)
    n = cpu_count() if n is None else n
    if n <= 1 or sys.platform == "emscripten":
        return SerialPool(state)
    return ProcessPool(state, n)
