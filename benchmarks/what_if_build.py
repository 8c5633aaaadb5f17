"""What two product choices would buy a cold build of the bundled report: an experiment, not a feature.

Run by hand from the repository root (not part of the test suite):

    python benchmarks/what_if_build.py            # 3 rounds of 4 variants and the baseline, alternating

Each variant is a fresh process building the bundled report from a temporary copy of the project,
cache off, 2 forked workers (the default), with a patch applied in that process only:

- default:     as shipped;
- nosvg:       the tearsheets' static SVGs not drawn (vl-convert replaced by an empty <svg/>): what
               "no static SVGs by default" would save;
- early:       the build process imports Altair (the chart stage's libraries) while the leader
               worker imports vectorbt, instead of after: what a memory budget of about 650 MB
               instead of 600 MB would allow;
- nosvg+early: both.

The baseline is bench_build's: quantstats writing one HTML tearsheet in a fresh process. Medians of
wall seconds, and each median's ratio to the baseline's. The patches reach into private functions
of reportgen.compute.forked and reportgen.publish.static_svg, so this script follows those modules.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import BASELINE, baseline_returns, environment, project_copy, timed  # noqa: E402

VARIANTS = ("default", "nosvg", "early", "nosvg+early")

DRIVER = """
import importlib, sys
variant = sys.argv.pop(1).split("+")
from reportgen.compute import forked
if "early" in variant:
    waiting, imported = forked._received, []

    def received(*args, **kwargs):  # first called once the leader is forked: import beside it
        if not imported:
            from reportgen.publish import chart_tasks
            imported.extend(importlib.import_module(name) for name in chart_tasks.TASK_IMPORTS)
        return waiting(*args, **kwargs)

    forked._received = received
if "nosvg" in variant:
    from reportgen.publish import static_svg
    static_svg.chart_svg = lambda spec: "<svg/>"
from reportgen.cli import main
main()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reportgen-what-if-") as tmp:
        root = Path(tmp)
        project = project_copy(root)
        env = {**environment(project, root / "cache"), "REPORTGEN_CACHE_DIR": "off"}
        (root / "driver.py").write_text(DRIVER)
        (root / "baseline.py").write_text(BASELINE)
        returns_csv = root / "returns.csv"
        baseline_returns(project, returns_csv)
        commands = {
            variant: [sys.executable, str(root / "driver.py"), variant, "build", "--site-dir", str(root / "site")]
            for variant in VARIANTS
        }
        commands["baseline"] = [sys.executable, str(root / "baseline.py"), str(returns_csv), str(root / "qs.html")]
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.reps):
            for name, command in commands.items():
                walls[name].append(timed(command, project, env)[0])
        base = statistics.median(walls["baseline"])
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; {args.reps} rounds, medians")
        print(f"{'variant':<12} {'wall s':>8} {'vs baseline':>12}  runs")
        for name, values in walls.items():
            wall = statistics.median(values)
            print(f"{name:<12} {wall:>8.2f} {wall / base:>11.2f}x  {', '.join(f'{v:.2f}' for v in values)}")


if __name__ == "__main__":
    main()
