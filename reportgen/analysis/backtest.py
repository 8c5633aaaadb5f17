"""Backtests with vectorbt: the only module that imports it.

Every simulation is columnar: one column per strategy (or per permutation, or per sweep
configuration), run as one vectorbt call. Results leave this module as plain pandas objects.
Orders fill at the close of the bar whose signal triggers them (vectorbt's convention).
"""

from __future__ import annotations

from collections.abc import Sequence
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


def _vbt():
    import vectorbt as vbt

    return vbt


def simulate(
    price: pd.Series,
    signal: pd.DataFrame,
    size: pd.DataFrame,
    size_type: list[str] | str,
    init_cash: float,
    fees: float | Sequence[float],
) -> Simulation:
    """Long/flat strategies: enter when `signal` turns on, exit when it turns off.

    `size` is read at entry bars only: with size_type "percent" it is the fraction of available
    cash spent; with "amount" it is a number of units of the asset (vectorbt's default, which
    available cash then caps). A position is not resized while its signal stays on. `fees` is
    one rate (a fraction of traded value) for every column, or one rate per column.
    """
    portfolio = _portfolio(price, signal, size, size_type, init_cash, fees)
    value = portfolio.value()
    trades = portfolio.trades
    columns = signal.columns
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


COLUMNS_PER_SIMULATION = 512


def simulated_returns(
    price: pd.Series,
    signal: pd.DataFrame,
    size: pd.DataFrame,
    size_type: list[str] | str,
    init_cash: float,
    fees: float,
) -> pd.DataFrame:
    """Only the daily returns of `simulate` (same rules): for thousands of columns at once,
    without the trade records, exposures and fees that `simulate` also reads.

    Columns are simulated in blocks of `COLUMNS_PER_SIMULATION`: a vectorbt portfolio keeps
    several float arrays per column, and one block bounds the peak memory (about 100 MB a
    block of 2,000 days) while each block is still one vectorised simulation.
    """
    return pd.concat([p.returns() for p in _blocks(price, signal, size, size_type, init_cash, fees)], axis=1)


def simulated_returns_and_trades(
    price: pd.Series,
    signal: pd.DataFrame,
    size: pd.DataFrame,
    size_type: list[str] | str,
    init_cash: float,
    fees: float,
) -> tuple[pd.DataFrame, pd.Series]:
    """`simulated_returns` (in the same blocks) and each column's number of trades, open ones included."""
    returns, trades = [], []
    for portfolio in _blocks(price, signal, size, size_type, init_cash, fees):
        returns.append(portfolio.returns())
        trades.append(pd.Series(portfolio.trades.count(), index=portfolio.wrapper.columns))
    return pd.concat(returns, axis=1), pd.concat(trades)


def _blocks(price, signal, size, size_type, init_cash, fees):
    kinds = [size_type] * signal.shape[1] if isinstance(size_type, str) else list(size_type)
    for start in range(0, signal.shape[1], COLUMNS_PER_SIMULATION):
        yield _portfolio(
            price,
            signal.iloc[:, start : start + COLUMNS_PER_SIMULATION],
            size.iloc[:, start : start + COLUMNS_PER_SIMULATION],
            kinds[start : start + COLUMNS_PER_SIMULATION],
            init_cash,
            fees,
        )


def _portfolio(price, signal, size, size_type, init_cash, fees):
    vbt = _vbt()
    signal = signal.astype(bool)
    kinds = [size_type] * signal.shape[1] if isinstance(size_type, str) else size_type
    types = np.array([[getattr(vbt.portfolio.enums.SizeType, k.capitalize()) for k in kinds]])
    fee_rates = np.asarray(fees, dtype=float)
    fee_rates = fee_rates[None, :] if fee_rates.ndim == 1 else fee_rates  # one rate per column
    return vbt.Portfolio.from_signals(
        close=price,
        entries=signal,
        exits=~signal,
        size=size,
        size_type=types,
        init_cash=init_cash,
        fees=fee_rates,
        freq="1D",
    )
