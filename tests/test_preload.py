"""preload: libraries imported on a thread while the inputs are read, never across a fork."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from reportgen.compute import preload
from reportgen.compute.executor import executor


@pytest.fixture
def slow_module(tmp_path, monkeypatch):
    """A module whose import takes 0.6 s and records the thread that imported it."""
    (tmp_path / "slow_library_of_the_stages.py").write_text(
        "import threading, time\nIMPORTED_BY = threading.current_thread().name\ntime.sleep(0.6)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "slow_library_of_the_stages"
    sys.modules.pop("slow_library_of_the_stages", None)
    preload.finished_imports()


def test_the_libraries_are_imported_on_a_thread_while_the_body_runs(slow_module):
    started = time.monotonic()
    with preload.importing_meanwhile([slow_module]):
        time.sleep(0.5)  # the body's own work (reading the inputs)
        body_done = time.monotonic() - started
    assert body_done < 0.6  # the body did not wait for the import
    assert sys.modules[slow_module].IMPORTED_BY == "reportgen-imports"
    assert time.monotonic() - started < 1.0  # the import and the body overlapped (serially: 1.1 s)


def test_an_error_in_the_body_leaves_at_once_and_the_next_fork_waits_for_the_import(slow_module):
    started = time.monotonic()
    with pytest.raises(ValueError, match="bad input"), preload.importing_meanwhile([slow_module]):
        raise ValueError("bad input")
    assert time.monotonic() - started < 0.3  # the user's error is not held back by the import
    importing = [t for t in threading.enumerate() if t.name == "reportgen-imports"]
    assert importing and importing[0].daemon  # still importing; it would not keep the process alive
    if sys.platform.startswith("linux"):
        with executor(2, "processes") as pool:
            pool.map(_module_state, [0, 1], slow_module)  # forks only once the import is over
    else:
        preload.finished_imports()
    assert slow_module in sys.modules and not any(t.name == "reportgen-imports" for t in threading.enumerate())


def _module_state(name: str, task: int) -> int:
    return task


def test_a_missing_library_is_left_to_the_stage_that_imports_it_and_other_errors_are_raised(tmp_path, monkeypatch):
    with preload.importing_meanwhile(["no_such_library_anywhere"]):
        pass
    assert "no_such_library_anywhere" not in sys.modules
    (tmp_path / "broken_library_of_the_stages.py").write_text("raise RuntimeError('broken install')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RuntimeError, match="broken install"), preload.importing_meanwhile(["broken_library_of_the_stages"]):
        pass


def test_the_done_event_is_set_when_the_imports_end_and_at_once_without_names(slow_module):
    import multiprocessing

    done = multiprocessing.Event()
    with preload.importing_meanwhile([slow_module], done):
        assert not done.is_set()  # the import takes 0.6 s: the reader may rank another factor
        assert done.wait(5)
        assert slow_module in sys.modules
    nothing = multiprocessing.Event()
    with preload.importing_meanwhile((), nothing):
        assert nothing.is_set()  # no imports (Dask, a single-asset report): no factor is ranked ahead


def test_nothing_is_started_without_names():
    before = threading.active_count()
    with preload.importing_meanwhile(()):
        assert threading.active_count() == before


def test_a_universe_build_imports_its_stages_libraries_while_reading_only_where_its_tasks_find_them():
    from types import SimpleNamespace

    from reportgen.compute.local import in_process
    from reportgen.compute.shared_executor import SharedExecutor
    from reportgen.evaluation import universe_models
    from reportgen.pipeline import _imported_while_reading

    universe, single = SimpleNamespace(universe=object()), SimpleNamespace(universe=None)
    for scheduler in ("processes", "synchronous"):
        assert _imported_while_reading(universe, SharedExecutor(2, scheduler, 60)) == universe_models.TASK_IMPORTS
    assert _imported_while_reading(universe, in_process) == universe_models.TASK_IMPORTS
    for scheduler in ("local", "tcp://127.0.0.1:8786"):  # Dask workers import for themselves
        assert _imported_while_reading(universe, SharedExecutor(2, scheduler, 60)) == ()
    assert _imported_while_reading(single, SharedExecutor(2, "processes", 60)) == ()
    assert "vectorbt" in universe_models.TASK_IMPORTS


def test_no_collection_runs_during_the_imports_and_what_they_made_is_frozen_after(tmp_path, monkeypatch):
    """A full collection walks every object imported so far: none runs while the thread imports,
    and after it the imported objects are frozen (skipped by later collections); the collector is
    enabled again as it was."""
    import gc

    (tmp_path / "library_with_cycles.py").write_text(
        "import gc\nCOLLECTING = gc.isenabled()\n"
        "class Node:\n    pass\n"
        "NODES = [Node() for _ in range(50_000)]\n"
        "for a, b in zip(NODES, NODES[1:]):\n    a.next, b.previous = b, a\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    collections = []
    record = lambda phase, info: collections.append(threading.current_thread().name) if phase == "start" else None  # noqa: E731
    gc.unfreeze()
    gc.callbacks.append(record)
    try:
        with preload.importing_meanwhile(["library_with_cycles"]):
            pass
        assert gc.isenabled()
        module = sys.modules["library_with_cycles"]
        assert module.COLLECTING is False
        assert "reportgen-imports" not in collections
        assert gc.get_freeze_count() >= len(module.NODES)
    finally:
        gc.callbacks.remove(record)
        gc.unfreeze()
        sys.modules.pop("library_with_cycles", None)


@pytest.fixture
def deferred_pair(tmp_path, monkeypatch):
    """A library that imports a downloader at its import and uses it only inside a function."""
    (tmp_path / "toy_downloader.py").write_text("LOADS = []\nLOADS.append(1)\ndef download():\n    return 'prices'\n")
    (tmp_path / "toy_library.py").write_text(
        "import toy_downloader as dl\ndef fetch():\n    return dl.download()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(preload, "DEFERRED", ("toy_downloader",))
    yield
    for name in ("toy_downloader", "toy_library"):
        sys.modules.pop(name, None)


def test_a_deferred_library_is_imported_at_its_first_use_not_with_the_library_that_imports_it(deferred_pair):
    import importlib.util

    library = preload.imported("toy_library")
    stand_in = sys.modules["toy_downloader"]
    assert type(stand_in).__name__ == "_Deferred"  # not run: the library only holds it
    assert importlib.util.find_spec("toy_downloader").origin.endswith("toy_downloader.py")
    assert library.fetch() == "prices"  # the first use imports it
    real = sys.modules["toy_downloader"]
    assert real is not stand_in and real.LOADS == [1]
    assert library.fetch() == "prices" and real.LOADS == [1]  # once
    assert stand_in.download is real.download


def test_a_library_imported_already_or_missing_is_not_deferred(deferred_pair, monkeypatch):
    import toy_downloader

    preload.imported("toy_library")
    assert sys.modules["toy_downloader"] is toy_downloader
    monkeypatch.setattr(preload, "DEFERRED", ("no_such_library_anywhere",))
    preload.imported("toy_library")
    assert "no_such_library_anywhere" not in sys.modules


def test_vectorbt_and_quantstats_import_without_yfinance_dateparser_and_quantstats_plots_which_still_work_when_used():
    import subprocess

    probe = (
        "import sys\nfrom reportgen.compute import preload\n"
        "preload.imported('vectorbt'); preload.imported('quantstats')\n"
        "print(sorted(m for m in ('yfinance.base', 'websockets', 'dateparser.conf', 'seaborn', 'matplotlib.pyplot') if m in sys.modules))\n"
        "import quantstats, quantstats._compat, vectorbt.utils.datetime_ as dt\n"
        "print(callable(quantstats._compat.yf.download), dt.dateparser.parse('2020-01-02').year)\n"
        "print('yfinance.base' in sys.modules, 'dateparser.conf' in sys.modules)\n"
        "drawn = callable(quantstats.plots.snapshot)\n"
        "print(type(sys.modules['quantstats.plots']).__name__, drawn, 'seaborn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:4] == ["[]", "True 2020", "True True", "module True True"]


def test_a_deferred_submodule_is_found_without_importing_its_package(tmp_path, monkeypatch):
    """A package that imports its plotting submodule at its import: deferred, the submodule is
    found without importing the package first (which would import it there and then)."""
    package = tmp_path / "toy_package"
    package.mkdir()
    (package / "__init__.py").write_text("from . import plots, stats\n")
    (package / "plots.py").write_text("LOADS = [1]\ndef draw():\n    return 'drawn'\n")
    (package / "stats.py").write_text("def mean(xs):\n    return sum(xs) / len(xs)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(preload, "DEFERRED", ("toy_package.plots",))
    try:
        module = preload.imported("toy_package")
        assert type(sys.modules["toy_package.plots"]).__name__ == "_Deferred"
        assert module.stats.mean([1, 3]) == 2
        assert module.plots.draw() == "drawn" and sys.modules["toy_package.plots"].LOADS == [1]
    finally:
        for name in ("toy_package", "toy_package.plots", "toy_package.stats"):
            sys.modules.pop(name, None)


def test_a_module_and_function_name_imports_the_module_and_calls_the_function(tmp_path, monkeypatch):
    (tmp_path / "toy_kernel_module.py").write_text("CALLS = []\ndef ready():\n    CALLS.append('ready')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        with preload.importing_meanwhile(["toy_kernel_module:ready"]):
            pass
        assert sys.modules["toy_kernel_module"].CALLS == ["ready"]
    finally:
        sys.modules.pop("toy_kernel_module", None)


def test_a_universe_build_makes_the_simulation_kernel_ready_while_it_reads():
    # The import thread calls portfolio_backtest.loaded_kernel: the kernel is compiled for the
    # argument types of a real simulation, whose first call then compiles nothing.
    import subprocess

    from reportgen.evaluation import universe_models

    assert "reportgen.analysis.portfolio_backtest:loaded_kernel" in universe_models.TASK_IMPORTS
    probe = (
        "import numpy as np, pandas as pd\nfrom reportgen.compute import preload\n"
        "preload.imported('reportgen.analysis.portfolio_backtest:loaded_kernel')\n"
        "from reportgen.analysis import portfolio_backtest as b\nkernel = b._kernel()\nready = len(kernel.signatures)\n"
        "close = pd.DataFrame(np.linspace(1, 2, 60).reshape(20, 3), columns=list('xyz'))\n"
        "targets = np.full((1, 20, 3), np.nan); targets[0, ::5] = [0.5, 0.5, 0.0]\n"
        "returns, invested = b.block_returns(close, targets, 100.0, [0.001])\n"
        "wide = pd.DataFrame({'x': np.ones(20), 'y': np.ones(20)})\n"  # prices reaching it as a copy, not a view
        "b.block_returns(wide, targets[:, :, :2], 100.0, [0.001])\n"
        "print(ready, len(kernel.signatures), returns.shape)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["2", "2", "(20,", "1)"]  # read-only and writable prices: nothing compiled at the real calls
