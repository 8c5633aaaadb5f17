"""A small synthetic project for `reportgen init` without files: seeded, so always the same bytes.

The prices are random walks with an unadjusted close beside the adjusted one (init prefers the
adjusted close, as it would on a user's file); the predictions are noise around 0.5 with a
10-step attention vector (softmax rows of varying concentration). Nothing in them can be
predicted: the example shows what a report looks like, not a model that works.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EXAMPLE_DAYS = 504  # two years of trading days
EXAMPLE_ASSETS = ("ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT")
ATTENTION_STEPS = 10
SEED = 20240101


def _dates() -> pd.DatetimeIndex:
    return pd.bdate_range("2023-01-02", periods=EXAMPLE_DAYS)


def _walk(rng: np.random.Generator, rows: int) -> np.ndarray:
    return 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.011, rows)))


def _attention(rng: np.random.Generator, rows: int) -> np.ndarray:
    logits = rng.normal(0, 1, (rows, ATTENTION_STEPS)) * rng.uniform(0.2, 2.5, (rows, 1))
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)


def _with_attention(frame: pd.DataFrame, weights: np.ndarray) -> str:
    for k in range(weights.shape[1]):
        frame[f"att_{k}"] = np.round(weights[:, k], 6)
    return frame.to_csv(index=False, float_format="%.6f", lineterminator="\n")


def single_asset_files() -> dict[str, str]:
    """data/prices.csv (Date, Close, Adj Close) and data/predictions.csv (date, predictions, att_*)."""
    rng = np.random.default_rng(SEED)
    dates = _dates()
    adjusted = _walk(rng, len(dates))
    close = adjusted * np.linspace(1.04, 1.0, len(dates))  # before two years of dividends
    prices = pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), "Close": np.round(close, 4), "Adj Close": np.round(adjusted, 4)})
    later = dates[30:]
    predictions = pd.DataFrame({"date": later.strftime("%Y-%m-%d"), "predictions": np.round(rng.uniform(0.35, 0.65, len(later)), 6)})
    return {
        "data/prices.csv": prices.to_csv(index=False, lineterminator="\n"),
        "data/predictions.csv": _with_attention(predictions, _attention(rng, len(later))),
    }


def universe_files() -> dict[str, str]:
    """data/prices.csv (Date and one adjusted close per asset) and data/predictions.csv (long)."""
    rng = np.random.default_rng(SEED)
    dates = _dates()
    prices = pd.DataFrame({"Date": dates.strftime("%Y-%m-%d")})
    for asset in EXAMPLE_ASSETS:
        prices[asset] = np.round(_walk(rng, len(dates)), 4)
    later = dates[30:]
    rows = pd.MultiIndex.from_product([later.strftime("%Y-%m-%d"), EXAMPLE_ASSETS], names=["date", "asset"]).to_frame(index=False)
    rows["predictions"] = np.round(rng.uniform(0.35, 0.65, len(rows)), 6)
    return {
        "data/prices.csv": prices.to_csv(index=False, lineterminator="\n"),
        "data/predictions.csv": _with_attention(rows, _attention(rng, len(rows))),
    }
