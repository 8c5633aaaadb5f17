"""Peak memory of the bootstrap at the largest allowed size: 100,000 stationary-bootstrap resamples of
a 30-year report (7,500 daily rows), its intervals and PSR for a few series and buy & hold.

    PYTHONPATH=. python benchmarks/bench_bootstrap_memory.py [--resamples 100000] [--rows 7500]
        [--series 3] [--memory-mb 64]

Goal: the peak resident memory stays near the process's baseline plus [compute] memory_mb, at any
number of resamples: the row indices are made a block of resamples at a time, each resample from its
own seeded generator (reportgen.analysis.bootstrap), never as one (resamples x rows) array (100,000 x
7,500 int64 indices alone would be 6 GB).

The work runs in a child process so that its peak (ru_maxrss) is its own; the baseline is the same
child's peak after its imports and data, before the bootstrap. Timings are printed for orientation
only (the machine may be loaded); the memory figure does not depend on load.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def child(resamples: int, rows: int, series: int, memory_mb: int) -> dict:
    """The bootstrap of `series` random return series and a benchmark, measured in this process."""
    import numpy as np
    import pandas as pd

    from reportgen.evaluation import engine

    rng = np.random.default_rng(0)
    dates = pd.bdate_range("1995-01-02", periods=rows)
    returns = pd.DataFrame(rng.normal(0.0004, 0.01, (rows, series)), index=dates, columns=[f"s{i}" for i in range(series)])
    benchmark = pd.Series(rng.normal(0.0003, 0.011, rows), index=dates, name="benchmark")
    risk_free = pd.Series(0.0001, index=dates)
    settings = engine.Settings(
        periods_per_year=252, init_cash=1.0, fees=0.0, rolling_window_days=63, confidence=0.95, resamples=resamples,
        bootstrap_seed=0, block_days=20.0, fees_bps=(0.0,), execution_lag_days=1, memory_mb=memory_mb,
        permutations=0, placebo_seed=0,
    )
    invested = pd.DataFrame(1.0, index=dates, columns=returns.columns)
    baseline = _peak_mb()
    started = time.perf_counter()
    statistics = engine.sharpe_statistics(returns, invested, benchmark, risk_free, settings)
    seconds = time.perf_counter() - started
    return {
        "resamples": resamples, "rows": rows, "series": series, "memory_mb": memory_mb,
        "baseline_mb": round(baseline, 1), "peak_mb": round(_peak_mb(), 1), "seconds": round(seconds, 1),
        "sharpe_ci_s0": list(statistics.series["s0"].intervals["sharpe"]),
        "whole_index_array_mb": round(resamples * rows * 8 / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=7_500)
    parser.add_argument("--series", type=int, default=3)
    parser.add_argument("--memory-mb", type=int, default=64)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.resamples, args.rows, args.series, args.memory_mb)))
        return
    command = [sys.executable, __file__, "--child", "--resamples", str(args.resamples), "--rows", str(args.rows),
               "--series", str(args.series), "--memory-mb", str(args.memory_mb)]
    run = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    figures = json.loads(run.stdout.splitlines()[-1])
    print(
        f"{figures['resamples']:,} resamples of {figures['rows']:,} rows, {figures['series']} series + buy & hold, "
        f"memory_mb {figures['memory_mb']}: peak RSS {figures['peak_mb']:,.0f} MB "
        f"(baseline after imports and data {figures['baseline_mb']:,.0f} MB, so +{figures['peak_mb'] - figures['baseline_mb']:,.0f} MB); "
        f"{figures['seconds']:,.0f} s. The whole index array would be {figures['whole_index_array_mb']:,.0f} MB."
    )


if __name__ == "__main__":
    main()
