"""Backtests with vectorbt: the only module that imports it.

Every simulation is columnar: one column per strategy (or per permutation, or per sweep
configuration), run as one vectorbt call. Results leave this module as plain pandas objects.
Orders fill at the close of the bar whose signal triggers them (vectorbt's convention).
"""

from __future__ import annotations

from collections.abc import Sequence
import gc
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Simulation:
    """Daily outcome of a set of simulated strategies, one column each."""

    value: pd.DataFrame  # portfolio value in cash units
    returns: pd.DataFrame  # simple daily returns of the value (first day against init_cash)
    exposure: pd.DataFrame  # asset value / portfolio value, 0..1
    total_trades: pd.Series  # closed + open trades
    open_trades: pd.Series
    total_fees: pd.Series  # in cash units
    trades: pd.DataFrame  # one row a trade: column, entry/exit date and price, size, pnl, return


def vectorbt_module():
    import vectorbt as vbt

    return vbt


@dataclass(frozen=True)
class Orders:
    """Long/flat columns on one asset: enter when `signal` turns on, exit when it turns off.

    `size` is read at entry bars only: with size_type "percent" it is the fraction of available
    cash spent; with "amount" it is a number of units of the asset (vectorbt's default, which
    available cash then caps). A position is not resized while its signal stays on. `size_type`
    is one kind for every column or one per column; `fees` one rate (a fraction of traded value)
    for every column, or one rate per column.
    """

    price: pd.Series
    signal: pd.DataFrame
    size: pd.DataFrame
    size_type: list[str] | str
    init_cash: float
    fees: float | Sequence[float]


def simulate(orders: Orders) -> Simulation:
    """Every column of `orders` simulated, with its trades."""
    return _read(_simulation, orders)


def _simulation(portfolio, columns: pd.Index) -> Simulation:
    value = portfolio.value()
    trades = portfolio.trades
    return Simulation(
        value=value,
        returns=portfolio.returns(),
        exposure=(portfolio.asset_value() / value).fillna(0.0),
        total_trades=pd.Series(trades.count(), index=columns),
        open_trades=pd.Series(trades.open.count(), index=columns),
        total_fees=_fees_by_column(portfolio.orders.records, columns),
        trades=_trade_table(trades.records_readable),
    )


def _fees_by_column(orders: np.ndarray, columns: pd.Index) -> pd.Series:
    # Summed from the raw order records: vectorbt's `orders.fees.sum()` JIT-compiles for ~1 s.
    fees = np.bincount(orders["col"], weights=orders["fees"], minlength=len(columns))
    return pd.Series(fees, index=columns)


def _trade_table(records: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "column": records["Column"],
            "entry_date": records["Entry Timestamp"],
            "entry_price": records["Avg Entry Price"],
            "exit_date": records["Exit Timestamp"].where(records["Status"] == "Closed"),
            "exit_price": records["Avg Exit Price"].where(records["Status"] == "Closed"),
            "size": records["Size"],
            "pnl": records["PnL"],
            "return": records["Return"],
            "status": records["Status"].astype(str).str.lower(),
        }
    )


# Working memory of one cell (one day of one column) of a simulation, measured on 7,500 days x
# 256..512 columns (python benchmarks/bench_scale.py --cells): about 125 bytes when only the
# returns are read, about 350 with the trade records `simulate` also reads. Callers size their
# blocks of columns with these (reportgen.compute.blocks).
RETURNS_BYTES_PER_CELL = 160
SIMULATION_BYTES_PER_CELL = 400


@dataclass(frozen=True)
class ColumnReturns:
    """Daily returns of many simulated columns and the share of value each holds in the asset."""

    returns: pd.DataFrame
    invested: pd.DataFrame  # share of value in the asset during each day: the previous close's exposure


@dataclass(frozen=True)
class ColumnTotals:
    """Daily returns and totals of many simulated columns, without trade records."""

    returns: pd.DataFrame
    invested: pd.DataFrame  # share of value in the asset during each day: the previous close's exposure
    total_trades: pd.Series  # closed + open trades
    total_fees: pd.Series  # in cash units


def simulated_returns(orders: Orders) -> ColumnReturns:
    """Only the daily returns and invested shares of `simulate` (same rules), as one vectorbt call
    over the columns given: for a block of placebo shuffles, without the trade records `simulate`
    also reads."""
    return _read(lambda portfolio, columns: ColumnReturns(portfolio.returns(), _invested(portfolio)), orders)


def _invested(portfolio) -> pd.DataFrame:
    """The share of value held in the asset during each day: the exposure at the previous close
    (after its orders), 0 on the first day."""
    value = portfolio.value()
    return (portfolio.asset_value() / value).fillna(0.0).shift(1, fill_value=0.0)


def simulated_totals(orders: Orders) -> ColumnTotals:
    """Daily returns, trade counts and fees of `simulate` (same rules), as one vectorbt call over
    the columns given: for a block of sweep configurations or cost variants."""
    return _read(_totals, orders)


def _totals(portfolio, columns: pd.Index) -> ColumnTotals:
    return ColumnTotals(
        returns=portfolio.returns(),
        invested=_invested(portfolio),
        total_trades=pd.Series(portfolio.trades.count(), index=columns),
        total_fees=_fees_by_column(portfolio.orders.records, columns),
    )


def _read(read, orders: Orders):
    """`read(portfolio, columns)` of one simulation, with the portfolio's memory freed before
    returning. A vectorbt Portfolio sits in reference cycles (its indexers hold bound methods of
    it), so dropping it does not free its arrays: only the cycle collector does, and that runs
    by object counts, not bytes, so blocks of hundreds of MB would pile up until it did. A
    young-generation collection (milliseconds) frees it at once."""
    portfolio = _portfolio(orders)
    result = read(portfolio, orders.signal.columns)
    del portfolio
    gc.collect(1)
    return result


def _portfolio(orders: Orders):
    vbt = vectorbt_module()
    signal = orders.signal.astype(bool)
    kinds = [orders.size_type] * signal.shape[1] if isinstance(orders.size_type, str) else orders.size_type
    types = np.array([[getattr(vbt.portfolio.enums.SizeType, k.capitalize()) for k in kinds]])
    fee_rates = np.asarray(orders.fees, dtype=float)
    fee_rates = fee_rates[None, :] if fee_rates.ndim == 1 else fee_rates  # one rate per column
    return vbt.Portfolio.from_signals(
        close=orders.price,
        entries=signal,
        exits=~signal,
        size=orders.size,
        size_type=types,
        init_cash=orders.init_cash,
        fees=fee_rates,
        freq="1D",
    )
