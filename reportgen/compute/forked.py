"""Forked worker processes: the default executor of a build on Linux ("processes").

Workers are forked from the build for each map, so they start in milliseconds and inherit the
imported libraries and the shared data without pickling. A map whose tasks need a heavy library
the build has not imported runs on a leader process that imports it once and forks the others;
a map's `beside` work runs at the same time on a process of its own, as does `aside` work (a
universe's inputs read while the build imports the libraries of its stages).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import multiprocessing.connection
import resource
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from typing import Any

from reportgen.compute import allocator, handover, preload, progress
from reportgen.compute.local import ComputeError, SynchronousExecutor, WorkerUsage, process_usage

# What a forked worker runs: (function, shared, tasks), set in the parent just before it forks, so
# the shared data and the imported libraries reach the workers without pickling or re-importing.
_FORKED: tuple | None = None


class _KeptRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info = record.getMessage(), None, None  # plain, picklable
        self.records.append(record)


def _forked_task(index: int) -> tuple[Any, list[logging.LogRecord]]:
    """One task in a forked worker, with what it logged, for the parent to log in task order."""
    function, shared, tasks = _FORKED
    progress.in_worker = True
    kept = _KeptRecords()
    logging.getLogger().handlers = [kept]  # this process's copy: the parent's handlers see the records later
    result = function(shared, tasks[index])
    allocator.release_freed_memory()  # the next task starts without this one's freed heap
    return result, kept.records


class ForkExecutor:
    """Tasks on worker processes forked from this one for each map, after its imports.

    A fork starts in milliseconds and inherits the imported libraries and the shared data, so
    unlike a LocalCluster (whose workers start fresh and import vectorbt again) a pool pays for
    itself on a build of two models. What a task logs is logged again here, in task order.

    `imports` are libraries the tasks need that this process has not imported (vectorbt: 2.4 s
    and about 300 MB). Forked workers would each import them; instead one leader process, forked
    from this one, imports them once and forks the other workers, then takes tasks with them:
    they share those pages (a worker copies only what it writes), and the leader exits with the
    map, so the build never holds them itself.

    `beside` runs in one more process, forked before the workers, at the same time as the tasks:
    the build's own work that needs none of their results (rendering the pages and running
    mkdocs while the workers draw the static SVGs), whose memory goes when it ends.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.description = f"{workers} forked worker process{'es' if workers > 1 else ''}"

    imports_meanwhile = True  # map's `meanwhile`: imported here on a thread once the workers are forked

    def map(
        self, function, tasks, shared, on_done=lambda index: None, imports: Sequence[str] = (), beside=None,
        meanwhile: Sequence[str] = (),
    ):
        global _FORKED
        count = min(self.workers, len(tasks))
        if count <= 1:
            return SynchronousExecutor().map(function, tasks, shared, on_done, beside=beside)
        outputs: list = [None] * len(tasks)

        def finished(index: int, output: tuple[Any, list[logging.LogRecord]]) -> None:
            outputs[index] = output
            on_done(index)

        preload.finished_imports()  # nothing forks while a thread of this process imports
        missing = [name for name in imports if name not in sys.modules]
        aside = None if beside is None else _Beside(beside)
        try:
            _FORKED = (function, shared, list(tasks))
            try:
                if missing:
                    _led_pool(count, missing, len(tasks), finished, meanwhile)
                else:
                    _pool(count, finished, meanwhile)
            finally:
                _FORKED = None
        except BaseException:
            if aside is not None:
                aside.stop()
            raise
        results = []
        for result, records in outputs:
            _logged(records)
            results.append(result)
        if aside is not None:
            aside.wait()
        return results

    def aside(self, work: Callable[[], Any]) -> _Beside:
        """`work()` started now in a process forked for it (wait() gives its result), so that this
        process does something else meanwhile; one process, whatever the number of workers."""
        preload.finished_imports()  # nothing forks while a thread of this process imports
        return _Beside(work)

    def usage(self) -> dict[str, WorkerUsage]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {"this process": process_usage(), "forked workers": WorkerUsage(children.ru_maxrss * 1024, children.ru_utime + children.ru_stime)}


def _logged(records: list[logging.LogRecord]) -> None:
    for record in records:
        logging.getLogger(record.name).handle(record)


class _Beside:
    """`work()` in a process forked from this one now (ForkExecutor.map's `beside`, and
    ForkExecutor.aside): its memory is freed when it ends; wait() logs here what it logged, raises
    its exception or returns what it returned (reportgen.compute.handover: its arrays in shared
    memory, the rest through a pipe)."""

    def __init__(self, work: Callable[[], Any]) -> None:
        context = multiprocessing.get_context("fork")
        self._receiving, sending = context.Pipe(duplex=False)
        self._handover = handover.Handover()
        self._process = context.Process(
            target=_until_interrupted(_run_beside), args=(work, sending, self._handover), name="reportgen-beside",
        )
        self._process.start()
        sending.close()

    def wait(self) -> Any:
        try:
            message = self._handover.received(_received(self._receiving, self._process, what="the process that works beside the workers"))
        finally:
            self._process.join()
            self._receiving.close()
            self._handover.close()
        kind, value, records = message
        _logged(records)
        if kind == "error":
            raise value
        return value

    def stop(self) -> None:
        """End it without waiting for its work (the map failed)."""
        self._process.terminate()
        self._process.join()
        self._receiving.close()
        self._handover.close()


def _run_beside(work: Callable[[], Any], sending: Connection, handing: handover.Handover) -> None:
    gc.freeze()  # what it inherited: its full collections skip it (0.5 s after a universe's first map), and the pages stay shared
    kept = _KeptRecords()
    logging.getLogger().handlers = [kept]  # this process's copy: the build logs the records later
    try:
        message = ("done", work(), kept.records)
    except BaseException as exc:  # sent to the build, which raises it
        message = ("error", exc, kept.records)
    handing.send(sending, message)


def _pool(count: int, finished: Callable[[int, Any], None], meanwhile: Sequence[str] = ()) -> None:
    """_FORKED's tasks on `count` workers forked from this process: finished(index, output) as
    each ends; a task's exception is raised as soon as it happens, after the running tasks end.
    `meanwhile` is imported here on a thread once the workers are forked."""
    gc.freeze()  # the workers' collections then leave this process's objects alone: their pages stay shared
    try:
        _forked_pool(count, finished, meanwhile)
    finally:
        gc.unfreeze()


def _forked_pool(count: int, finished: Callable[[int, Any], None], meanwhile: Sequence[str]) -> None:
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_forked_task, index) for index in range(len(_FORKED[2]))]  # forks every worker (a fork context starts them all)
        index_of = {future: index for index, future in enumerate(futures)}
        try:
            with preload.importing_meanwhile(meanwhile):
                for future in as_completed(futures):
                    finished(index_of[future], future.result())
        except BrokenProcessPool:
            raise ComputeError("a forked worker process died (out of memory?); try fewer workers or --scheduler synchronous") from None
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _take_tasks(next_task: Any, lock: Any, sending: Connection) -> None:
    """Run _FORKED's tasks in this process, each the next one no process has taken, and send
    ("result", index, output) or, after a task raised, ("error", index, exception) and take no more."""
    tasks = _FORKED[2]
    while True:
        with next_task.get_lock():
            index = next_task.value
            next_task.value = index + 1
        if index >= len(tasks):
            return
        try:
            message = ("result", index, _forked_task(index))
        except BaseException as exc:  # sent to the build, which raises it
            with next_task.get_lock():
                next_task.value = len(tasks)
            message = ("error", index, exc)
        with lock:
            sending.send(message)
        if message[0] == "error":
            return


def _until_interrupted(target: Callable[..., None]) -> Callable[..., None]:
    """`target`, ended quietly by Ctrl-C: the interrupt reaches every process of the build, and
    the build itself reports it ("error: aborted"), not each worker with a traceback."""

    def run(*args: Any) -> None:
        try:
            target(*args)
        except KeyboardInterrupt:
            pass

    return run


def _lead(count: int, imports: list[str], next_task: Any, lock: Any, sending: Connection) -> None:
    """The leader process: import `imports` once, fork count - 1 more workers from here, take
    tasks with them, then send ("ended", exit codes of the workers)."""
    try:
        for name in imports:
            preload.imported(name)
    except ImportError as exc:  # raised by the build, as by a task that imported it
        with lock:
            sending.send(("error", None, exc))
            sending.send(("ended", []))
        return
    gc.freeze()  # the workers' collections then leave the imported objects alone: their pages stay shared
    context = multiprocessing.get_context("fork")
    helpers = [context.Process(target=_until_interrupted(_take_tasks), args=(next_task, lock, sending)) for _ in range(count - 1)]
    for helper in helpers:
        helper.start()
    _take_tasks(next_task, lock, sending)
    for helper in helpers:
        helper.join()
    with lock:
        sending.send(("ended", [helper.exitcode for helper in helpers]))


def _led_pool(
    count: int, imports: list[str], total: int, finished: Callable[[int, Any], None], meanwhile: Sequence[str] = (),
) -> None:
    """_FORKED's tasks on a leader process forked from this one, which imports `imports` and
    forks the other workers (so only the pages they write are copied), all taking the next task
    as they become free: finished(index, output) as each ends. A task's exception is raised
    here once the running tasks end. `meanwhile` is imported here on a thread once the leader is
    forked: while it imports, the second core is otherwise idle."""
    context = multiprocessing.get_context("fork")
    next_task, lock = context.Value("i", 0), context.Lock()
    receiving, sending = context.Pipe(duplex=False)
    leader = context.Process(target=_until_interrupted(_lead), args=(count, imports, next_task, lock, sending), name="reportgen-workers")
    leader.start()
    sending.close()
    error, exit_codes, received = None, None, 0
    try:
        with preload.importing_meanwhile(meanwhile):
            while exit_codes is None:
                kind, *body = _received(receiving, leader)
                if kind == "result":
                    finished(*body)
                    received += 1
                elif kind == "error" and error is None:
                    error = body[1]
                else:
                    [exit_codes] = body
    except BaseException:
        with next_task.get_lock():
            next_task.value = total  # no new tasks; the running ones end, and the leader with them
        while exit_codes is None and _received(receiving, leader, dead_ok=True) is not None:
            pass  # read until the leader ends (it sends "ended", then exits), so none is left blocked
        raise
    finally:
        leader.join()
        receiving.close()
    if error is not None:
        raise error
    if received < total:
        raise ComputeError(f"a forked worker process died (exit codes {exit_codes}; out of memory?); try fewer workers or --scheduler synchronous")


def _received(receiving: Connection, leader: Any, dead_ok: bool = False, what: str = "the process that forks the workers") -> Any:
    """The leader's next message; when it has died instead, None with `dead_ok`, else ComputeError."""
    died = f"{what} died (out of memory?); try fewer workers or --scheduler synchronous"
    while not receiving.poll():
        multiprocessing.connection.wait([receiving, leader.sentinel])
        if not receiving.poll() and not leader.is_alive():
            if dead_ok:
                return None
            raise ComputeError(died)
    try:
        return receiving.recv()
    except EOFError:
        if dead_ok:
            return None
        raise ComputeError(died) from None
