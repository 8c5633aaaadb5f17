"""evaluation.portfolio_placebo: sparse placebo runs against the dense targets they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import bootstrap, metrics, portfolios
from reportgen.analysis.portfolio_backtest import block_returns
from reportgen.evaluation.engine import Runs
from reportgen.evaluation.portfolio_placebo import PlaceboInput, placebo_orders, placebo_sharpes
from reportgen.inputs.config import PortfolioConfig


def _mid_week(on_days):
    return next(t for t in range(len(on_days) // 3, len(on_days)) if not on_days[t])


def _shared(rng, days=80, assets=12, top=4, cap=None, delist=True, fees=0.002):
    close = pd.DataFrame(np.exp(np.cumsum(rng.normal(0, 0.02, (days, assets)), axis=0)) * rng.uniform(5, 50, assets))
    on_days = portfolios.rebalance_days(pd.bdate_range("2020-01-01", periods=days), "weekly").to_numpy()
    ended = np.zeros((days, assets), dtype=bool)
    if delist:  # two assets end mid-week, one on a rebalance day
        ended[_mid_week(on_days):, 1] = True
        ended[np.flatnonzero(on_days)[len(np.flatnonzero(on_days)) // 2]:, 5] = True
    score = rng.random((days, assets))
    score[rng.random((days, assets)) < 0.1] = np.nan  # NaN attention: not weighted
    tradable = ~ended & ~np.vstack([np.zeros((1, assets), bool), ended[:-1]])
    keys = np.where(tradable, rng.random((days, assets)), -1.0)
    held = np.zeros((days, assets), dtype=bool)
    np.put_along_axis(held, np.argsort(-keys, axis=1)[:, :top], True, axis=1)
    held &= tradable
    if delist:  # both are held when they end
        held[: _mid_week(on_days), 1] = True
        held[: np.flatnonzero(ended[:, 5])[0], 5] = True
    held[on_days.nonzero()[0][3]] = False  # a rebalance day that holds nothing: all cash
    config = PortfolioConfig(id="a", name="a", model="m", weighting="attention", top_k=top, max_weight=cap)
    return PlaceboInput(
        close=close, portfolio=config, on_days=on_days, score=score[on_days], held=held[on_days], shape=(days, assets),
        free=np.full((days, 1), 0.0001), init_cash=1000.0, fees=fees, periods_per_year=252, seed=7, ended=ended,
    )


def _dense_sharpes(shared: PlaceboInput, numbers) -> np.ndarray:
    # the placebo as dense targets (dates x assets, NaN = no order, ended -> 0 every day)
    placed = placebo_orders(shared)
    targets = np.full((len(numbers), *shared.shape), np.nan)
    for i, n in enumerate(numbers):
        compact = bootstrap.run_generator(shared.seed, n).random(placed.columns.shape)
        keys = np.full(shared.score.shape, np.inf)
        np.put_along_axis(keys, placed.columns, np.where(placed.inside, compact, np.inf), axis=-1)
        permuted = shared.score.copy()
        for d in range(len(keys)):  # the held scores in key order, placed on the held assets in column order
            held = np.flatnonzero(shared.held[d])
            permuted[d, held] = shared.score[d, held[np.argsort(keys[d, held], kind="stable")]]
        targets[i, shared.on_days] = portfolios.weights_of_scores(shared.held, permuted, shared.portfolio.gross, shared.portfolio.max_weight)
    targets[:, shared.ended] = 0.0
    returns, invested = block_returns(shared.close, targets, shared.init_cash, np.full(len(numbers), shared.fees))
    return metrics.sharpe_ratios(returns - shared.free * invested, shared.periods_per_year, invested)


@pytest.mark.parametrize("cap, delist, fees", [(None, True, 0.002), (0.3, True, 0.0), (None, False, 0.05)])
def test_sparse_placebo_runs_equal_dense_targets(cap, delist, fees):
    shared = _shared(np.random.default_rng(31), cap=cap, delist=delist, fees=fees)
    sparse = placebo_sharpes(shared, Runs(3, 9))
    dense = _dense_sharpes(shared, range(3, 12))
    np.testing.assert_allclose(sparse, dense, rtol=1e-12, atol=0)
    assert np.unique(np.round(sparse, 12)).size == 9  # each run its own shuffle


def test_placebo_orders_list_holdings_on_rebalance_days_and_ending_assets_once():
    shared = _shared(np.random.default_rng(5))
    layout = placebo_orders(shared).layout
    rebalance = np.flatnonzero(shared.on_days)
    ending = _mid_week(shared.on_days)  # asset 1 ends then
    assert sorted(layout.rows) == sorted(set(rebalance) | {ending})
    row = list(layout.rows).index(ending)
    assert list(layout.listed[layout.starts[row]:layout.starts[row + 1]]) == [1] and not layout.rest_zero[row]
    assert layout.rest_zero[np.isin(layout.rows, rebalance)].all()
    for r, day in enumerate(layout.rows):
        if layout.rest_zero[r]:  # a rebalance day lists its held assets, ascending
            d = list(rebalance).index(day)
            assert list(layout.listed[layout.starts[r]:layout.starts[r + 1]]) == list(np.flatnonzero(shared.held[d]))


def test_placebo_runs_do_not_depend_on_the_block_they_run_in(monkeypatch):
    shared = _shared(np.random.default_rng(9))
    whole = placebo_sharpes(shared, Runs(0, 10))
    import reportgen.evaluation.portfolio_placebo as module

    monkeypatch.setattr(module, "PLACEBO_BLOCK_BYTES", 1)  # blocks of 2 runs
    assert np.array_equal(placebo_sharpes(shared, Runs(0, 10)), whole)
    assert np.array_equal(np.concatenate([placebo_sharpes(shared, Runs(0, 4)), placebo_sharpes(shared, Runs(4, 6))]), whole)
