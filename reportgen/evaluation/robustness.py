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
    configurations at a time; the deflated Sharpe ratio of its best configuration. `extra_trials`
    (the ablation variants' daily returns) are pooled with the grid's when counting distinct
    trials and their variance; the best is still the grid's."""
    sweep = settings.sweep
    grid = sweeps.sweep_grid(
        model.output["attention"], sweep.thresholds, sweep.attention_quantiles, sweep.sizings, sweep.size_scales,
        sweep.min_hold_days, sweep.vol_targets, sweep.stop_losses,
    )
    figures, keys, best_returns = _simulated_grid(settings, model, grid)
    table = grid.join(figures)
    extra = backtest.ColumnReturns(pd.DataFrame(index=model.price.index), None) if extra_trials is None else extra_trials
    trials, pooled_sharpe = _distinct_trials(table["sharpe"], keys, extra, settings.periods_per_year, model.risk_free)
    table["trial"] = np.isin(np.arange(len(table)), trials[trials < len(table)])
    n_trials = len(trials)
    variance = float(np.var(pooled_sharpe / np.sqrt(settings.periods_per_year), ddof=1)) if n_trials > 1 else 0.0
    best = int(table["sharpe"].idxmax()) if table["sharpe"].notna().any() else -1
    configured, off_grid = _configured_rows(grid, model.strategies, sweep.vol_window_days)
    return SweepResult(
        table=table,
        n_trials=n_trials,
        n_extra_trials=int((trials >= len(table)).sum()),
        sharpe_variance=variance,
        expected_max_sharpe=statistics.expected_max_sharpe(n_trials, variance),
        best=best,
        deflated_sharpe=(
            statistics.deflated_sharpe_ratio(statistics.sharpe_moments(best_returns[best]), n_trials, variance)
            if best >= 0 else float("nan")
        ),
        configured=configured,
        off_grid=off_grid,
    )


def _simulated_grid(
    settings: engine.Settings, model: ModelResult, grid: pd.DataFrame
) -> tuple[pd.DataFrame, list[bytes], dict[int, np.ndarray]]:
    """The figures of every configuration of `grid` (one row each), a digest of each one's returns
    (to count distinct trials) and each block's best excess returns: a block of configurations
    at a time, never every configuration's returns at once."""
    ppy, output = settings.periods_per_year, model.output
    per_block = settings.block_columns(len(model.price), backtest.RETURNS_BYTES_PER_CELL)
    figures, keys, best_returns = [], [], {}
    for block in tracked(blocks.column_blocks(len(grid), per_block), f"model {model.config.id}: sweep of {len(grid):,} configurations"):
        columns = sweeps.sweep_block(
            output["prediction"], output["attention"], grid.iloc[block], model.price, settings.sweep.vol_window_days, ppy
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
    return pd.concat(figures), keys, best_returns


def _distinct_trials(
    sharpe: pd.Series, keys: list[bytes], extra: backtest.ColumnReturns, periods_per_year: int, risk_free: pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct trials among the grid's configurations with a defined Sharpe (`sharpe`, whose
    returns' digests are `keys`) and the extra trials after them: their positions (a grid row, or
    len(sharpe) + k for extra column k among those defined) and their annualised Sharpe ratios."""
    defined = np.flatnonzero(sharpe.notna().to_numpy())
    extra_sharpe = engine.column_figures(extra.returns, periods_per_year, risk_free, extra.invested)["sharpe"].to_numpy()
    kept = extra.returns.loc[:, ~np.isnan(extra_sharpe)]
    pooled = [keys[i] for i in defined] + sweeps.column_keys(kept.to_numpy(dtype=float))
    distinct = sweeps.distinct_columns(pooled) if pooled else np.array([], dtype=int)
    positions = np.concatenate([defined, len(sharpe) + np.arange(kept.shape[1])])[distinct]
    pooled_sharpe = np.concatenate([sharpe.to_numpy()[defined], extra_sharpe[~np.isnan(extra_sharpe)]])
    return positions, pooled_sharpe[distinct]


def _configured_rows(grid: pd.DataFrame, strategies, vol_window_days: int) -> tuple[dict[str, int], dict[str, str]]:
    """The grid row running each strategy's rules, or why none does."""
    configured, off_grid = {}, {}
    for strategy in strategies:
        row, reason = _grid_row(grid, strategy.config, vol_window_days)
        if row is None:
            off_grid[strategy.id] = reason
        else:
            configured[strategy.id] = row
    return configured, off_grid


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
