"""Compute: where coarse tasks run. The only package that imports Dask.

    executor(workers, scheduler,   a context manager giving an Executor: "synchronous" (this
      no_worker_seconds)           process, no Dask needed), "local" (a dask.distributed
                                   LocalCluster of `workers` processes) or "tcp://host:port"
                                   (an existing Dask cluster)
    Executor.map(f, tasks, shared) f(shared, task) for every task, results in task order; `shared`
                                   goes to each worker once (scattered), not once per task;
                                   `imports=` names the heavy libraries the tasks import. On
                                   Dask, a lost worker's tasks run again elsewhere (`shared`
                                   scattered again when no copy is left); with no worker for
                                   `no_worker_seconds`, a ComputeError
    Progress                       counts, a bar and the time left on a terminal, plain lines
                                   otherwise; the time left only once it means something
    forked.ForkExecutor            "processes": workers forked from the build for each map (Linux);
                                   a map whose libraries the build lacks runs on a leader that
                                   imports them once and forks the other workers; `aside(work)`
                                   runs work in a process forked for it while the build goes on
    handover.Handover              what such a process returns reaches the build through shared
                                   memory (its arrays) and a pipe (the rest), not pickled whole
    preload.importing_meanwhile    the stages' libraries imported on a thread while the inputs are
                                   read (an Event set when they are: the reader then stops
                                   ranking factors ahead); a fork waits for an import still running;
                                   both import through preload.imported, which leaves yfinance and
                                   dateparser (imported by quantstats and vectorbt) to their first use
    jobs.maps_together             several independent maps as one map (compute.jobs.Job): the
                                   short tasks of one fill the gaps the long ones of another leave
    tracked(blocks, label)         the blocks of a long loop, with progress once it lasts over 5 s
    blocks                         blocks of columns sized from a memory budget (`[compute]
                                   memory_mb`): columns_per_block, column_blocks
    local                          what every executor shares: ComputeError, SynchronousExecutor,
                                   in_process (a map_tasks running every task here)

The analysis never knows how it is scheduled: reportgen.evaluation cuts its heavy work into
pure functions of (shared data, one task) and maps them with the `map_tasks` it is given; the
CLI opens the executor whose map that is (in_process when none is given). It may import
nothing else of reportgen; its user errors are ComputeError, which the caller names the config of.
"""

from reportgen.compute.executor import ComputeError, Executor, executor
from reportgen.compute.progress import Progress, tracked

__all__ = ["ComputeError", "Executor", "Progress", "executor", "tracked"]
