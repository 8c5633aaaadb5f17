"""What every executor shares: the compute backend's error, a process's usage, and the executor
that runs every task here (reportgen.compute.executor and reportgen.compute.forked both build on it)."""

from __future__ import annotations

import resource
from collections.abc import Callable
from dataclasses import dataclass

from reportgen.compute import allocator


class ComputeError(Exception):
    """The compute backend cannot be used: Dask is missing, or the cluster cannot be reached."""


@dataclass(frozen=True)
class WorkerUsage:
    peak_memory_bytes: int  # peak resident set size of the worker process
    cpu_seconds: float  # user + system time of the worker process since it started


def process_usage() -> WorkerUsage:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return WorkerUsage(own.ru_maxrss * 1024, own.ru_utime + own.ru_stime)  # Linux reports KiB


class Here:
    """`work()` run here when wait() asks for its result: what an executor's `aside` gives where
    it has no process to run work beside this one."""

    def __init__(self, work: Callable[[], object]) -> None:
        self._work = work

    def wait(self) -> object:
        return self._work()


class SynchronousExecutor:
    """Every task in this process, one after another, in order."""

    workers = 1
    description = "synchronous"

    def map(self, function, tasks, shared, on_done=lambda index: None, imports=(), beside=None):
        results = []
        for index, task in enumerate(tasks):
            results.append(function(shared, task))
            allocator.release_freed_memory()  # the next task starts without this one's freed heap
            on_done(index)
        if beside is not None:
            beside()
        return results

    def usage(self) -> dict[str, WorkerUsage]:
        return {"this process": process_usage()}


def in_process(
    function: Callable, tasks: list, shared: object, label: str = "", imports: tuple[str, ...] = (),
    beside: Callable[[], None] | None = None,
) -> list:
    """Every task here, one after another, then `beside` (the stages' default map_tasks; `label`,
    `imports` and `beside` are for executors that report progress or fork, see Executor.map)."""
    return SynchronousExecutor().map(function, tasks, shared, beside=beside)
