"""One executor per build (compute.shared_executor.SharedExecutor, as cli._build_tasks opens it): opened at the first task, shared by every stage,
closed when the build ends; the runs of a map are cut by its number of workers."""

import contextlib

import reportgen.compute.shared_executor
from reportgen.cli import _build_tasks
from reportgen.compute.local import SynchronousExecutor
from reportgen.inputs.config import load_config
from reportgen.pipeline import build

from conftest import UNIVERSE_CONFIG, write_universe


class TwoWorkers(SynchronousExecutor):
    """Runs every task here, in order, but says it has two workers; records each map's label and size."""

    workers = 2
    description = "two pretend workers"

    def __init__(self, maps):
        self.maps = maps

    def map(self, function, tasks, shared, on_done=lambda index: None, imports=(), beside=None):
        self.maps.append(len(tasks))
        return super().map(function, tasks, shared, on_done, imports, beside)


def test_one_executor_serves_every_stage_of_a_build_and_is_closed_after_it(tmp_path, monkeypatch):
    write_universe(tmp_path)
    (tmp_path / "reportgen.toml").write_text(UNIVERSE_CONFIG)
    config = load_config(tmp_path / "reportgen.toml")
    opened, closed, maps = [], [], []

    @contextlib.contextmanager
    def executor(workers, scheduler, no_worker_seconds):
        opened.append((workers, scheduler))
        try:
            yield TwoWorkers(maps)
        finally:
            closed.append(True)

    monkeypatch.setattr(reportgen.compute.shared_executor, "executor", executor)
    map_tasks, where = _build_tasks(config, 2, "local")
    assert where == "--scheduler"
    with contextlib.closing(map_tasks):
        assert opened == []  # nothing opens before a task runs (a cached build opens nothing)
        build(config, tmp_path / "site", map_tasks=map_tasks)
        assert opened == [(2, "local")] and closed == []
    assert closed == [True]
    assert len(maps) >= 3  # bootstrap, placebo runs, charts: one executor for all of them
    assert 3 in maps  # the 50 placebo runs on two workers: 3 tasks of at least 16 runs (blocks.task_count)
