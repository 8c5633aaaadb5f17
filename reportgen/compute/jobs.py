"""Several maps as one: the tasks of independent jobs in one map of an executor.

    Job(function, tasks, shared)        one map's worth of work
    maps_together(map_tasks, jobs, ...) each job's outputs by name, from one map of every task

A stage whose maps need none of each other's results (a universe's simulations, their cost and
lag variants, the placebo runs and the cross-sectional tests) maps them together: on workers,
the short tasks of one fill the gaps that the long tasks of another leave at its end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    """One map's worth of work for maps_together: function(shared, task) for each of `tasks`."""

    function: Callable
    tasks: list
    shared: object


@dataclass(frozen=True)
class JobTask:
    """Task `index` of job `job` of a maps_together map; `id` names it in progress lines, and
    `function_name` names its work where the executor names tasks (Dask's keys)."""

    job: int
    index: int
    id: str
    function_name: str


def job_output(jobs: tuple[Job, ...], task: JobTask):
    """What one task of a maps_together map returns (a task of map_tasks)."""
    job = jobs[task.job]
    return job.function(job.shared, job.tasks[task.index])


def maps_together(
    map_tasks: Callable[..., list], jobs: dict[str, Job], label: str, imports: tuple[str, ...] = (), beside: Callable[[], None] | None = None,
) -> dict[str, list]:
    """Each job's outputs by name, in its tasks' order, as if each were mapped on its own, from
    one map of all their tasks: on workers, the short tasks of one job fill the gaps the long
    tasks of another leave at its end, and nothing waits between jobs that need none of each
    other's results. The tasks go in the jobs' order (put the longest first); `imports` and
    `beside` are map_tasks' own."""
    listed = list(jobs.values())
    tasks = [
        JobTask(j, i, str(getattr(t, "id", t)), job.function.__name__) for j, job in enumerate(listed) for i, t in enumerate(job.tasks)
    ]
    extra = {} if beside is None else {"beside": beside}  # a map_tasks without `beside` (the evaluation's) is called as before
    outputs = iter(map_tasks(job_output, tasks, tuple(listed), label, imports=imports, **extra))
    return {name: [next(outputs) for _ in job.tasks] for name, job in jobs.items()}
