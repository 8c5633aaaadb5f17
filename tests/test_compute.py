"""reportgen.compute: executors, the scatter-once map, Ctrl-C, and the progress reporter."""

from __future__ import annotations

import io
import os
import sys

import pytest

from reportgen.compute import ComputeError, Progress, executor
from reportgen.compute.progress import seconds_left, time_left


def where_it_ran(shared: dict, task: int) -> tuple[int, int, int]:
    """The task's result, the worker's process id, and the identity of its copy of `shared`."""
    return task * shared["factor"], os.getpid(), id(shared)


def test_synchronous_runs_in_order_here():
    done = []
    with executor(3, "synchronous") as pool:
        results = pool.map(where_it_ran, [3, 1, 2], {"factor": 10}, on_done=done.append)
    assert [r[0] for r in results] == [30, 10, 20]
    assert {r[1] for r in results} == {os.getpid()}
    assert done == [0, 1, 2] and pool.workers == 1


def test_synchronous_needs_no_dask_and_anything_else_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with executor(2, "synchronous") as pool:
        assert pool.map(where_it_ran, [1], {"factor": 2})[0][0] == 2
    for scheduler in ("local", "tcp://127.0.0.1:8786"):
        with pytest.raises(ComputeError) as error:
            with executor(2, scheduler):
                pass
        assert str(error.value) == (
            f"scheduler {scheduler!r} needs Dask, which is not installed: pip install 'reportgen[dask]' "
            "(or dask[distributed]==2026.8.0); or use scheduler = 'synchronous'"
        )


def test_unknown_scheduler():
    with pytest.raises(ComputeError) as error:
        with executor(2, "threads"):
            pass
    assert str(error.value) == "unknown scheduler 'threads'; expected 'local', 'processes', 'synchronous' or 'tcp://host:port'"


def logs_and_maybe_fails(shared: dict, task: int) -> tuple[int, int]:
    import logging

    logging.getLogger("reportgen.test").warning("task %d of %s", task, shared["name"])
    if task == shared.get("fail"):
        raise ValueError(f"task {task} failed")
    return task * 2, os.getpid()


def meets_the_other_worker(shared: dict, task: int) -> tuple[int, int]:
    """logs_and_maybe_fails, where tasks 0 and 1 wait for each other: they can only finish when
    two processes run them at once (without it, one fast worker may take every task)."""
    if task < 2:
        shared["barrier"].wait(timeout=30)
    return logs_and_maybe_fails(shared, task)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_forked_workers_keep_task_order_and_log_here_in_task_order(caplog):
    import multiprocessing

    done = []
    shared = {"name": "shared", "barrier": multiprocessing.get_context("fork").Barrier(2)}
    with executor(2, "processes") as pool:
        assert pool.workers == 2 and pool.description == "2 forked worker processes"
        with caplog.at_level("WARNING", logger="reportgen.test"):
            results = pool.map(meets_the_other_worker, list(range(6)), shared, on_done=done.append)
    assert [r[0] for r in results] == [0, 2, 4, 6, 8, 10]
    assert os.getpid() not in {r[1] for r in results} and len({r[1] for r in results}) == 2
    assert sorted(done) == list(range(6))
    # what each task logged in its worker is logged again here, in task order, once
    assert [r.getMessage() for r in caplog.records] == [f"task {t} of shared" for t in range(6)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_forked_workers_raise_a_tasks_error_and_a_single_task_runs_here():
    with executor(2, "processes") as pool:
        with pytest.raises(ValueError, match="task 3 failed"):
            pool.map(logs_and_maybe_fails, list(range(6)), {"name": "x", "fail": 3})
        [(value, pid)] = pool.map(logs_and_maybe_fails, [5], {"name": "x"})
    assert value == 10 and pid == os.getpid()  # one task: no fork


def test_synchronous_runs_beside_here_after_the_tasks():
    order = []
    with executor(2, "synchronous") as pool:
        results = pool.map(where_it_ran, [1, 2], {"factor": 3}, on_done=order.append, beside=lambda: order.append("beside"))
    assert [r[0] for r in results] == [3, 6] and order == [0, 1, "beside"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_forked_workers_run_beside_at_the_same_time_in_a_process_of_its_own(tmp_path, caplog):
    import logging
    import multiprocessing

    barrier = multiprocessing.get_context("fork").Barrier(2)

    def beside() -> None:
        barrier.wait(timeout=30)  # passes only while task 0 waits too: both run at once
        logging.getLogger("reportgen.test").warning("beside")
        (tmp_path / "beside.pid").write_text(str(os.getpid()))

    def meets_beside(shared: dict, task: int) -> tuple[int, int]:
        if task == 0:
            barrier.wait(timeout=30)
        return logs_and_maybe_fails(shared, task)

    with executor(2, "processes") as pool, caplog.at_level("WARNING", logger="reportgen.test"):
        results = pool.map(meets_beside, [0, 1, 2], {"name": "x"}, beside=beside)
    assert [r[0] for r in results] == [0, 2, 4]
    pid = int((tmp_path / "beside.pid").read_text())
    assert pid != os.getpid() and pid not in {r[1] for r in results}
    # what it logged is logged here, after the tasks' records
    assert [r.getMessage() for r in caplog.records] == ["task 0 of x", "task 1 of x", "task 2 of x", "beside"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_forked_workers_raise_besides_error_and_a_tasks_error_leaves_no_process():
    import time

    import psutil

    def fails() -> None:
        raise ValueError("beside failed")

    with executor(2, "processes") as pool:
        with pytest.raises(ValueError, match="beside failed"):
            pool.map(logs_and_maybe_fails, [0, 1], {"name": "x"}, beside=fails)
        with pytest.raises(ValueError, match="task 1 failed"):
            pool.map(logs_and_maybe_fails, [0, 1, 2], {"name": "x", "fail": 1}, beside=lambda: time.sleep(60))
    assert psutil.Process().children(recursive=True) == []


def _pid_after_logging(what: str) -> tuple[int, str]:
    import logging

    logging.getLogger("reportgen.test").warning("read %s", what)
    return os.getpid(), what


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_work_aside_runs_in_a_forked_process_with_forked_workers_and_here_otherwise(caplog):
    # A universe build reads its inputs aside while it imports the stages' libraries.
    from reportgen.compute.shared_executor import SharedExecutor

    forked = SharedExecutor(2, "processes", 60.0)
    with caplog.at_level("WARNING", logger="reportgen.test"):
        started = forked.aside(lambda: _pid_after_logging("inputs"))
        pid, value = started.wait()
    assert pid != os.getpid() and value == "inputs"
    assert [r.getMessage() for r in caplog.records] == ["read inputs"]  # logged here, by the build

    def fails() -> None:
        raise ValueError("bad input file")

    with pytest.raises(ValueError, match="bad input file"):
        forked.aside(fails).wait()
    for here in (SharedExecutor(2, "synchronous", 60.0), SharedExecutor(1, "processes", 60.0)):
        assert here.aside(lambda: _pid_after_logging("x")).wait() == (os.getpid(), "x")
    forked.close()


def test_forked_workers_are_refused_where_fork_is_unsafe(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(ComputeError, match="scheduler 'processes' forks worker processes, which darwin cannot do safely"):
        with executor(2, "processes"):
            pass


def test_local_cluster_keeps_task_order_and_sends_shared_data_once_per_worker():
    pytest.importorskip("dask.distributed")
    done = []
    with executor(2, "local") as pool:
        assert pool.workers == 2 and pool.description == "local cluster of 2 worker processes"
        results = pool.map(where_it_ran, list(range(8)), {"factor": 3, "payload": list(range(10_000))}, on_done=done.append)
        usage = pool.usage()
    assert [r[0] for r in results] == [3 * t for t in range(8)]
    assert sorted(done) == list(range(8))
    assert os.getpid() not in {r[1] for r in results}
    copies = {}
    for _, pid, identity in results:
        copies.setdefault(pid, set()).add(identity)
    assert all(len(ids) == 1 for ids in copies.values())  # one copy of `shared` per worker, reused by every task
    assert len(usage) == 2 and all(u.peak_memory_bytes > 10 * 2**20 and u.cpu_seconds > 0 for u in usage.values())


def test_ctrl_c_stops_the_local_cluster():
    pytest.importorskip("dask.distributed")

    def interrupt(index: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with executor(1, "local") as pool:
            pool.map(where_it_ran, [1, 2], {"factor": 1}, on_done=interrupt)
    assert pool.client.status == "closed"
    assert pool.client.cluster is None or pool.client.cluster.status.name == "closed"


def test_unreachable_cluster_is_a_compute_error(monkeypatch):
    pytest.importorskip("dask.distributed")
    import importlib

    monkeypatch.setattr(importlib.import_module("reportgen.compute.executor"), "CONNECT_TIMEOUT_SECONDS", 1)  # Dask retries until then; the build waits 10 s
    with pytest.raises(ComputeError) as error:
        with executor(None, "tcp://127.0.0.1:9"):
            pass
    assert str(error.value).startswith("cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_progress_lines_count_and_estimate_the_time_left():
    clock, stream = FakeClock(), io.StringIO()
    progress = Progress(4, "folds", stream, clock)
    clock.now += 30
    progress.advance("fold 2")
    clock.now += 90
    progress.advance("fold 1")
    progress.close()
    assert stream.getvalue() == (
        "folds: 1/4 done (fold 2) after 0:30\n"  # the first task pays the start-up: no estimate yet
        "folds: 2/4 done (fold 1) after 2:00, about 2:00 left\n"  # 60 s a task, 2 to go
    )


def test_terminal_progress_is_one_bar_redrawn_in_place():
    clock, stream = FakeClock(), Terminal()
    progress = Progress(2, "folds", stream, clock)
    clock.now += 4000
    progress.advance()
    progress.advance()
    progress.close()
    bar = "#" * 15 + "-" * 15
    assert stream.getvalue() == f"\rfolds [{bar}] 1/2 (1:06:40)" f"\rfolds [{'#' * 30}] 2/2 (1:06:40)\n"
    assert seconds_left(0, 3, 10.0) != seconds_left(0, 3, 10.0)  # NaN before any task has finished


def _lines(finished_at: list[float], workers: int, sizes=None) -> list[str]:
    """The plain lines of a stage whose tasks finish at these seconds."""
    clock, stream = FakeClock(), io.StringIO()
    start = clock.now
    progress = Progress(len(finished_at), "charts", stream, clock, workers=workers, sizes=sizes)
    for index, at in enumerate(finished_at):
        clock.now = start + at
        progress.advance(index=index)
    return stream.getvalue().splitlines()


def test_no_time_left_after_the_first_round_of_a_stage_whose_start_is_slow():
    # The case: 2 workers start (17 s of imports), then the tasks take 1 s each.
    lines = _lines([17, 17.5, 18, 19, 20, 21, 22, 23, 24, 25], workers=2)
    assert lines[:3] == ["charts: 1/10 done after 0:17", "charts: 2/10 done after 0:18", "charts: 3/10 done after 0:18, about 0:42 left"]
    assert "left" not in lines[-1] and "left" not in lines[-2]  # 9/10 and 10/10: only the last tasks run


def test_no_time_left_while_only_the_last_tasks_run():
    # "29/32 done ... about 0:01 left" and then 15 s more: with 4 workers, 3 tasks left can all be running.
    lines = _lines([float(i + 1) for i in range(28)] + [29.0, 44.0, 44.0, 45.0], workers=4)
    assert lines[26] == "charts: 27/32 done after 0:27, about 0:05 left"  # 5 left: one waits for a worker
    assert [line for line in lines[27:] if "left" in line] == []  # from 28/32 on, every task left can be running


def test_no_time_left_again_once_the_stage_outlasts_an_estimate():
    lines = _lines([10, 20, 30, 40, 200, 210, 220, 230, 240, 250], workers=1)
    assert lines[3] == "charts: 4/10 done after 0:40, about 1:00 left"  # promised to end at 100 s
    assert all("left" not in line for line in lines[4:])  # at 200 s it had not ended: no more estimates


def test_time_left_counts_units_of_work_not_tasks():
    # A large block (6 units) waits among small ones: 2 units of 10 done in 20 s leave 80 s, not 30.
    lines = _lines([10, 20, 80, 90, 100], workers=1, sizes=[1, 1, 6, 1, 1])
    assert lines[1] == "charts: 2/5 done after 0:20, about 1:20 left"
    assert lines[2] == "charts: 3/5 done after 1:20, about 0:20 left"


def test_no_time_left_before_a_fifth_of_the_work():
    assert time_left(1, 10, 2, 10, 1, 5.0) != time_left(1, 10, 2, 10, 1, 5.0)  # NaN: 10 % done
    assert time_left(2, 10, 2, 10, 1, 5.0) == 20.0


def _loop(blocks: int, seconds_each: float, stream, clock) -> list[int]:
    from reportgen.compute import tracked

    seen = []
    for block in tracked(range(blocks), "sweep of 600 configurations", stream, clock):
        clock.now += seconds_each
        seen.append(block)
    return seen


def test_a_short_loop_prints_nothing():
    clock, stream = FakeClock(), Terminal()
    assert _loop(4, 1.0, stream, clock) == [0, 1, 2, 3]  # 4 s in all: under QUIET_SECONDS
    assert stream.getvalue() == ""


def test_a_long_loop_prints_a_line_at_most_every_ten_seconds_and_the_last_one():
    clock, stream = FakeClock(), io.StringIO()
    assert _loop(10, 3.0, stream, clock) == list(range(10))
    # silent for the first 5 s; then a line when 10 s have passed since the last one, and at the end
    assert stream.getvalue().splitlines() == [
        "sweep of 600 configurations: 2/10 done after 0:06, about 0:24 left",
        "sweep of 600 configurations: 6/10 done after 0:18, about 0:12 left",
        "sweep of 600 configurations: 10/10 done after 0:30",
    ]


def test_a_long_loop_on_a_terminal_is_a_bar_except_in_a_worker(monkeypatch):
    from reportgen.compute import progress

    clock, stream = FakeClock(), Terminal()
    _loop(3, 6.0, stream, clock)
    assert stream.getvalue().startswith("\rsweep of 600 configurations [##########----") and stream.getvalue().endswith("\n")
    assert stream.getvalue().count("\r") == 3
    monkeypatch.setattr(progress, "in_worker", True)  # workers share the terminal: plain lines
    clock, stream = FakeClock(), Terminal()
    _loop(3, 6.0, stream, clock)
    assert "\r" not in stream.getvalue() and stream.getvalue().endswith("3/3 done after 0:18\n")


def imported_before_the_task(shared: dict, task: int) -> tuple[int, bool, int, int]:
    import logging

    logging.getLogger("reportgen.test").warning("task %d", task)
    if task == shared.get("fail"):
        raise ValueError(f"task {task} failed")
    if task == shared.get("die"):
        os._exit(3)  # a worker killed (out of memory) ends this way: no exception, no result
    if task < 2:
        shared["barrier"].wait(timeout=30)
    return task * 2, shared["module"] in sys.modules, os.getpid(), os.getppid()


@pytest.fixture
def unimported_module(tmp_path, monkeypatch):
    """The name of a module nobody has imported yet (a tasks' heavy library, such as vectorbt)."""
    (tmp_path / "heavy_library_of_the_tasks.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "heavy_library_of_the_tasks"
    sys.modules.pop("heavy_library_of_the_tasks", None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_forked_workers_import_the_tasks_libraries_once_in_a_leader_that_works_too(caplog, unimported_module):
    import multiprocessing

    shared = {"module": unimported_module, "barrier": multiprocessing.get_context("fork").Barrier(2)}
    with executor(2, "processes") as pool:
        with caplog.at_level("WARNING", logger="reportgen.test"):
            results = pool.map(imported_before_the_task, list(range(6)), shared, imports=(unimported_module,))
    assert [r[0] for r in results] == [0, 2, 4, 6, 8, 10]
    assert all(r[1] for r in results)  # imported before any task ran, in every worker
    assert unimported_module not in sys.modules  # never here: the leader held it, and it has exited
    pids, parents = {r[2] for r in results}, {r[3] for r in results}
    assert len(pids) == 2 and os.getpid() not in pids
    [leader] = pids & parents  # the other worker was forked from the leader, which forked from here
    assert parents == {os.getpid(), leader}
    assert [r.getMessage() for r in caplog.records] == [f"task {t}" for t in range(6)]


def _later_stage_library_present(shared: dict, task: int) -> bool:
    return shared["later"] in sys.modules


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
@pytest.mark.parametrize("led", [True, False])
def test_a_later_stages_libraries_are_imported_here_once_the_next_maps_workers_are_forked(tmp_path, monkeypatch, unimported_module, led):
    from reportgen.compute.shared_executor import SharedExecutor

    (tmp_path / "library_of_a_later_stage.py").write_text("import threading\nIMPORTED_BY = threading.current_thread().name\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    shared = {"later": "library_of_a_later_stage"}
    pool = SharedExecutor(2, "processes", 60)
    try:
        pool.import_during_next_map(("library_of_a_later_stage",))
        seen = pool(_later_stage_library_present, [0, 1, 2, 3], shared, "first", imports=(unimported_module,) if led else ())
        assert seen == [False] * 4  # the workers were forked before it
        assert sys.modules["library_of_a_later_stage"].IMPORTED_BY == "reportgen-imports"  # here, on the thread
        assert pool(_later_stage_library_present, [0, 1], shared, "next") == [True, True]  # the next map's workers find it
        pool.import_during_next_map(("no_such_library_anywhere",))
        assert pool(_later_stage_library_present, [0], shared, "one task") == [True]  # one task runs here: nothing ahead
        assert pool._meanwhile == ("no_such_library_anywhere",)  # left for a map that forks
    finally:
        pool.close()
        sys.modules.pop("library_of_a_later_stage", None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_a_led_pool_raises_a_tasks_error_and_names_a_dead_worker(unimported_module):
    import multiprocessing

    def shared(**more):
        return {"module": unimported_module, "barrier": multiprocessing.get_context("fork").Barrier(2), **more}

    with executor(2, "processes") as pool:
        with pytest.raises(ValueError, match="task 3 failed"):
            pool.map(imported_before_the_task, list(range(6)), shared(fail=3), imports=(unimported_module,))
        with pytest.raises(ComputeError, match="died"):
            pool.map(imported_before_the_task, list(range(6)), shared(die=4), imports=(unimported_module,))
        with pytest.raises(ModuleNotFoundError, match="no_library_of_that_name"):
            pool.map(imported_before_the_task, list(range(6)), shared(), imports=("no_library_of_that_name",))
        assert [r[0] for r in pool.map(imported_before_the_task, [0, 1], shared(), imports=(unimported_module,))] == [0, 2]


INTERRUPTED_MAP = """
import signal, sys, time
sys.path.insert(0, sys.argv[1])
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal: a job started in the background ignores SIGINT
from reportgen.compute import executor

def sleeps(shared, task):
    open(f"{sys.argv[1]}/working-{task}", "w").close()  # the test interrupts once the workers are here
    time.sleep(60)

try:
    with executor(2, "processes") as pool:
        print("mapping", flush=True)
        pool.map(sleeps, list(range(4)), None, imports=("heavy_library_of_the_tasks",))
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
@pytest.mark.parametrize("library", [
    "VALUE = 1\n", "import pathlib, time\npathlib.Path(__file__).with_name('importing').touch()\ntime.sleep(60)\n",
], ids=["while-working", "while-importing"])
def test_ctrl_c_stops_a_led_pool_quietly_and_leaves_no_process(tmp_path, library):
    # Ctrl-C reaches the build, the leader and its worker at once: the build sees the interrupt
    # (and says "error: aborted"), the workers end without a traceback each, and none is left.
    import signal
    import subprocess
    import time

    (tmp_path / "heavy_library_of_the_tasks.py").write_text(library)
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED_MAP)
    build = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path)], start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert build.stdout.readline() == "mapping\n"
    # Interrupt once the leader imports, or once it has forked and both workers sleep in a task
    # (a process forked after the interrupt would not see it): waited for, not guessed, so that a
    # loaded machine cannot make it come too early.
    importing = "sleep" in library
    deadline = time.monotonic() + 60
    while (not (tmp_path / "importing").exists()) if importing else len(list(tmp_path.glob("working-*"))) < 2:
        assert time.monotonic() < deadline and build.poll() is None, build.stderr.read() if build.poll() is not None else "no worker started"
        time.sleep(0.05)
    time.sleep(0.2)  # the worker is in its sleep, past the line that told us
    os.killpg(build.pid, signal.SIGINT)
    out, err = build.communicate(timeout=20)
    assert out == "interrupted\n" and "Traceback" not in err, err
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(build.pid, 0)  # no process of the group is left


FREED_ARRAYS = """
import sys
import numpy as np
from reportgen.compute import allocator

def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

block = np.ones(8 * 2**20 // 8)
del block  # an 8 MiB array freed: glibc raises its mmap threshold to 8 MiB
before = rss_mb()
kept = [np.ones(2 * 2**20 // 8) for _ in range(100)]  # 200 MiB in 2 MiB arrays, now on the heap
pins = [bytearray(64 * 1024) for _ in range(100)]  # small blocks above them: the heap cannot shrink from its top
del kept
if sys.argv[1] == "released":
    assert allocator.release_freed_memory()
print(rss_mb() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_freed_arrays_go_back_to_the_system_when_released():
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}  # any of them turns the raising off
    held = {
        mode: float(subprocess.run([sys.executable, "-c", FREED_ARRAYS, mode], capture_output=True, text=True, check=True, env=env).stdout)
        for mode in ("kept", "released")
    }
    assert held["kept"] > 150, held  # glibc kept the freed 200 MiB
    assert held["released"] < 30, held
