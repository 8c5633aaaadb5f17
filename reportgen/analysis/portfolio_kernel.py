"""The compiled loop behind portfolio_backtest.portfolio_returns: many target-percent portfolios
simulated as vectorbt's `Portfolio.from_orders` simulates them (cash shared among a portfolio's
assets, target percent of the value at the close, call_seq "auto": sells first, fees, partial
buys when cash runs short), using vectorbt's own float helpers, so the two agree to rounding.

Orders come sparse (portfolio_backtest.SparseOrders): only the rows that send orders, and on
each only the assets listed there, so a portfolio of 50 holdings among 500 assets costs what its
holdings cost, not what the universe does. On a row whose unlisted assets have target 0
(`rest_zero`, a rebalance), every held asset that is not listed is sold; elsewhere an unlisted
asset sends no order. Orders run in vectorbt's sequence (a stable sort of the order values,
sells first), restricted to the assets that can trade: the same sequence, since the others are
no-ops. Sums run over the held assets in column order, as vectorbt's loop over every column
does (adding a held-nothing column adds 0).

Imported only when a simulation runs (it imports numba); compiled once and cached by numba
beside this file. vectorbt's four float helpers are copied below, not imported: importing any
part of vectorbt imports all of it (2.7-3.8 s and 350 MB here), and the kernel runs in the build
process (the control) and in every forked worker of the variants and the placebo, which would
each import it; tests/test_portfolios.py checks the copies against vectorbt's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

REL_TOL, ABS_TOL = 1e-9, 1e-12  # vectorbt.utils.math_.rel_tol, abs_tol


@njit(cache=True)
def is_close_nb(a, b):  # vectorbt.utils.math_.is_close_nb
    if np.isnan(a) or np.isnan(b) or np.isinf(a) or np.isinf(b):
        return False
    if a == b:
        return True
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


@njit(cache=True)
def is_close_or_less_nb(a, b):  # vectorbt.utils.math_.is_close_or_less_nb
    return True if is_close_nb(a, b) else a < b


@njit(cache=True)
def is_addition_zero_nb(a, b):  # vectorbt.utils.math_.is_addition_zero_nb
    if np.sign(a) != np.sign(b):
        return is_close_nb(abs(a), abs(b))
    return is_close_nb(a + b, 0.0)


@njit(cache=True)
def add_nb(a, b):  # vectorbt.utils.math_.add_nb: a sum that is zero to within the tolerances is 0
    return 0.0 if is_addition_zero_nb(a, b) else a + b


@njit(cache=True)
def insert_argsort_nb(values, order):  # vectorbt.utils.array_.insert_argsort_nb: stable, NaN last
    for j in range(1, len(values)):
        value, index = values[j], order[j]
        i = j - 1
        while i >= 0 and (values[i] > value or np.isnan(values[i])):
            values[i + 1] = values[i]
            order[i + 1] = order[i]
            i -= 1
        values[i + 1] = value
        order[i + 1] = index


@njit(cache=True)
def values_of_orders(close, rows, starts, listed, wanted, rest_zero, init_cash, fees):
    # close (T, N); rows (R,) ascending order rows; entries starts[r]:starts[r + 1] of row r list
    # assets `listed` (ascending within a row) with targets wanted[g, entry] (NaN = no order);
    # rest_zero (R,): the row's unlisted assets have target 0.
    # -> the value at each close (T, G) and the share of it held in assets after the close's orders
    periods, assets = close.shape
    groups = wanted.shape[0]
    values = np.empty((periods, groups))
    exposures = np.empty((periods, groups))
    held_now = np.empty(assets, dtype=np.int64)  # the assets with a position, ascending
    merged = np.empty(assets, dtype=np.int64)
    candidates = np.empty(assets, dtype=np.int64)
    targets = np.empty(assets)
    order_value = np.empty(assets)
    sequence = np.empty(assets, dtype=np.int64)
    for g in range(groups):
        cash = init_cash
        position = np.zeros(assets)
        held_count = 0
        fee = fees[g]
        r = 0
        for t in range(periods):
            if r < len(rows) and rows[r] == t:
                first, stop = starts[r], starts[r + 1]
                # the assets that may trade: listed ones with a target, and (rest_zero) held ones -> 0
                count = 0
                i, j = first, 0
                while i < stop or (rest_zero[r] and j < held_count):
                    take_listed = i < stop and (not rest_zero[r] or j >= held_count or listed[i] <= held_now[j])
                    if take_listed:
                        k = listed[i]
                        target = wanted[g, i]
                        if rest_zero[r] and j < held_count and held_now[j] == k:
                            j += 1
                        i += 1
                        if np.isnan(target):
                            continue
                    else:
                        k = held_now[j]
                        target = 0.0
                        j += 1
                    candidates[count] = k
                    targets[count] = target
                    count += 1
                r += 1
                if count > 0:
                    value = cash
                    for h in range(held_count):
                        k = held_now[h]
                        value += position[k] * close[t, k]
                    for c in range(count):
                        k = candidates[c]
                        order_value[c] = targets[c] * value - position[k] * close[t, k]
                        sequence[c] = c
                    insert_argsort_nb(order_value[:count], sequence[:count])  # sells first (vectorbt's call_seq="auto")
                    for s in range(count):
                        c = sequence[s]
                        k = candidates[c]
                        now_cash = 0.0 if is_close_nb(cash, 0.0) else cash
                        held = 0.0 if is_close_nb(position[k], 0.0) else position[k]
                        now_value = 0.0 if is_close_nb(value, 0.0) else value
                        if now_value <= 0:
                            continue
                        price = close[t, k]
                        size = targets[c] * now_value / price - held
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
                    # the held assets again, ascending: the old ones merged with the traded ones (ascending too)
                    n, i, j = 0, 0, 0
                    while i < held_count or j < count:
                        if j >= count or (i < held_count and held_now[i] < candidates[j]):
                            k = held_now[i]
                            i += 1
                        elif i >= held_count or candidates[j] < held_now[i]:
                            k = candidates[j]
                            j += 1
                        else:
                            k = held_now[i]
                            i += 1
                            j += 1
                        if position[k] != 0:
                            merged[n] = k
                            n += 1
                    held_count = n
                    held_now[:n] = merged[:n]
            end = cash
            for h in range(held_count):
                k = held_now[h]
                end += position[k] * close[t, k]
            values[t, g] = end
            exposures[t, g] = (end - cash) / end if end > 0 else 0.0
    return values, exposures
