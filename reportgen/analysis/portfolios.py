"""Portfolio weights across a universe of assets: pure functions of (dates x assets) frames.

On a rebalance day t, from data known at the close of t, over the eligible assets:

    w_i = gross * s_i / sum_j s_j,   then w_i = min(w_i, max_weight)

with s = 1 ("equal"), the prediction ("prediction"), the attention score ("attention") or
1 / trailing volatility of daily returns ("inverse_volatility"). What the cap removes stays in
cash. Orders fill at the close of t; between rebalance days no order is sent, so weights drift
with prices. Frames have one column per asset, sorted by name (ties of top_k go to the name
that sorts first). Plain numpy and pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen.analysis.thresholds import HELD_WEIGHT
from reportgen.inputs.config import PortfolioConfig


def wide(long: pd.Series, assets: pd.Index, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """A (date, asset)-indexed series as a (dates x assets) frame; NaN where no row (one row per
    (date, asset) at most, as reportgen.inputs checked)."""
    return wide_frames([long], assets, dates)[0]


def wide_frames(series: list[pd.Series], assets: pd.Index, dates: pd.DatetimeIndex) -> list[pd.DataFrame]:
    """`wide` of each series, in order. The rows are placed by their index's codes (pandas'
    unstack sorts all of them first: 2.5 million at 500 assets, then reindexes), and series that
    share an index (a model's prediction and attention scores) are placed by one layout."""
    frames, index, layout = [], None, None
    for long in series:
        if not isinstance(long.index, pd.MultiIndex) or long.index.names != ["date", "asset"] or long.dtype.kind != "f":
            frames.append(long.unstack("asset").reindex(index=dates, columns=assets))
            continue
        if index is None or not long.index.equals(index):
            index, layout = long.index, _cells(long.index, pd.Index(assets), dates)
        frames.append(_placed(long.to_numpy(), layout, assets, dates))
    return frames


def _cells(index: pd.MultiIndex, assets: pd.Index, dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each row of `index` goes in a (dates x assets) array, flattened, and which rows go
    there at all (code -1: a missing label); None when the rows are every cell in order already."""
    row = dates.get_indexer(index.levels[0])[index.codes[0]]
    column = assets.get_indexer(index.levels[1])[index.codes[1]]
    placed = (row >= 0) & (column >= 0) & (index.codes[0] >= 0) & (index.codes[1] >= 0)
    cell = row * len(assets) + column
    if len(cell) == len(dates) * len(assets) and placed.all() and np.array_equal(cell, np.arange(len(cell))):
        return None
    return cell[placed], placed


def _placed(values: np.ndarray, cells: tuple[np.ndarray, np.ndarray] | None, assets: pd.Index, dates: pd.DatetimeIndex) -> pd.DataFrame:
    if cells is None:
        placed = values.reshape(len(dates), len(assets)).copy()
    else:
        placed = np.full(len(dates) * len(assets), np.nan, dtype=values.dtype)
        placed[cells[0]] = values[cells[1]]
        placed = placed.reshape(len(dates), len(assets))
    # copy=False keeps each date's row contiguous, as unstack leaves it: row sums round the same
    return pd.DataFrame(placed, index=dates, columns=pd.Index(assets, name="asset"), copy=False)


def eligible_assets(prediction: pd.DataFrame, threshold: float, tradable: pd.DataFrame) -> pd.DataFrame:
    """Bool frame: the asset has a price and its prediction is > threshold (no prediction: False)."""
    return (prediction > threshold) & tradable


def top_k_assets(eligible: pd.DataFrame, prediction: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """The eligible assets that rank among the k highest predictions of their day (ties: the
    asset name that sorts first); all eligible assets when k is None."""
    if k is None:
        return eligible
    return eligible & top_k_of_keys(np.where(eligible.to_numpy(), -prediction.to_numpy(dtype=float), np.inf), k)


def top_k_of_keys(keys: np.ndarray, k: int) -> np.ndarray:
    """Bool array: each row's k smallest keys, ties to the first column (what a stable sort of
    each row would rank below k; a NaN key counts as +inf). A partition finds each row's k-th
    key in linear time, then only the ties at it are counted in column order."""
    if k >= keys.shape[1]:
        return np.ones(keys.shape, dtype=bool)
    if k <= 0:
        return np.zeros(keys.shape, dtype=bool)
    missing = np.isnan(keys)
    keys = np.where(missing, np.inf, keys) if missing.any() else keys
    kth = np.partition(keys, k - 1, axis=1)[:, k - 1:k]
    below = keys < kth
    tied = keys == kth
    room = k - below.sum(axis=1, keepdims=True)
    return below | (tied & (np.cumsum(tied, axis=1) <= room))


def trailing_volatility(prices: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """Std (ddof 1) of the last `window_days` daily returns up to and including each date; NaN
    until a full window is known."""
    return prices.pct_change(fill_method=None).rolling(window_days, min_periods=window_days).std()


def weighting_scores(
    weighting: str,
    prediction: pd.DataFrame,
    attention: pd.DataFrame,
    volatility: pd.DataFrame,
) -> pd.DataFrame:
    """The score s of every asset and day for a weighting scheme; NaN where it is undefined
    (no trailing volatility yet, or a volatility of 0)."""
    if weighting == "equal":
        return pd.DataFrame(1.0, index=prediction.index, columns=prediction.columns)
    if weighting == "prediction":
        return prediction
    if weighting == "attention":
        return attention
    if weighting == "inverse_volatility":
        return 1.0 / volatility.where(volatility > 0)
    raise ValueError(f"unknown weighting {weighting!r}")


def target_weights(held: pd.DataFrame, score: pd.DataFrame, gross: float, max_weight: float | None) -> pd.DataFrame:
    """w_i = gross * s_i / sum_j s_j over the held assets, then capped at `max_weight`.

    An asset whose score is undefined (NaN) is not held; a day whose held scores sum to 0 (or
    with nothing held) is all cash."""
    weights = weights_of_scores(held.to_numpy(), score.to_numpy(dtype=float), gross, max_weight)
    return pd.DataFrame(weights, index=score.index, columns=score.columns)


def weights_of_scores(held: np.ndarray, score: np.ndarray, gross: float, max_weight: float | None) -> np.ndarray:
    """`target_weights` on arrays whose last axis is the assets (any leading axes: dates, runs)."""
    s = np.where(held & ~np.isnan(score), score, 0.0)
    total = s.sum(axis=-1, keepdims=True)
    weights = np.divide(gross * s, total, out=np.zeros_like(s), where=total > 0)
    return np.minimum(weights, max_weight) if max_weight is not None else weights


def rebalance_days(dates: pd.DatetimeIndex, rebalance: str) -> pd.Series:
    """True on the days orders are sent: every day ("daily"), the first trading day of each
    ISO week ("weekly") or of each month ("monthly"). The first date is always one."""
    if rebalance == "daily":
        flags = np.ones(len(dates), dtype=bool)
    else:
        if rebalance == "weekly":
            iso = dates.isocalendar()
            period = iso["year"].to_numpy() * 100 + iso["week"].to_numpy()
        elif rebalance == "monthly":
            period = dates.year * 100 + dates.month
        else:
            raise ValueError(f"unknown rebalance {rebalance!r}")
        period = np.asarray(period)
        flags = np.r_[True, period[1:] != period[:-1]]
    return pd.Series(flags, index=dates, name="rebalance")


def held_assets(portfolio: PortfolioConfig, prediction: pd.DataFrame, tradable: pd.DataFrame) -> pd.DataFrame:
    """Bool frame: what the portfolio holds each day (whatever its weighting): the eligible assets
    among the `top_k` highest predictions."""
    return top_k_assets(eligible_assets(prediction, portfolio.threshold, tradable), prediction, portfolio.top_k)


def portfolio_weights(
    portfolio: PortfolioConfig,
    prediction: pd.DataFrame,
    attention: pd.DataFrame,
    prices: pd.DataFrame,
    tradable: pd.DataFrame,
    held: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The target weights of a portfolio on every date (also on days it does not rebalance);
    `held`: its `held_assets`, when known already (portfolios of one rule share them)."""
    held = held_assets(portfolio, prediction, tradable) if held is None else held
    volatility = trailing_volatility(prices, portfolio.vol_window_days) if portfolio.weighting == "inverse_volatility" else None
    score = weighting_scores(portfolio.weighting, prediction, attention, volatility)
    return target_weights(held, score, portfolio.gross, portfolio.max_weight)


def orders(weights: pd.DataFrame, rebalance: pd.Series, lag_days: int = 0, ended: pd.DataFrame | None = None) -> pd.DataFrame:
    """Target percents to send: the weights of each rebalance day, filled `lag_days` later; NaN
    (no order) on every other day. Before the first lagged order the portfolio stays in cash.
    `ended` (`delisted_dates`): from an asset's last price on, its target is 0, so a holding is
    sold at that last price (with fees) whatever the rebalance days and lag."""
    sent = rebalance.reindex(weights.index, fill_value=False).to_numpy(dtype=bool)
    targets = np.where(sent[:, None], weights.to_numpy(dtype=float), np.nan)  # plain numpy: pandas' where takes 5x as long on 500 assets
    if lag_days:
        targets = np.vstack([np.full((min(lag_days, len(targets)), targets.shape[1]), np.nan), targets[:-lag_days]])
    if ended is not None:
        targets[ended.reindex_like(weights).fillna(False).to_numpy(dtype=bool)] = 0.0
    return pd.DataFrame(targets, index=weights.index, columns=weights.columns)


def delisted_dates(dates: pd.DatetimeIndex, assets: pd.Index, delistings: pd.Series) -> pd.DataFrame:
    """Bool frame (dates x assets): True from the date of a delisted asset's last price on
    (`delistings`: that date by asset, inputs.universe.delisting_dates)."""
    ended = pd.DataFrame(False, index=dates, columns=assets)
    for asset, last in delistings.items():
        ended.loc[dates >= last, asset] = True
    return ended


def exposure_matched_weights(weights: pd.DataFrame) -> pd.DataFrame:
    """The control: the same held assets and the same gross exposure each day, equal weights."""
    held = weights > HELD_WEIGHT
    count = held.sum(axis=1)
    per_asset = (weights.sum(axis=1) / count.where(count > 0)).fillna(0.0)
    return held.mul(per_asset, axis=0).astype(float)


def held_columns(held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each day's held assets (days x assets, bool) as column numbers, held first and in column
    order (days x width, width = the most assets held on a day), and which of them are held
    (False where a day holds fewer than width)."""
    width = max(1, int(held.sum(axis=-1).max(initial=0)))
    columns = np.argsort(~held, axis=-1, kind="stable")[..., :width]
    return columns, np.take_along_axis(held, columns, axis=-1)


def shuffled_held_scores(score: np.ndarray, columns: np.ndarray, inside: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The scores (dates x assets) of each day's held assets (`held_columns`), shuffled among them:
    one shuffle per leading index of `keys` (runs x days x width, or days x width), uniform random
    numbers, `rng.random(...)`, whose order on a day orders its held assets. Laid out as
    `columns` (NaN where not `inside`), so a run costs top_k values a day, not one per asset."""
    lead = keys.shape[:-1]
    order = np.argsort(np.where(inside, keys, np.inf), axis=-1, kind="stable")
    held_scores = np.broadcast_to(np.where(inside, np.take_along_axis(score, columns, axis=-1), np.nan), (*lead, columns.shape[-1]))
    return np.where(inside, np.take_along_axis(held_scores, order, axis=-1), np.nan)


def herfindahl(weights: pd.DataFrame) -> pd.Series:
    """Concentration of each day's holdings: sum of squared weights as shares of the invested
    part (1 / n for n equal holdings, 1 for one); NaN on days with nothing held."""
    invested = weights.sum(axis=1)
    shares = weights.div(invested.where(invested > 0), axis=0)
    return (shares**2).sum(axis=1, min_count=1).where(invested > 0).rename("herfindahl")


def holdings_count(weights: pd.DataFrame) -> pd.Series:
    """The number of assets held each day: weights above HELD_WEIGHT (below it, rounding residue)."""
    return (weights > HELD_WEIGHT).sum(axis=1).rename("holdings")
