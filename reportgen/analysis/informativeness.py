"""Does a factor (the prediction, an attention score) tell anything about the next day's return?

alphalens-style, for one asset over time: rank IC with a Newey-West p-value, quantile buckets,
and for the prediction (a probability of an up day) calibration, Brier score, AUC and accuracy
against always saying "up". The only module that imports statsmodels.

The prediction dated t is about the close-to-close move from t to t+1 (the next prediction
date), so every figure here pairs a factor's value on t with the return from close t to close
t+1. The last date has no next-day return and is left out.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis.metrics import roc_auc

BUCKETS = 5
CALIBRATION_BINS = 10
PREDICTION = "prediction"


@dataclass(frozen=True)
class RankIC:
    factor: str
    ic: float  # Spearman rank correlation with the next-day return; NaN when undefined
    p_value: float  # two-sided, Newey-West (HAC) standard error; NaN when undefined
    t_stat: float
    n: int  # pairs used
    lags: int  # Newey-West lags
    undefined: str  # why the IC is undefined ("constant"), or ""


@dataclass(frozen=True)
class Calibration:
    bins: pd.DataFrame  # bin, mean_predicted, observed_up_rate, count (equal-count bins)
    brier: float  # mean (p - up)^2, lower is better
    brier_base_rate: float  # the Brier score of always predicting the observed up rate
    auc: float  # P(prediction on an up day > on a down day); 0.5 is no skill
    accuracy: float  # share of days where (p > 0.5) matches the move
    always_up_accuracy: float  # share of up days: the accuracy of always saying "up"
    n: int


@dataclass(frozen=True)
class Informativeness:
    forward_returns: pd.Series  # close t -> close t+1, on date t
    rank_ics: list[RankIC]  # the prediction first, then each attention score
    buckets: pd.DataFrame  # factor, bucket (1 = lowest), count, low, high, mean_return, hit_rate
    calibration: Calibration

    def rank_ic(self, factor: str) -> RankIC:
        return next(r for r in self.rank_ics if r.factor == factor)


def next_day_returns(price: pd.Series) -> pd.Series:
    """Simple return from the close of each date to the close of the next date (NaN on the last)."""
    return (price.shift(-1) / price - 1.0).rename("next_day_return")


def newey_west_lags(n: int) -> int:
    """The usual automatic bandwidth: floor(4 (n / 100) ^ (2/9))."""
    return int(math.floor(4.0 * (n / 100.0) ** (2.0 / 9.0))) if n > 0 else 0


def _paired(factor: pd.Series, forward_returns: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"factor": factor, "forward": forward_returns})
    return frame.dropna()


def rank_ic(factor: pd.Series, forward_returns: pd.Series, name: str, constant: bool = False) -> RankIC:
    """Spearman IC of `factor` with the next-day return, and its Newey-West two-sided p-value.

    The IC is the slope of a regression of the standardised ranks of the return on the
    standardised ranks of the factor (which equals the rank correlation); its standard error is
    Newey-West with `newey_west_lags(n)` lags, so autocorrelated factors do not look more
    significant than they are. A constant factor has no ranks to correlate: IC and p-value are
    NaN, marked "constant" (pass `constant=True` for a factor that varies only by rounding).
    """
    pairs = _paired(factor, forward_returns)
    n, lags = len(pairs), newey_west_lags(len(pairs))
    ranks = pairs.rank()
    if n < 3:
        return RankIC(name, math.nan, math.nan, math.nan, n, lags, "too few days")
    if constant or ranks["factor"].std() == 0:
        return RankIC(name, math.nan, math.nan, math.nan, n, lags, "constant")
    if ranks["forward"].std() == 0:
        return RankIC(name, math.nan, math.nan, math.nan, n, lags, "constant returns")
    from statsmodels.regression.linear_model import OLS

    z = (ranks - ranks.mean()) / ranks.std(ddof=0)
    exog = np.column_stack([np.ones(n), z["factor"].to_numpy()])
    fit = OLS(z["forward"].to_numpy(), exog).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    return RankIC(name, float(fit.params[1]), float(fit.pvalues[1]), float(fit.tvalues[1]), n, lags, "")


def quantile_buckets(factor: pd.Series, forward_returns: pd.Series, buckets: int = BUCKETS) -> pd.DataFrame:
    """Dates split into `buckets` equal-count groups by factor value (1 = lowest), with the
    mean next-day return and the share of up days (hit rate) of each. Empty for a constant factor.
    """
    pairs = _paired(factor, forward_returns)
    columns = ["bucket", "count", "low", "high", "mean_return", "hit_rate"]
    if len(pairs) < buckets or pairs["factor"].nunique() < 2:
        return pd.DataFrame(columns=columns)
    order = pairs["factor"].rank(method="first")
    pairs = pairs.assign(bucket=pd.qcut(order, buckets, labels=range(1, buckets + 1)).astype(int))
    grouped = pairs.groupby("bucket")
    table = pd.DataFrame(
        {
            "count": grouped.size(),
            "low": grouped["factor"].min(),
            "high": grouped["factor"].max(),
            "mean_return": grouped["forward"].mean(),
            "hit_rate": grouped["forward"].apply(lambda r: float((r > 0).mean())),
        }
    )
    return table.reset_index()[columns]


def calibration(prediction: pd.Series, forward_returns: pd.Series, bins: int = CALIBRATION_BINS) -> Calibration:
    """How well the predicted probability of an up day matches how often the next day is up.

    Reliability bins hold equal numbers of dates (predictions often cluster near 0.5, where
    equal-width bins would leave most bins empty). An up day is a next-day return > 0.
    """
    pairs = _paired(prediction, forward_returns)
    p = pairs["factor"].to_numpy()
    up = (pairs["forward"] > 0).to_numpy()
    n = len(pairs)
    if n == 0:
        empty = pd.DataFrame(columns=["bin", "mean_predicted", "observed_up_rate", "count"])
        return Calibration(empty, math.nan, math.nan, math.nan, math.nan, math.nan, 0)
    groups = pd.qcut(pd.Series(p).rank(method="first"), min(bins, n), labels=False)
    table = (
        pd.DataFrame({"bin": groups + 1, "p": p, "up": up})
        .groupby("bin")
        .agg(mean_predicted=("p", "mean"), observed_up_rate=("up", "mean"), count=("p", "size"))
        .reset_index()
    )
    up_rate = float(up.mean())
    return Calibration(
        bins=table,
        brier=float(np.mean((p - up) ** 2)),
        brier_base_rate=float(np.mean((up_rate - up) ** 2)),
        auc=roc_auc(up, p),
        accuracy=float(np.mean((p > 0.5) == up)),
        always_up_accuracy=up_rate,
        n=n,
    )


def factor_informativeness(
    prediction: pd.Series,
    scores: pd.DataFrame,
    price: pd.Series,
    constant_scores: Collection[str] = (),
) -> Informativeness:
    """Rank IC and buckets of the prediction and of every column of `scores` (attention scores),
    and calibration of the prediction, all against the next-day return of `price`.

    Scores named in `constant_scores` (degenerate ones) get an undefined IC and no buckets.
    """
    forward = next_day_returns(price)
    factors = {PREDICTION: prediction, **{name: scores[name] for name in scores.columns}}
    ics, tables = [], []
    for name, values in factors.items():
        constant = name in constant_scores
        ics.append(rank_ic(values, forward, name, constant))
        if not constant:
            tables.append(quantile_buckets(values, forward).assign(factor=name))
    buckets = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    return Informativeness(
        forward_returns=forward,
        rank_ics=ics,
        buckets=buckets,
        calibration=calibration(prediction, forward),
    )


# ---------------------------------------------------------------- across assets (alphalens-style)

@dataclass(frozen=True)
class CrossSectionalIC:
    """The per-date rank IC of a factor across assets, and how far its mean can be trusted."""

    factor: str
    daily: pd.Series  # per date: Spearman correlation across assets with their next-day returns
    mean_ic: float
    ic_ir: float  # mean / std (ddof 1) of the daily ICs, not annualised
    p_value: float  # two-sided, mean IC against 0 with a Newey-West standard error
    n_dates: int  # dates with a defined IC
    lags: int
    undefined: str  # why there is no figure ("constant", "too few dates"), or ""


def next_day_returns_by_asset(prices: pd.DataFrame) -> pd.DataFrame:
    """Per asset: simple return from the close of each date to the close of the next date."""
    return prices.shift(-1) / prices - 1.0


def daily_rank_ic(factor: pd.DataFrame, forward_returns: pd.DataFrame, min_assets: int = 3) -> pd.Series:
    """Per date, the Spearman rank correlation across assets between the factor and the next-day
    return (assets with both defined); NaN on dates with fewer than `min_assets` such assets or
    where either side is constant across them."""
    both = factor.notna() & forward_returns.notna()
    x = factor.where(both).rank(axis=1)
    y = forward_returns.where(both).rank(axis=1)
    x, y = x.sub(x.mean(axis=1), axis=0), y.sub(y.mean(axis=1), axis=0)
    denominator = np.sqrt((x**2).sum(axis=1) * (y**2).sum(axis=1))
    ic = (x * y).sum(axis=1) / denominator.where(denominator > 0)
    return ic.where(both.sum(axis=1) >= min_assets).rename("rank_ic")


def mean_ic_test(daily: pd.Series, name: str, constant: bool = False) -> CrossSectionalIC:
    """Mean, IC IR and the Newey-West p-value of the mean of a series of daily ICs."""
    values = daily.dropna()
    n, lags = len(values), newey_west_lags(len(values))
    if constant:
        return CrossSectionalIC(name, daily, math.nan, math.nan, math.nan, n, lags, "constant")
    if n < 3 or values.std() == 0:
        return CrossSectionalIC(name, daily, math.nan, math.nan, math.nan, n, lags, "too few dates" if n < 3 else "constant")
    from statsmodels.regression.linear_model import OLS

    fit = OLS(values.to_numpy(), np.ones((n, 1))).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    return CrossSectionalIC(
        name, daily, float(values.mean()), float(values.mean() / values.std(ddof=1)), float(fit.pvalues[0]), n, lags, ""
    )


def quintile_returns(factor: pd.DataFrame, forward_returns: pd.DataFrame, buckets: int = BUCKETS) -> pd.DataFrame:
    """Per date, the assets split into `buckets` groups by factor rank (1 = lowest; ties by the
    order of the columns), and each group's mean next-day return: (dates x buckets). Dates with
    fewer assets than buckets are left out."""
    both = factor.notna() & forward_returns.notna()
    count = both.sum(axis=1)
    share = factor.where(both).rank(axis=1, method="first").div(count, axis=0)
    bucket = np.ceil(share * buckets)
    table = {
        b: forward_returns.where(bucket == b).mean(axis=1) for b in range(1, buckets + 1)
    }
    return pd.DataFrame(table)[count >= buckets]
