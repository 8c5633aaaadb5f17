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


def write_prices(path: Path, closes, start="2021-01-04") -> pd.DatetimeIndex:
    dates = pd.bdate_range(start, periods=len(closes))
    pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Adjusted_close": closes}).to_csv(path, index=False)
    return dates


def write_predictions(path: Path, dates, predictions, attention) -> None:
    frame = pd.DataFrame(
        {"predictions": predictions, "attention_mean": attention}, index=pd.Index(dates.strftime("%Y-%m-%d"))
    )
    frame.to_csv(path)


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


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """A project of 300 days of random-walk prices and varying predictions and attention."""
    return make_tiny_project(tmp_path)


def make_tiny_project(tmp_path: Path) -> Path:
    """Write the tiny project into `tmp_path`: prices from 2021-01-04, predictions from 2021-02-01."""
    rng = np.random.default_rng(7)
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, 300)))
    dates = write_prices(tmp_path / "prices.csv", np.round(closes, 4))
    write_predictions(
        tmp_path / "predictions.csv",
        dates[20:],
        np.round(rng.uniform(0.3, 0.7, 280), 6),
        np.round(rng.uniform(0.05, 0.6, 280), 6),
    )
    (tmp_path / "reportgen.toml").write_text(textwrap.dedent(TINY_CONFIG))
    return tmp_path


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


def reportgen_cli(*args, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """`python -m reportgen ARGS` in `cwd`, run against this checkout, with extra environment."""
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO), **env}
    command = [sys.executable, "-m", "reportgen", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=environment)


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
