"""Wall time and peak memory of cold builds as the work grows: years x strategies.

Run by hand from the repository root (not part of the test suite):

    python benchmarks/bench_scale.py                          # 3x4, 30x4, 30x20, 30x50 at 1 and 2 workers
    python benchmarks/bench_scale.py --cases 30x20 --workers 1 --memory-mb 128

Each build is a fresh process (`python -m reportgen build`, empty cache) timed with /usr/bin/time:
wall seconds, the peak resident memory of the largest process of the build's tree (which GNU time
reports) and the peak of the tree's summed PSS (the build and its workers together). The projects are synthetic (bench_build.py's
random-walk prices and predictions, half the strategies sized by attention, so each of those
runs 1,000 placebo backtests). "1 worker" is `--scheduler synchronous` (everything in the build
process); "2 workers" is `--scheduler processes --workers 2` (forked workers, the default).
A synthetic report has one model: its backtests and sensitivity are one task, its charts another,
and each attention-sized strategy's attention test (1,000 placebo runs) a task of its own, so
2 workers share the placebo runs and the static SVGs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import REPO, TIME, environment, synthetic_project, timed_tree  # noqa: E402

CASES = ("3x4", "30x4", "30x20", "30x50")


def build_command(site: Path, workers: int, memory_mb: int | None) -> list[str]:
    command = [sys.executable, "-m", "reportgen", "build", "--config", "reportgen.toml", "--site-dir", str(site)]
    command += ["--scheduler", "synchronous"] if workers == 1 else ["--scheduler", "processes", "--workers", str(workers)]
    return command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help="years x strategies, comma-separated")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--memory-mb", type=int, default=None, help="[compute] memory_mb (default: reportgen's)")
    args = parser.parse_args()
    if not Path(TIME).exists():
        sys.exit(f"{TIME} is needed (Debian package 'time')")
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load:.1f} at start")
    print("peak MB: the largest process (GNU time); tree MB: the build and its workers together (summed PSS, sampled)")
    print(f"{'years':>5} {'strategies':>10} {'rows':>6} {'workers':>7} {'wall s':>8} {'peak MB':>8} {'tree MB':>8} {'site MB':>8}", flush=True)
    with tempfile.TemporaryDirectory(prefix="reportgen-scale-") as tmp:
        root = Path(tmp)
        for case in args.cases.split(","):
            years, strategies = (int(x) for x in case.split("x"))
            project = synthetic_project(root, years, strategies)
            if args.memory_mb is not None:
                with (project / "reportgen.toml").open("a") as config:
                    config.write(f"\n[compute]\nmemory_mb = {args.memory_mb}\n")
            for workers in args.workers:
                site = project / f"site-{workers}"
                env = environment(REPO, root / f"cache-{case}-{workers}")
                wall, memory, tree = timed_tree(build_command(site, workers, args.memory_mb), project, env)
                size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file()) / 1e6
                print(f"{years:>5} {strategies:>10} {years * 250:>6} {workers:>7} {wall:>8.2f} {memory:>8.0f} {tree:>8.0f} {size:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
