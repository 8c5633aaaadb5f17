"""Robustness of one model's strategies: wires the sensitivity stages as pipeline.py wires the
report (the numbers come from backtest, sweeps, statistics, bootstrap and episodes), and shapes
their results into metrics.json fields.

    strategies' signals -> costs x execution lag (one simulation) -> figures per variant
    grid of parameters  -> sweep (one simulation)                 -> figures, deflated Sharpe
    daily returns       -> PSR, stationary block-bootstrap intervals, returns per market episode
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen import ablation
from reportgen.analysis import backtest, bootstrap, overlays, statistics, sweeps
from reportgen.inputs import episodes
from reportgen.inputs.config import Config, StrategyConfig
from reportgen.results import ModelResult, ModelRobustness, SeriesStatistics, SweepResult


def _figures(returns: pd.DataFrame, periods_per_year: int) -> pd.DataFrame:
    """Headline figures of every column at once: one row a column."""
    values = returns.to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "total_return": statistics.total_returns(values),
            "cagr": statistics.cagrs(values, periods_per_year),
            "sharpe": statistics.sharpe_ratios(values, periods_per_year),
            "max_drawdown": statistics.max_drawdowns(values),
        },
        index=returns.columns,
    )


def cost_tables(config: Config, model: ModelResult) -> dict[str, pd.DataFrame]:
    """Each strategy at every fee level, filled at the signal's close and `execution_lag_days` later."""
    if not model.strategies:
        return {}
    sweep = config.sweep
    variants = sweeps.cost_timing_columns(
        pd.DataFrame({s.id: s.signal for s in model.strategies}),
        pd.DataFrame({s.id: s.size for s in model.strategies}),
        sweep.fees_bps,
        [0, sweep.execution_lag_days],
    )
    kinds = {s.id: s.config.size_type for s in model.strategies}
    simulation = backtest.simulate(
        model.price,
        variants.signal,
        variants.size,
        [kinds[c] for c in variants.params["source"]],
        init_cash=config.backtest.init_cash,
        fees=(variants.params["fees_bps"] / 1e4).to_list(),
    )
    table = variants.params.join(_figures(simulation.returns, config.backtest.periods_per_year)).assign(
        total_fees=simulation.total_fees.to_numpy(), total_trades=simulation.total_trades.to_numpy()
    )
    return {
        sid: rows.drop(columns="source").reset_index(drop=True)
        for sid, rows in table.groupby("source", sort=False)
    }


def sweep_result(config: Config, model: ModelResult, extra_trials: pd.DataFrame | None = None) -> SweepResult:
    """The whole grid as one simulation; the deflated Sharpe ratio of its best configuration."""
    sweep, ppy = config.sweep, config.backtest.periods_per_year
    blocks = sweeps.overlay_blocks(
        sweeps.sweep_columns(
            model.output["prediction"], model.output["attention"],
            sweep.thresholds, sweep.attention_quantiles, sweep.sizings, sweep.size_scales,
        ),
        model.price, sweep.min_hold_days, sweep.vol_targets, sweep.vol_window_days, sweep.stop_losses, ppy,
    )
    params, block_returns, block_trades = [], [], []
    for block in blocks:
        simulated, trades = backtest.simulated_returns_and_trades(
            model.price, block.signal, block.size, "percent", config.backtest.init_cash, config.backtest.fees
        )
        params.append(block.params)
        block_returns.append(simulated.to_numpy(dtype=float))
        block_trades.append(trades.to_numpy())
    returns = np.hstack(block_returns)
    grid_returns = pd.DataFrame(returns, index=model.price.index)
    table = pd.concat(params, ignore_index=True).join(_figures(grid_returns, ppy)).assign(
        total_trades=np.concatenate(block_trades)
    )
    defined = np.flatnonzero(table["sharpe"].notna().to_numpy())
    extra = np.empty((len(returns), 0)) if extra_trials is None else extra_trials.to_numpy(dtype=float)
    extra_sharpe = statistics.sharpe_ratios(extra, ppy)
    extra = extra[:, ~np.isnan(extra_sharpe)]
    pooled = np.hstack([returns[:, defined], extra])
    distinct = sweeps.distinct_columns(pooled) if pooled.shape[1] else np.array([], dtype=int)
    trials = defined[distinct[distinct < len(defined)]]
    table["trial"] = np.isin(np.arange(len(table)), trials)
    pooled_sharpe = np.concatenate([table["sharpe"].to_numpy()[defined], extra_sharpe[~np.isnan(extra_sharpe)]])
    per_period = pooled_sharpe[distinct] / np.sqrt(ppy)
    n_trials = len(distinct)
    variance = float(np.var(per_period, ddof=1)) if n_trials > 1 else 0.0
    best = int(table["sharpe"].idxmax()) if len(defined) else -1
    deflated = (
        statistics.deflated_sharpe_ratio(statistics.sharpe_moments(returns[:, best]), n_trials, variance)
        if best >= 0 else float("nan")
    )
    configured, off_grid = {}, {}
    for strategy in model.strategies:
        row, reason = _grid_row(table, strategy.config, sweep.vol_window_days)
        if row is None:
            off_grid[strategy.id] = reason
        else:
            configured[strategy.id] = row
    return SweepResult(
        table=table,
        n_trials=n_trials,
        n_extra_trials=n_trials - len(trials),
        sharpe_variance=variance,
        expected_max_sharpe=statistics.expected_max_sharpe(n_trials, variance),
        best=best,
        deflated_sharpe=deflated,
        configured=configured,
        off_grid=off_grid,
    )


def _grid_row(params: pd.DataFrame, strategy: StrategyConfig, vol_window_days: int) -> tuple[int | None, str]:
    return sweeps.grid_position(
        params, strategy.threshold, strategy.attention_threshold, strategy.sizing, strategy.size_type,
        overlays.strategy_overlays(strategy), vol_window_days,
    )


def _series_statistics(
    returns: pd.Series, benchmark_sharpe: float, intervals: pd.Series, is_benchmark: bool = False
) -> SeriesStatistics:
    moments = statistics.sharpe_moments(returns)
    psr = statistics.probabilistic_sharpe_ratio
    return SeriesStatistics(
        sharpe_per_period=moments.sharpe,
        skewness=moments.skewness,
        kurtosis=moments.kurtosis,
        n_observations=moments.n_observations,
        psr=psr(moments.sharpe, 0.0, moments.skewness, moments.kurtosis, moments.n_observations),
        psr_vs_benchmark=float("nan") if is_benchmark else psr(
            moments.sharpe, benchmark_sharpe, moments.skewness, moments.kurtosis, moments.n_observations
        ),
        intervals={
            figure: (float("nan"), float("nan")) if is_benchmark and figure == "sharpe_diff"
            else (float(intervals[f"{figure}_low"]), float(intervals[f"{figure}_high"]))
            for figure in statistics.INTERVAL_FIGURES
        },
    )


def model_robustness(config: Config, model: ModelResult, market_episodes: pd.DataFrame) -> ModelRobustness:
    """Costs and timing, the parameter sweep, the Sharpe statistics and the market episodes of a model."""
    settings, ppy = config.statistics, config.backtest.periods_per_year
    returns = pd.DataFrame({s.id: s.returns for s in model.strategies}, index=model.benchmark_returns.index)
    block_days = settings.block_length_days or bootstrap.expected_block_days(model.benchmark_returns)
    indices = bootstrap.stationary_bootstrap_indices(
        len(returns), block_days, settings.bootstrap_resamples, settings.bootstrap_seed
    )
    benchmark = model.benchmark_returns
    intervals = statistics.bootstrap_intervals(returns, benchmark, indices, ppy, settings.confidence)
    benchmark_intervals = statistics.bootstrap_intervals(
        benchmark.to_frame(), benchmark, indices, ppy, settings.confidence
    ).iloc[0]
    benchmark_sharpe = statistics.sharpe_moments(model.benchmark_returns).sharpe
    overlapping = episodes.episodes_within(market_episodes, returns.index)
    ablations, ablation_returns = ablation.ablation_tables(config, model, indices)
    return ModelRobustness(
        statistics={
            sid: _series_statistics(returns[sid], benchmark_sharpe, intervals.loc[sid]) for sid in returns.columns
        },
        benchmark_statistics=_series_statistics(
            benchmark, benchmark_sharpe, benchmark_intervals, is_benchmark=True
        ),
        costs=cost_tables(config, model),
        episodes=overlapping,
        episode_returns=episodes.episode_returns(returns, overlapping),
        benchmark_episode_returns=episodes.episode_returns(model.benchmark_returns.to_frame("benchmark"), overlapping)["benchmark"],
        sweep=sweep_result(config, model, ablation_returns) if config.sweep.enabled else None,
        block_days=block_days,
        block_days_estimated=settings.block_length_days is None,
        resamples=settings.bootstrap_resamples,
        seed=settings.bootstrap_seed,
        confidence=settings.confidence,
        fees_bps=list(config.sweep.fees_bps),
        execution_lag_days=config.sweep.execution_lag_days,
        ablations=ablations,
        ablation_sentences={sid: ablation.ablation_sentence(t, settings.confidence) for sid, t in ablations.items()},
    )


# ---------------------------------------------------------------- metrics.json fields

def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _interval(bounds: tuple[float, float]) -> list[float | None]:
    """[low, high]; [null, null] when undefined (a strategy that never trades has no Sharpe)."""
    if any(np.isnan(b) for b in bounds):
        return [None, None]
    return [float(b) for b in bounds]


def _statistics_fields(stats: SeriesStatistics) -> dict:
    return {
        "psr": _number(stats.psr),
        "psr_vs_benchmark": _number(stats.psr_vs_benchmark),
        "sharpe_per_period": _number(stats.sharpe_per_period),
        "skewness": _number(stats.skewness),
        "kurtosis": _number(stats.kurtosis),
        **{f"{figure}_ci": _interval(stats.intervals[figure]) for figure in statistics.INTERVAL_FIGURES},
    }


def strategy_fields(robust: ModelRobustness, strategy_id: str) -> dict:
    """The statistics, cost/lag variants and episode returns of one strategy, for metrics.json."""
    costs = robust.costs[strategy_id]
    return {
        **_statistics_fields(robust.statistics[strategy_id]),
        "costs": [
            {k: (_number(v) if isinstance(v, float) else int(v)) for k, v in row.items()}
            for row in costs.to_dict("records")
        ],
        "episodes": {name: _number(value) for name, value in robust.episode_returns[strategy_id].items()},
        **({"ablation": ablation.ablation_fields(robust.ablations[strategy_id])} if strategy_id in robust.ablations else {}),
    }


def benchmark_fields(robust: ModelRobustness) -> dict:
    fields = _statistics_fields(robust.benchmark_statistics)
    for key in ("psr_vs_benchmark", "sharpe_diff_ci"):
        fields.pop(key)
    return {**fields, "episodes": {k: _number(v) for k, v in robust.benchmark_episode_returns.items()}}


def sweep_fields(sweep: SweepResult, periods_per_year: int) -> dict:
    """`sweeps.<model id>` of metrics.json: the grid, its best configuration and its deflated Sharpe."""
    table = sweep.table
    params = ["threshold", "attention_quantile", "attention_level", "sizing", "size_scale", "min_hold_days", "vol_target", "stop_loss"]
    figures = ["sharpe", "cagr", "max_drawdown", "total_return", "total_trades"]

    def row(i: int) -> dict:
        values = table.loc[i, params + figures]
        return {
            k: v if isinstance(v, str) else int(v) if k in ("total_trades", "min_hold_days") else _number(v) for k, v in values.items()
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
        "deflated_sharpe": _number(sweep.deflated_sharpe),
        "expected_max_sharpe": _number(sweep.expected_max_sharpe * np.sqrt(periods_per_year)),
        "trial_sharpe_std": _number(np.sqrt(sweep.sharpe_variance * periods_per_year)),
        "configured": {sid: row(i) for sid, i in sweep.configured.items()},
        "off_grid": sweep.off_grid,
    }
