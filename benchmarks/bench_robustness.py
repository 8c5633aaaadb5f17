"""What robustness costs: a 1,000-configuration sweep added to a build of the bundled report, and
the stationary block bootstrap.

    PYTHONPATH=. NO_MKDOCS_2_WARNING=1 python benchmarks/bench_robustness.py [--repeats 5]

Goals (2-core machine): a 1,000-configuration sweep adds at most 2 s to a build; the bootstrap
(>= 1,000 resamples of every strategy and buy & hold) takes at most 1 s.

Builds run in one process after a warm-up build, so that imports and first-call compilation are
not counted. Whole builds alternate between no sweep and a 1,008-configuration sweep of every
model of the bundled report; the fastest build of each kind is the least disturbed by other load,
and their difference is what the sweeps add. The sweep's own stages (one columnar simulation,
vectorised figures and the deflated Sharpe ratio; the heatmaps as Vega-Lite specs) are also
timed alone, per model.
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
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import pandas as pd

    import pandas as pd

    from reportgen.analysis import bootstrap
    from reportgen.publish import charts, sensitivity_views
    from reportgen import pipeline
    from reportgen.evaluation import engine, robustness
    from reportgen.inputs.config import SweepConfig, load_config

    base = load_config(REPO / "pyproject.toml")
    with_sweep = base.model_copy(update={"sweep": SweepConfig(**GRID_1000)})
    without_sweep = base.model_copy(update={"sweep": SweepConfig(enabled=False)})

    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        pipeline.build(with_sweep, site)  # warm-up: imports, first vectorbt call
        builds = {"without": [], "with": []}
        for _ in range(args.repeats):
            builds["without"].append(_timed(pipeline.build, without_sweep, site)[0])
            builds["with"].append(_timed(pipeline.build, with_sweep, site)[0])
    fastest = {k: min(v) for k, v in builds.items()}
    added = fastest["with"] - fastest["without"]

    result = pipeline.report(with_sweep)
    settings = base.statistics
    print(f"bundled report: {len(result.models)} models, {len(result.strategies)} strategies; {args.repeats} runs of each")
    print(f"  build without sweeps: fastest {fastest['without']:5.2f} s, median {stats.median(builds['without']):5.2f} s")
    print(f"  build with sweeps:    fastest {fastest['with']:5.2f} s, median {stats.median(builds['with']):5.2f} s")
    print(f"  added by {len(result.models)} sweeps of {len(GRID_1000['thresholds']) * 6 * 2 * 4:,} configurations: {added:5.2f} s")
    worst_sweep, worst_bootstrap = added / len(result.models), 0.0
    for model in result.models:
        simulate, specs = [], []
        for _ in range(args.repeats):
            seconds, sweep = _timed(robustness.sweep_result, pipeline.evaluation_settings(with_sweep), model)
            simulate.append(seconds)
            sensitivity = sensitivity_views.sensitivity_charts(model)
            specs.append(_timed(lambda: [charts.chart_spec(c) for k, c in sensitivity.items() if "-sweep-" in k])[0])
        stages = stats.median(simulate) + stats.median(specs)
        worst_sweep = max(worst_sweep, stages)

        frame = pd.DataFrame({s.id: s.returns for s in model.strategies})
        benchmark = model.benchmark_returns
        block = bootstrap.expected_block_days(benchmark)
        parts = {"block length": [], "indices (arch)": [], "intervals": []}
        for _ in range(args.repeats):
            parts["block length"].append(_timed(bootstrap.expected_block_days, benchmark)[0])
            seconds, indices = _timed(
                bootstrap.stationary_bootstrap_indices, len(frame), block, settings.bootstrap_resamples, settings.bootstrap_seed
            )
            parts["indices (arch)"].append(seconds)
            parts["intervals"].append(_timed(lambda: engine.bootstrap_intervals(
                pd.concat([frame, benchmark], axis=1, ignore_index=True), benchmark, indices,
                pipeline.evaluation_settings(base), model.risk_free,
            ))[0])
        boot = sum(stats.median(v) for v in parts.values())
        worst_bootstrap = max(worst_bootstrap, boot)
        print(f"  model {model.id}: {len(model.output):,} days")
        print(f"    sweep of {len(sweep.table):,} configurations alone: simulation + figures + DSR "
              f"{stats.median(simulate):.2f} s, heatmap specs {stats.median(specs):.2f} s")
        print(f"    bootstrap, {settings.bootstrap_resamples:,} resamples x {frame.shape[1] + 1} series, block {block:g} days: "
              + ", ".join(f"{k} {stats.median(v):.3f} s" for k, v in parts.items()) + f"; total {boot:.3f} s")
    print(f"  goal: a 1,000-configuration sweep adds <= 2 s: worst measure {worst_sweep:.2f} s: {'met' if worst_sweep <= 2 else 'MISSED'}")
    print(f"  goal: the bootstrap takes <= 1 s: worst model {worst_bootstrap:.3f} s: {'met' if worst_bootstrap <= 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
