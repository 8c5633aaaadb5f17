"""The sensitivity grid and the cost/timing variants as columns of signals and sizes: numpy only.

A sweep is built by broadcasting, not by a loop: the predictions against every threshold, the
attention against every attention level, times every base size and scale, reshaped into one
column per configuration, so that one columnar simulation runs them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Columns:
    """Signals and sizes of many variants, one column each, described by `params` (same order)."""

    params: pd.DataFrame  # one row a column of `signal` and `size`
    signal: pd.DataFrame  # bool: long wanted
    size: pd.DataFrame  # requested size at entry


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
        }
    )
    columns = pd.RangeIndex(signal.shape[1])
    return Columns(
        params=params,
        signal=pd.DataFrame(signal, index=prediction.index, columns=columns),
        size=pd.DataFrame(size, index=prediction.index, columns=columns),
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
    params: pd.DataFrame, threshold: float, attention_threshold: float | None, sizing: str, size_type: str
) -> tuple[int | None, str]:
    """The sweep column that runs the same rules as a configured strategy, or None and why not.

    A strategy is on the grid when it sizes as a fraction of cash, has no attention filter (the
    grid's q = 0 level), and its threshold, its sizing and a scale of 1 are among the grid's values.
    """
    if size_type != "percent":
        return None, f'size_type "{size_type}" (the grid sizes as a fraction of cash)'
    if attention_threshold is not None:
        return None, "a fixed attention threshold (the grid filters by quantiles of attention)"
    match = params[
        np.isclose(params["threshold"], threshold)
        & (params["attention_quantile"] == 0.0)
        & (params["sizing"] == sizing)
        & np.isclose(params["size_scale"], 1.0)
    ]
    if match.empty:
        return None, "its threshold, sizing or a scale of 1 is not among the grid's values"
    return int(match.index[0]), ""


def distinct_columns(returns: np.ndarray) -> np.ndarray:
    """Positions of the first of each set of identical columns (rules that trade alike)."""
    _, first = np.unique(np.round(np.asarray(returns, dtype=float), 12), axis=1, return_index=True)
    return np.sort(first)
