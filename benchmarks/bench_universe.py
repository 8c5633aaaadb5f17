"""How fast, and in how much memory, does a universe report build?

Run by hand from the repository root (not part of the test suite):

    python benchmarks/bench_universe.py                 # the example and 20/100 generated assets, 1 and 2 workers
    python benchmarks/bench_universe.py --only example  # or --only large
    python benchmarks/bench_universe.py --only large --assets 100 --workers 1 2 --cluster

- example: a cold build of examples/universe/ (20 assets, 4 portfolios, 1,000 placebo runs for
  the attention-weighted one) with an empty reportgen cache, in a temporary copy.
- large: generated universes of 20 and 100 assets over 30 years of business days (7,560 dates)
  with long predictions (a 10-step attention vector per row) and 4 portfolios (equal, prediction,
  attention, inverse volatility; weekly rebalancing; 1,000 placebo runs).
- 1 worker is `--scheduler synchronous`; N workers `--scheduler processes --workers N` (forked).
- --cluster: the largest universe again on a Dask cluster started as a user would start one,
  `dask scheduler` and `dask worker tcp://...:PORT --nworkers 2 --nthreads 1`, and whether its
  metrics.json is byte-identical to the local build's.

Each build is one child process; its wall time, the peak resident memory of its largest process
(ru_maxrss from os.wait4) and the sampled peak of its process tree's summed PSS are printed. numba's own compile cache (beside the installed modules) is
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
title = "Generated universe: {assets} assets, {years} years"

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


def child_build(config: Path, site: Path, cache: Path, build_options: tuple[str, ...] = ()) -> tuple[float, float, float, int]:
    """Wall seconds, peak RSS of the largest process (MB), peak of the summed PSS of the build's
    process tree (MB, sampled every 0.1 s: the build and its forked workers together, pages they
    share counted once) and exit code of `reportgen build`."""
    import psutil

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REPORTGEN_CACHE_DIR": str(cache), "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "reportgen", "build", "--config", str(config), "--site-dir", str(site), *build_options],
        cwd=config.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    tree_peak = 0.0
    watched = psutil.Process(child.pid)
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        try:
            tree_peak = max(tree_peak, sum(p.memory_full_info().pss for p in [watched, *watched.children(recursive=True)]) / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        print(child.stderr.read().decode()[-2000:], file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, tree_peak, child.returncode


def options(workers: int) -> tuple[str, ...]:
    """1 worker: everything in the build process; more: that many forked worker processes."""
    return ("--scheduler", "synchronous") if workers == 1 else ("--scheduler", "processes", "--workers", str(workers))


def generated_frames(assets: int = 100, years: int = 30, steps: int = 10, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded wide prices and long predictions (a `steps`-step attention vector per asset and day)
    over `years` x 252 business days: the dates as timestamps, every number rounded to 4 decimals."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("1993-01-04", periods=252 * years)
    names = [f"A{i:03d}" for i in range(assets)]
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.018, (len(dates), assets)), axis=0))
    prices = pd.DataFrame(np.round(closes, 4), columns=names)
    prices.insert(0, "Date", dates)
    logits = rng.normal(0, 1.2, (len(dates) * assets, steps))
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    frame = pd.DataFrame(
        {
            "date": np.repeat(dates, assets),
            "asset": np.tile(names, len(dates)),
            "predictions": np.round(rng.uniform(0.3, 0.7, len(dates) * assets), 4),
        }
    )
    for k in range(steps):
        frame[f"att_{k}"] = np.round(weights[:, k], 4)
    return prices, frame


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """`frame` as the file a user would hand in: Parquet (typed columns) or CSV (ISO dates)."""
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, date_format="%Y-%m-%d")


def generated_universe(folder: Path, assets: int = 100, years: int = 30, steps: int = 10, seed: int = 0, suffix: str = ".csv") -> None:
    """A universe project in `folder`: prices, predictions (files ending in `suffix`) and a
    reportgen.toml of 4 weekly top-20 portfolios (equal, prediction, attention, inverse volatility)."""
    prices, frame = generated_frames(assets, years, steps, seed)
    write_table(prices, folder / f"prices{suffix}")
    write_table(frame, folder / f"predictions{suffix}")
    portfolios = "".join(
        f'\n[[portfolios]]\nid = "{w}"\nname = "{w}"\nmodel = "generated"\nweighting = "{w}"\ntop_k = 20\nrebalance = "weekly"\n'
        for w in ("equal", "prediction", "attention", "inverse_volatility")
    )
    config = LARGE_CONFIG.format(portfolios=portfolios, assets=assets, years=years)
    (folder / "reportgen.toml").write_text(config.replace(".csv", suffix))


def cluster_build(project: Path, cache: Path, workers: int) -> tuple[float, float, float, int, float]:
    """The build on a Dask cluster started as a user starts one: `dask scheduler` and `dask worker`
    (here both on this machine, `workers` processes of one thread). Returns child_build's figures
    and the peak RSS (MB) of the largest worker process."""
    import psutil

    port = 8786 + os.getpid() % 1000
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    dask = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")  # the `dask` command
    scheduler = subprocess.Popen([dask, "scheduler", "--port", str(port), "--dashboard-address", ":0"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen(
        [dask, "worker", f"tcp://127.0.0.1:{port}", "--nworkers", str(workers),
         "--nthreads", "1", "--dashboard-address", ":0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        from dask.distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)
        figures = child_build(project / "reportgen.toml", project / "site-cluster", cache, ("--scheduler", f"tcp://127.0.0.1:{port}"))
        worker_peak = max(
            (p.memory_info().rss for p in psutil.Process(worker.pid).children(recursive=True)), default=0
        ) / 2**20  # RSS at the end; dask workers keep their memory between tasks
        return (*figures, worker_peak)
    finally:
        worker.terminate()
        scheduler.terminate()
        worker.wait()
        scheduler.wait()


def same_figures(a: Path, b: Path) -> bool:
    return (a / "metrics.json").read_bytes() == (b / "metrics.json").read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["example", "large"])
    parser.add_argument("--assets", type=int, nargs="+", default=[20, 100], help="generated universes (30 years each)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cluster", action="store_true", help="also build the largest universe on `dask scheduler` + `dask worker`")
    args = parser.parse_args()
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.only in (None, "example"):
            project = tmp / "example"
            shutil.copytree(REPO / "examples/universe", project, ignore=shutil.ignore_patterns("site"))
            for workers in args.workers:
                seconds, peak, tree, code = child_build(project / "reportgen.toml", project / "site", tmp / f"cache-example-{workers}", options(workers))
                print(f"example universe (20 assets, 4 portfolios, 1,000 placebos), {workers} worker(s), cold cache: "
                      f"{seconds:.1f} s, largest process {peak:,.0f} MB, process tree {tree:,.0f} MB, exit {code}", flush=True)
        if args.only in (None, "large"):
            for assets in args.assets:
                project = tmp / f"large-{assets}"
                project.mkdir()
                started = time.perf_counter()
                generated_universe(project, assets=assets)
                size = (project / "predictions.csv").stat().st_size / 2**20
                print(f"generated {assets} assets x 7,560 dates ({size:,.0f} MB of predictions) in {time.perf_counter() - started:.1f} s", flush=True)
                sites = []
                for workers in args.workers:
                    site = project / f"site-{workers}"
                    seconds, peak, tree, code = child_build(project / "reportgen.toml", site, tmp / f"cache-{assets}-{workers}", options(workers))
                    sites.append(site)
                    print(f"{assets}-asset 30-year universe, 4 portfolios, {workers} worker(s), cold cache: {seconds:.1f} s, "
                          f"largest process {peak:,.0f} MB, process tree {tree:,.0f} MB, exit {code}", flush=True)
                print(f"  metrics.json identical across worker counts: {all(same_figures(sites[0], s) for s in sites)}", flush=True)
                if args.cluster and assets == max(args.assets):
                    seconds, peak, tree, code, worker_peak = cluster_build(project, tmp / f"cache-{assets}-cluster", 2)
                    print(f"{assets}-asset universe on `dask scheduler` + `dask worker --nworkers 2`: {seconds:.1f} s, "
                          f"build process {peak:,.0f} MB, largest worker at the end {worker_peak:,.0f} MB, exit {code}; "
                          f"metrics.json identical to the local build's: {same_figures(sites[0], project / 'site-cluster')}", flush=True)


if __name__ == "__main__":
    main()
