"""metrics.json fields of universe models and their portfolios (`models.<id>`, `portfolios.<id>`)."""

from __future__ import annotations

import pandas as pd

from reportgen import robustness
from reportgen.results import PortfolioResult, UniverseModelResult


def portfolio_fields(model: UniverseModelResult, p: PortfolioResult) -> dict:
    """`portfolios.<id>` of metrics.json."""
    number = robustness._number
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
        fields.update(robustness._statistics_fields(p.statistics))
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
    number = robustness._number
    benchmark = {"name": model.benchmark_name, **{k: number(v) for k, v in model.benchmark_metrics.items()}}
    if model.benchmark_statistics is not None:
        stats = robustness._statistics_fields(model.benchmark_statistics)
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
