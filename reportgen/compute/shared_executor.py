"""One executor for a whole build: opened at the first task, shared by every stage, closed at the end.

A build maps its heavy work several times (models, bootstrap resamples, placebo runs, charts,
static SVGs). Opening an executor for each map would start a LocalCluster, or connect to a
cluster, once per map; SharedExecutor opens it once, when the first task runs (a cached build
opens nothing), and `close` stops it. `workers` is how many tasks run at once: the stages cut
their runs into tasks from it (blocks.task_count).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from reportgen.compute import allocator
from reportgen.compute.executor import Executor, executor
from reportgen.compute.local import Here
from reportgen.compute.progress import LINE_EVERY_SECONDS, Progress


class SharedExecutor:
    """A map_tasks(function, tasks, shared, label, imports, beside) over one executor."""

    def __init__(self, workers: int | None, scheduler: str, no_worker_seconds: float) -> None:
        self._settings = (workers, scheduler, no_worker_seconds)
        self._open = contextlib.ExitStack()
        self._pool: Executor | None = None
        self._meanwhile: tuple[str, ...] = ()

    def _executor(self) -> Executor:
        if self._pool is None:
            self._pool = self._open.enter_context(executor(*self._settings))
        return self._pool

    @property
    def workers(self) -> int:
        return self._executor().workers

    @property
    def imports_here(self) -> bool:
        """Whether the tasks run in this process or in processes forked from it, which find what
        this process imported (not on Dask, whose workers import for themselves). Known without
        opening the executor."""
        return self._settings[1] in ("synchronous", "processes")

    def aside(self, work: Callable[[], object]) -> Any:
        """`work()` started now in a process of its own when the workers are forked (two or more:
        forked.ForkExecutor.aside), so that this process can do something else meanwhile; else
        run here when wait() asks for its result (local.Here)."""
        pool = self._executor()
        start = getattr(pool, "aside", None)
        return start(work) if start is not None and pool.workers > 1 else Here(work)

    def import_during_next_map(self, names: tuple[str, ...]) -> None:
        """`names` (libraries a later stage needs) imported in this process on a thread while the
        next map's workers run, when they are forked from it: the later stage's workers, forked
        from here, find them, and no leader imports them while the other core waits (altair for
        the charts: 0.3 s). Elsewhere (one worker, Dask) nothing is imported ahead."""
        self._meanwhile = tuple(names)

    def __call__(self, function, tasks, shared, label: str = "models", imports: tuple[str, ...] = (), beside=None) -> list:
        pool = self._executor()
        extra = {}
        if self._meanwhile and getattr(pool, "imports_meanwhile", False) and pool.workers > 1 and len(tasks) > 1:
            extra["meanwhile"], self._meanwhile = self._meanwhile, ()
        allocator.release_freed_memory()  # before workers fork: they would carry the earlier stages' freed heap
        progress = Progress(len(tasks), f"{label} ({pool.description})", every_seconds=LINE_EVERY_SECONDS, workers=pool.workers)
        try:
            return pool.map(
                function, tasks, shared, on_done=lambda index: progress.advance(str(getattr(tasks[index], "id", tasks[index]))),
                imports=imports, beside=beside, **extra,
            )
        finally:
            progress.close()

    def close(self) -> None:
        """Close the client and stop a local cluster, if one was opened."""
        self._open.close()
