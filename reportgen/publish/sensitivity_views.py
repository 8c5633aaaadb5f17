"""Chart data of the sensitivity page: sweep heatmaps, Sharpe intervals, overlay ablations, costs."""

from __future__ import annotations

import pandas as pd

from reportgen.analysis import overlays
from reportgen.publish import charts
from reportgen.publish.facts import identical_strategies
from reportgen.publish.series import BENCHMARK
from reportgen.results import ModelResult


_SWEEP_FIGURES = {  # metric -> (title, format, colour scheme); CAGR and drawdown of the grid are in metrics.json
    "sharpe": ("Sharpe", ".2f", "redblue"),
}


def sweep_row_label(attention_quantile: float, sizing: str, size_scale: float) -> str:
    """How a heatmap row names its attention filter and sizing, e.g. "attention ≥ q50, full × 0.50"."""
    filtered = "no filter" if attention_quantile == 0 else f"attention ≥ q{attention_quantile * 100:g}"
    return f"{filtered}, {sizing} × {size_scale:.2f}"


def overlay_label(min_hold_days: int, vol_target: float, stop_loss: float) -> str:
    """How a heatmap row names its overlays, e.g. "hold 3d, vol 15%, stop 5%" ("no overlay" for none)."""
    parts = [f"hold {int(min_hold_days)}d"] if min_hold_days > 1 else []
    parts += [f"vol {vol_target:.0%}"] if vol_target > 0 else []
    parts += [f"stop {stop_loss:.0%}"] if stop_loss > 0 else []
    return ", ".join(parts) or "no overlay"


def _sweep_frames(model: ModelResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    sweep = model.robustness.sweep
    table = sweep.table
    labels = [sweep_row_label(q, z, s) for q, z, s in zip(table["attention_quantile"], table["sizing"], table["size_scale"])]
    if sweep.overlay_grid:
        labels = [f"{label}, {overlay_label(h, v, st)}" for label, h, v, st in zip(labels, table["min_hold_days"], table["vol_target"], table["stop_loss"])]
    cells = table.assign(
        row=labels,
        trades=table["total_trades"],
    )
    marked = [(sweep.configured[s.id], s.config.name) for s in model.strategies if s.id in sweep.configured]
    if sweep.best >= 0:
        marked.append((sweep.best, f"best of the grid (Sharpe {table.loc[sweep.best, 'sharpe']:.2f})"))
    markers = pd.DataFrame(
        [{"threshold": cells.loc[i, "threshold"], "row": cells.loc[i, "row"], "marker": label} for i, label in marked],
        columns=["threshold", "row", "marker"],
    )
    return cells, markers


def _interval_frame(model: ModelResult) -> pd.DataFrame:
    robust = model.robustness
    rows = []
    bench_sharpe = model.benchmark_metrics["sharpe"]
    same = identical_strategies(model.strategies)  # drawn once
    for s in (s for s in model.strategies if s.id not in same):
        stats = robust.statistics[s.id]
        rows.append(("Sharpe", s.config.name, s.metrics["sharpe"], stats.intervals["sharpe"]))
        rows.append(("Sharpe minus buy & hold", s.config.name, s.metrics["sharpe"] - bench_sharpe, stats.intervals["sharpe_diff"]))
    rows.append(("Sharpe", BENCHMARK, bench_sharpe, robust.benchmark_statistics.intervals["sharpe"]))
    frame = pd.DataFrame(
        [{"figure": f, "series": n, "value": v, "low": lo, "high": hi} for f, n, v, (lo, hi) in rows]
    )
    return frame.dropna()


def ablation_frame(table: pd.DataFrame) -> pd.DataFrame:
    """An ablation as interval-chart rows: each variant's Sharpe minus the base's with its interval
    (variants whose Sharpe is undefined are left out)."""
    frame = pd.DataFrame(
        {
            "series": [overlays.variant_label(v) for v in table["variant"]],
            "figure": "Sharpe minus base",
            "value": table["sharpe_diff"],
            "low": table["sharpe_diff_low"],
            "high": table["sharpe_diff_high"],
        }
    )
    return frame.dropna()


def sensitivity_charts(model: ModelResult) -> dict:
    """Sweep heatmaps, Sharpe intervals and one cost/lag chart per strategy (Altair charts by id)."""
    robust = model.robustness
    if robust is None:
        return {}
    built = {}
    intervals = _interval_frame(model)
    if not intervals.empty:
        built[f"{model.id}-sharpe-intervals"] = charts.interval_chart(intervals, "annualised Sharpe ratio")
    if robust.sweep is not None:
        cells, markers = _sweep_frames(model)
        for metric, (title, fmt, scheme) in _SWEEP_FIGURES.items():
            chart_id = f"{model.id}-sweep-{metric.replace('_', '-')}"
            shown = cells[["threshold", "row", metric, "trades"]]  # only what the chart draws
            built[chart_id] = charts.sweep_heatmap(shown, markers, metric, title, fmt, scheme)
    for s in model.strategies:
        if s.id in robust.ablations:
            built[f"{s.id}-ablation"] = charts.interval_chart(ablation_frame(robust.ablations[s.id]), "Sharpe ratio minus the base's")
    costs = cost_frame(model)
    if len(costs):
        built[f"{model.id}-costs"] = charts.cost_chart(costs)
    return built


def cost_frame(model: ModelResult) -> pd.DataFrame:
    """Every trading strategy's figures at each fee level, filled at the signal's close, one line a
    strategy (its name in the `execution` column the cost chart colours by): strategies identical
    to an earlier one and strategies that never trade (flat at zero whatever the fees) left out."""
    same = identical_strategies(model.strategies)
    frames = [
        model.robustness.costs[s.id].query("lag_days == 0").assign(execution=s.config.name)
        for s in model.strategies
        if s.total_trades > 0 and s.id not in same
    ]
    if not frames:
        return pd.DataFrame(columns=["fees_bps", "execution", "total_return", "sharpe", "total_fees", "trades"])
    table = pd.concat(frames, ignore_index=True)
    return table.assign(trades=table["total_trades"])[["fees_bps", "execution", "total_return", "sharpe", "total_fees", "trades"]]
