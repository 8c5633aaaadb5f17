"""The sensitivity grid and the cost/timing variants as columns of signals and sizes: numpy only.

A sweep is a grid of configurations (`sweep_grid`, one row each) whose signals and sizes are
built by broadcasting, for any block of its rows (`sweep_block`): the predictions against each
row's threshold, the attention against its level, times its base size and scale, one column per
configuration, so that one columnar simulation runs a whole block.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
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


def sweep_grid(
    attention: pd.Series,
    thresholds: Sequence[float],
    attention_quantiles: Sequence[float],
    sizings: Sequence[str],
    size_scales: Sequence[float],
    min_hold_days: Sequence[int] = (1,),
    vol_targets: Sequence[float] = (0.0,),
    stop_losses: Sequence[float] = (0.0,),
) -> pd.DataFrame:
    """Every combination of the grid, one row a configuration: threshold, attention_quantile,
    attention_level (that quantile of `attention`), sizing, size_scale and the overlays
    min_hold_days, vol_target and stop_loss (1, 0 and 0: none).

    Row order: the overlays slowest (holding period, vol target, stop), then threshold, attention
    quantile, sizing, and scale fastest.
    """
    levels = attention_levels(attention, attention_quantiles)
    shape = (len(min_hold_days), len(vol_targets), len(stop_losses), len(thresholds), len(levels), len(sizings), len(size_scales))
    hi, vi, li, ti, qi, zi, si = (axis.ravel() for axis in np.indices(shape))
    return pd.DataFrame(
        {
            "threshold": np.asarray(thresholds, dtype=float)[ti],
            "attention_quantile": np.asarray(attention_quantiles, dtype=float)[qi],
            "attention_level": levels[qi],
            "sizing": np.asarray(sizings, dtype=object)[zi],
            "size_scale": np.asarray(size_scales, dtype=float)[si],
            "min_hold_days": np.asarray(min_hold_days, dtype=int)[hi],
            "vol_target": np.asarray(vol_targets, dtype=float)[vi],
            "stop_loss": np.asarray(stop_losses, dtype=float)[li],
        }
    )


OVERLAY_PARAMS = ["min_hold_days", "vol_target", "stop_loss"]


def sweep_block(
    prediction: pd.Series,
    attention: pd.Series,
    grid: pd.DataFrame,
    price: pd.Series | None = None,
    vol_window_days: int = 21,
    periods_per_year: int = 252,
) -> Columns:
    """Signals and sizes of the configurations in `grid` (rows of `sweep_grid`, any subset), one
    column each named by its row: long while prediction > threshold and attention >= level,
    sized at min(1, scale x base) of available cash, base 1 ("full") or the attention; then each
    row's overlays (a vol target or stop-loss of 0: none; `price` is needed for any), applied to
    the rows sharing them at once (overlays.overlaid_signals), the size times the vol multiplier."""
    pred = prediction.to_numpy(dtype=float)[:, None]
    att = attention.to_numpy(dtype=float)[:, None]
    signal = (pred > grid["threshold"].to_numpy(dtype=float)[None, :]) & (
        att >= grid["attention_level"].to_numpy(dtype=float)[None, :]
    )
    full = (grid["sizing"].to_numpy() == "full")[None, :]
    base = np.where(full, 1.0, att)
    entry = np.broadcast_to(np.minimum(1.0, base * grid["size_scale"].to_numpy(dtype=float)[None, :]), signal.shape)
    size = entry * signal
    for (hold, target, stop), rows in grid.groupby(OVERLAY_PARAMS, sort=False).indices.items():
        chosen = overlays.Overlays(
            min_hold_days=int(hold), vol_target=float(target) or None,
            vol_window_days=vol_window_days, stop_loss=float(stop) or None,
        )
        if chosen.groups:
            held, scale = overlays.overlaid_signals(pd.DataFrame(signal[:, rows]), price, chosen, periods_per_year)
            signal[:, rows] = held.to_numpy()
            size[:, rows] = entry[:, rows] * held.to_numpy() * scale.to_numpy()[:, None]
    columns = pd.Index(grid.index)
    return Columns(
        params=grid,
        signal=pd.DataFrame(signal, index=prediction.index, columns=columns),
        size=pd.DataFrame(size, index=prediction.index, columns=columns),
        entry_size=pd.DataFrame(entry, index=prediction.index, columns=columns),
    )



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


def column_keys(returns: np.ndarray) -> list[bytes]:
    """One digest per column of its returns rounded to 12 decimals (-0.0 taken as 0.0): equal
    columns have equal keys, so columns can be compared block by block without being kept."""
    rounded = np.round(np.asarray(returns, dtype=float), 12) + 0.0
    return [hashlib.sha256(np.ascontiguousarray(rounded[:, j]).tobytes()).digest() for j in range(rounded.shape[1])]


def distinct_columns(keys: Sequence[bytes]) -> np.ndarray:
    """Positions of the first of each set of columns with equal `column_keys` (rules that trade alike)."""
    first: dict[bytes, int] = {}
    for position, key in enumerate(keys):
        first.setdefault(key, position)
    return np.array(sorted(first.values()), dtype=int)
