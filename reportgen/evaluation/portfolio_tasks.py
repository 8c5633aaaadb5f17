"""A universe model's heavy blocks as tasks: its placebo runs and its bootstrap's resamples,
cut into ranges of runs that map_tasks runs here, on forked workers or on a Dask cluster.

Each run depends on its own number alone (a placebo run is seeded from it, a resample is a row of
the indices), and no range holds a single run, so the figures do not depend on how the runs are
split or where they run (tests/test_universe_build.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis import bootstrap, metrics, portfolios, statistics
from reportgen.analysis.portfolio_backtest import block_returns
from reportgen.compute import blocks
from reportgen.inputs.config import PortfolioConfig

PLACEBO_BLOCK_BYTES = 64 * 2**20  # target weights of one block of placebo runs
PLACEBO_TASKS = 8  # the placebo runs of a portfolio are split into this many tasks (see placebo_sharpes)
BOOTSTRAP_TASKS = 8  # and the bootstrap's resamples into this many (see _bootstrap_draws)


@dataclass(frozen=True)
class Runs:
    """Runs [first, first + count) of a portfolio's placebo, or resamples of the bootstrap: one
    task of a build."""

    first: int
    count: int

    @property
    def id(self) -> str:  # progress lines name the runs
        return f"runs {self.first + 1}-{self.first + self.count}"


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


def run_ranges(runs: int, tasks: int) -> list[Runs]:
    """The runs 0..runs-1 in at most `tasks` consecutive ranges of near-equal size, none of a
    single run (one joins the range before it: numpy sums one column pairwise but several row by
    row, so a run's figure would depend on its task; see placebo_sharpes on blocks of 2)."""
    size = max(2, -(-runs // max(1, tasks)))
    return [Runs(part.start, part.stop - part.start) for part in blocks.column_blocks(runs, size, smallest=2)]


def placebo_sharpes(shared: PlaceboInput, runs: Runs) -> np.ndarray:
    """Sharpe ratios (of excess returns) of placebo runs `runs`: in each, attention is shuffled
    across each rebalance day's held assets by a generator seeded from (seed, run number) alone,
    so a run's figure does not depend on which task, block or worker computes it. The runs go in
    blocks of about PLACEBO_BLOCK_BYTES of target weights (at least 2 runs, so numpy sums each run's
    returns the same way whatever the block), so memory stays bounded."""
    per_block = max(2, PLACEBO_BLOCK_BYTES // max(1, shared.shape[0] * shared.shape[1] * 8))
    sharpes = []
    for block in blocks.column_blocks(runs.count, per_block, smallest=2):
        numbers = range(runs.first + block.start, runs.first + block.stop)
        uniforms = np.stack([bootstrap.run_generator(shared.seed, n).random(shared.score.shape) for n in numbers])
        permuted = portfolios.permuted_scores(shared.score, shared.held, uniforms)
        targets = np.full((len(numbers), *shared.shape), np.nan)  # no order between rebalance days
        targets[:, shared.on_days, :] = portfolios.weights_of_scores(
            shared.held, permuted, shared.portfolio.gross, shared.portfolio.max_weight
        )
        returns, invested = block_returns(shared.close, targets, shared.init_cash, np.full(len(numbers), shared.fees))
        sharpes.append(metrics.sharpe_ratios(returns - shared.free * invested, shared.periods_per_year, invested))
    return np.concatenate(sharpes)


@dataclass(frozen=True)
class BootstrapInput:
    """What every bootstrap task of a universe model shares (scattered to workers once)."""

    returns: pd.DataFrame  # the portfolios' daily returns, then the benchmark's; columns 0, 1, ...
    benchmark: pd.Series
    indices: bootstrap.StationaryBootstrapIndices  # resamples x rows, a block made when asked for
    periods_per_year: int
    risk_free: pd.Series
    invested: pd.DataFrame  # the share of each series in assets each day (columns of `returns`; the benchmark's 1)
    memory_mb: float = blocks.DEFAULT_MEMORY_MB  # working memory of one block of resamples


def _bootstrap_draws(shared: BootstrapInput, runs: Runs) -> np.ndarray:
    """statistics.bootstrap_draws of resamples [first, first + count), a block of resamples within
    `memory_mb` at a time (their indices made per block): each resample's figures depend on that
    resample alone, and a block holds at least two."""
    per_block = max(2, blocks.columns_per_block(len(shared.returns), statistics.BOOTSTRAP_BYTES_PER_CELL, shared.memory_mb))
    return np.concatenate([
        statistics.bootstrap_draws(
            shared.returns, shared.benchmark, shared.indices[runs.first + block.start:runs.first + block.stop],
            shared.periods_per_year, shared.risk_free, shared.invested,
        )
        for block in blocks.column_blocks(runs.count, per_block, smallest=2)
    ], axis=2)


def bootstrap_intervals(
    returns: pd.DataFrame, benchmark: pd.Series, indices: bootstrap.StationaryBootstrapIndices, periods_per_year: int,
    confidence: float, risk_free: pd.Series, map_tasks: Callable, invested: pd.DataFrame | None = None,
    memory_mb: float | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """The bootstrap intervals of each portfolio (a row each) and of the benchmark, the
    resamples as BOOTSTRAP_TASKS tasks of `map_tasks`: the figures of one call of
    statistics.bootstrap_intervals on all of them. `invested`: each portfolio's share in assets
    each day (metrics.excess_returns; None: fully invested); `memory_mb` the working memory of a
    block of resamples ([compute] memory_mb)."""
    series = pd.concat([returns, benchmark], axis=1).set_axis(range(returns.shape[1] + 1), axis=1)
    held = pd.DataFrame(1.0, index=returns.index, columns=returns.columns) if invested is None else invested
    shares = pd.concat([held[returns.columns], pd.Series(1.0, index=returns.index)], axis=1).set_axis(series.columns, axis=1)
    shared = BootstrapInput(
        series, benchmark, indices, periods_per_year, risk_free, shares, memory_mb or blocks.DEFAULT_MEMORY_MB
    )
    tasks = run_ranges(len(indices), BOOTSTRAP_TASKS)
    draws = np.concatenate(map_tasks(_bootstrap_draws, tasks, shared, f"bootstrap of {returns.shape[1]} portfolios"), axis=2)
    intervals = statistics.draw_intervals(draws, series.columns, confidence)
    return intervals.iloc[:-1].set_axis(returns.columns), intervals.iloc[-1]
