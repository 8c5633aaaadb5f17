"""The placebo of an attention-weighted portfolio as tasks: ranges of runs (engine.run_ranges)
that map_tasks runs here, on forked workers or on a Dask cluster.

Each run depends on its own number alone (it is seeded from it), and no range holds a single run,
so the figures do not depend on how the runs are split or where they run
(tests/test_universe_build.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis import bootstrap, metrics, portfolios
from reportgen.analysis.portfolio_backtest import block_returns
from reportgen.compute import blocks
from reportgen.evaluation.engine import Runs
from reportgen.inputs.config import PortfolioConfig

PLACEBO_BLOCK_BYTES = 64 * 2**20  # target weights of one block of placebo runs
PLACEBO_TASKS = 8  # the placebo runs of a portfolio are split into this many tasks (see placebo_sharpes)


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


def placebo_sharpes(shared: PlaceboInput, runs: Runs) -> np.ndarray:
    """Sharpe ratios (of excess returns) of placebo runs `runs`: in each, attention is shuffled
    across each rebalance day's held assets by the run's own generator (bootstrap.run_generator),
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
        if shared.ended is not None:
            targets[:, shared.ended] = 0.0  # portfolios.orders' delisting sales
        returns, invested = block_returns(shared.close, targets, shared.init_cash, np.full(len(numbers), shared.fees))
        sharpes.append(metrics.sharpe_ratios(returns - shared.free * invested, shared.periods_per_year, invested))
    return np.concatenate(sharpes)
