"""A Dask cluster that loses workers: a real scheduler and two worker processes (no nanny, so a
killed worker stays dead), one of them killed with SIGKILL while it runs a task of a universe
build or of a universe training run. The run finishes on the other worker with the same bytes
as a synchronous run, and so it does when every worker is killed and a new one joins (the
scattered data went with them: the map scatters it again). With every worker killed and none
joining, it stops with one `error:` line, exit 2, once `[compute] no_worker_seconds` have passed
without a worker, and writes nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, UNIVERSE_CONFIG, file_manifest, write_universe

distributed = pytest.importorskip("distributed")

ENV = {**os.environ, "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1"}


@dataclass
class Cluster:
    address: str
    client: object  # the test's own distributed.Client: watches what the workers run
    pids: dict[str, int]  # of the worker processes, by worker address
    start_worker: Callable[[], None]  # one more worker process

    def kill_when_running(self, prefix: str, count: int = 1, timeout: float = 120.0) -> threading.Thread:
        """A thread that SIGKILLs `count` workers, each as soon as it runs a task whose key starts
        with `prefix` (the name of the mapped function), in the middle of the run."""
        killed: list[str] = []

        def watch() -> None:
            deadline = time.monotonic() + timeout
            while len(killed) < count and time.monotonic() < deadline:
                for address, keys in self.client.processing().items():
                    if address not in killed and any(str(k).startswith(prefix) for k in keys):
                        os.kill(self.pids[address], signal.SIGKILL)
                        killed.append(address)
                        break
                time.sleep(0.01)

        thread = threading.Thread(target=watch, daemon=True)
        thread.killed = killed
        thread.start()
        return thread


@contextmanager
def cluster(folder: Path, workers: int = 2) -> Iterator[Cluster]:
    """A scheduler and `workers` worker processes of one thread, without the nanny process that
    `dask worker` starts by default (it would start a new worker when one dies)."""
    from distributed import Client

    file = folder / "scheduler.json"
    processes = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--scheduler-file", str(file), "--host", "127.0.0.1",
         "--port", "0", "--dashboard-address", ":0"], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )]
    try:
        deadline = time.monotonic() + 60
        while not (file.exists() and file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]

        def start_worker() -> None:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--no-nanny",
                 "--nthreads", "1", "--no-dashboard"], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))

        for _ in range(workers):
            start_worker()
        with Client(address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)
            yield Cluster(address, client, client.run(os.getpid), start_worker)
    finally:
        for process in reversed(processes):
            process.kill()
            process.wait()


def reportgen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=600)


# 2,000 placebo runs (4 tasks of 500 on 2 workers): each task runs long enough to be seen running
# and killed (50 runs take well under a second since the shuffles were made 15x faster).
UNIVERSE = UNIVERSE_CONFIG.replace("permutations = 50", "permutations = 2000") + '\n[compute]\nno_worker_seconds = 3\n'
assert "permutations = 2000" in UNIVERSE


@pytest.fixture(scope="module")
def universe_project(tmp_path_factory) -> Path:
    """The tiny universe project and its site built synchronously."""
    project = tmp_path_factory.mktemp("universe")
    write_universe(project)
    (project / "reportgen.toml").write_text(UNIVERSE)
    result = reportgen("build", "--config", "reportgen.toml", "--scheduler", "synchronous", "--site-dir", "sync", cwd=project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.mark.parametrize("task", ["placebo_sharpes", "static_assets"])
def test_a_build_that_loses_a_worker_gives_the_same_site(universe_project, tmp_path, task):
    with cluster(tmp_path) as running:
        killer = running.kill_when_running(task)
        result = reportgen("build", "--config", "reportgen.toml", "--scheduler", running.address, "--site-dir", str(tmp_path / "site"),
                           cwd=universe_project)
        killer.join()
        assert len(killer.killed) == 1  # a worker died while running a task of the map
        assert len(running.client.nthreads()) == 1  # the other one finished the build
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert file_manifest(tmp_path / "site") == file_manifest(universe_project / "sync")


def test_a_build_that_loses_every_worker_and_gets_a_new_one_gives_the_same_site(universe_project, tmp_path):
    with cluster(tmp_path) as running:
        killer = running.kill_when_running("placebo_sharpes", count=2)
        build = subprocess.Popen(
            [sys.executable, "-m", "reportgen", "build", "--config", "reportgen.toml", "--scheduler", running.address,
             "--site-dir", str(tmp_path / "site")], cwd=universe_project, env=ENV, stderr=subprocess.PIPE, text=True,
        )
        killer.join()
        assert len(killer.killed) == 2  # every copy of the scattered data went with them
        running.start_worker()
        stderr = build.communicate(timeout=600)[1]
    assert build.returncode == 0, stderr
    assert file_manifest(tmp_path / "site") == file_manifest(universe_project / "sync")


def test_a_build_that_loses_every_worker_stops_with_one_line_and_writes_nothing(universe_project, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(universe_project, project)
    before = file_manifest(project)
    with cluster(tmp_path) as running:
        killer = running.kill_when_running("placebo_sharpes", count=2)
        result = reportgen("build", "--config", "reportgen.toml", "--scheduler", running.address, "--site-dir", "sync", cwd=project)
        killer.join()
        assert len(killer.killed) == 2
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: --scheduler: the Dask cluster at {running.address} has had no worker for 3 s "
        "([compute] no_worker_seconds); start workers, or use --scheduler synchronous"
    ]
    assert result.stderr.splitlines()[-1] == errors[0]
    assert file_manifest(project) == before  # the previous site byte for byte, nothing beside it


def test_a_training_run_that_loses_a_worker_writes_the_same_bytes(tmp_path):
    pytest.importorskip("torch")
    from test_universe_training import TRAIN_TOML, universe_prices, write_universe_prices

    write_universe_prices(tmp_path / "universe.csv", universe_prices())
    (tmp_path / "reportgen.toml").write_text(TRAIN_TOML)  # writes out/predictions.csv, synchronously
    result = reportgen("train", "--config", "reportgen.toml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with cluster(tmp_path) as running:
        killer = running.kill_when_running("pooled_fold")
        result = reportgen("train", "--config", "reportgen.toml", "--scheduler", running.address, "--out", "dask/predictions.csv", cwd=tmp_path)
        killer.join()
        assert len(killer.killed) == 1
    assert result.returncode == 0, result.stderr
    for name in ("predictions.csv", "predictions.json"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "out" / name).read_bytes(), name
