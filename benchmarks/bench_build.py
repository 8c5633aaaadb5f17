"""How fast is `reportgen build`, against quantstats writing one static tearsheet?

Run by hand from the repository root (not part of the test suite):

    python benchmarks/bench_build.py              # bundled report, 3 repetitions, plus scale
    python benchmarks/bench_build.py --reps 5 --no-scale

Every measurement is a fresh process timed with /usr/bin/time (wall seconds, peak RSS), in a
temporary copy of the project so the repository is never touched:
  cold      a build after the reportgen cache is emptied
  warm      a rebuild with unchanged inputs
  template  a rebuild after a template-only change
  baseline  a fresh process writing quantstats.reports.html for att_lstm_signal's returns
Medians over the repetitions, and the ratio reportgen / baseline. The scale part builds
synthetic reports (years x strategies) and prints build time and site size.
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
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time"


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one fresh process, nothing else watching it:
    with forked workers, the largest process of the tree, as GNU time reports it."""
    wall, peak, _ = timed_tree(command, cwd, env, sample=False)
    return wall, peak


def timed_tree(command: list[str], cwd: Path, env: dict, sample: bool = True) -> tuple[float, float, float]:
    """timed()'s figures and the peak of the process tree's summed proportional set size (MB,
    sampled every 50 ms; 0 without `sample`): memory the build and its workers hold together,
    pages they share counted once. Sampling reads /proc for every process 20 times a second,
    which slows a 15 s build by about 1 s (7%, measured): bench_build takes its times from
    runs that are not sampled."""
    import psutil

    process = subprocess.Popen(
        [TIME, "-f", "%e %M", *command], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    timer, tree_peak = psutil.Process(process.pid), 0.0
    while sample and process.poll() is None:
        try:
            total = sum(p.memory_full_info().pss for p in timer.children(recursive=True))
        except psutil.Error:  # a worker ended while it was read
            total = 0
        tree_peak = max(tree_peak, total / 2**20)
        time.sleep(0.05)
    stderr = process.communicate()[1]
    if process.returncode != 0:
        sys.exit(f"benchmark command failed ({process.returncode}): {' '.join(command)}\n{stderr[-2000:]}")
    wall, kilobytes = stderr.strip().splitlines()[-1].split()
    return float(wall), float(kilobytes) / 1024, tree_peak


def project_copy(root: Path) -> Path:
    project = root / "project"
    shutil.copytree(REPO, project, ignore=shutil.ignore_patterns(".git", "site", "__pycache__", ".reportgen-cache", "*.egg-info"))
    return project


def environment(project: Path, cache: Path) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(project),
        "NO_MKDOCS_2_WARNING": "1",
        "REPORTGEN_CACHE_DIR": str(cache),
        "XDG_CACHE_HOME": str(cache),
    }


BASELINE = textwrap.dedent(
    """
    import sys, pandas as pd, quantstats as qs
    frame = pd.read_csv(sys.argv[1], index_col=0, parse_dates=True)
    qs.reports.html(frame["strategy"], benchmark=frame["benchmark"], output=sys.argv[2],
                    periods_per_year=252, title="att_lstm_signal")
    """
)


def baseline_returns(project: Path, path: Path) -> None:
    """att_lstm_signal's daily returns and buy & hold's, computed once by reportgen."""
    sys.path.insert(0, str(project))
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import report

    result = report(load_config(project / "pyproject.toml"))
    model, strategy = next((m, s) for m, s in result.strategies if s.id == "att_lstm_signal")
    pd.DataFrame({"strategy": strategy.returns, "benchmark": model.benchmark_returns}).to_csv(path)


def bundled(reps: int) -> None:
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as tmp:
        root = Path(tmp)
        project = project_copy(root)
        cache = root / "cache"
        env = environment(project, cache)
        build = [sys.executable, "-m", "reportgen", "build", "--site-dir", str(root / "site")]
        returns_csv = root / "returns.csv"
        baseline_returns(project, returns_csv)
        (root / "baseline.py").write_text(BASELINE)
        template = project / "templates" / "methodology.md.j2"
        rows: dict[str, list[tuple[float, float, float]]] = {"cold": [], "warm": [], "template": [], "baseline": []}
        baseline = [sys.executable, str(root / "baseline.py"), str(returns_csv), str(root / "qs.html")]

        def edited() -> None:
            template.write_text(template.read_text() + "\n<!-- benchmark edit -->\n")

        def twice(command: list[str], where: Path, before=lambda: None) -> tuple[float, float, float]:
            """Wall and largest process from a run nobody watches, the tree's memory from a second
            run sampled the same way (`before` resets the state before each)."""
            before()
            wall, peak = timed(command, where, env)
            before()
            return wall, peak, timed_tree(command, where, env)[2]

        for _ in range(reps):
            rows["cold"].append(twice(build, project, lambda: shutil.rmtree(cache, ignore_errors=True)))
            rows["warm"].append(twice(build, project))
            rows["template"].append(twice(build, project, edited))
            rows["baseline"].append(twice(baseline, root))
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; {reps} repetitions, medians")
        print("wall s and peak MB (the largest process, GNU time) from unwatched runs; tree MB: the build and its")
        print("forked workers together (summed PSS), from a second run sampled every 50 ms")
        print(f"{'run':<10} {'wall s':>8} {'peak MB':>8} {'tree MB':>8} {'vs baseline':>12}")
        base = statistics.median(w for w, _, _ in rows["baseline"])
        for name, values in rows.items():
            wall = statistics.median(w for w, _, _ in values)
            memory = statistics.median(m for _, m, _ in values)
            tree = statistics.median(t for _, _, t in values)
            print(f"{name:<10} {wall:>8.2f} {memory:>8.0f} {tree:>8.0f} {wall / base:>11.2f}x")


def synthetic_project(root: Path, years: int, strategies: int) -> Path:
    project = root / f"synthetic-{years}y-{strategies}s"
    project.mkdir()
    days = years * 250
    rng = np.random.default_rng(years * 100 + strategies)
    dates = pd.bdate_range("1995-01-02", periods=days)
    closes = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.011, days)))
    pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Adjusted_close": closes.round(4)}).to_csv(project / "prices.csv", index=False)
    pd.DataFrame(
        {"predictions": rng.uniform(0.3, 0.7, days).round(6), "attention_mean": rng.uniform(0.05, 0.5, days).round(6)},
        index=pd.Index(dates.strftime("%Y-%m-%d")),
    ).to_csv(project / "predictions.csv")
    blocks = [
        '[data]\nprices = "prices.csv"\n',
        '[[models]]\nid = "synthetic"\nname = "Synthetic model"\npredictions = "predictions.csv"\n',
    ]
    for i in range(strategies):
        sizing = "attention" if i % 2 else "full"
        threshold = 0.45 + 0.1 * i / max(strategies - 1, 1)
        blocks.append(
            f'[[strategies]]\nid = "s{i:02d}"\nname = "Strategy {i}"\nmodel = "synthetic"\n'
            f"threshold = {threshold:.4f}\nsizing = \"{sizing}\"\n"
        )
    (project / "reportgen.toml").write_text("\n".join(blocks))
    return project


def scale() -> None:
    print("\nscale: one cold build each (fresh process, empty cache)")
    print(f"{'years':>5} {'strategies':>10} {'rows':>6} {'wall s':>8} {'peak MB':>8} {'site MB':>8}")
    with tempfile.TemporaryDirectory(prefix="reportgen-scale-") as tmp:
        root = Path(tmp)
        for years, strategies in ((3, 4), (10, 4), (30, 4), (30, 20)):
            project = synthetic_project(root, years, strategies)
            env = environment(REPO, root / f"cache-{years}-{strategies}")
            site = project / "site"
            wall, memory = timed(
                [sys.executable, "-m", "reportgen", "build", "--config", "reportgen.toml", "--site-dir", str(site)], project, env
            )
            size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 1e6
            print(f"{years:>5} {strategies:>10} {years * 250:>6} {wall:>8.2f} {memory:>8.0f} {size:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-scale", action="store_true")
    args = parser.parse_args()
    if not Path(TIME).exists():
        sys.exit(f"{TIME} is needed (Debian package 'time')")
    bundled(args.reps)
    if not args.no_scale:
        scale()


if __name__ == "__main__":
    main()
