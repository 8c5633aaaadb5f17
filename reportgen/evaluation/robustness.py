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

from reportgen.analysis import backtest, metrics, overlays, statistics, sweeps
from reportgen.evaluation import ablation, engine
from reportgen.compute import blocks
from reportgen.compute.progress import tracked
from reportgen.inputs.config import StrategyConfig
from reportgen.results import ModelResult, ModelRobustness, SweepResult


def cost_tables(settings: engine.Settings, model: ModelResult) -> dict[str, pd.DataFrame]:
    """Each strategy at every fee level, filled at the signal's close and `execution_lag_days` later.

    Strategies are simulated a block at a time (all variants of a strategy in one block)."""
    if not model.strategies:
        return {}
    lags = settings.lags
    variants_each = len(settings.fees_bps) * len(lags)
    per_block = max(1, settings.block_columns(len(model.price), backtest.RETURNS_BYTES_PER_CELL) // variants_each)
    tables = {}
    for block in blocks.column_blocks(len(model.strategies), per_block):
        tables.update(_cost_block(settings, model, model.strategies[block], lags))
    return tables


def _cost_block(settings: engine.Settings, model: ModelResult, strategies, lags: list[int]) -> dict[str, pd.DataFrame]:
    variants = sweeps.cost_timing_columns(
        pd.DataFrame({s.id: s.signal for s in strategies}),
        pd.DataFrame({s.id: s.size for s in strategies}),
        settings.fees_bps,
        lags,
    )
    kinds = {s.id: s.config.size_type for s in strategies}
    simulation = backtest.simulated_totals(backtest.Orders(
        model.price, variants.signal, variants.size, [kinds[c] for c in variants.params["source"]], settings.init_cash,
        (variants.params["fees_bps"] / 1e4).to_list(),
    ))
    totals = {"total_fees": simulation.total_fees.to_numpy(), "total_trades": simulation.total_trades.to_numpy()}
    return engine.cost_lag_tables(
        variants.params, simulation.returns, simulation.invested, model.risk_free, settings, totals
    )


def sweep_result(settings: engine.Settings, model: ModelResult, extra_trials: backtest.ColumnReturns | None = None) -> SweepResult:
    """The grid (every configuration under every combination of overlays) simulated a block of
    configurations at a time; the deflated Sharpe ratio of its best configuration. Only the
    figures, a digest of each configuration's returns (to count distinct trials) and each block's
    best returns are kept, never every configuration's returns. `extra_trials` (the ablation
    variants' daily returns) are pooled with the grid's when counting distinct trials and their
    variance; the best is still the grid's."""
    sweep, ppy = settings.sweep, settings.periods_per_year
    output = model.output
    grid = sweeps.sweep_grid(
        output["attention"], sweep.thresholds, sweep.attention_quantiles, sweep.sizings, sweep.size_scales,
        sweep.min_hold_days, sweep.vol_targets, sweep.stop_losses,
    )
    per_block = settings.block_columns(len(model.price), backtest.RETURNS_BYTES_PER_CELL)
    figures, keys, best_returns = [], [], {}
    for block in tracked(blocks.column_blocks(len(grid), per_block), f"model {model.config.id}: sweep of {len(grid):,} configurations"):
        columns = sweeps.sweep_block(
            output["prediction"], output["attention"], grid.iloc[block], model.price, sweep.vol_window_days, ppy
        )
        simulation = backtest.simulated_totals(
            backtest.Orders(model.price, columns.signal, columns.size, "percent", settings.init_cash, settings.fees)
        )
        del columns
        block_figures = engine.column_figures(simulation.returns, ppy, model.risk_free, simulation.invested).assign(
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
    extra_sharpe = engine.column_figures(extra, ppy, model.risk_free, extra_invested)["sharpe"].to_numpy()
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


def model_robustness(settings: engine.Settings, model: ModelResult, market_episodes: pd.DataFrame) -> ModelRobustness:
    """Costs and timing, the parameter sweep, the Sharpe statistics and the market episodes of a model."""
    returns = pd.DataFrame({s.id: s.returns for s in model.strategies}, index=model.benchmark_returns.index)
    benchmark, risk_free = model.benchmark_returns, model.risk_free
    invested = pd.DataFrame({s.id: metrics.invested_shares(s.exposure) for s in model.strategies}, index=returns.index)
    trusted = engine.sharpe_statistics(returns, invested, benchmark, risk_free, settings)
    episodes = engine.episode_returns(returns, benchmark, market_episodes)
    indices = trusted.resampling.indices
    ablations, ablation_returns = ablation.ablation_tables(
        settings, model,
        lambda variants, base, held, base_held: engine.bootstrap_intervals(
            variants, base, indices, settings, risk_free, invested=held, benchmark_invested=base_held
        ),
    )
    return ModelRobustness(
        statistics=trusted.series,
        benchmark_statistics=trusted.benchmark,
        costs=cost_tables(settings, model),
        episodes=episodes.episodes,
        episode_returns=episodes.returns,
        benchmark_episode_returns=episodes.benchmark,
        sweep=sweep_result(settings, model, ablation_returns) if settings.sweep is not None else None,
        block_days=trusted.resampling.block_days,
        block_days_estimated=trusted.resampling.block_days_estimated,
        resamples=settings.resamples,
        seed=settings.bootstrap_seed,
        confidence=settings.confidence,
        fees_bps=list(settings.fees_bps),
        execution_lag_days=settings.execution_lag_days,
        ablations=ablations,
        ablation_sentences={sid: ablation.ablation_sentence(t, settings.confidence) for sid, t in ablations.items()},
    )
