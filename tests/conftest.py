"""Shared fixtures: tiny projects made in the test, and one build of the bundled report."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
# Every test computes what it checks: the build cache is off unless a test turns it on
# (tests/test_cache.py), and no test writes to the user's cache folder.
os.environ["REPORTGEN_CACHE_DIR"] = "off"


def write_prices(path: Path, closes, start="2021-01-04") -> pd.DatetimeIndex:
    dates = pd.bdate_range(start, periods=len(closes))
    pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Adjusted_close": closes}).to_csv(path, index=False)
    return dates


def write_predictions(path: Path, dates, predictions, attention) -> None:
    frame = pd.DataFrame(
        {"predictions": predictions, "attention_mean": attention}, index=pd.Index(dates.strftime("%Y-%m-%d"))
    )
    frame.to_csv(path)


def ohlcv(rows: int, seed: int = 1) -> pd.DataFrame:
    """Random-walk daily closes with consistent open/high/low and volume, indexed by date."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, rows)))
    open_ = close * np.exp(rng.normal(0, 0.003, rows))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.004, rows)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.004, rows)))
    volume = rng.uniform(1e9, 4e9, rows)
    index = pd.bdate_range("2020-01-01", periods=rows, name="date")
    return pd.DataFrame({"close": close, "open": open_, "high": high, "low": low, "volume": volume}, index=index)


def write_ohlcv(path: Path, table: pd.DataFrame) -> None:
    columns = {"close": "Adjusted_close", "open": "Open", "high": "High", "low": "Low", "volume": "Volume"}
    frame = table.rename(columns=columns)
    frame.insert(0, "Date", table.index.strftime("%Y-%m-%d"))
    frame.to_csv(path, index=False)


def write_predictions_with_vector(path: Path, dates, predictions, weights: np.ndarray, prefix: str = "att_") -> None:
    """A predictions CSV with the full attention vector: weights[:, k] is the column `<prefix>k`."""
    frame = pd.DataFrame({"predictions": predictions}, index=pd.Index(dates.strftime("%Y-%m-%d")))
    for k in range(weights.shape[1]):
        frame[f"{prefix}{k}"] = np.round(weights[:, k], 8)
    frame.to_csv(path)


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


TINY_CONFIG = """
[site]
title = "Tiny report"

[data]
prices = "prices.csv"

[backtest]
init_cash = 1000
fees = 0.001

[[models]]
id = "tiny"
name = "Tiny model"
predictions = "predictions.csv"

[[strategies]]
id = "signal"
name = "Signal"
model = "tiny"

[[strategies]]
id = "sized"
name = "Sized"
model = "tiny"
sizing = "attention"
"""


def make_tiny_project(folder: Path, config: str = TINY_CONFIG) -> Path:
    """300 days of random-walk prices and varying predictions and attention in `folder`."""
    rng = np.random.default_rng(7)
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, 300)))
    dates = write_prices(folder / "prices.csv", np.round(closes, 4))
    write_predictions(
        folder / "predictions.csv",
        dates[20:],
        np.round(rng.uniform(0.3, 0.7, 280), 6),
        np.round(rng.uniform(0.05, 0.6, 280), 6),
    )
    (folder / "reportgen.toml").write_text(textwrap.dedent(config))
    return folder


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """A project of 300 days of random-walk prices and varying predictions and attention."""
    return make_tiny_project(tmp_path)


# The tiny project with quantstats' tearsheets on, and names that HTML and markdown must escape.
SHARING_CONFIG = TINY_CONFIG.replace('title = "Tiny report"', 'title = "Tiny <report> & co"\ntearsheet = "quantstats"').replace(
    'name = "Sized"', 'name = "Sized </script><b>bold</b>"'
)


@pytest.fixture(scope="session")
def sharing_site(tmp_path_factory) -> Path:
    """The tiny project with quantstats' tearsheets, built once for the session."""
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import build

    project = make_tiny_project(tmp_path_factory.mktemp("sharing"), SHARING_CONFIG)
    build(load_config(project / "reportgen.toml"), project / "site")
    return project / "site"


VECTOR_CONFIG = """
[site]
title = "Vector report"

[data]
prices = "prices.csv"

[backtest]
init_cash = 1000
fees = 0.001

[attention_tests]
permutations = 200
seed = 3

[[models]]
id = "vec"
name = "Vector model"
predictions = "predictions.csv"
attention_column = "attention_concentration"

[[strategies]]
id = "signal"
name = "Signal"
model = "vec"

[[strategies]]
id = "sized"
name = "Sized by concentration"
model = "vec"
sizing = "attention"
"""

VECTOR_STEPS = 12


@pytest.fixture
def vector_project(tmp_path: Path) -> Path:
    """A project whose predictions carry a 12-step attention vector (att_0 newest). The
    attention concentrates (one day takes most weight) before up days and spreads out before
    down days, so attention_concentration is informative by construction."""
    rng = np.random.default_rng(11)
    n = 320
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0002, 0.01, n)))
    dates = write_prices(tmp_path / "prices.csv", np.round(closes, 4))
    closes = pd.read_csv(tmp_path / "prices.csv")["Adjusted_close"].to_numpy()
    up_next = np.append(closes[1:] > closes[:-1], False)[20:]
    sharpness = np.where(up_next, 4.0, 0.3) + rng.uniform(0, 0.3, n - 20)
    logits = rng.normal(0, 1, (n - 20, VECTOR_STEPS)) * sharpness[:, None]
    write_predictions_with_vector(
        tmp_path / "predictions.csv", dates[20:], np.round(rng.uniform(0.45, 0.7, n - 20), 6), softmax_rows(logits)
    )
    (tmp_path / "reportgen.toml").write_text(textwrap.dedent(VECTOR_CONFIG))
    return tmp_path


UNIVERSE_ASSETS = ("AAA", "BBB", "CCC", "DDD", "EEE")
UNIVERSE_STEPS = 4

UNIVERSE_CONFIG = """
[site]
title = "Universe report"

[universe]
prices = "universe_prices.csv"

[backtest]
init_cash = 1000
fees = 0.0

[attention_tests]
permutations = 50
seed = 5

[[models]]
id = "uni"
name = "Universe model"
predictions = "universe_predictions.csv"
attention_column = "attention_max"

[[portfolios]]
id = "equal"
name = "Equal"
model = "uni"
weighting = "equal"

[[portfolios]]
id = "attention"
name = "Attention-weighted"
model = "uni"
weighting = "attention"
"""


def write_universe(folder: Path, days: int = 80, first_prediction: int = 10, seed: int = 3) -> pd.DataFrame:
    """Wide random-walk prices of UNIVERSE_ASSETS and long predictions with a 4-step attention
    vector from day `first_prediction` on; returns the predictions as written (long)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", periods=days)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0004, 0.015, (days, len(UNIVERSE_ASSETS))), axis=0))
    prices = pd.DataFrame(np.round(closes, 4), columns=list(UNIVERSE_ASSETS))
    prices.insert(0, "Date", dates.strftime("%Y-%m-%d"))
    prices.to_csv(folder / "universe_prices.csv", index=False)
    rows = [(d, a) for d in dates[first_prediction:] for a in UNIVERSE_ASSETS]
    weights = softmax_rows(rng.normal(0, 1.5, (len(rows), UNIVERSE_STEPS)))
    frame = pd.DataFrame(
        {
            "date": [d.strftime("%Y-%m-%d") for d, _ in rows],
            "asset": [a for _, a in rows],
            "predictions": np.round(rng.uniform(0.3, 0.8, len(rows)), 6),
        }
    )
    for k in range(UNIVERSE_STEPS):
        frame[f"att_{k}"] = np.round(weights[:, k], 10)
    frame.to_csv(folder / "universe_predictions.csv", index=False)
    return frame


@pytest.fixture
def universe_project(tmp_path: Path) -> Path:
    """5 assets, 80 days, predictions with attention vectors from day 10; fees 0, daily rebalancing."""
    write_universe(tmp_path)
    (tmp_path / "reportgen.toml").write_text(textwrap.dedent(UNIVERSE_CONFIG))
    return tmp_path


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory) -> Path:
    """The bundled report, built once for the session from a copy of the repository's inputs."""
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import build

    project = tmp_path_factory.mktemp("bundled")
    for name in ("pyproject.toml", "mkdocs.yml"):
        shutil.copy(REPO / name, project / name)
    shutil.copytree(REPO / "data", project / "data")
    shutil.copytree(REPO / "templates", project / "templates")
    build(load_config(project / "pyproject.toml"), project / "site")
    return project / "site"


def reportgen_cli(*args, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """`python -m reportgen ARGS` in `cwd`, run against this checkout, with extra environment."""
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO), **env}
    command = [sys.executable, "-m", "reportgen", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment)


# What `python -m reportgen build` imports before it reads a byte of input (about 0.9 s of a
# fresh interpreter's start): imported once, in the forkserver that reportgen_cli_preloaded forks.
CLI_PRELOAD = ["reportgen.cli", "reportgen.inputs.config", "reportgen.pipeline"]


def _cli_child(args: tuple[str, ...], cwd: Path, env: dict[str, str], outputs: Path) -> None:
    """A forked `python -m reportgen ARGS`: its own working folder, environment, output files
    (`outputs`/stdout, stderr) and exit code (`outputs`/exit: the forkserver's own report of it
    can be lost, and is then 255)."""
    import atexit

    for fd, name in ((1, "stdout"), (2, "stderr")):
        os.dup2(os.open(outputs / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    os.chdir(cwd)
    os.environ.update(env)
    sys.argv = ["reportgen", *args]
    from reportgen.cli import main

    code = 1  # an exception: multiprocessing prints its traceback to stderr, as the interpreter would
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        raise
    finally:
        atexit._run_exitfuncs()  # as the interpreter would at its end (multiprocessing's children skip them)
        sys.stdout.flush()
        sys.stderr.flush()
        (outputs / "exit").write_text(str(code))


def reportgen_cli_preloaded(*args, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """reportgen_cli in a process forked from one that has imported the CLI already: the same
    command line, working folder, environment and exit code, without the interpreter's start.
    For the error corpora's hundred builds, which fail before any computation. Call
    stop_preloaded_cli() after the last: the forkserver and its resource tracker are children of
    this process."""
    import multiprocessing
    import tempfile

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(CLI_PRELOAD)
    with tempfile.TemporaryDirectory() as folder:
        outputs = Path(folder)
        environment = {"NO_MKDOCS_2_WARNING": "1", **env}
        process = context.Process(target=_cli_child, args=(tuple(args), cwd, environment, outputs))
        process.start()
        process.join()
        code = int((outputs / "exit").read_text()) if (outputs / "exit").is_file() else process.exitcode
        return subprocess.CompletedProcess(["reportgen", *args], code, (outputs / "stdout").read_text(), (outputs / "stderr").read_text())


def stop_preloaded_cli() -> None:
    """End the forkserver of reportgen_cli_preloaded (the next call starts another)."""
    import multiprocessing.forkserver
    import multiprocessing.resource_tracker

    multiprocessing.forkserver._forkserver._stop()
    multiprocessing.resource_tracker._resource_tracker._stop()  # started with the forkserver


def file_manifest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` by relative path; folders and links listed too."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            entries[name] = f"link to {os.readlink(path)}"
        elif path.is_file():
            entries[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            entries[name] = "folder"
    return entries


def in_reverse_order(calls: list):
    """A map_tasks that runs the tasks last to first (results in task order), noting each map."""

    def mapped(function, tasks, shared, label="", imports=()):
        calls.append((len(tasks), label))
        return [function(shared, task) for task in reversed(tasks)][::-1]

    return mapped
