"""How long does the bundled walk-forward take, and does it reproduce the committed files?

Runs `reportgen train` with this checkout's `[tool.reportgen]` (pyproject.toml) in a fresh
process, writing into a temporary folder, and prints its wall and CPU time, its peak memory,
the load average before and after (the machine may be shared), and whether the CSV and the
sidecar it wrote are byte-identical to data/att_lstm_predictions.csv and .json.

    python benchmarks/bench_train.py

The issue's goal: the bundled walk-forward trains in at most 10 minutes on 2 CPU cores.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "data" / "att_lstm_predictions.csv"


def main() -> int:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-train-") as work:
        out = Path(work) / COMMITTED.name
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "reportgen", "train", "--out", str(out)], cwd=ROOT, env=env, check=True)
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        same = {
            suffix: out.with_suffix(suffix).read_bytes() == COMMITTED.with_suffix(suffix).read_bytes()
            for suffix in (".csv", ".json")
        }
    load_after = os.getloadavg()
    print(f"wall {wall:.1f} s, CPU {usage.ru_utime + usage.ru_stime:.1f} s, peak RSS {usage.ru_maxrss / 1024:.0f} MB, {os.cpu_count()} CPUs")
    print(f"load average (1/5/15 min) before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
          f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}")
    for suffix, identical in same.items():
        print(f"{COMMITTED.with_suffix(suffix).name}: {'byte-identical' if identical else 'DIFFERS'}")
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
