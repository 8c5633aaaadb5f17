"""Model inputs from daily prices: technical features, next-day labels, training-window scaling.

pandas and numpy only. Every feature on the row dated t uses closes (and open/high/low/volume)
up to and including day t, never later: rolling windows and exponential averages look back
only, so appending newer prices never changes an earlier row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VOLATILITY_WINDOWS_DAYS = (10, 21, 63)
RSI_DAYS = 14
MACD_FAST_DAYS, MACD_SLOW_DAYS, MACD_SIGNAL_DAYS = 12, 26, 9
MEAN_WINDOWS_DAYS = (50, 200)
CLIP_Z = 5.0  # scaled features are clipped to +-5 training standard deviations


def _ema(values: pd.Series, span_days: int) -> pd.Series:
    return values.ewm(span=span_days, adjust=False, min_periods=span_days).mean()


def rsi(close: pd.Series, days: int = RSI_DAYS) -> pd.Series:
    """Wilder's relative strength index in [0, 100] (averages seeded with the first change);
    50 while prices do not move."""
    change = close.diff()
    gain = change.clip(lower=0).ewm(alpha=1 / days, adjust=False, min_periods=days).mean()
    loss = (-change).clip(lower=0).ewm(alpha=1 / days, adjust=False, min_periods=days).mean()
    total = gain + loss
    index = 100 * gain / total.where(total > 0)
    return index.where(total.isna() | (total > 0), 50.0)


def macd_histogram(close: pd.Series) -> pd.Series:
    """MACD (12/26) minus its 9-day signal line, as a fraction of the close (scale-free)."""
    macd = _ema(close, MACD_FAST_DAYS) - _ema(close, MACD_SLOW_DAYS)
    return (macd - _ema(macd, MACD_SIGNAL_DAYS)) / close


def price_features(table: pd.DataFrame) -> pd.DataFrame:
    """One row per date, one column per feature; NaN while a window is still filling.

    `table` has a `close` column (the adjusted close) and optionally `open`, `high`, `low`,
    `volume`. Open, high and low enter only as ratios within the same day, so they may be
    unadjusted while the close is adjusted.
    """
    close = table["close"]
    log_return = np.log(close).diff()
    features = {"log_return": log_return}
    for days in VOLATILITY_WINDOWS_DAYS:
        features[f"volatility_{days}d"] = log_return.rolling(days, min_periods=days).std()
    short, long = VOLATILITY_WINDOWS_DAYS[0], VOLATILITY_WINDOWS_DAYS[-1]
    features["volatility_ratio"] = features[f"volatility_{short}d"] / features[f"volatility_{long}d"]
    features["rsi_14"] = rsi(close)
    features["macd_histogram"] = macd_histogram(close)
    for days in MEAN_WINDOWS_DAYS:
        features[f"distance_mean_{days}d"] = close / close.rolling(days, min_periods=days).mean() - 1
    if "volume" in table:
        features["volume_change"] = np.log(table["volume"]).diff()
    if "high" in table and "low" in table:
        features["log_range"] = np.log(table["high"] / table["low"])
    if "open" in table and "high" in table:
        features["high_over_open"] = np.log(table["high"] / table["open"])
    if "open" in table and "low" in table:
        features["open_over_low"] = np.log(table["open"] / table["low"])
    return pd.DataFrame(features, index=table.index)


def warmup_rows(features: pd.DataFrame) -> int:
    """Rows before the first one on which every feature is defined."""
    complete = features.notna().all(axis=1).to_numpy()
    if not complete.any():
        return len(features)
    first = int(np.argmax(complete))
    if not complete[first:].all():
        raise ValueError("a feature is undefined after the warm-up")  # a bug, not a user error
    return first


def next_day_up(close: pd.Series) -> pd.Series:
    """1.0 where the next close is above this one, 0.0 where not, NaN on the last date."""
    up = (close.shift(-1) > close).astype(float)
    up.iloc[-1] = np.nan
    return up.rename("next_day_up")


def scaling_statistics(training_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each feature column over the training window's rows."""
    mean = training_rows.mean(axis=0)
    std = training_rows.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def scaled(rows: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """z-scores with the training window's statistics, clipped to +-CLIP_Z, as float32."""
    return np.clip((rows - mean) / std, -CLIP_Z, CLIP_Z).astype(np.float32)
