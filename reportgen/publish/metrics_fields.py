"""The fields of metrics.json, one function an entity: a strategy's statistics, costs, episodes and
ablation, a benchmark, a sweep, a universe model and a portfolio (assembled by metrics_document)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen.analysis import statistics
from reportgen.analysis.metrics import json_number
from reportgen.results import ABLATION_FIGURES, ModelRobustness, PortfolioResult, SeriesStatistics, SweepResult, UniverseModelResult


def portfolio_fields(model: UniverseModelResult, p: PortfolioResult) -> dict:
    """`portfolios.<id>` of metrics.json."""
    number = json_number
    fields = {
        "name": p.config.name,
        "model": model.id,
        **{k: number(v) for k, v in p.metrics.items()},
        "turnover": number(p.turnover),
        "mean_holdings": number(p.mean_holdings),
        "mean_herfindahl": number(p.herfindahl.mean()),
        "max_herfindahl": number(p.herfindahl.max()),
        "mean_exposure": number(p.exposure.mean()),
        "total_fees": p.total_fees,
        "total_orders": len(p.trades),
        "contributions": {asset: number(v) for asset, v in p.contributions.items()},
        "weighting": p.config.weighting,
        "rebalance": p.config.rebalance,
    }
    if p.statistics is not None:
        fields.update(statistics_fields(p.statistics))
    if p.costs is not None:
        fields["costs"] = [
            {k: (number(v) if isinstance(v, float) else int(v)) for k, v in row.items()} for row in p.costs.to_dict("records")
        ]
    if p.episode_returns is not None:
        fields["episodes"] = {name: number(v) for name, v in p.episode_returns.items()}
    if p.attention_test is not None:
        t = p.attention_test
        fields["attention_test"] = {
            "observed_sharpe": number(t.observed_sharpe),
            "exposure_matched_gross": t.exposure_matched_size,
            "exposure_matched_sharpe": number(t.exposure_matched_sharpe),
            "permutation_p_value": number(t.p_value),
            "n_permutations": t.n_permutations,
            "seed": t.seed,
            "placebo": "attention shuffled across each day's held assets",
            "placebo_sharpe_median": number(t.null_quantile(0.5)),
            "verdict": t.verdict,
        }
    return fields


def universe_model_fields(model: UniverseModelResult) -> dict:
    """`models.<id>` of metrics.json for a universe model."""
    number = json_number
    benchmark = {"name": model.benchmark_name, **{k: number(v) for k, v in model.benchmark_metrics.items()}}
    if model.benchmark_statistics is not None:
        stats = statistics_fields(model.benchmark_statistics)
        for key in ("psr_vs_benchmark", "sharpe_diff_ci"):
            stats.pop(key)
        benchmark.update(stats)
    return {
        "name": model.config.name,
        "kind": "universe",
        "assets": model.assets,
        "start": model.dates[0].date().isoformat(),
        "end": model.dates[-1].date().isoformat(),
        "rows": int(model.prediction.notna().to_numpy().sum()),
        "attention": {
            "column": model.attention.column, "degenerate": model.attention.degenerate,
            "mean": model.attention.mean, "std": model.attention.std,
        },
        "benchmark": benchmark,
        "informativeness": {
            "cross_sectional": {
                ic.factor: {
                    "mean_ic": number(ic.mean_ic),
                    "ic_ir": number(ic.ic_ir),
                    "p_value_newey_west": number(ic.p_value),
                    "n_dates": ic.n_dates,
                    "newey_west_lags": ic.lags,
                    "quintile_spread": None if ic.undefined else number(_spread(model.cross_section.quintiles[ic.factor])),
                    "undefined": ic.undefined or None,
                }
                for ic in model.cross_section.ics
            },
            "forward_return": "per asset: simple return from the close of each prediction date to the next close",
        },
    }


def _spread(quintiles: pd.DataFrame) -> float:
    """Mean over dates of the top bucket's next-day return minus the bottom bucket's."""
    if quintiles.empty:
        return float("nan")
    return float((quintiles.iloc[:, -1] - quintiles.iloc[:, 0]).mean())

number = json_number


def interval(bounds: tuple[float, float]) -> list[float | None]:
    """[low, high]; [null, null] when undefined (a strategy that never trades has no Sharpe)."""
    values = [number(b) for b in bounds]
    return [None, None] if None in values else values


def statistics_fields(stats: SeriesStatistics) -> dict:
    return {
        "psr": number(stats.psr),
        "psr_vs_benchmark": number(stats.psr_vs_benchmark),
        "sharpe_per_period": number(stats.sharpe_per_period),
        "skewness": number(stats.skewness),
        "kurtosis": number(stats.kurtosis),
        **{f"{figure}_ci": interval(stats.intervals[figure]) for figure in statistics.INTERVAL_FIGURES},
    }


def strategy_fields(robust: ModelRobustness, strategy_id: str) -> dict:
    """The statistics, cost/lag variants and episode returns of one strategy, for metrics.json."""
    costs = robust.costs[strategy_id]
    return {
        **statistics_fields(robust.statistics[strategy_id]),
        "costs": [
            {k: (number(v) if isinstance(v, float) else int(v)) for k, v in row.items()}
            for row in costs.to_dict("records")
        ],
        "episodes": {name: number(value) for name, value in robust.episode_returns[strategy_id].items()},
        **({"ablation": ablation_fields(robust.ablations[strategy_id])} if strategy_id in robust.ablations else {}),
    }


def benchmark_fields(robust: ModelRobustness) -> dict:
    fields = statistics_fields(robust.benchmark_statistics)
    for key in ("psr_vs_benchmark", "sharpe_diff_ci"):
        fields.pop(key)
    return {**fields, "episodes": {k: number(v) for k, v in robust.benchmark_episode_returns.items()}}


def sweep_fields(sweep: SweepResult, periods_per_year: int) -> dict:
    """`sweeps.<model id>` of metrics.json: the grid, its best configuration and its deflated Sharpe."""
    table = sweep.table
    params = ["threshold", "attention_quantile", "attention_level", "sizing", "size_scale", "min_hold_days", "vol_target", "stop_loss"]
    figures = ["sharpe", "cagr", "max_drawdown", "total_return", "total_trades"]

    def row(i: int) -> dict:
        values = table.loc[i, params + figures]
        return {
            k: v if isinstance(v, str) else int(v) if k in ("total_trades", "min_hold_days") else number(v) for k, v in values.items()
        }

    return {
        "n_configs": len(table),
        "n_trials": sweep.n_trials,
        "grid": {
            key: sorted(set(table[key].tolist()))
            for key in ("threshold", "attention_quantile", "sizing", "size_scale", "min_hold_days", "vol_target", "stop_loss")
        },
        "n_ablation_trials": sweep.n_extra_trials,
        "best": row(sweep.best) if sweep.best >= 0 else None,
        "deflated_sharpe": number(sweep.deflated_sharpe),
        "expected_max_sharpe": number(sweep.expected_max_sharpe * np.sqrt(periods_per_year)),
        "trial_sharpe_std": number(np.sqrt(sweep.sharpe_variance * periods_per_year)),
        "configured": {sid: row(i) for sid, i in sweep.configured.items()},
        "off_grid": sweep.off_grid,
    }


def ablation_fields(table: pd.DataFrame) -> list[dict]:
    """`strategies.<id>.ablation` of metrics.json: one entry a variant, the base first."""
    return [
        {
            "variant": row["variant"],
            "overlays": row["overlays"],
            **{k: int(row[k]) if k == "total_trades" else number(row[k]) for k in ABLATION_FIGURES},
            "sharpe_diff": number(row["sharpe_diff"]),
            "sharpe_diff_ci": interval((row["sharpe_diff_low"], row["sharpe_diff_high"])),
        }
        for row in table.to_dict("records")
    ]

