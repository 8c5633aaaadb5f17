"""Where a cold build of the bundled report spends its CPU: the profile behind README's Speed section.

Run by hand from the repository root (not part of the test suite):

    python benchmarks/profile_build.py                # one profiled build, the table below
    python benchmarks/profile_build.py --top 30       # and the 30 costliest functions
    python benchmarks/profile_build.py --save b.prof  # and keep the profile (pstats, snakeviz)

One fresh process builds the bundled report synchronously (every task in that process, one after
another: what the workers share out) under cProfile, from a temporary copy of the project with
the cache off. The table gives each part's cumulative CPU seconds as profiled (cProfile adds
roughly a third to pure-Python code, less to numpy, numba and vl-convert) and its share of the
whole build. Parts nest: the quantstats tables run inside the model tasks, for instance. The
imports of vectorbt and quantstats happen inside the first model task (reportgen imports them
lazily), Altair's inside the first chart task.
"""

from __future__ import annotations

import argparse
import pstats
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import environment, project_copy  # noqa: E402

DRIVER = """
import cProfile, importlib, sys, time
from pathlib import Path

for name in ("pandas", "reportgen.pipeline", "vectorbt", "quantstats", "altair", "vl_convert", "mkdocs.commands.build"):
    start = time.perf_counter()
    importlib.import_module(name)
    print(f"import {name}", time.perf_counter() - start)

from reportgen.inputs.config import load_config
from reportgen.pipeline import build

project, out = Path(sys.argv[1]), sys.argv[2]
cProfile.run("build(load_config(project / 'pyproject.toml'), project / 'site')", out)
"""

# (label, file name ending, function name): the parts of a build, in the order they run
PARTS = [
    ("model tasks: backtests, attention tests, sensitivity", "reportgen/evaluation/strategies.py", "model_stage_task"),
    ("  vectorbt portfolios", "reportgen/analysis/backtest.py", "_portfolio"),
    ("  quantstats' full metrics tables", "reportgen/analysis/metrics.py", "quantstats_table"),
    ("    of which quantstats compounding returns by period", "quantstats/utils.py", "group_returns"),
    ("  attention tests (control and placebos)", "reportgen/evaluation/strategies.py", "_attention_test"),
    ("  sensitivity: sweeps, costs, lags, bootstraps", "reportgen/evaluation/robustness.py", "model_robustness"),
    ("chart specs (Altair to_dict)", "reportgen/publish/charts.py", "chart_spec"),
    ("pages (Jinja)", "reportgen/publish/pages.py", "rendered_pages"),
    ("static SVGs (vl-convert)", "reportgen/publish/static_svg.py", "chart_svg"),
    ("mkdocs build", "mkdocs/commands/build.py", "build"),
]


def cumulative_seconds(stats: pstats.Stats, file_end: str, function: str) -> tuple[float, int]:
    """The cumulative seconds and calls of every function of that name in files ending so (the
    outermost call only counts: cProfile's cumulative time does not count recursion twice)."""
    seconds, calls = 0.0, 0
    for (file_name, _, name), (_, primitive_calls, _, cumulative, _) in stats.stats.items():
        if name == function and file_name.replace("\\", "/").endswith(file_end):
            seconds += cumulative
            calls += primitive_calls
    return seconds, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=0, help="also print the N functions with the most cumulative time")
    parser.add_argument("--save", type=Path, help="also copy the cProfile data to this file (for pstats or snakeviz)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reportgen-profile-") as tmp:
        root = Path(tmp)
        project = project_copy(root)
        env = environment(project, root / "cache") | {"REPORTGEN_CACHE_DIR": "off"}
        out = root / "build.prof"
        (root / "driver.py").write_text(DRIVER)
        done = subprocess.run([sys.executable, str(root / "driver.py"), str(project), str(out)], cwd=project, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"the profiled build failed ({done.returncode}):\n{done.stderr[-2000:]}")
        print("imports, each after the ones above it (wall s, no profiler):")
        for line in done.stdout.splitlines():
            name, seconds = line.rsplit(" ", 1)
            print(f"  {name:<54} {float(seconds):>7.2f}")
        stats = pstats.Stats(str(out))
        if args.save:
            shutil.copyfile(out, args.save)
        total = stats.total_tt
        print(f"then one synchronous cold build of the bundled report under cProfile: {total:.1f} s of CPU")
        print(f"{'part':<56} {'calls':>6} {'s':>7} {'share':>6}")
        for label, file_end, function in PARTS:
            seconds, calls = cumulative_seconds(stats, file_end, function)
            print(f"{label:<56} {calls:>6} {seconds:>7.2f} {seconds / total:>6.0%}")
        if args.top:
            stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
