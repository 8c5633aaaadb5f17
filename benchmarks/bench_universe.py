"""How fast, and in how much memory, does a universe report build?

Run by hand from the repository root (not part of the test suite):

    python benchmarks/bench_universe.py                 # both measurements
    python benchmarks/bench_universe.py --only example  # or --only large

- example: a cold build of examples/universe/ (20 assets, 4 portfolios, 1,000 placebo runs for
  the attention-weighted one) with an empty reportgen cache, in a temporary copy.
- large: a generated universe of 100 assets over 30 years of business days (7,560 dates) with
  long predictions (a 10-step attention vector per row) and 4 portfolios (equal, prediction,
  attention, inverse volatility; weekly rebalancing; 1,000 placebo runs).

Each build is one child process; its wall time and its peak resident memory (ru_maxrss of that
child, from os.wait4) are printed. numba's own compile cache (beside the installed modules) is
not emptied: say whether it was warm when quoting the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent

LARGE_CONFIG = """
[site]
title = "Generated universe: 100 assets, 30 years"

[universe]
prices = "prices.csv"

[backtest]
fees = 0.001

[[models]]
id = "generated"
name = "Generated predictions"
predictions = "predictions.csv"
attention_column = "attention_max"
{portfolios}
"""


def child_build(config: Path, site: Path, cache: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of `reportgen build` in a child process."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REPORTGEN_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "reportgen", "build", "--config", str(config), "--site-dir", str(site)],
        cwd=config.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        print(child.stderr.read().decode()[-2000:], file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, child.returncode


def generated_universe(folder: Path, assets: int = 100, years: int = 30, steps: int = 10, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("1993-01-04", periods=252 * years)
    names = [f"A{i:03d}" for i in range(assets)]
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.018, (len(dates), assets)), axis=0))
    prices = pd.DataFrame(np.round(closes, 4), columns=names)
    prices.insert(0, "Date", dates.strftime("%Y-%m-%d"))
    prices.to_csv(folder / "prices.csv", index=False)
    logits = rng.normal(0, 1.2, (len(dates) * assets, steps))
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    frame = pd.DataFrame(
        {
            "date": np.repeat(dates.strftime("%Y-%m-%d"), assets),
            "asset": np.tile(names, len(dates)),
            "predictions": np.round(rng.uniform(0.3, 0.7, len(dates) * assets), 4),
        }
    )
    for k in range(steps):
        frame[f"att_{k}"] = np.round(weights[:, k], 4)
    frame.to_csv(folder / "predictions.csv", index=False)
    portfolios = "".join(
        f'\n[[portfolios]]\nid = "{w}"\nname = "{w}"\nmodel = "generated"\nweighting = "{w}"\ntop_k = 20\nrebalance = "weekly"\n'
        for w in ("equal", "prediction", "attention", "inverse_volatility")
    )
    (folder / "reportgen.toml").write_text(LARGE_CONFIG.format(portfolios=portfolios))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["example", "large"])
    args = parser.parse_args()
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.only in (None, "example"):
            project = tmp / "example"
            shutil.copytree(REPO / "examples/universe", project, ignore=shutil.ignore_patterns("site"))
            seconds, peak, code = child_build(project / "reportgen.toml", project / "site", tmp / "cache-example")
            print(f"example universe (20 assets, 4 portfolios, 1,000 placebos), cold cache: {seconds:.1f} s, peak RSS {peak:,.0f} MB, exit {code}")
        if args.only in (None, "large"):
            project = tmp / "large"
            project.mkdir()
            started = time.perf_counter()
            generated_universe(project)
            size = (project / "predictions.csv").stat().st_size / 2**20
            print(f"generated 100 assets x 7,560 dates ({size:,.0f} MB of predictions) in {time.perf_counter() - started:.1f} s")
            seconds, peak, code = child_build(project / "reportgen.toml", project / "site", tmp / "cache-large")
            print(f"100-asset 30-year universe, 4 portfolios, cold cache: {seconds:.1f} s, peak RSS {peak:,.0f} MB, exit {code}")


if __name__ == "__main__":
    main()
