"""Trading signals and position sizes from model output: plain pandas, no backtesting library."""

from __future__ import annotations

import numpy as np
import pandas as pd


def long_signal(prediction: pd.Series, threshold: float) -> pd.Series:
    """True while the predicted probability of an up day is above `threshold` (long), else flat."""
    return (prediction > threshold).rename("signal")


def filtered_signal(signal: pd.Series, attention: pd.Series, attention_threshold: float | None) -> pd.Series:
    """The signal, kept only while attention > `attention_threshold` (unchanged when it is None)."""
    if attention_threshold is None:
        return signal.rename("signal")
    return (signal & (attention > attention_threshold)).rename("signal")


def position_size(signal: pd.Series, attention: pd.Series, sizing: str) -> pd.Series:
    """Requested size per date: 0 when flat; 1 ("full") or the attention score ("attention")."""
    if sizing == "full":
        return signal.astype(float).rename("size")
    if sizing == "attention":
        return (signal.astype(float) * attention).rename("size")
    raise ValueError(f"unknown sizing {sizing!r}")


def filtered_signals(signal: pd.Series, attention: pd.DataFrame, attention_threshold: float | None) -> pd.DataFrame:
    """`filtered_signal` against many attention columns at once: one signal column per column."""
    repeated = np.repeat(signal.to_numpy(dtype=bool)[:, None], attention.shape[1], axis=1)
    if attention_threshold is not None:
        repeated &= attention.to_numpy() > attention_threshold
    return pd.DataFrame(repeated, index=attention.index, columns=attention.columns)


def position_sizes(signals: pd.DataFrame, attention: pd.DataFrame, sizing: str) -> pd.DataFrame:
    """`position_size` column by column: signal column k sized by attention column k."""
    if sizing == "full":
        return signals.astype(float)
    if sizing == "attention":
        return signals.astype(float) * attention.to_numpy()
    raise ValueError(f"unknown sizing {sizing!r}")
