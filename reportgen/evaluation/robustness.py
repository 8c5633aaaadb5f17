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

from reportgen.evaluation import ablation
from reportgen.analysis import backtest, bootstrap, metrics, overlays, statistics, sweeps
from reportgen.compute import blocks
from reportgen.compute.progress import tracked
from reportgen.inputs import episodes
from reportgen.inputs.config import Config, StrategyConfig
from reportgen.results import ModelResult, ModelRobustness, SeriesStatistics, SweepResult


def column_figures(
    returns: pd.DataFrame, periods_per_year: int, risk_free: pd.Series | None, invested: pd.DataFrame | np.ndarray | None = None
) -> pd.DataFrame:
    """Headline figures of every column at once: one row a column (Sharpe of the excess returns,
    `invested` the share held in assets each day, see metrics.excess_returns)."""
    values = returns.to_numpy(dtype=float)
    excess = metrics.excess_returns(returns, risk_free, invested).to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "total_return": metrics.total_returns(values),
            "cagr": metrics.cagrs(values, periods_per_year),
            "sharpe": metrics.sharpe_ratios(excess, periods_per_year, invested),
            "max_drawdown": metrics.max_drawdowns(values),
        },
        index=returns.columns,
    )


def block_columns(config: Config, n_rows: int, bytes_per_cell: float) -> int:
    """How many columns of `n_rows` rows one block holds within `[compute] memory_mb`."""
    budget = config.compute.memory_mb or blocks.DEFAULT_MEMORY_MB
    return blocks.columns_per_block(n_rows, bytes_per_cell, budget)


def cost_tables(config: Config, model: ModelResult) -> dict[str, pd.DataFrame]:
    """Each strategy at every fee level, filled at the signal's close and `execution_lag_days` later.

    Strategies are simulated a block at a time (all variants of a strategy in one block)."""
    if not model.strategies:
        return {}
    sweep = config.sweep
    lags = [0, sweep.execution_lag_days]
    variants_each = len(sweep.fees_bps) * len(lags)
    per_block = max(1, block_columns(config, len(model.price), backtest.RETURNS_BYTES_PER_CELL) // variants_each)
    tables = {}
    for block in blocks.column_blocks(len(model.strategies), per_block):
        tables.update(_cost_block(config, model, model.strategies[block], lags))
    return tables


def _cost_block(config: Config, model: ModelResult, strategies, lags: list[int]) -> dict[str, pd.DataFrame]:
    variants = sweeps.cost_timing_columns(
        pd.DataFrame({s.id: s.signal for s in strategies}),
        pd.DataFrame({s.id: s.size for s in strategies}),
        config.sweep.fees_bps,
        lags,
    )
    kinds = {s.id: s.config.size_type for s in strategies}
    simulation = backtest.simulated_totals(
        model.price,
        variants.signal,
        variants.size,
        [kinds[c] for c in variants.params["source"]],
        init_cash=config.backtest.init_cash,
        fees=(variants.params["fees_bps"] / 1e4).to_list(),
    )
    table = variants.params.join(
        column_figures(simulation.returns, config.backtest.periods_per_year, model.risk_free, simulation.invested)
    ).assign(
        total_fees=simulation.total_fees.to_numpy(), total_trades=simulation.total_trades.to_numpy()
    )
    return {
        sid: rows.drop(columns="source").reset_index(drop=True)
        for sid, rows in table.groupby("source", sort=False)
    }


def sweep_result(config: Config, model: ModelResult, extra_trials: backtest.ColumnReturns | None = None) -> SweepResult:
    """The grid (every configuration under every combination of overlays) simulated a block of
    configurations at a time; the deflated Sharpe ratio of its best configuration. Only the
    figures, a digest of each configuration's returns (to count distinct trials) and each block's
    best returns are kept, never every configuration's returns. `extra_trials` (the ablation
    variants' daily returns) are pooled with the grid's when counting distinct trials and their
    variance; the best is still the grid's."""
    sweep, ppy = config.sweep, config.backtest.periods_per_year
    output = model.output
    grid = sweeps.sweep_grid(
        output["attention"], sweep.thresholds, sweep.attention_quantiles, sweep.sizings, sweep.size_scales,
        sweep.min_hold_days, sweep.vol_targets, sweep.stop_losses,
    )
    per_block = block_columns(config, len(model.price), backtest.RETURNS_BYTES_PER_CELL)
    figures, keys, best_returns = [], [], {}
    for block in tracked(blocks.column_blocks(len(grid), per_block), f"model {model.config.id}: sweep of {len(grid):,} configurations"):
        columns = sweeps.sweep_block(
            output["prediction"], output["attention"], grid.iloc[block], model.price, sweep.vol_window_days, ppy
        )
        simulation = backtest.simulated_totals(
            model.price, columns.signal, columns.size, "percent",
            init_cash=config.backtest.init_cash, fees=config.backtest.fees,
        )
        del columns
        block_figures = column_figures(simulation.returns, ppy, model.risk_free, simulation.invested).assign(
            total_trades=simulation.total_trades.to_numpy()
        )
        figures.append(block_figures)
        keys += sweeps.column_keys(simulation.returns.to_numpy(dtype=float))
        if block_figures["sharpe"].notna().any():
            best_in_block = int(block_figures["sharpe"].idxmax())
            best = metrics.excess_returns(
                simulation.returns[best_in_block], model.risk_free, simulation.invested[best_in_block]
            )
            best_returns[best_in_block] = best.to_numpy(dtype=float)
    table = grid.join(pd.concat(figures))
    defined = np.flatnonzero(table["sharpe"].notna().to_numpy())
    extra = pd.DataFrame(index=model.price.index) if extra_trials is None else extra_trials.returns
    extra_invested = None if extra_trials is None else extra_trials.invested
    extra_sharpe = column_figures(extra, ppy, model.risk_free, extra_invested)["sharpe"].to_numpy()
    extra = extra.loc[:, ~np.isnan(extra_sharpe)]
    pooled = [keys[i] for i in defined] + sweeps.column_keys(extra.to_numpy(dtype=float))
    distinct = sweeps.distinct_columns(pooled) if pooled else np.array([], dtype=int)
    trials = defined[distinct[distinct < len(defined)]]
    table["trial"] = np.isin(np.arange(len(table)), trials)
    pooled_sharpe = np.concatenate([table["sharpe"].to_numpy()[defined], extra_sharpe[~np.isnan(extra_sharpe)]])
    per_period = pooled_sharpe[distinct] / np.sqrt(ppy)
    n_trials = len(distinct)
    variance = float(np.var(per_period, ddof=1)) if n_trials > 1 else 0.0
    best = int(table["sharpe"].idxmax()) if len(defined) else -1
    deflated = (
        statistics.deflated_sharpe_ratio(statistics.sharpe_moments(best_returns[best]), n_trials, variance)
        if best >= 0 else float("nan")
    )
    configured, off_grid = {}, {}
    for strategy in model.strategies:
        row, reason = _grid_row(grid, strategy.config, sweep.vol_window_days)
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


def series_statistics(
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


def _bootstrap_intervals(
    config: Config, returns: pd.DataFrame, benchmark: pd.Series, indices: np.ndarray, risk_free: pd.Series | None,
    invested: pd.DataFrame | None = None, benchmark_invested: pd.Series | None = None,
) -> pd.DataFrame:
    """Bootstrap intervals of every column of `returns` (the Sharpe difference against
    `benchmark`), a block of resamples at a time; `invested` and `benchmark_invested` the shares
    held in assets each day (None: fully invested; see metrics.excess_returns)."""
    ppy, confidence = config.backtest.periods_per_year, config.statistics.confidence
    per_block = max(2, block_columns(config, len(benchmark), statistics.BOOTSTRAP_BYTES_PER_CELL))
    label = f"bootstrap: {len(indices):,} resamples of {len(returns.columns)} series"
    draws = [
        statistics.bootstrap_draws(returns, benchmark, indices[block], ppy, risk_free, invested, benchmark_invested)
        for block in tracked(blocks.column_blocks(len(indices), per_block, smallest=2), label)
    ]
    return statistics.draw_intervals(np.concatenate(draws, axis=2), returns.columns, confidence)


def model_robustness(config: Config, model: ModelResult, market_episodes: pd.DataFrame) -> ModelRobustness:
    """Costs and timing, the parameter sweep, the Sharpe statistics and the market episodes of a model."""
    settings = config.statistics
    returns = pd.DataFrame({s.id: s.returns for s in model.strategies}, index=model.benchmark_returns.index)
    block_days = settings.block_length_days or bootstrap.expected_block_days(model.benchmark_returns)
    indices = bootstrap.stationary_bootstrap_indices(
        len(returns), block_days, settings.bootstrap_resamples, settings.bootstrap_seed
    )
    benchmark, risk_free = model.benchmark_returns, model.risk_free
    invested = pd.DataFrame({s.id: metrics.invested_shares(s.exposure) for s in model.strategies}, index=returns.index)
    intervals = _bootstrap_intervals(config, returns, benchmark, indices, risk_free, invested)
    benchmark_intervals = _bootstrap_intervals(config, benchmark.to_frame(), benchmark, indices, risk_free).iloc[0]
    excess = metrics.excess_returns(returns, risk_free, invested)
    benchmark_excess = metrics.excess_returns(benchmark, risk_free)
    benchmark_sharpe = statistics.sharpe_moments(benchmark_excess).sharpe
    overlapping = episodes.episodes_within(market_episodes, returns.index)
    ablations, ablation_returns = ablation.ablation_tables(
        config, model,
        lambda variants, base, held, base_held: _bootstrap_intervals(config, variants, base, indices, risk_free, held, base_held),
    )
    return ModelRobustness(
        statistics={
            sid: series_statistics(excess[sid], benchmark_sharpe, intervals.loc[sid]) for sid in returns.columns
        },
        benchmark_statistics=series_statistics(
            benchmark_excess, benchmark_sharpe, benchmark_intervals, is_benchmark=True
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
