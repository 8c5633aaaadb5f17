"""The placebo of an attention-weighted portfolio as tasks: ranges of runs (engine.run_ranges)
that map_tasks runs here, on forked workers or on a Dask cluster.

    placebo_job(...)      the runs as a job (compute.jobs) and the exposure-matched control
    placebo_sharpes       one task: the Sharpe ratios of a range of runs
    attention_test(...)   the test from the observed portfolio, its control and every run

Each run depends on its own number alone (it is seeded from it), and no range holds a single run,
so the figures do not depend on how the runs are split or where they run
(tests/test_universe_build.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from reportgen.analysis import attention, attention_tests, bootstrap, metrics, portfolios
from reportgen.analysis.portfolio_backtest import SparseOrders, block_returns, sparse_returns
from reportgen.compute import blocks, jobs
from reportgen.evaluation import engine
from reportgen.inputs.config import PortfolioConfig

PLACEBO_BLOCK_BYTES = 16 * 2**20  # keys, weights and returns of one block of placebo runs (a few times that in all)


@dataclass(frozen=True)
class PlaceboInput:
    """What every placebo task of a portfolio shares (scattered to workers once)."""

    close: pd.DataFrame
    portfolio: PortfolioConfig
    on_days: np.ndarray  # bool per date: the rebalance days, the only days that send orders
    score: np.ndarray  # attention on the rebalance days (days x assets)
    held: np.ndarray  # the assets held on the rebalance days (days x assets, bool)
    shape: tuple[int, int]  # the target weights' (dates, assets)
    free: np.ndarray  # per-period risk-free rate (dates x 1), charged on each run's invested share
    init_cash: float
    fees: float
    periods_per_year: int
    seed: int
    ended: np.ndarray | None = None  # dates x assets: from a delisted asset's last price on (target 0: sold then)


@dataclass(frozen=True)
class PlaceboOrders:
    """Where a portfolio's placebo runs send orders, the same in every run (only the weights
    among each day's held assets differ): each rebalance day lists that day's held assets (the
    others go to 0), and a day on which assets end between rebalance days lists those (to 0)."""

    columns: np.ndarray  # (rebalance days, width): portfolios.held_columns
    inside: np.ndarray  # (rebalance days, width) bool
    ended: np.ndarray  # (rebalance days, width) bool: held yet delisted (target 0)
    layout: SparseOrders  # every field but `wanted`, which each block of runs fills
    order: np.ndarray  # (entries,): each entry's place in [held slots of every rebalance day..., ending assets...]


def placebo_orders(shared: PlaceboInput) -> PlaceboOrders:
    """The order layout of `shared`'s placebo runs. An asset that ends between rebalance days is
    listed (target 0) on the day it ends only: sold then, it is never bought again (its target is
    0 on every later rebalance day), so listing it on the days after, as dense targets do, would
    order nothing (tests/test_portfolio_placebo.py checks the figures against dense targets)."""
    columns, inside = portfolios.held_columns(shared.held)
    rebalance = np.flatnonzero(shared.on_days)
    ended = np.zeros(shared.shape, dtype=bool) if shared.ended is None else shared.ended
    ends = ended & ~np.vstack([np.zeros((1, shared.shape[1]), dtype=bool), ended[:-1]])
    ends[shared.on_days] = False  # a rebalance day sells what it does not list
    end_row, end_asset = np.nonzero(ends)
    day, slot = np.nonzero(inside)
    entry_rows = np.concatenate([rebalance[day], end_row])
    order = np.argsort(entry_rows, kind="stable")  # a day's entries are ascending in either source
    rows = np.union1d(rebalance, end_row)
    layout = SparseOrders(
        rows=rows,
        starts=np.searchsorted(entry_rows[order], np.r_[rows, shared.shape[0]]),
        listed=np.concatenate([columns[day, slot], end_asset])[order],
        wanted=np.empty((0, len(order))),
        rest_zero=np.isin(rows, rebalance),
    )
    return PlaceboOrders(columns, inside, np.take_along_axis(ended[shared.on_days], columns, axis=-1), layout, order)


def placebo_sharpes(shared: PlaceboInput, runs: engine.Runs) -> np.ndarray:
    """Sharpe ratios (of excess returns) of placebo runs `runs`: in each, attention is shuffled
    across each rebalance day's held assets by the run's own generator (bootstrap.run_generator),
    so a run's figure does not depend on which task, block or worker computes it. The runs go in
    blocks of about PLACEBO_BLOCK_BYTES of weights and keys (at least 2 runs, so numpy sums each
    run's returns the same way whatever the block), so memory stays bounded; a run costs its
    holdings (rebalance days x top_k), not the universe."""
    placed = placebo_orders(shared)
    held_slots = int(placed.inside.sum())
    per_run = (placed.columns.size + len(placed.order) + shared.shape[0] * 2) * 8
    per_block = max(2, PLACEBO_BLOCK_BYTES // per_run)
    ending = np.zeros(len(placed.order) - held_slots)
    sharpes = []
    for block in blocks.column_blocks(runs.count, per_block, smallest=2):
        numbers = range(runs.first + block.start, runs.first + block.stop)
        keys = np.stack([bootstrap.run_generator(shared.seed, n).random(placed.columns.shape) for n in numbers])
        shuffled = portfolios.shuffled_held_scores(shared.score, placed.columns, placed.inside, keys)
        weights = portfolios.weights_of_scores(placed.inside, shuffled, shared.portfolio.gross, shared.portfolio.max_weight)
        weights[:, placed.ended] = 0.0  # portfolios.orders' delisting sales
        entries = np.hstack([weights[:, placed.inside], np.broadcast_to(ending, (len(numbers), len(ending)))])
        orders = replace(placed.layout, wanted=np.ascontiguousarray(entries[:, placed.order]))
        returns, invested = sparse_returns(shared.close, orders, shared.init_cash, np.full(len(numbers), shared.fees))
        sharpes.append(metrics.sharpe_ratios(returns - shared.free * invested, shared.periods_per_year, invested))
    return np.concatenate(sharpes)


@dataclass(frozen=True)
class ControlReturns:
    """The exposure-matched control of an attention test: its returns and invested share."""

    returns: pd.Series
    invested: pd.Series


def placebo_job(
    settings: engine.Settings, close, portfolio: PortfolioConfig, weights, held, scores, risk_free: pd.Series, ended: pd.DataFrame,
    workers: int,
) -> tuple[jobs.Job, ControlReturns]:
    """A portfolio's `permutations` shuffles of attention across each day's held assets as a job
    of placebo_sharpes tasks, and its control: exposure-matched equal weights, simulated here."""
    free = risk_free.reindex(weights.index).to_numpy(dtype=float)[:, None]  # per period, charged on the invested share
    rebalance = portfolios.rebalance_days(weights.index, portfolio.rebalance)
    on_days = rebalance.to_numpy()
    control_targets = portfolios.orders(portfolios.exposure_matched_weights(weights), rebalance, 0, ended).to_numpy()[None]
    control = ControlReturns(*(
        pd.Series(a[:, 0], index=weights.index) for a in block_returns(close, control_targets, settings.init_cash, [settings.fees])
    ))
    shared = PlaceboInput(
        close=close, portfolio=portfolio, on_days=on_days, score=scores.to_numpy(dtype=float)[on_days],
        held=held.to_numpy()[on_days], shape=weights.shape, free=free, init_cash=settings.init_cash,
        fees=settings.fees, periods_per_year=settings.periods_per_year, seed=settings.placebo_seed, ended=ended.to_numpy(),
    )
    runs = engine.run_ranges(settings.permutations, blocks.task_count(settings.permutations, workers))
    return jobs.Job(placebo_sharpes, runs, shared), control


def attention_test(
    settings: engine.Settings, weights, control: ControlReturns, null_parts: list[np.ndarray], observed_returns, observed_invested,
    used: attention.AttentionSummary, risk_free: pd.Series,
) -> attention_tests.AttentionTest:
    """The attention test from the observed portfolio, its exposure-matched control and its
    placebo runs (the outputs of placebo_job's tasks)."""
    return engine.attention_test(
        observed_returns, observed_invested, control.returns, control.invested, float(weights.sum(axis=1).mean()),
        np.concatenate(null_parts), risk_free, settings.periods_per_year, settings.placebo_seed,
        functools.partial(attention_tests.portfolio_verdict, used.column, used.degenerate),
    )
