"""How fast, and in how much memory, does a universe report build, on 1 and 2 workers and a cluster?

Run by hand from the repository root (not part of the test suite):

    python benchmarks/bench_universe.py --assets 500 --years 20             # 1, 2 workers and the cluster
    python benchmarks/bench_universe.py --assets 100 --years 30 --format csv
    python benchmarks/bench_universe.py --only example                      # examples/universe/
    python benchmarks/bench_universe.py --only read --assets 500 --years 20 # Parquet against CSV(.gz)
    python benchmarks/bench_universe.py --only bundled --pairs 3            # the same-work ratio

- large: a generated universe (seeded) of --assets assets over --years x 252 business days with
  long predictions (a 10-step attention vector per asset and day, Parquet or CSV by --format) and
  4 weekly portfolios (equal, prediction, attention, inverse volatility; top 20, top 50 from 500
  assets; 1,000 placebo runs), built cold on 1 worker (`--scheduler synchronous`), on 2 (`--scheduler
  processes --workers 2`, forked) and on a Dask cluster started as a user starts one (`dask
  scheduler` + `dask worker --nworkers 2 --nthreads 1`); then whether metrics.json is the same
  bytes on all three; then --pairs pairs of a 1- and a 2-worker build, unsampled (the second
  worker's speed-up: medians and the median pair ratio). Beside them: one quantstats tearsheet
  measured in the same run (`qs_tearsheets.py data 1`), the yardstick of issue 31 (the build
  within 10x of it).
- read: reading and checking the predictions (reportgen.inputs.universe) from Parquet, CSV and
  CSV.gz, each in a fresh process, best of --reads.
- bundled: the bundled report's cold build against quantstats writing one tearsheet per strategy
  in one process (`python /work/shared/bench/qs_tearsheets.py data 10`), in pairs, medians; both
  timed unsampled, the build's memory from one more build, sampled.
- example: a cold build of examples/universe/ on 1 and 2 workers.

For each build: wall time, CPU seconds of the build and the workers it reaped (os.wait4; a Dask
cluster's workers measured apart), peak resident memory of the build process and of each worker
process (sampled), and the peak of the summed PSS of the build and its workers (sampled every
0.25 s: pages they share counted once). The machine's load is printed: say when it was loaded.
reportgen's modules are compiled to bytecode first, as after a first build (compiled_bytecode).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
QS_TEARSHEETS = Path("/work/shared/bench/qs_tearsheets.py")  # the same-work baseline (see its docstring)

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


@dataclass
class Run:
    """One process watched until it ends (see the module's docstring)."""

    seconds: float
    cpu_seconds: float  # the process and the children it reaped, plus `others`' CPU over the run
    build_peak_mb: float  # ru_maxrss of the process itself
    worker_peaks_mb: list[float]  # sampled peak RSS of each other process of the tree, and of `others`
    tree_peak_mb: float  # sampled peak of the summed PSS of the tree and `others`
    code: int
    stderr: str

    def line(self) -> str:
        workers = ", ".join(f"{p:,.0f}" for p in sorted(self.worker_peaks_mb, reverse=True)[:4]) or "none"
        return (f"{self.seconds:.1f} s, CPU {self.cpu_seconds:.1f} s, build process {self.build_peak_mb:,.0f} MB, "
                f"workers {workers} MB, build + workers {self.tree_peak_mb:,.0f} MB (PSS), exit {self.code}")


def environment(cache: Path) -> dict:
    """This checkout first on the path (and whatever the caller's PYTHONPATH adds), cache `cache`."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "REPORTGEN_CACHE_DIR": str(cache), "PYTHONPATH": path}


def watched(command: list[str], cwd: Path, env: dict, others: list = (), sampled: bool = True) -> Run:
    """Run `command` and watch it, its process tree and the processes `others` (psutil.Process,
    e.g. Dask workers) until it ends. `sampled` False: no memory samples (then no worker peaks
    and no summed PSS): each sample reads every process's smaps, 7.5 ms a process, which slows a
    build on two cores, so a time set against an unwatched one comes from an unsampled run."""
    import psutil

    started = time.perf_counter()
    others_cpu = {p.pid: sum(p.cpu_times()[:2]) for p in others}
    errors = tempfile.TemporaryFile()  # not a pipe: nothing reads it while the build runs, and a full pipe would stop it
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    watched_process = psutil.Process(child.pid)
    peaks: dict[int, float] = {}
    tree_peak = 0.0
    while True:
        pid, status, usage = os.wait4(child.pid, 0 if not sampled else os.WNOHANG)
        if pid:
            break
        try:
            tree = [*watched_process.children(recursive=True), *others]
            pss = 0.0
            for process in tree:
                info = process.memory_full_info()
                peaks[process.pid] = max(peaks.get(process.pid, 0.0), info.rss / 2**20)
                pss += info.pss
            tree_peak = max(tree_peak, (pss + watched_process.memory_full_info().pss) / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.25)
    seconds = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    for process in others:
        try:
            cpu += sum(process.cpu_times()[:2]) - others_cpu[process.pid]
        except psutil.Error:
            pass
    errors.seek(0)
    stderr = errors.read().decode()
    errors.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        print(stderr[-2000:], file=sys.stderr)
    return Run(seconds, cpu, usage.ru_maxrss / 1024, list(peaks.values()), tree_peak, code, stderr)


def child_build(
    config: Path, site: Path, cache: Path, build_options: tuple[str, ...] = (), others: list = (), sampled: bool = True,
) -> Run:
    """A cold `reportgen build` of `config` into `site` with its own empty cache folder, watched."""
    command = [sys.executable, "-m", "reportgen", "build", "--config", str(config), "--site-dir", str(site), *build_options]
    return watched(command, config.parent, environment(cache), others, sampled)


def compiled_bytecode() -> None:
    """reportgen's modules compiled to bytecode, as on any machine after its first build (and as
    pip compiles an installed package, such as quantstats, the baseline): where
    PYTHONDONTWRITEBYTECODE is set (this sandbox sets it) Python never writes it, and every build
    would compile reportgen's 95 modules again (0.2-0.3 s)."""
    import compileall

    compileall.compile_dir(REPO / "reportgen", quiet=1)


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
    reportgen.toml of 4 weekly top-20 (top-50 from 500 assets) portfolios (equal, prediction, attention, inverse volatility)."""
    prices, frame = generated_frames(assets, years, steps, seed)
    write_table(prices, folder / f"prices{suffix}")
    write_table(frame, folder / f"predictions{suffix}")
    top_k = 50 if assets >= 500 else 20  # issue 31: four weekly top-50 portfolios of 500 assets
    portfolios = "".join(
        f'\n[[portfolios]]\nid = "{w}"\nname = "{w}"\nmodel = "generated"\nweighting = "{w}"\ntop_k = {top_k}\nrebalance = "weekly"\n'
        for w in ("equal", "prediction", "attention", "inverse_volatility")
    )
    config = LARGE_CONFIG.format(portfolios=portfolios, assets=assets, years=years)
    (folder / "reportgen.toml").write_text(config.replace(".csv", suffix))


def cluster_build(project: Path, cache: Path, workers: int) -> Run:
    """The build on a Dask cluster started as a user starts one: `dask scheduler` and `dask worker`
    (here both on this machine, `workers` processes of one thread), the worker processes watched."""
    import psutil

    port = 8786 + os.getpid() % 1000
    env = environment(cache)
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
        others = psutil.Process(worker.pid).children(recursive=True)  # the worker processes (their nanny's children)
        return child_build(project / "reportgen.toml", project / "site-cluster", cache,
                           ("--scheduler", f"tcp://127.0.0.1:{port}"), others)
    finally:
        worker.terminate()
        scheduler.terminate()
        worker.wait()
        scheduler.wait()


def one_tearsheet(data: Path) -> float:
    """Wall seconds of quantstats writing one tearsheet in a fresh process (qs_tearsheets.py data 1)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, str(QS_TEARSHEETS), str(data), "1"], check=True, capture_output=True)
    return time.perf_counter() - started


def read_times(folder: Path, reads: int) -> dict[str, float]:
    """Best wall seconds of reading and checking the predictions (and nothing else) per format,
    each read in a fresh process."""
    script = (
        "import sys, time; from pathlib import Path; from reportgen.inputs import universe; "
        "f, s = Path(sys.argv[1]), sys.argv[2]; prices = universe.read_universe_prices(f / f'prices{s}', 'Date'); "
        "t = time.perf_counter(); universe.read_universe_predictions(f / f'predictions{s}', prices.columns, f / f'prices{s}', 'attention_max'); "
        "print(time.perf_counter() - t)"
    )
    times = {}
    for suffix in (".parquet", ".csv", ".csv.gz"):
        runs = [subprocess.run([sys.executable, "-c", script, str(folder), suffix], env=environment(folder / "cache"),
                               check=True, capture_output=True, text=True).stdout for _ in range(reads)]
        times[suffix] = min(float(r) for r in runs)
    return times


def bundled_pairs(root: Path, pairs: int) -> tuple[float, float, float, float]:
    """Medians of (bundled report cold build seconds, quantstats' one tearsheet per strategy
    seconds) over `pairs` pairs run one after the other, neither sampled; the summed PSS peak MB of
    the build and its workers from one more build, sampled; and the ratio of the medians."""
    project = root / "bundled"
    shutil.copytree(REPO, project, ignore=shutil.ignore_patterns(".git", "site", "__pycache__", ".reportgen-cache", "*.egg-info"))
    builds, baselines = [], []
    for k in range(pairs + 1):
        run = child_build(  # [tool.reportgen]
            project / "pyproject.toml", root / f"bundled-site-{k}", root / f"bundled-cache-{k}", sampled=k == pairs,
        )
        if run.code != 0:
            raise SystemExit(f"the bundled report did not build (exit {run.code})")
        if k == pairs:
            peak = run.tree_peak_mb
            break
        builds.append(run.seconds)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(QS_TEARSHEETS), "data", "10"], cwd=project, check=True, capture_output=True)
        baselines.append(time.perf_counter() - started)
    build, baseline = statistics.median(builds), statistics.median(baselines)
    return build, peak, baseline, build / baseline


def worker_pairs(project: Path, root: Path, pairs: int) -> tuple[float, float, float]:
    """Medians of a cold build's seconds on 1 worker and on 2, neither sampled, over `pairs` pairs
    run one after the other, and the median of the pairs' ratios (1 worker / 2 workers): the
    machine's speed drifts, and a pair shares its moment."""
    one, two, ratios = [], [], []
    for k in range(pairs):
        runs = []
        for workers in (1, 2):
            site = project / f"site-pair-{k}-{workers}"
            runs.append(child_build(project / "reportgen.toml", site, root / f"cache-pair-{k}-{workers}", options(workers), sampled=False))
            shutil.rmtree(site, ignore_errors=True)
        if any(run.code != 0 for run in runs):
            raise SystemExit(f"a paired build failed (exit {[run.code for run in runs]})")
        one.append(runs[0].seconds)
        two.append(runs[1].seconds)
        ratios.append(runs[0].seconds / runs[1].seconds)
    return statistics.median(one), statistics.median(two), statistics.median(ratios)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} CPUs" + (": LOADED" if five > 1.5 * (os.cpu_count() or 1) / 2 else "")


def same_figures(a: Path, b: Path) -> bool:
    return (a / "metrics.json").read_bytes() == (b / "metrics.json").read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["example", "large", "read", "bundled"])
    parser.add_argument("--assets", type=int, default=500)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="of the generated inputs")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-cluster", action="store_true", help="skip the build on `dask scheduler` + `dask worker`")
    parser.add_argument("--reads", type=int, default=3, help="read: reads per format (best of)")
    parser.add_argument("--pairs", type=int, default=1, help="bundled: build/baseline pairs; large: 1/2-worker pairs, unsampled (medians)")
    args = parser.parse_args()
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; {load()}", flush=True)
    compiled_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.only == "example":
            project = tmp / "example"
            shutil.copytree(REPO / "examples/universe", project, ignore=shutil.ignore_patterns("site"))
            for workers in args.workers:
                run = child_build(project / "reportgen.toml", project / f"site-{workers}", tmp / f"cache-example-{workers}", options(workers))
                print(f"example universe (20 assets), {workers} worker(s), cold: {run.line()}", flush=True)
        if args.only == "read":
            started = time.perf_counter()
            prices, frame = generated_frames(args.assets, args.years)
            for suffix in (".parquet", ".csv", ".csv.gz"):
                write_table(prices, tmp / f"prices{suffix}")
                write_table(frame, tmp / f"predictions{suffix}")
            sizes = {s: (tmp / f"predictions{s}").stat().st_size / 2**20 for s in (".parquet", ".csv", ".csv.gz")}
            print(f"generated {args.assets} assets x {args.years} years ({len(frame):,} rows) in {time.perf_counter() - started:.0f} s; "
                  + ", ".join(f"{s} {mb:,.0f} MB" for s, mb in sizes.items()), flush=True)
            times = read_times(tmp, args.reads)
            print("reading and checking the predictions, best of {}: {}; CSV/Parquet {:.1f}x, CSV.gz/Parquet {:.1f}x ({})".format(
                args.reads, ", ".join(f"{s} {t:.2f} s" for s, t in times.items()),
                times[".csv"] / times[".parquet"], times[".csv.gz"] / times[".parquet"], load()), flush=True)
        if args.only == "bundled":
            build, peak, baseline, ratio = bundled_pairs(tmp, args.pairs)
            print(f"bundled report cold build {build:.1f} s (build + workers {peak:,.0f} MB), quantstats' 10 tearsheets "
                  f"{baseline:.1f} s: {ratio:.2f}x (medians of {args.pairs}, unsampled; memory from one more build, sampled; {load()})", flush=True)
        if args.only in (None, "large"):
            project = tmp / f"large-{args.assets}"
            project.mkdir()
            started = time.perf_counter()
            generated_universe(project, args.assets, args.years, suffix=f".{args.format}")
            size = (project / f"predictions.{args.format}").stat().st_size / 2**20
            print(f"generated {args.assets} assets x {args.years} years ({size:,.0f} MB of {args.format} predictions) "
                  f"in {time.perf_counter() - started:.0f} s", flush=True)
            sites, runs = [], {}
            for workers in args.workers:
                runs[workers] = child_build(project / "reportgen.toml", project / f"site-{workers}", tmp / f"cache-{workers}", options(workers))
                sites.append(project / f"site-{workers}")
                print(f"{args.assets} assets x {args.years} years, {workers} worker(s), cold: {runs[workers].line()} ({load()})", flush=True)
            if not args.no_cluster:
                run = cluster_build(project, tmp / "cache-cluster", 2)
                sites.append(project / "site-cluster")
                print(f"on `dask scheduler` + `dask worker --nworkers 2`: {run.line()} ({load()})", flush=True)
            print(f"  metrics.json byte-identical across the {len(sites)} builds: {all(same_figures(sites[0], s) for s in sites)}", flush=True)
            if 1 in runs and 2 in runs:
                print(f"  the second worker, in these sampled runs: {runs[1].seconds / runs[2].seconds:.2f}x", flush=True)
                one, two, ratio = worker_pairs(project, tmp, args.pairs)
                print(f"  the second worker, unsampled: 1 worker {one:.1f} s, 2 workers {two:.1f} s (medians of {args.pairs} pairs): "
                      f"{one / two:.2f}x; median pair ratio {ratio:.2f}x ({load()})", flush=True)
            tearsheet = one_tearsheet(REPO / "data")
            best = min(r.seconds for r in runs.values())
            print(f"  one quantstats tearsheet in the same run: {tearsheet:.1f} s; the fastest build is {best / tearsheet:.1f}x it", flush=True)


if __name__ == "__main__":
    main()
