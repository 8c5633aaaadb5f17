"""What the hybrid overlays cost the bundled build: the ablation and the overlay sweep.

Run by hand from the repository root (not part of the test suite):

    python benchmarks/bench_overlays.py            # 3 repetitions
    python benchmarks/bench_overlays.py --reps 1

Three versions of the bundled config, each in a temporary copy of the project, every run a
fresh process timed with /usr/bin/time (wall seconds, peak RSS), the reportgen cache off:
  plain       the bundled report without the 4 hybrid strategies and without [sweep]'s overlay lists
  + hybrids   with the hybrid strategies (their pages, tearsheets, attention tests and ablations)
  + sweep     also with the overlay sweep (the bundled config as it is: 2,688 configurations a model)
For each: a whole `reportgen build`, and `report()` alone (the figures, no charts or pages).
Then, in one more fresh process of the full config, the seconds spent in the ablation
(ablation.ablation_tables) and in the sweep (robustness.sweep_result), per model.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time"

REPORT_ONLY = "from reportgen.inputs.config import load_config\nfrom reportgen.pipeline import report\nreport(load_config())\n"

STAGES = textwrap.dedent(
    """
    import time
    from reportgen.evaluation import ablation, robustness
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import report

    spent = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent.setdefault(name, []).append(time.perf_counter() - start)
        return wrapper

    ablation.ablation_tables = timed("ablation", ablation.ablation_tables)
    robustness.sweep_result = timed("sweep", robustness.sweep_result)
    report(load_config())
    for name, seconds in spent.items():
        print(name, " ".join(f"{s:.2f}" for s in seconds))
    """
)


def timed(command: list[str], cwd: Path, env: dict) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory (MB) and stdout of one fresh process."""
    result = subprocess.run([TIME, "-f", "%e %M", *command], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"benchmark command failed ({result.returncode}): {' '.join(command)}\n{result.stderr[-2000:]}")
    wall, kilobytes = result.stderr.strip().splitlines()[-1].split()
    return float(wall), float(kilobytes) / 1024, result.stdout


def without_hybrids(config: str) -> str:
    blocks = re.split(r"(?m)^(?=\[)", config)
    return "".join(b for b in blocks if "min_hold_days" not in b or not b.startswith("[[tool.reportgen.strategies]]"))


def without_overlay_sweep(config: str) -> str:
    return re.sub(r"(?m)^(min_hold_days|vol_targets|stop_losses) = \[.*\]\n", "", config)


def variant(root: Path, name: str, edit) -> Path:
    project = root / name
    shutil.copytree(REPO, project, ignore=shutil.ignore_patterns(".git", "site", "__pycache__", "*.egg-info"))
    pyproject = project / "pyproject.toml"
    pyproject.write_text(edit(pyproject.read_text()))
    return project


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    reps = parser.parse_args().reps
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-overlays-") as tmp:
        root = Path(tmp)
        projects = {
            "plain": variant(root, "plain", lambda c: without_overlay_sweep(without_hybrids(c))),
            "+ hybrids": variant(root, "hybrids", without_overlay_sweep),
            "+ sweep": variant(root, "full", lambda c: c),
        }
        rows = {}
        for name, project in projects.items():
            env = {**os.environ, "PYTHONPATH": str(project), "NO_MKDOCS_2_WARNING": "1", "REPORTGEN_CACHE_DIR": "off"}
            build = [sys.executable, "-m", "reportgen", "build", "--site-dir", str(root / f"site-{project.name}")]
            runs = {"build": [], "report": []}
            for _ in range(reps):
                runs["build"].append(timed(build, project, env)[:2])
                runs["report"].append(timed([sys.executable, "-c", REPORT_ONLY], project, env)[:2])
            rows[name] = {k: (statistics.median(w for w, _ in v), statistics.median(m for _, m in v)) for k, v in runs.items()}
        env = {**os.environ, "PYTHONPATH": str(projects["+ sweep"]), "NO_MKDOCS_2_WARNING": "1", "REPORTGEN_CACHE_DIR": "off"}
        stages = timed([sys.executable, "-c", STAGES], projects["+ sweep"], env)[2]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; {reps} repetitions, medians")
    print(f"{'config':<10} {'build s':>8} {'build MB':>9} {'report() s':>11} {'report() MB':>12}")
    for name, row in rows.items():
        print(f"{name:<10} {row['build'][0]:>8.2f} {row['build'][1]:>9.0f} {row['report'][0]:>11.2f} {row['report'][1]:>12.0f}")
    print("seconds inside the full config's report(), per model (notebook_att_lstm, att_lstm):")
    print(stages.strip())


if __name__ == "__main__":
    main()
