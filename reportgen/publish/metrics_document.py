"""metrics.json: the machine-readable figures of a computed report, one set of keys for
strategies and portfolios alike (a series' statistics, costs, episodes and attention test are
written by the same functions whichever kind of series it is)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen.analysis import statistics
from reportgen.analysis.attention import AttentionSummary
from reportgen.analysis.attention_tests import AttentionTest
from reportgen.analysis.metrics import json_number as number
from reportgen.inputs.universe import delisting_dates
from reportgen.results import (
    ABLATION_FIGURES, ModelResult, PortfolioResult, Report, SeriesStatistics, SweepResult, UniverseModelResult,
)

STRATEGY_PLACEBO = "attention shuffled in time"
PORTFOLIO_PLACEBO = "attention shuffled across each day's held assets"


def metrics_document(report: Report, links: dict | None = None) -> dict:
    """The machine-readable figures of the report (site/metrics.json).

    `links` (downloads.download_paths) adds each strategy's, model's and portfolio's `downloads`.
    """
    document = {
        "reportgen_version": report.version,
        "build_date": report.build_date,
        "conventions": _conventions(report),
        "inputs": {f.path: {"sha256": f.sha256} for f in report.inputs},
        "config_sha256": report.config_sha256,
        **(
            {"benchmark": {"name": "Buy & hold", "model_dates": report.models[0].id, **figures(report.models[0].benchmark_metrics)}}
            if report.models else {}
        ),
        "models": {
            **{m.id: model_fields(m, report.periods_per_year) for m in report.models},
            **{m.id: universe_model_fields(m) for m in report.universe_models},
        },
        "strategies": {s.id: strategy_fields(m, s) for m, s in report.strategies},
    }
    sweeps = {m.id: sweep_fields(m.robustness.sweep, report.periods_per_year) for m in report.models if m.robustness and m.robustness.sweep}
    if sweeps:
        document["sweeps"] = sweeps
    if report.universe_models:
        document["portfolios"] = {p.id: portfolio_fields(m, p) for m, p in report.portfolios}
    if links is not None:
        for kind in ("strategies", "models", "portfolios"):
            for entity_id, paths in links.get(kind, {}).items():
                document[kind][entity_id]["downloads"] = paths
    return document


def _conventions(report: Report) -> dict:
    conventions = {
        "periods_per_year": report.periods_per_year,
        "risk_free_rate": report.risk_free_rate,
        **({} if report.risk_free_rate == 0.0 else {"risk_free_per_period": report.risk_free_per_period}),
        "returns": "simple daily returns of portfolio value",
        "execution": "orders fill at the close of the signal's bar",
        "fees": report.fees,
        "init_cash": report.init_cash,
        "units": "fractions (0.01 = 1 %); max_drawdown is negative",
    }
    evaluated = [m.robustness for m in report.models if m.robustness is not None] + report.universe_models
    if evaluated:
        last = evaluated[-1]
        conventions["bootstrap"] = {
            "method": "stationary block bootstrap (arch), paired across strategies and benchmark; percentile intervals",
            "resamples": last.resamples, "seed": last.seed, "confidence": last.confidence,
        }
        conventions["psr"] = "P[true Sharpe > 0] (Bailey & Lopez de Prado 2012), per-period Sharpe, raw kurtosis"
        conventions["execution_lag_days"] = last.execution_lag_days
    return conventions


# ---------------------------------------------------------------- the fields of any series

def figures(values: dict[str, float]) -> dict:
    return {k: number(v) for k, v in values.items()}


def interval(bounds: tuple[float, float]) -> list[float | None]:
    """[low, high]; [null, null] when undefined (a strategy that never trades has no Sharpe)."""
    values = [number(b) for b in bounds]
    return [None, None] if None in values else values


def statistics_fields(stats: SeriesStatistics, is_benchmark: bool = False) -> dict:
    """PSR, moments and bootstrap intervals (a benchmark has no PSR or difference against itself)."""
    fields = {
        "psr": number(stats.psr),
        "psr_vs_benchmark": number(stats.psr_vs_benchmark),
        "sharpe_per_period": number(stats.sharpe_per_period),
        "skewness": number(stats.skewness),
        "kurtosis": number(stats.kurtosis),
        **{f"{figure}_ci": interval(stats.intervals[figure]) for figure in statistics.INTERVAL_FIGURES},
    }
    if is_benchmark:
        del fields["psr_vs_benchmark"], fields["sharpe_diff_ci"]
    return fields


def cost_rows(costs: pd.DataFrame) -> list[dict]:
    """One entry a (lag_days, fees_bps) variant and its figures."""
    return [{k: (number(v) if isinstance(v, float) else int(v)) for k, v in row.items()} for row in costs.to_dict("records")]


def episode_fields(returns: pd.Series) -> dict:
    return {name: number(value) for name, value in returns.items()}


def attention_test_fields(test: AttentionTest, placebo: str) -> dict:
    return {
        "observed_sharpe": number(test.observed_sharpe),
        "exposure_matched_size": test.exposure_matched_size,
        "exposure_matched_sharpe": number(test.exposure_matched_sharpe),
        "permutation_p_value": number(test.p_value),
        "n_permutations": test.n_permutations,
        "seed": test.seed,
        "placebo": placebo,
        "placebo_sharpe_median": number(test.null_quantile(0.5)),
        "placebo_sharpe_p05": number(test.null_quantile(0.05)),
        "placebo_sharpe_p95": number(test.null_quantile(0.95)),
        "verdict": test.verdict,
    }


def attention_fields(summary: AttentionSummary) -> dict:
    return {
        "column": summary.column, "degenerate": summary.degenerate, "mean": summary.mean, "std": summary.std,
        **({"steps": summary.steps} if summary.steps is not None else {}),
    }


# ---------------------------------------------------------------- single-asset models and strategies

def model_fields(m: ModelResult, periods_per_year: int) -> dict:
    """`models.<id>` of a single-asset model."""
    fields = {
        "name": m.config.name,
        "start": m.output.index[0].date().isoformat(),
        "end": m.output.index[-1].date().isoformat(),
        "rows": len(m.output),
        "attention": attention_fields(m.attention),
        **({"informativeness": _informativeness_fields(m)} if m.informativeness is not None else {}),
        "benchmark": figures(m.benchmark_metrics),
    }
    robust = m.robustness
    if robust is not None:
        fields["bootstrap_block_days"] = robust.block_days
        fields["benchmark"].update(statistics_fields(robust.benchmark_statistics, is_benchmark=True))
        fields["benchmark"]["episodes"] = episode_fields(robust.benchmark_episode_returns)
    return fields


def strategy_fields(m: ModelResult, s) -> dict:
    """`strategies.<id>`: its figures, trades, attention test and overlays, then its statistics,
    cost/lag variants, episode returns and ablation."""
    fields = {
        "name": s.config.name,
        "model": m.id,
        **figures(s.metrics),
        "sharpe_365": number(s.sharpe_vectorbt_default),
        "total_trades": s.total_trades,
        "open_trades": s.open_trades,
        "closed_trades": s.total_trades - s.open_trades,
        "total_fees": s.total_fees,
        "mean_exposure": float(s.exposure.mean()),
        "time_in_market": s.time_in_market,
        **({"attention_test": attention_test_fields(s.attention_test, STRATEGY_PLACEBO)} if s.attention_test else {}),
        **({"overlays": s.overlays.settings()} if s.overlays.groups else {}),
    }
    robust = m.robustness
    if robust is not None:
        fields.update(statistics_fields(robust.statistics[s.id]))
        fields["costs"] = cost_rows(robust.costs[s.id])
        fields["episodes"] = episode_fields(robust.episode_returns[s.id])
        if s.id in robust.ablations:
            fields["ablation"] = ablation_fields(robust.ablations[s.id])
    return fields


def _informativeness_fields(model: ModelResult) -> dict:
    info = model.informativeness
    c = info.calibration
    return {
        "forward_return": "simple return from the close of each prediction date to the next close",
        "scores": {name: {"mean": s.mean, "std": s.std, "degenerate": s.degenerate} for name, s in model.score_summaries.items()},
        "rank_ic": {
            ic.factor: {
                "ic": number(ic.ic), "p_value_newey_west": number(ic.p_value), "n": ic.n, "newey_west_lags": ic.lags,
                "undefined": ic.undefined or None,
            }
            for ic in info.rank_ics
        },
        "calibration": {
            "brier": c.brier, "brier_base_rate": c.brier_base_rate, "auc": number(c.auc), "accuracy": c.accuracy,
            "always_up_accuracy": c.always_up_accuracy, "n": c.n,
        },
    }


def sweep_fields(sweep: SweepResult, periods_per_year: int) -> dict:
    """`sweeps.<model id>`: the grid, its best configuration and its deflated Sharpe."""
    table = sweep.table
    params = ["threshold", "attention_quantile", "attention_level", "sizing", "size_scale", "min_hold_days", "vol_target", "stop_loss"]
    shown = ["sharpe", "cagr", "max_drawdown", "total_return", "total_trades"]

    def row(i: int) -> dict:
        values = table.loc[i, params + shown]
        return {
            k: v if isinstance(v, str) else int(v) if k in ("total_trades", "min_hold_days") else number(v) for k, v in values.items()
        }

    return {
        "n_configs": len(table),
        "n_trials": sweep.n_trials,
        "grid": {key: sorted(set(table[key].tolist())) for key in params if key != "attention_level"},
        "n_ablation_trials": sweep.n_extra_trials,
        "best": row(sweep.best) if sweep.best >= 0 else None,
        "deflated_sharpe": number(sweep.deflated_sharpe),
        "expected_max_sharpe": number(sweep.expected_max_sharpe * np.sqrt(periods_per_year)),
        "trial_sharpe_std": number(np.sqrt(sweep.sharpe_variance * periods_per_year)),
        "configured": {sid: row(i) for sid, i in sweep.configured.items()},
        "off_grid": sweep.off_grid,
    }


def ablation_fields(table: pd.DataFrame) -> list[dict]:
    """`strategies.<id>.ablation`: one entry a variant, the base first."""
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


# ---------------------------------------------------------------- universe models and portfolios

def universe_model_fields(model: UniverseModelResult) -> dict:
    """`models.<id>` of a universe model."""
    benchmark = {"name": model.benchmark_name, **figures(model.benchmark_metrics)}
    if model.benchmark_statistics is not None:
        benchmark.update(statistics_fields(model.benchmark_statistics, is_benchmark=True))
    if model.benchmark_episode_returns is not None:
        benchmark["episodes"] = episode_fields(model.benchmark_episode_returns)
    return {
        "name": model.config.name,
        "kind": "universe",
        "assets": model.assets,
        "start": model.dates[0].date().isoformat(),
        "end": model.dates[-1].date().isoformat(),
        "rows": int(model.prediction.notna().to_numpy().sum()),
        "fixed_universe": model.membership is None, "delistings": {a: d.date().isoformat() for a, d in delisting_dates(model.prices).items()},
        "attention": attention_fields(model.attention),
        **({} if model.block_days is None else {"bootstrap_block_days": model.block_days}),
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


def portfolio_fields(model: UniverseModelResult, p: PortfolioResult) -> dict:
    """`portfolios.<id>`: its figures, holdings and trades, then its statistics, cost/lag
    variants, episode returns and attention test."""
    fields = {
        "name": p.config.name,
        "model": model.id,
        **figures(p.metrics),
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
        fields["costs"] = cost_rows(p.costs)
    if p.episode_returns is not None:
        fields["episodes"] = episode_fields(p.episode_returns)
    if p.attention_test is not None:
        fields["attention_test"] = attention_test_fields(p.attention_test, PORTFOLIO_PLACEBO)
    return fields
