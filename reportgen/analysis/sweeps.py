"""The sensitivity grid and the cost/timing variants as columns of signals and sizes: numpy only.

A sweep is built by broadcasting, not by a loop: the predictions against every threshold, the
attention against every attention level, times every base size and scale, reshaped into one
column per configuration, so that one columnar simulation runs them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis import overlays


@dataclass(frozen=True)
class Columns:
    """Signals and sizes of many variants, one column each, described by `params` (same order)."""

    params: pd.DataFrame  # one row a column of `signal` and `size`
    signal: pd.DataFrame  # bool: long wanted
    size: pd.DataFrame  # requested size at entry
    entry_size: pd.DataFrame | None = None  # the size each column would request on any day (signal aside)


def attention_levels(attention: pd.Series, quantiles: Sequence[float]) -> np.ndarray:
    """The attention level of each quantile over the model's dates (q = 0: the minimum, no filter)."""
    return np.quantile(attention.to_numpy(dtype=float), np.asarray(quantiles, dtype=float))


def sweep_columns(
    prediction: pd.Series,
    attention: pd.Series,
    thresholds: Sequence[float],
    attention_quantiles: Sequence[float],
    sizings: Sequence[str],
    size_scales: Sequence[float],
) -> Columns:
    """Every combination of the grid, as long-while-(prediction > threshold and attention >= level)
    signals sized at min(1, scale x base) of available cash, base 1 ("full") or attention.

    Column order: threshold slowest, then attention quantile, sizing, and scale fastest.
    """
    n = len(prediction)
    levels = attention_levels(attention, attention_quantiles)
    pred = prediction.to_numpy(dtype=float)[:, None, None, None, None]
    att = attention.to_numpy(dtype=float)[:, None, None, None, None]
    above = pred > np.asarray(thresholds, dtype=float)[None, :, None, None, None]
    attended = att >= levels[None, None, :, None, None]
    base = np.stack([np.ones(n) if s == "full" else attention.to_numpy(dtype=float) for s in sizings], axis=1)
    scaled = np.minimum(1.0, base[:, None, None, :, None] * np.asarray(size_scales, dtype=float)[None, None, None, None, :])
    shape = (n, len(thresholds), len(levels), len(sizings), len(size_scales))
    signal = np.broadcast_to(above & attended, shape).reshape(n, -1)
    size = (np.broadcast_to(scaled, shape) * np.broadcast_to(above & attended, shape)).reshape(n, -1)
    ti, qi, zi, si = (axis.ravel() for axis in np.indices(shape[1:]))
    params = pd.DataFrame(
        {
            "threshold": np.asarray(thresholds, dtype=float)[ti],
            "attention_quantile": np.asarray(attention_quantiles, dtype=float)[qi],
            "attention_level": levels[qi],
            "sizing": np.asarray(sizings, dtype=object)[zi],
            "size_scale": np.asarray(size_scales, dtype=float)[si],
            "min_hold_days": 1,
            "vol_target": 0.0,
            "stop_loss": 0.0,
        }
    )
    columns = pd.RangeIndex(signal.shape[1])
    return Columns(
        params=params,
        signal=pd.DataFrame(signal, index=prediction.index, columns=columns),
        size=pd.DataFrame(size, index=prediction.index, columns=columns),
        entry_size=pd.DataFrame(np.broadcast_to(scaled, shape).reshape(n, -1), index=prediction.index, columns=columns),
    )


def overlay_blocks(
    grid: Columns,
    price: pd.Series,
    min_hold_days: Sequence[int],
    vol_targets: Sequence[float],
    vol_window_days: int,
    stop_losses: Sequence[float],
    periods_per_year: int,
) -> Iterator[Columns]:
    """The grid under each combination of overlays (a vol target or stop-loss of 0: none), one
    block of columns per combination, in the order holding period, vol target, stop (slowest first).
    Blocks are made one at a time, so that only one is in memory while it is simulated. With only
    the "none" values the one block is the grid as it is (its params name the overlays: 1, 0, 0)."""
    for hold in min_hold_days:
        for target in vol_targets:
            for stop in stop_losses:
                chosen = overlays.Overlays(
                    min_hold_days=int(hold), vol_target=float(target) or None,
                    vol_window_days=vol_window_days, stop_loss=float(stop) or None,
                )
                if chosen.groups:
                    signal, scale = overlays.overlaid_signals(grid.signal, price, chosen, periods_per_year)
                    size = grid.entry_size.where(signal.to_numpy(), 0.0).mul(scale.to_numpy(), axis=0)
                else:
                    signal, size = grid.signal, grid.size
                params = grid.params.assign(min_hold_days=int(hold), vol_target=float(target), stop_loss=float(stop))
                yield Columns(params=params, signal=signal, size=size)


def delayed(frame: pd.DataFrame, lag_days: int, fill) -> pd.DataFrame:
    """`frame` acted on `lag_days` rows later: the first rows take `fill` (no position)."""
    return frame.shift(lag_days, fill_value=fill) if lag_days else frame


def cost_timing_columns(
    signal: pd.DataFrame, size: pd.DataFrame, fees_bps: Sequence[float], lag_days: Sequence[int]
) -> Columns:
    """Each column of `signal`/`size` at every fee level and execution lag: params are
    `source` (the original column), `lag_days` and `fees_bps`."""
    rows, signals, sizes = [], [], []
    for lag in lag_days:
        lagged_signal, lagged_size = delayed(signal, lag, False), delayed(size, lag, 0.0)
        for bps in fees_bps:
            rows += [{"source": c, "lag_days": lag, "fees_bps": float(bps)} for c in signal.columns]
            signals.append(lagged_signal.to_numpy())
            sizes.append(lagged_size.to_numpy())
    columns = pd.RangeIndex(len(rows))
    return Columns(
        params=pd.DataFrame(rows),
        signal=pd.DataFrame(np.hstack(signals), index=signal.index, columns=columns),
        size=pd.DataFrame(np.hstack(sizes), index=signal.index, columns=columns),
    )


def grid_position(
    params: pd.DataFrame,
    threshold: float,
    attention_threshold: float | None,
    sizing: str,
    size_type: str,
    chosen: overlays.Overlays = overlays.Overlays(),
    vol_window_days: int = 21,
) -> tuple[int | None, str]:
    """The sweep column that runs the same rules as a configured strategy, or None and why not.

    A strategy is on the grid when it sizes as a fraction of cash, has no attention filter (the
    grid's q = 0 level), and its threshold, its sizing and a scale of 1 are among the grid's values,
    and so are its overlays (the grid's have no take-profit, no trailing stop and no leverage cap
    below 1, and their volatility window is the sweep's).
    """
    if size_type != "percent":
        return None, f'size_type "{size_type}" (the grid sizes as a fraction of cash)'
    if attention_threshold is not None:
        return None, "a fixed attention threshold (the grid filters by quantiles of attention)"
    if chosen.take_profit is not None or chosen.trailing_stop:
        return None, "a take-profit or trailing stop (the grid's stops are fixed stop-losses)"
    if chosen.vol_target is not None and (chosen.max_leverage != 1.0 or chosen.vol_window_days != vol_window_days):
        return None, "its volatility window or leverage cap differs from the grid's"
    match = params[
        np.isclose(params["threshold"], threshold)
        & (params["attention_quantile"] == 0.0)
        & (params["sizing"] == sizing)
        & np.isclose(params["size_scale"], 1.0)
        & (params["min_hold_days"] == chosen.min_hold_days)
        & np.isclose(params["vol_target"], chosen.vol_target or 0.0)
        & np.isclose(params["stop_loss"], chosen.stop_loss or 0.0)
    ]
    if match.empty:
        return None, "its threshold, sizing, overlays or a scale of 1 is not among the grid's values"
    return int(match.index[0]), ""


def distinct_columns(returns: np.ndarray) -> np.ndarray:
    """Positions of the first of each set of identical columns (rules that trade alike)."""
    _, first = np.unique(np.round(np.asarray(returns, dtype=float), 12), axis=1, return_index=True)
    return np.sort(first)
