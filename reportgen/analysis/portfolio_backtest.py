"""Backtests of portfolios across a universe, with vectorbt (beside analysis/backtest.py).

Each portfolio is one `Portfolio.from_orders` simulation: one column per asset, grouped with
cash shared among them, orders as target percents of the group's value (NaN: no order, so
weights drift with prices), sells before buys (`call_seq="auto"`), fees a fraction of traded
value. Orders fill at the close of their row.
Results leave this module as plain pandas objects.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis.backtest import ColumnReturns, vectorbt_module

GROUP, ASSET = "portfolio", "asset"


@dataclass(frozen=True)
class PortfolioSimulation:
    """Daily outcome of a set of portfolios (one group of asset columns each)."""

    value: pd.DataFrame  # dates x portfolios, cash units
    returns: pd.DataFrame  # dates x portfolios, simple daily returns (first day against init_cash)
    invested: pd.DataFrame  # dates x portfolios: share of value in assets during the day (the previous close's, after orders)
    weights: pd.DataFrame  # dates x (portfolio, asset): asset value / portfolio value at the close, after orders
    traded_value: pd.DataFrame  # dates x portfolios: value bought + sold at the close, cash units
    contributions: pd.DataFrame  # portfolios x assets: profit of each asset (fees included) / init_cash
    total_fees: pd.Series  # per portfolio, cash units
    trades: pd.DataFrame  # one row an order: portfolio, date, asset, side, size, price, value, fees


def _portfolio(close: pd.DataFrame, target: pd.DataFrame, init_cash: float, fees: float):
    """One portfolio as one vectorbt simulation: its asset columns one group sharing cash."""
    sizes = target.reindex(index=close.index, columns=close.columns).to_numpy(dtype=float)
    return vectorbt_module().Portfolio.from_orders(
        close, sizes, size_type="targetpercent", group_by=True, cash_sharing=True,
        call_seq="auto", init_cash=init_cash, fees=fees, freq="1D",
        # at most one order a target; vectorbt's default room, one a (date, asset), is 146 MB of
        # records for 500 assets over 20 years
        max_orders=max(1, int(np.count_nonzero(~np.isnan(sizes)))),
    )


def simulate_portfolios(
    close: pd.DataFrame, targets: dict[str, pd.DataFrame], init_cash: float, fees: float
) -> PortfolioSimulation:
    """Every portfolio of `targets` (name -> dates x assets target percents, NaN = no order) on
    the (dates x assets) `close` prices, one after another (simulate_portfolio)."""
    return combined_simulations([simulate_portfolio(close, name, target, init_cash, fees) for name, target in targets.items()])


def combined_simulations(parts: list[PortfolioSimulation]) -> PortfolioSimulation:
    """Simulations of one or more portfolios each as one (portfolios in the order of `parts`)."""
    return PortfolioSimulation(
        value=pd.concat([p.value for p in parts], axis=1),
        returns=pd.concat([p.returns for p in parts], axis=1),
        invested=pd.concat([p.invested for p in parts], axis=1),
        weights=pd.concat([p.weights for p in parts], axis=1),
        traded_value=pd.concat([p.traded_value for p in parts], axis=1),
        contributions=pd.concat([p.contributions for p in parts]),
        total_fees=pd.concat([p.total_fees for p in parts]),
        trades=pd.concat([p.trades for p in parts], ignore_index=True),
    )


def simulate_portfolio(close: pd.DataFrame, name: str, target: pd.DataFrame, init_cash: float, fees: float) -> PortfolioSimulation:
    """One portfolio (`target`: dates x assets target percents, NaN = no order) as one vectorbt
    simulation. Portfolios share no cash, so simulating them one by one gives the numbers of one
    grouped simulation, while memory holds one portfolio's (dates x assets) arrays at a time, not
    those of every portfolio (at 4 portfolios of 500 assets over 20 years, 1.1 GB more at the
    peak); and they can run on different workers."""
    simulation = _simulated(close, name, target, init_cash, fees)
    gc.collect()  # a vectorbt Portfolio holds reference cycles: its arrays go only with them
    return simulation


# Held by vectorbt's Portfolio for reuse once computed: (dates x assets) arrays of 20 MB each for
# 500 assets over 20 years. _simulated lets each go once it has what it needs.
_ASSET_ARRAYS = ("get_filled_close", "assets", "asset_flow", "asset_value", "cash_flow")


def _simulated(close: pd.DataFrame, name: str, target: pd.DataFrame, init_cash: float, fees: float) -> PortfolioSimulation:
    """The simulation of one portfolio, its value made the way `Portfolio.value` makes it (cash
    plus the assets' value, vectorbt's own functions, so the same numbers) but from one kept
    (dates x assets) array at a time: `value` keeps five at once, which made a worker's peak
    60 MB higher at 500 assets."""
    vbt = vectorbt_module()
    portfolio = _portfolio(close, target, init_cash, fees)
    held = portfolio.asset_value(group_by=False).to_numpy()
    _forget(portfolio)
    cash_flow = portfolio.cash_flow(group_by=False).to_numpy()
    profit = held[-1] + cash_flow.sum(axis=0)
    del cash_flow
    _forget(portfolio)
    cash = portfolio.cash().to_numpy()[:, None]
    _forget(portfolio)
    group = np.array([held.shape[1]])
    values = vbt.portfolio.nb.value_nb(cash, vbt.portfolio.nb.asset_value_grouped_nb(held, group))
    value = values[:, 0]
    returns = vbt.returns.nb.returns_nb(values, np.array([float(init_cash)]))[:, 0]
    shares = held / value[:, None]
    del held
    names, assets = [name], close.columns
    columns = pd.MultiIndex.from_product([names, assets], names=[GROUP, ASSET])
    weights = pd.DataFrame(shares, close.index, columns, copy=False)
    records = portfolio.orders.records
    trade_value = records["size"] * records["price"]
    traded = np.zeros(len(close))
    np.add.at(traded, records["idx"], trade_value)
    trades = pd.DataFrame(
        {
            "portfolio": name,
            "date": close.index[records["idx"]],
            "asset": np.asarray(assets, dtype=object)[records["col"]],
            "side": np.where(records["side"] == 0, "buy", "sell"),
            "size": records["size"],
            "price": records["price"],
            "value": trade_value,
            "fees": records["fees"],
        }
    )
    portfolio_names = pd.Index(names, name=GROUP)
    exposure = weights.T.groupby(level=GROUP, sort=False).sum().T  # pandas' compensated sums: the figures as before
    return PortfolioSimulation(
        value=pd.DataFrame({name: value}, close.index).rename_axis(columns=GROUP),
        returns=pd.DataFrame({name: returns}, close.index).rename_axis(columns=GROUP),
        invested=exposure.shift(1, fill_value=0.0).rename_axis(columns=GROUP),
        weights=weights,
        traded_value=pd.DataFrame(traded[:, None], close.index, portfolio_names),
        contributions=pd.DataFrame((profit / init_cash)[None, :], portfolio_names, assets),
        total_fees=pd.Series([_sum_in_order(records["fees"])], index=names),
        trades=trades,
    )


def _forget(portfolio) -> None:
    """Let go of the (dates x assets) arrays `portfolio` keeps for reuse."""
    for method in _ASSET_ARRAYS:
        getattr(type(portfolio), method).clear_cache(portfolio)


def _sum_in_order(values: np.ndarray) -> float:
    """The sum of `values` added one after another (numpy's `sum` adds pairwise, which rounds
    differently): each portfolio's fees as the report has always summed them."""
    return float(np.bincount(np.zeros(len(values), dtype=np.intp), weights=values, minlength=1)[0])


def portfolio_returns(
    close: pd.DataFrame,
    targets: Iterable[tuple[str, pd.DataFrame]],
    init_cash: float,
    fees: float | dict[str, float],
    block_bytes: int = 64 * 2**20,
) -> ColumnReturns:
    """Only the daily returns and invested shares of `simulate_portfolios` (same rules, same
    numbers), for many portfolios at once: cost and lag variants, the control, placebos.

    Portfolios are simulated in blocks whose target weights take about `block_bytes` (`targets`
    may be a generator: a block's targets are made only when it runs), so memory is bounded by a
    block whatever the number of portfolios. Each block runs in one compiled loop
    (portfolio_kernel.values_of_orders) that follows vectorbt's `from_orders` order by order (target
    percent of the group's value at the close, sells before buys, fees, partial buys when cash
    runs short); tests/test_portfolios.py checks that both give the same returns.
    """
    per_block = max(1, block_bytes // max(1, close.size * 8))
    names, frames, shares, block = [], [], [], []

    def run() -> None:
        stacked = np.stack([t.reindex(index=close.index, columns=close.columns).to_numpy(dtype=float) for _, t in block])
        rates = np.array([fees[n] if isinstance(fees, dict) else fees for n, _ in block], dtype=float)
        returns, invested = block_returns(close, stacked, init_cash, rates)
        frames.append(returns)
        shares.append(invested)
        names.extend(n for n, _ in block)
        block.clear()

    for name, target in targets:
        block.append((name, target))
        if len(block) == per_block:
            run()
    if block:
        run()
    columns = pd.Index(names, name=GROUP)
    return ColumnReturns(
        pd.DataFrame(np.hstack(frames), index=close.index, columns=columns),
        pd.DataFrame(np.hstack(shares), index=close.index, columns=columns),
    )


@dataclass(frozen=True)
class SparseOrders:
    """Target percents of one or more portfolios that share which assets get orders when
    (portfolio_kernel.values_of_orders): the rows that send orders, each row's listed assets
    (ascending) and their targets per portfolio; on a `rest_zero` row every asset not listed has
    target 0 (a rebalance: sell what is not listed), elsewhere no order."""

    rows: np.ndarray  # (R,) int, ascending
    starts: np.ndarray  # (R + 1,) int: row r lists entries starts[r]:starts[r + 1]
    listed: np.ndarray  # (E,) int: the asset (column) of each entry
    wanted: np.ndarray  # (portfolios, E) float: target percent, NaN = no order
    rest_zero: np.ndarray  # (R,) bool


def sparse_orders(targets: np.ndarray) -> SparseOrders:
    """One portfolio's dense target percents (dates x assets, NaN = no order) as SparseOrders: a
    row without NaN is `rest_zero` and lists its non-zero targets only; any other row lists its
    non-NaN targets."""
    given = ~np.isnan(targets)
    rows = np.flatnonzero(given.any(axis=1))
    full = given[rows].all(axis=1)
    keep = given[rows] & ~(full[:, None] & (targets[rows] == 0))
    row_of, listed = np.nonzero(keep)
    starts = np.searchsorted(row_of, np.arange(len(rows) + 1))
    return SparseOrders(rows, starts, listed, targets[rows[row_of], listed][None, :], full)


def sparse_returns(close: pd.DataFrame, orders: SparseOrders, init_cash: float, fees: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Daily returns (dates x portfolios) of the portfolios of `orders` (one fee rate each), and
    the share of value each holds in assets during each day (the previous close's, after its
    orders; 0 on the first day)."""
    prices = np.ascontiguousarray(close.to_numpy(dtype=float))
    values, exposures = _kernel()(
        prices, orders.rows.astype(np.int64), orders.starts.astype(np.int64), orders.listed.astype(np.int64),
        np.ascontiguousarray(orders.wanted, dtype=float), orders.rest_zero.astype(np.bool_), float(init_cash),
        np.asarray(fees, dtype=float),
    )
    previous = np.vstack([np.full((1, values.shape[1]), float(init_cash)), values[:-1]])
    invested = np.vstack([np.zeros((1, values.shape[1])), exposures[:-1]])
    return values / previous - 1.0, invested


def block_returns(close: pd.DataFrame, targets: np.ndarray, init_cash: float, fees: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`sparse_returns` of a block of portfolios given as one dense array of target percents
    (portfolios x dates x assets, NaN = no order) with one fee rate each."""
    fees = np.asarray(fees, dtype=float)
    parts = [sparse_returns(close, sparse_orders(targets[g]), init_cash, fees[g:g + 1]) for g in range(len(targets))]
    return np.hstack([r for r, _ in parts]), np.hstack([i for _, i in parts])


def loaded_kernel() -> None:
    """The simulation kernel made ready in this process now: numba compiles it, or loads it from
    its cache, at its first call in a process (0.15-0.4 s), here a two-day simulation of one asset
    with the argument types of every real one, for prices that reach it read-only (a view of a
    frame's one block) and writable (a copy). A universe's build calls it on its import thread
    while the inputs are read (reportgen.compute.preload), and the workers it forks inherit it."""
    for assets in (1, 2):  # one column: to_numpy's read-only view; two: a C-ordered copy
        close = pd.DataFrame(np.ones((2, assets)))
        sparse_returns(close, sparse_orders(np.array([[1.0 / assets] * assets, [np.nan] * assets])), 1.0, np.zeros(1))


def _kernel():
    """The compiled simulation loop (numba; imported only when a simulation runs)."""
    from reportgen.analysis.portfolio_kernel import values_of_orders

    return values_of_orders
