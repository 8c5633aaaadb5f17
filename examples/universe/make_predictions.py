"""Write data/sp20_predictions_synthetic.csv.gz: SYNTHETIC placeholder predictions for the
example universe, until `reportgen train` trains a model on a universe.

They are not a model's output. They come from a fixed, causal rule on each stock's own past
closes (nothing after the close of date t is used for date t):

- prediction: 0.5 + 0.08 * tanh(z) + noise, where z is the 20-day mean daily return over its
  20-day standard deviation (a short-term momentum score), and the noise is seeded N(0, 0.03);
  clipped to [0.01, 0.99];
- attention vector (T = 10 steps, att_0 = the latest day): a softmax over the last 10 days of
  |daily return| / its 60-day standard deviation, times 1.5: the rule "looks" at the days that
  moved most.

Same seed, same file, byte for byte (the gzip header carries no time). Run from this folder:

    python make_predictions.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240611
FIRST_DATE = "2005-01-03"  # the README of the data: before 2000 many prices are quantised
STEPS = 10
HERE = Path(__file__).resolve().parent


def synthetic_predictions(prices: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    returns = prices.pct_change()
    z = returns.rolling(20).mean() / returns.rolling(20).std()
    scale = returns.rolling(60).std()
    dates = prices.index[prices.index >= FIRST_DATE]
    frames = []
    for asset in prices.columns:
        shocks = (returns[asset].abs() / scale[asset]).to_numpy()
        lagged = np.column_stack([np.roll(shocks, k) for k in range(STEPS)])  # column k: k days back
        rows = prices.index.get_indexer(dates)
        logits = 1.5 * lagged[rows]
        weights = np.exp(logits - logits.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        noise = rng.normal(0.0, 0.03, len(dates))
        prediction = np.clip(0.5 + 0.08 * np.tanh(z[asset].to_numpy()[rows]) + noise, 0.01, 0.99)
        frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "asset": asset, "predictions": np.round(prediction, 4)})
        for k in range(STEPS):
            frame[f"att_{k}"] = np.round(weights[:, k], 4)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["date", "asset"], kind="stable").reset_index(drop=True)


def main() -> None:
    prices = pd.read_csv(HERE / "data/sp20_prices.csv", index_col="Date", parse_dates=True)
    table = synthetic_predictions(prices)
    text = table.to_csv(index=False, lineterminator="\n").encode()
    target = HERE / "data/sp20_predictions_synthetic.csv.gz"
    with open(target, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(text)
    print(f"wrote {target.relative_to(HERE)}: {len(table):,} rows ({table['date'].nunique():,} dates x {prices.shape[1]} assets)")


if __name__ == "__main__":
    main()
