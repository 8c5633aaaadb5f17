"""What robustness costs: a 1,000-configuration sweep added to a build of the bundled report, and
the stationary block bootstrap.

    PYTHONPATH=. NO_MKDOCS_2_WARNING=1 python benchmarks/bench_robustness.py [--repeats 3]

Goals (2-core machine): the sweep adds at most 2 s to a build; the bootstrap (>= 1,000 resamples
of every strategy and buy & hold) takes at most 1 s. Builds run in one process after a warm-up
build, so that imports and first-call compilation are not counted; whole builds alternate between
"no sweep" and "1,000-configuration sweep" and the fastest of each are compared (the least
disturbed by other load), and the sweep's own stages are also timed alone; the goal is judged on
the larger of the two.
"""

from __future__ import annotations

import argparse
import statistics as stats
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

GRID_1000 = dict(  # 21 x 6 x 2 x 4 = 1,008 configurations
    thresholds=[round(0.40 + 0.01 * i, 2) for i in range(21)],
    attention_quantiles=[0.0, 0.1, 0.25, 0.5, 0.75, 0.9],
    sizings=["full", "attention"],
    size_scales=[0.25, 0.5, 0.75, 1.0],
)


def _timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import pandas as pd

    from reportgen import bootstrap, charts, pipeline, robustness, statistics, views
    from reportgen.config import SweepConfig, load_config

    base = load_config(REPO / "pyproject.toml")
    with_sweep = base.model_copy(update={"sweep": SweepConfig(**GRID_1000)})
    without_sweep = base.model_copy(update={"sweep": SweepConfig(enabled=False)})

    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        pipeline.build(with_sweep, site)  # warm-up: imports, first vectorbt call
        builds = {"no sweep": [], "1,000-config sweep": []}
        for _ in range(args.repeats):
            builds["no sweep"].append(_timed(pipeline.build, without_sweep, site)[0])
            builds["1,000-config sweep"].append(_timed(pipeline.build, with_sweep, site)[0])

    # The parts of the sweep, measured alone (median of the repeats).
    result = pipeline.report(with_sweep)
    model = result.models[0]
    parts = {"simulation + figures + DSR": [], "heatmaps as Vega-Lite specs": []}
    for _ in range(args.repeats):
        seconds, sweep = _timed(robustness.sweep_result, with_sweep, model)
        parts["simulation + figures + DSR"].append(seconds)
        parts["heatmaps as Vega-Lite specs"].append(
            _timed(lambda: [charts.chart_spec(c) for k, c in views.sensitivity_charts(model).items() if "-sweep-" in k])[0]
        )
    n_configs = len(sweep.table)

    # The bootstrap: indices from arch, then every strategy's and buy & hold's intervals.
    settings = base.statistics
    frame = pd.DataFrame({s.id: s.returns for s in model.strategies})
    block = bootstrap.expected_block_days(model.benchmark_returns)
    boot = {"block length (Politis-White)": [], "indices (arch)": [], "intervals": []}
    for _ in range(args.repeats):
        boot["block length (Politis-White)"].append(_timed(bootstrap.expected_block_days, model.benchmark_returns)[0])
        seconds, indices = _timed(
            bootstrap.stationary_bootstrap_indices, len(frame), block, settings.bootstrap_resamples, settings.bootstrap_seed
        )
        boot["indices (arch)"].append(seconds)
        seconds, _ = _timed(
            lambda: (
                statistics.bootstrap_intervals(frame, model.benchmark_returns, indices, 252, 0.95),
                statistics.bootstrap_intervals(model.benchmark_returns.to_frame(), model.benchmark_returns, indices, 252, 0.95),
            )
        )
        boot["intervals"].append(seconds)

    median = {k: stats.median(v) for d in (builds, parts, boot) for k, v in d.items()}
    fastest = {k: min(v) for k, v in builds.items()}
    added = fastest["1,000-config sweep"] - fastest["no sweep"]
    stages = sum(median[k] for k in parts)
    total_boot = sum(median[k] for k in boot)
    worst = max(added, stages)
    print(f"bundled report, {len(model.output)} days, {len(model.strategies)} strategies; {args.repeats} runs each")
    print(f"  build without sweep           fastest {fastest['no sweep']:5.2f} s, median {median['no sweep']:5.2f} s")
    print(f"  build with {n_configs:,}-config sweep fastest {fastest['1,000-config sweep']:5.2f} s, median {median['1,000-config sweep']:5.2f} s")
    print(f"  added by the sweep (fastest builds)   {added:5.2f} s")
    for key in parts:
        print(f"    {key:34s}{median[key]:5.2f} s (median)")
    print(f"  sweep goal: <= 2 s; larger of the two measures {worst:.2f} s: {'met' if worst <= 2 else 'MISSED'}")
    print(f"  bootstrap, {settings.bootstrap_resamples:,} resamples x {frame.shape[1] + 1} series (block {block:g} days)")
    for key in boot:
        print(f"    {key:34s}{median[key]:6.3f} s (median)")
    print(f"  bootstrap total {total_boot:.3f} s; goal <= 1 s: {'met' if total_boot <= 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
