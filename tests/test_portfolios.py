"""Portfolio weights (pure functions) and their vectorbt simulation, against pandas by hand."""

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import portfolios
from reportgen.analysis.portfolio_backtest import portfolio_returns, simulate_portfolios
from reportgen.inputs.config import PortfolioConfig
from reportgen.inputs.universe import read_universe_predictions, read_universe_prices

from conftest import write_universe

DATES = pd.bdate_range("2022-01-03", periods=4)
ASSETS = pd.Index(["A", "B", "C", "D"], name="asset")


def frame(rows):
    return pd.DataFrame(np.array(rows, dtype=float), index=DATES, columns=ASSETS)


PREDICTION = frame([[0.6, 0.7, 0.4, 0.7], [0.4, 0.4, 0.4, 0.4], [0.9, 0.55, 0.8, np.nan], [0.51, 0.52, 0.53, 0.54]])
TRADABLE = frame([[1, 1, 1, 1]] * 4).astype(bool)


def test_eligibility_and_top_k_with_ties_by_name():
    eligible = portfolios.eligible_assets(PREDICTION, 0.5, TRADABLE)
    assert eligible.to_numpy().tolist() == [
        [True, True, False, True], [False] * 4, [True, True, True, False], [True] * 4
    ]
    top = portfolios.top_k_assets(eligible, PREDICTION, 1)
    # day 0: B and D tie at 0.7 -> B (sorts first); day 2: A (0.9); day 3: D (0.54)
    assert top.to_numpy().tolist() == [
        [False, True, False, False], [False] * 4, [True, False, False, False], [False, False, False, True]
    ]
    assert portfolios.top_k_assets(eligible, PREDICTION, None).equals(eligible)


def _stable_sort_top_k(keys: np.ndarray, k: int) -> np.ndarray:
    order = np.argsort(keys, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(keys.shape[1]), keys.shape), axis=1)
    return ranks < k


@pytest.mark.parametrize("seed", range(4))
def test_top_k_by_partition_is_a_stable_sort_of_each_row(seed):
    """Ties (keys rounded to a few values), +-inf and NaN keys: the k smallest of each row, ties
    to the first column, exactly as ranking a stable sort of each row."""
    rng = np.random.default_rng(seed)
    keys = rng.integers(-3, 4, size=(60, 23)).astype(float)
    keys[rng.random(keys.shape) < 0.15] = np.inf
    keys[rng.random(keys.shape) < 0.05] = -np.inf
    nan = rng.random(keys.shape) < 0.1
    for k in (0, 1, 2, 5, 22, 23, 40):
        top = portfolios.top_k_of_keys(keys, k)
        assert top.sum(axis=1).tolist() == [min(k, 23)] * 60
        assert np.array_equal(top, _stable_sort_top_k(keys, k)), k
        with_nan = np.where(nan, np.nan, keys)  # a NaN key counts as +inf
        assert np.array_equal(portfolios.top_k_of_keys(with_nan, k), _stable_sort_top_k(np.where(nan, np.inf, keys), k)), k


def test_wide_places_each_row_and_leaves_nan_where_none():
    dates = pd.DatetimeIndex(pd.bdate_range("2022-01-03", periods=3), name="date")
    index = pd.MultiIndex.from_tuples(
        [(dates[0], "B"), (dates[0], "Z"), (dates[1], "A"), (dates[2], "B"), (pd.Timestamp("2021-12-31"), "A")], names=["date", "asset"]
    )
    long = pd.Series([1.0, 9.0, 2.0, 3.0, 7.0], index=index, name="prediction")
    assets = pd.Index(["A", "B", "C"], name="asset")
    placed = portfolios.wide(long, assets, dates)
    expected = long.unstack("asset").reindex(index=dates, columns=assets)
    pd.testing.assert_frame_equal(placed, expected, check_exact=True)
    assert placed.to_numpy().tolist()[0][1] == 1.0 and np.isnan(placed.to_numpy()[0][0])
    assert placed.to_numpy().flags["C_CONTIGUOUS"]  # each date's row in one piece, as unstack leaves it: the same row sums
    # categories as asset names (as the universe reader makes them), and a non-float column
    categorical = long.copy()
    categorical.index = categorical.index.set_levels(categorical.index.levels[1].astype("category"), level="asset")
    pd.testing.assert_frame_equal(portfolios.wide(categorical, assets, dates), expected, check_exact=True, check_column_type=False)
    pd.testing.assert_frame_equal(
        portfolios.wide((long > 2).rename("held"), assets, dates), (long > 2).unstack("asset").reindex(index=dates, columns=assets)
    )


def test_target_weights_schemes_and_cap():
    held = portfolios.eligible_assets(PREDICTION, 0.5, TRADABLE)
    equal = portfolios.target_weights(held, portfolios.weighting_scores("equal", PREDICTION, None, None), 0.9, None)
    np.testing.assert_allclose(equal.iloc[0], [0.3, 0.3, 0, 0.3])
    assert equal.iloc[1].sum() == 0  # nothing eligible: all cash
    by_prediction = portfolios.target_weights(held, PREDICTION, 1.0, None)
    np.testing.assert_allclose(by_prediction.iloc[2], [0.9 / 2.25, 0.55 / 2.25, 0.8 / 2.25, 0])
    capped = portfolios.target_weights(held, PREDICTION, 1.0, 0.35)
    np.testing.assert_allclose(capped.iloc[2], [0.35, 0.55 / 2.25, 0.35, 0])  # the cap's excess stays in cash
    # invariants: weights >= 0, sum <= gross, zero score -> zero weight
    zero = portfolios.target_weights(held, PREDICTION.assign(A=0.0), 1.0, None)
    assert (zero["A"] == 0).all() and (zero.sum(axis=1) <= 1 + 1e-12).all()


def test_inverse_volatility_scores_use_a_full_trailing_window():
    prices = pd.DataFrame({"A": [100, 101, 99, 102, 103.0], "B": [50, 50.5, 50.2, 50.9, 51.0]}, index=pd.bdate_range("2022-01-03", periods=5))
    vol = portfolios.trailing_volatility(prices, 3)
    assert vol.iloc[:3].isna().all().all()
    assert vol.loc[prices.index[3], "A"] == pytest.approx(prices["A"].pct_change().iloc[1:4].std())
    score = portfolios.weighting_scores("inverse_volatility", None, None, vol)
    assert score.loc[prices.index[4], "B"] == pytest.approx(1 / prices["B"].pct_change().iloc[2:5].std())


def test_rebalance_days():
    dates = pd.DatetimeIndex(["2022-01-28", "2022-01-31", "2022-02-01", "2022-02-04", "2022-02-07", "2022-02-08"])
    assert portfolios.rebalance_days(dates, "daily").all()
    assert portfolios.rebalance_days(dates, "weekly").tolist() == [True, True, False, False, True, False]
    assert portfolios.rebalance_days(dates, "monthly").tolist() == [True, False, True, False, False, False]


def test_shuffled_held_scores_shuffle_only_among_held_assets():
    score = np.arange(1.0, 21.0).reshape(4, 5)
    held = np.array([[1, 1, 0, 1, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 0, 1]], dtype=bool)
    columns, inside = portfolios.held_columns(held)
    assert columns.shape == (4, 5) and inside.sum(axis=1).tolist() == [3, 0, 5, 2]
    assert columns[0, :3].tolist() == [0, 1, 3] and columns[3, :2].tolist() == [1, 4]  # held first, in column order
    runs = portfolios.shuffled_held_scores(score, columns, inside, np.random.default_rng(0).random((300, 4, 5)))
    for shuffled in runs:
        for row in range(4):
            assert sorted(shuffled[row, inside[row]]) == sorted(score[row, held[row]])
            assert np.isnan(shuffled[row, ~inside[row]]).all()
    assert not np.array_equal(runs[0][inside], score[held])
    # every held asset of row 2 takes each of the 5 values about equally often (a uniform shuffle)
    counts = np.array([[np.sum(runs[:, 2, k] == v) for v in score[2]] for k in range(5)])
    assert counts.min() > 30 and counts.sum() == 1500
    # one block of 300 runs draws what 300 runs one by one draw from the same generator
    rng = np.random.default_rng(0)
    one_by_one = np.stack([portfolios.shuffled_held_scores(score, columns, inside, rng.random((4, 5))) for _ in range(300)])
    assert np.array_equal(one_by_one, runs, equal_nan=True)


def test_exposure_matched_weights_keep_holdings_and_gross():
    weights = frame([[0.5, 0.2, 0, 0.1], [0, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [0.9, 0, 0, 0]])
    control = portfolios.exposure_matched_weights(weights)
    np.testing.assert_allclose(control.iloc[0], [0.8 / 3, 0.8 / 3, 0, 0.8 / 3])
    np.testing.assert_allclose(control.sum(axis=1), weights.sum(axis=1))
    assert portfolios.herfindahl(weights).iloc[1] != portfolios.herfindahl(weights).iloc[1]  # NaN: nothing held
    assert portfolios.herfindahl(weights).iloc[2] == pytest.approx(0.25)
    assert portfolios.holdings_count(weights).tolist() == [3, 0, 4, 1]


def _universe(tmp_path):
    write_universe(tmp_path)
    prices = read_universe_prices(tmp_path / "universe_prices.csv")
    read = read_universe_predictions(tmp_path / "universe_predictions.csv", prices.columns, tmp_path / "universe_prices.csv")
    dates = read.output.index.get_level_values("date").unique()
    prediction = portfolios.wide(read.output["prediction"], prices.columns, dates)
    attention = portfolios.wide(read.weights.max(axis=1).rename("a"), prices.columns, dates)
    return prices.reindex(dates), prediction, attention


@pytest.mark.parametrize("weighting", ["equal", "attention"])
def test_daily_rebalanced_total_return_matches_pandas_by_hand(tmp_path, weighting):
    """Fees 0, daily rebalancing: every day the portfolio is reset to its targets at the close,
    so nothing drifts for longer than one day and the return from close t to close t+1 is
    sum_i w_{t,i} r_{t+1,i} (the rest is cash, earning nothing)."""
    close, prediction, attention = _universe(tmp_path)
    config = PortfolioConfig(id="p", name="P", model="m", weighting=weighting)
    tradable = close.notna()
    weights = portfolios.portfolio_weights(config, prediction, attention, close, tradable)
    targets = portfolios.orders(weights, portfolios.rebalance_days(close.index, "daily"))
    simulation = simulate_portfolios(close, {"p": targets}, 1000.0, 0.0)
    # by hand
    held = prediction > 0.5
    score = pd.DataFrame(1.0, index=close.index, columns=close.columns) if weighting == "equal" else attention
    w = score.where(held, 0.0)
    w = w.div(w.sum(axis=1), axis=0).fillna(0.0)
    daily = (w.shift(1) * close.pct_change()).sum(axis=1)
    by_hand = (1 + daily).prod() - 1
    simulated = simulation.value["p"].iloc[-1] / 1000.0 - 1
    assert abs(simulated - by_hand) < 1e-9
    assert abs((1 + simulation.returns["p"]).prod() - 1 - by_hand) < 1e-9
    assert 0.02 < abs(by_hand)  # the check is not vacuous: the portfolio moved
    # contributions of the assets add up to the total return; weights after the orders are the targets
    assert simulation.contributions.loc["p"].sum() == pytest.approx(simulated, abs=1e-12)
    held_weights = simulation.weights.xs("p", axis=1, level="portfolio")
    np.testing.assert_allclose(held_weights.to_numpy(), w.to_numpy(), atol=1e-12)


def test_weights_drift_between_rebalance_days_and_blocks_agree(tmp_path):
    close, prediction, attention = _universe(tmp_path)
    config = PortfolioConfig(id="p", name="P", model="m", weighting="equal", rebalance="monthly")
    weights = portfolios.portfolio_weights(config, prediction, attention, close, close.notna())
    rebalance = portfolios.rebalance_days(close.index, "monthly")
    targets = portfolios.orders(weights, rebalance)
    simulation = simulate_portfolios(close, {"p": targets, "q": portfolios.orders(weights, rebalance, lag_days=1)}, 1000.0, 0.0)
    held = simulation.weights.xs("p", axis=1, level="portfolio")
    first, second = close.index[0], close.index[1]
    assert not rebalance[second]
    drifted = held.loc[first] * close.loc[second] / close.loc[first]
    np.testing.assert_allclose(held.loc[second], drifted / (drifted.sum() + 1 - held.loc[first].sum()), atol=1e-12)
    assert simulation.returns["q"].iloc[:2].abs().sum() == 0  # lagged: in cash until the first lagged fill
    returns = portfolio_returns(close, iter([("p", targets), ("q", portfolios.orders(weights, rebalance, 1))]), 1000.0, 0.0)
    pd.testing.assert_frame_equal(returns.returns, simulation.returns, check_names=False)
    # the share invested during each day: the previous close's exposure after orders, 0 on the first
    np.testing.assert_allclose(returns.invested.to_numpy(), simulation.invested.to_numpy(), rtol=0, atol=1e-12)
    assert (simulation.invested.iloc[0] == 0).all() and simulation.invested["p"].iloc[1] == pytest.approx(held.loc[first].sum())


def test_block_simulation_matches_vectorbt_with_fees_caps_and_drift(tmp_path):
    """The compiled loop of portfolio_returns against vectorbt's from_orders: fees (partial buys
    when cash runs short), a cap, weekly rebalancing (drift), a lag, blocks of one portfolio."""
    close, prediction, attention = _universe(tmp_path)
    runs = {}
    for name, weighting, cap, rebalance, lag in (
        ("a", "attention", 0.3, "weekly", 0), ("e", "equal", None, "daily", 0), ("p", "prediction", 0.5, "monthly", 1)
    ):
        config = PortfolioConfig(id=name, name=name, model="m", weighting=weighting, max_weight=cap, rebalance=rebalance)
        weights = portfolios.portfolio_weights(config, prediction, attention, close, close.notna())
        runs[name] = portfolios.orders(weights, portfolios.rebalance_days(close.index, rebalance), lag)
    fees = {"a": 0.001, "e": 0.0025, "p": 0.01}
    simulated = [simulate_portfolios(close, {n: t}, 1000.0, fees[n]) for n, t in runs.items()]
    blocked = portfolio_returns(close, iter(runs.items()), 1000.0, fees, block_bytes=1)
    expected = pd.concat([s.returns for s in simulated], axis=1)
    np.testing.assert_allclose(blocked.returns.to_numpy(), expected.to_numpy(), rtol=0, atol=1e-12)
    invested = pd.concat([s.invested for s in simulated], axis=1)
    np.testing.assert_allclose(blocked.invested.to_numpy(), invested.to_numpy(), rtol=0, atol=1e-12)
    assert list(blocked.returns.columns) == ["a", "e", "p"]


def test_shuffled_held_scores_equal_a_shuffle_over_all_columns():
    # The reference: every column's key sorted, non-held ones last, the held scores placed back in
    # column order; the same bits on random days, holdings, NaN scores and runs.
    def over_all_columns(score, held, keys):
        keys = np.where(held, keys, np.inf)
        shuffled_from = np.argsort(keys, axis=-1, kind="stable")
        held_in_order = np.broadcast_to(np.argsort(~held, axis=-1, kind="stable"), keys.shape)
        permuted = np.broadcast_to(score, keys.shape).copy()
        np.put_along_axis(permuted, held_in_order, np.take_along_axis(np.broadcast_to(score, keys.shape), shuffled_from, axis=-1), axis=-1)
        return np.where(held, permuted, score)

    rng = np.random.default_rng(31)
    for _ in range(30):
        days, assets, runs = rng.integers(1, 20), rng.integers(1, 30), rng.integers(1, 4)
        score = rng.random((days, assets))
        score[rng.random((days, assets)) < 0.2] = np.nan
        held = rng.random((days, assets)) < rng.random()
        columns, inside = portfolios.held_columns(held)
        for compact in (rng.random((runs, *columns.shape)), rng.random(columns.shape)):
            keys = np.full(compact.shape[:-1] + (assets,), 2.0)  # the compact keys at the held columns
            np.put_along_axis(keys, np.broadcast_to(columns, compact.shape), compact, axis=-1)
            shuffled = portfolios.shuffled_held_scores(score, columns, inside, compact)
            placed = np.broadcast_to(score, keys.shape).copy()
            at = np.broadcast_to(columns, compact.shape)
            np.put_along_axis(placed, at, np.where(inside, shuffled, np.take_along_axis(placed, at, axis=-1)), axis=-1)
            assert np.array_equal(placed, over_all_columns(score, held, keys), equal_nan=True)


def test_sparse_orders_simulate_the_same_bits_as_the_dense_loop_they_replaced():
    # tests/dense_kernel.py is the loop before issue 31 (every asset on every order row); the sparse
    # one visits only the listed and held assets. Random rebalances (full rows, zeros), partial rows
    # (NaN = no order), targets over 100% with fees (partial buys when cash runs short), drift.
    from dense_kernel import values_of
    from reportgen.analysis.portfolio_backtest import block_returns

    rng = np.random.default_rng(31)
    for _ in range(40):
        days, assets, groups = rng.integers(2, 40), rng.integers(1, 25), rng.integers(1, 4)
        close = pd.DataFrame(np.exp(np.cumsum(rng.normal(0, 0.03, (days, assets)), axis=0)) * rng.uniform(1, 100, assets))
        targets = np.full((groups, days, assets), np.nan)
        for g in range(groups):
            for t in range(days):
                kind = rng.random()
                if kind < 0.3:  # a rebalance: a few holdings, the rest 0
                    row = np.where(rng.random(assets) < 0.3, rng.random(assets), 0.0)
                    targets[g, t] = row / max(row.sum(), 1e-9) * rng.choice([0.5, 1.0, 1.3])
                elif kind < 0.5:  # some assets only (an ended holding sold, a new one bought)
                    some = rng.random(assets) < 0.2
                    targets[g, t, some] = np.where(rng.random(some.sum()) < 0.5, 0.0, rng.random(some.sum()) * 0.3)
        fees = rng.choice([0.0, 0.001, 0.02], groups)
        returns, invested = block_returns(close, targets, 1000.0, fees)
        values, exposures = values_of(np.ascontiguousarray(close.to_numpy()), targets, 1000.0, fees)
        previous = np.vstack([np.full((1, groups), 1000.0), values[:-1]])
        assert np.array_equal(returns, values / previous - 1.0)
        assert np.array_equal(invested, np.vstack([np.zeros((1, groups)), exposures[:-1]]))


def test_the_kernel_s_copies_of_vectorbt_s_float_helpers_agree_with_vectorbt():
    from vectorbt.utils import array_, math_

    from reportgen.analysis import portfolio_kernel as kernel

    rng = np.random.default_rng(3)
    base = rng.normal(0, 1e3, 400)
    values = np.concatenate([base, -base, base * (1 + 1e-10), base + 1e-13, [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-12, -1e-12]])
    pairs = [(a, b) for a, b in zip(values, np.roll(values, 1))] + [(a, -a) for a in values] + [(a, a * (1 - 1e-10)) for a in values]
    for a, b in pairs:
        assert kernel.is_close_nb(a, b) == math_.is_close_nb(a, b)
        assert kernel.is_close_or_less_nb(a, b) == math_.is_close_or_less_nb(a, b)
        assert np.array_equal(kernel.add_nb(a, b), math_.add_nb(a, b), equal_nan=True)
    for _ in range(20):
        keys = np.round(rng.normal(0, 1, rng.integers(1, 40)), 1)  # ties
        keys[rng.random(len(keys)) < 0.2] = np.nan
        ours, theirs = keys.copy(), keys.copy()
        order, expected = np.arange(len(keys)), np.arange(len(keys))
        kernel.insert_argsort_nb(ours, order)
        array_.insert_argsort_nb(theirs, expected)
        assert np.array_equal(order, expected) and np.array_equal(ours, theirs, equal_nan=True)


def test_a_simulation_s_value_and_returns_are_vectorbt_s_own(tmp_path):
    """simulate_portfolio makes the value from cash and the assets' value one array at a time
    (less memory than Portfolio.value): the same bits as vectorbt's `value()` and `returns()`."""
    import vectorbt as vbt

    close, prediction, attention = _universe(tmp_path)
    config = PortfolioConfig(id="p", name="P", model="m", weighting="attention", max_weight=0.4, rebalance="weekly")
    weights = portfolios.portfolio_weights(config, prediction, attention, close, close.notna())
    targets = portfolios.orders(weights, portfolios.rebalance_days(close.index, "weekly"), 1)
    simulation = simulate_portfolios(close, {"p": targets}, 1000.0, 0.004)
    reference = vbt.Portfolio.from_orders(
        close, targets.reindex(index=close.index, columns=close.columns), size_type="targetpercent", group_by=True,
        cash_sharing=True, call_seq="auto", init_cash=1000.0, fees=0.004, freq="1D",
    )
    assert np.array_equal(simulation.value["p"].to_numpy(), reference.value().to_numpy())
    assert np.array_equal(simulation.returns["p"].to_numpy(), reference.returns().to_numpy())
    held = reference.asset_value(group_by=False)
    assert np.array_equal(simulation.weights["p"].to_numpy(), held.to_numpy() / reference.value().to_numpy()[:, None])
    assert simulation.total_fees["p"] == pytest.approx(reference.orders.records["fees"].sum(), rel=1e-12) and simulation.total_fees["p"] > 0
