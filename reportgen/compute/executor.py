"""Executors: run f(shared, task) over coarse tasks here, on local worker processes, or on a cluster.

Determinism is the tasks' job (each seeds itself from its own inputs and fixes its thread count);
an executor only promises that results come back in task order, whatever order they finish in.
Dask is imported lazily, so "synchronous" works without it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from reportgen.compute.local import ComputeError, SynchronousExecutor, WorkerUsage, process_usage


SCHEDULERS = ("local", "processes", "synchronous")  # or the address of a running cluster, tcp://host:port
DASK_EXTRA = "pip install 'reportgen[dask]' (or dask[distributed]==2026.8.0)"
CONNECT_TIMEOUT_SECONDS = 10

Shared = TypeVar("Shared")
Task = TypeVar("Task")
Result = TypeVar("Result")
OnDone = Callable[[int], None]  # called with the index of each task as it finishes


class Executor(Protocol):
    workers: int  # how many tasks can run at once
    description: str  # for messages: "synchronous", "local cluster of 2 workers", "tcp://..."

    def map(
        self, function: Callable[[Shared, Task], Result], tasks: Sequence[Task], shared: Shared,
        on_done: OnDone = lambda index: None, imports: Sequence[str] = (), beside: Callable[[], None] | None = None,
    ) -> list[Result]:
        """function(shared, task) for every task; the results in the order of `tasks`. `imports`
        names heavy libraries the tasks import (a hint: forked workers import them once, in a
        leader process; elsewhere the tasks import them as they would anyway).

        `beside` is work of the build's own that needs none of the results (it writes files): it
        runs while the tasks do where they run elsewhere (in a process forked for it, whose memory
        goes when it ends; on a cluster, here), else here after them. What it logs is logged here
        after the tasks' records, and its exception is raised here."""

    def usage(self) -> dict[str, WorkerUsage]:
        """Peak memory and CPU time of each process that runs tasks, so far, by worker name."""


# How often a map on a Dask cluster looks at its tasks and at the workers while it waits.
POLL_SECONDS = 0.25
NO_WORKER_SECONDS = 60.0  # [compute] no_worker_seconds' default


class DaskExecutor:
    """Tasks on the workers of a dask.distributed client; `shared` is scattered to all once.

    A cluster loses workers (preemption, memory limits, a killed process). The scheduler runs a
    lost worker's tasks again on the others, from the copies of `shared` they hold; when no copy
    is left (every worker went, and new ones joined), the map scatters `shared` again and submits
    the tasks that were cancelled with it. Each task seeds itself from its own inputs, so the
    results do not depend on where, or how often, it ran. With no worker at all for
    `no_worker_seconds`, the map stops with a ComputeError.
    """

    def __init__(self, client: Any, description: str, no_worker_seconds: float = NO_WORKER_SECONDS) -> None:
        self.client = client
        self.description = description
        self.no_worker_seconds = no_worker_seconds
        self.workers = max(1, sum(client.nthreads().values()))

    def map(self, function, tasks, shared, on_done=lambda index: None, imports=(), beside=None):
        results: dict[int, Any] = {}
        shared_future = self._scattered(shared)
        running = {index: self._submitted(function, shared_future, task) for index, task in enumerate(tasks)}
        try:
            if beside is not None:
                beside()  # here, while the cluster runs the tasks
            without_workers_since = None
            while running:
                lost = []
                for index, future in list(running.items()):
                    if future.status == "finished":
                        results[index] = future.result()
                        del running[index]
                        on_done(index)
                    elif future.status == "error":
                        self._raise_error_of(future)
                    elif future.status in ("cancelled", "lost"):  # its worker and every copy of `shared` went
                        lost.append(index)
                if not running:
                    break
                if self.client.nthreads():
                    without_workers_since = None
                    if shared_future.status != "finished":  # no copy left: every unfinished task waits on it
                        lost = list(running)
                        self.client.cancel([running[index] for index in lost] + [shared_future])
                        shared_future = self._scattered(shared)
                    for index in lost:
                        running[index] = self._submitted(function, shared_future, tasks[index])
                else:
                    now = time.monotonic()
                    without_workers_since = without_workers_since or now
                    if now - without_workers_since >= self.no_worker_seconds:
                        raise ComputeError(
                            f"the {self.description} has had no worker for {self.no_worker_seconds:g} s "
                            "([compute] no_worker_seconds); start workers, or use --scheduler synchronous"
                        )
                    time.sleep(POLL_SECONDS)  # cancelled tasks wait here for a worker: waiting on them returns at once
                    continue
                self._wait_a_little(list(running.values()))
            return [results[index] for index in range(len(tasks))]
        finally:
            self.client.cancel(list(running.values()) + [shared_future])

    def _scattered(self, shared: Any) -> Any:
        """`shared` on every worker: a future this map keeps (a key the client holds is never
        forgotten while a worker has a copy)."""
        [future] = self.client.scatter([shared], broadcast=True, hash=False)
        return future

    def _submitted(self, function: Callable, shared_future: Any, task: Any) -> Any:
        name = getattr(task, "function_name", None)  # a task of compute.jobs.maps_together: keyed by its job's work
        key = None if name is None else f"{name}-{uuid.uuid4().hex}"  # as Dask keys a function's task
        return self.client.submit(function, shared_future, task, pure=False, key=key)

    def _raise_error_of(self, future: Any) -> None:
        """The task's own exception; a task whose workers kept dying is a ComputeError."""
        from distributed.scheduler import KilledWorker

        try:
            future.result()
        except KilledWorker:
            raise ComputeError(
                "a task was running on each of several workers when they died (out of memory?); "
                "give the workers more memory, or use --scheduler synchronous"
            ) from None

    def _wait_a_little(self, futures: list) -> None:
        """Until one of `futures` ends, or POLL_SECONDS pass (their status says which)."""
        from distributed import wait
        from distributed.client import FuturesCancelledError

        try:
            wait(futures, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
        except (TimeoutError, FuturesCancelledError):  # map() resubmits cancelled tasks
            pass

    def usage(self) -> dict[str, WorkerUsage]:
        return self.client.run(process_usage)


def fork_available() -> bool:
    """Whether worker processes can be forked from this one: Linux (macOS' system libraries are
    not fork-safe once threads exist, and Windows has no fork)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    return os.cpu_count() or 1


@contextmanager
def executor(workers: int | None = None, scheduler: str = "local", no_worker_seconds: float = NO_WORKER_SECONDS) -> Iterator[Executor]:
    """An executor for `scheduler`: "synchronous", "processes" (`workers` processes forked from
    this one for each map; Linux), "local" (a Dask LocalCluster of `workers` processes with one
    thread each; default: one per CPU core) or "tcp://host:port". Leaving the block (normally, on
    an error or on Ctrl-C) closes the client and stops a local cluster."""
    if scheduler == "synchronous":
        yield SynchronousExecutor()
        return
    if scheduler == "processes":
        if not fork_available():
            raise ComputeError(f"scheduler 'processes' forks worker processes, which {sys.platform} cannot do safely; use 'local' or 'synchronous'")
        from reportgen.compute.forked import ForkExecutor

        yield ForkExecutor(workers or default_workers())
        return
    if scheduler != "local" and not scheduler.startswith("tcp://"):
        raise ComputeError(f"unknown scheduler {scheduler!r}; expected 'local', 'processes', 'synchronous' or 'tcp://host:port'")
    try:
        from dask.distributed import Client, LocalCluster
    except ModuleNotFoundError:
        raise ComputeError(
            f"scheduler {scheduler!r} needs Dask, which is not installed: {DASK_EXTRA}; "
            "or use scheduler = 'synchronous'"
        ) from None
    chatter = logging.getLogger("distributed")  # its INFO lines (workers joining, connections) are not ours to print
    level = chatter.level
    chatter.setLevel(logging.ERROR)
    try:
        with _dask_client(scheduler, workers, Client, LocalCluster, no_worker_seconds) as pool:
            yield pool
    finally:
        chatter.setLevel(level)


@contextmanager
def _dask_client(scheduler: str, workers: int | None, Client: Any, LocalCluster: Any, no_worker_seconds: float) -> Iterator[Executor]:
    if scheduler == "local":
        count = workers or default_workers()
        cluster = LocalCluster(
            n_workers=count, threads_per_worker=1, processes=True, dashboard_address=":0",  # any free port, never a clash
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
        description = f"local cluster of {count} worker process{'es' if count > 1 else ''}"
    else:
        cluster = None
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_SECONDS)
        except (OSError, TimeoutError) as exc:
            raise ComputeError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        description = f"Dask cluster at {scheduler}"
    try:
        yield DaskExecutor(client, description, no_worker_seconds)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
