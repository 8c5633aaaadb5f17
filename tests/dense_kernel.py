"""The compiled loop behind portfolio_backtest.portfolio_returns: many target-percent portfolios
simulated as vectorbt's `Portfolio.from_orders` simulates them (cash shared among a portfolio's
assets, target percent of the value at the close, call_seq "auto": sells first, fees, partial
buys when cash runs short), using vectorbt's own float helpers, so the two agree to rounding.

Imported only when a simulation runs (it imports numba and vectorbt); compiled once and cached
by numba beside this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from vectorbt.utils.array_ import insert_argsort_nb
from vectorbt.utils.math_ import add_nb, is_close_nb, is_close_or_less_nb


@njit(cache=True)
def values_of(close, targets, init_cash, fees):  # close (T, N); targets (G, T, N), NaN = no order
    # -> the value at each close (T, G) and the share of it held in assets after the close's orders
    groups, rows, assets = targets.shape
    values = np.empty((rows, groups))
    exposures = np.empty((rows, groups))
    order_value = np.empty(assets)
    sequence = np.empty(assets, dtype=np.int64)
    for g in range(groups):
        cash = init_cash
        position = np.zeros(assets)
        fee = fees[g]
        for t in range(rows):
            wanted = targets[g, t]
            if not np.all(np.isnan(wanted)):
                value = cash
                for k in range(assets):
                    if position[k] != 0:
                        value += position[k] * close[t, k]
                for k in range(assets):
                    order_value[k] = wanted[k] * value - position[k] * close[t, k]
                    sequence[k] = k
                insert_argsort_nb(order_value, sequence)  # sells first (vectorbt's call_seq="auto")
                for j in range(assets):
                    k = sequence[j]
                    if np.isnan(wanted[k]):
                        continue
                    now_cash = 0.0 if is_close_nb(cash, 0.0) else cash
                    held = 0.0 if is_close_nb(position[k], 0.0) else position[k]
                    now_value = 0.0 if is_close_nb(value, 0.0) else value
                    if now_value <= 0:
                        continue
                    price = close[t, k]
                    size = wanted[k] * now_value / price - held
                    if size > 0:
                        if now_cash == 0 or is_close_nb(size, 0.0):
                            continue
                        required = size * price
                        total = required + required * fee
                        if is_close_or_less_nb(total, now_cash):
                            bought, spent = size, total
                        else:
                            affordable = now_cash / (1 + fee)
                            if affordable <= 0:
                                continue
                            bought, spent = affordable / price, now_cash
                        cash = add_nb(now_cash, -spent)
                        position[k] = add_nb(held, bought)
                    else:
                        sold = -size
                        if is_close_nb(sold, 0.0):
                            continue
                        received = sold * price
                        net = add_nb(received, -received * fee)
                        if net < 0:
                            continue
                        cash = now_cash + net
                        position[k] = add_nb(held, -sold)
            end = cash
            for k in range(assets):
                end += position[k] * close[t, k]
            values[t, g] = end
            exposures[t, g] = (end - cash) / end if end > 0 else 0.0
    return values, exposures
