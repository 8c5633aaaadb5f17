"""Shared fixtures: tiny projects made in the test, and one build of the bundled report."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


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
    from reportgen.config import load_config
    from reportgen.pipeline import build

    project = make_tiny_project(tmp_path_factory.mktemp("sharing"), SHARING_CONFIG)
    build(load_config(project / "reportgen.toml"), project / "site")
    return project / "site"


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory) -> Path:
    """The bundled report, built once for the session from a copy of the repository's inputs."""
    from reportgen.config import load_config
    from reportgen.pipeline import build

    project = tmp_path_factory.mktemp("bundled")
    for name in ("pyproject.toml", "mkdocs.yml"):
        shutil.copy(REPO / name, project / name)
    shutil.copytree(REPO / "data", project / "data")
    shutil.copytree(REPO / "templates", project / "templates")
    build(load_config(project / "pyproject.toml"), project / "site")
    return project / "site"
