"""Statistics that test a backtest against luck: pure numpy, no plotting, no backtesting library.

- The figures themselves (Sharpe, CAGR, drawdown, total return) are reportgen.analysis.metrics'
  column-wise functions: one implementation of each figure.
- The Probabilistic Sharpe Ratio (Bailey & Lopez de Prado 2012) and the Deflated Sharpe Ratio
  (Bailey & Lopez de Prado 2014) work in per-period units throughout: a per-period Sharpe ratio,
  the skewness and the *raw* kurtosis (3 for a normal distribution, not the excess kurtosis) of
  the per-period returns, and the number of returns.
- `bootstrap_draws` applies resampled row indices (from reportgen.analysis.bootstrap) to many return
  series at once, `draw_intervals` turns the draws into percentile intervals
  (reportgen.evaluation.engine.bootstrap_intervals runs the two as tasks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from reportgen.analysis.metrics import cagrs, max_drawdowns, sharpe_ratios

EULER_MASCHERONI = 0.5772156649015329
_NORMAL = NormalDist()


# ---------------------------------------------------------------- Sharpe ratio under scrutiny

@dataclass(frozen=True)
class SharpeMoments:
    """What the PSR and DSR need to know about one series of per-period returns."""

    sharpe: float  # per period: mean / std (ddof 1); NaN when the returns never change
    skewness: float  # m3 / m2^1.5, central moments (population)
    kurtosis: float  # raw: m4 / m2^2 (3 for a normal distribution)
    n_observations: int


def sharpe_moments(returns: pd.Series | np.ndarray) -> SharpeMoments:
    values = np.asarray(returns, dtype=float)
    n = len(values)
    centred = values - values.mean() if n else values
    m2 = float(np.mean(centred**2)) if n else 0.0
    if n < 2 or m2 == 0:
        return SharpeMoments(math.nan, math.nan, math.nan, n)
    return SharpeMoments(
        sharpe=float(values.mean() / values.std(ddof=1)),
        skewness=float(np.mean(centred**3) / m2**1.5),
        kurtosis=float(np.mean(centred**4) / m2**2),
        n_observations=n,
    )


def probabilistic_sharpe_ratio(
    sharpe: float, benchmark_sharpe: float, skewness: float, kurtosis: float, n_observations: int
) -> float:
    """P[true Sharpe > benchmark_sharpe] given an observed per-period Sharpe (Bailey & Lopez de Prado 2012):

        PSR = Phi( (SR - SR*) sqrt(T - 1) / sqrt(1 - skew SR + (kurtosis - 1) / 4 SR^2) )

    with SR and SR* per period, `kurtosis` raw (not excess) and T the number of returns.
    NaN when the Sharpe ratio is undefined or the variance term is not positive.
    """
    if any(math.isnan(x) for x in (sharpe, benchmark_sharpe, skewness, kurtosis)) or n_observations < 2:
        return math.nan
    variance = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if variance <= 0:
        return math.nan
    return _NORMAL.cdf((sharpe - benchmark_sharpe) * math.sqrt(n_observations - 1) / math.sqrt(variance))


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected largest per-period Sharpe of `n_trials` unskilled trials (Bailey & Lopez de Prado 2014):

        SR0 = sqrt(V) ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e))),  g = Euler-Mascheroni

    with V the variance of the trials' per-period Sharpe ratios. 0 for a single trial (no selection).
    """
    if n_trials < 2:
        return 0.0
    if math.isnan(sharpe_variance):
        return math.nan
    g = EULER_MASCHERONI
    spread = (1 - g) * _NORMAL.inv_cdf(1 - 1 / n_trials) + g * _NORMAL.inv_cdf(1 - 1 / (n_trials * math.e))
    return math.sqrt(sharpe_variance) * spread


def deflated_sharpe_ratio(best: SharpeMoments, n_trials: int, sharpe_variance: float) -> float:
    """P[the best of `n_trials` has a true Sharpe above what luck alone would deliver]:
    the PSR of the best trial against `expected_max_sharpe(n_trials, sharpe_variance)`."""
    threshold = expected_max_sharpe(n_trials, sharpe_variance)
    return probabilistic_sharpe_ratio(best.sharpe, threshold, best.skewness, best.kurtosis, best.n_observations)


# ---------------------------------------------------------------- bootstrap intervals

INTERVAL_FIGURES = ("sharpe", "cagr", "max_drawdown", "sharpe_diff")
# Working memory of one cell (one row of one resample) of `bootstrap_draws`: the row indices, the
# resampled returns and the temporaries of the figures, about ten float arrays of that shape.
BOOTSTRAP_BYTES_PER_CELL = 96


def percentile_interval(samples: np.ndarray, confidence: float, max_undefined: float = 0.05) -> tuple[float, float]:
    """Equal-tailed percentile interval of `samples`; resamples with an undefined figure (NaN) are
    left out, and no interval (NaN, NaN) is given when more than `max_undefined` of them are."""
    samples = np.asarray(samples, dtype=float)
    defined = samples[~np.isnan(samples)]
    if len(defined) == 0 or 1 - len(defined) / len(samples) > max_undefined:
        return (math.nan, math.nan)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return (float(low), float(high))


def bootstrap_draws(
    returns: pd.DataFrame, benchmark: pd.Series, indices: np.ndarray, periods_per_year: float,
    risk_free: pd.Series | None = None, invested: pd.DataFrame | None = None, benchmark_invested: pd.Series | None = None,
) -> np.ndarray:
    """Sharpe, CAGR, max drawdown and Sharpe minus the benchmark's Sharpe of every column of
    `returns` in each resample: shape (len(INTERVAL_FIGURES), columns, resamples).

    `indices` (resamples x rows) picks the same rows of every series in each resample (a paired
    bootstrap), so the Sharpe difference keeps the series' co-movement. Each resample's figures
    depend on that resample only, so the resamples can be cut into blocks (of at least two: numpy
    sums one column pairwise but several, row by row, and the figures must not depend on the
    block) and the draws joined along the last axis. Sharpe ratios are of the returns in excess of
    `risk_free` (per period, resampled on the same rows; None: 0) under metrics.excess_returns'
    cash convention: `invested` (columns of `returns`) and `benchmark_invested` are the shares
    held in assets each day (None: fully invested); a resample never invested has no Sharpe.
    """
    rows = np.ascontiguousarray(np.asarray(indices).T)  # rows x resamples: reductions run along axis 0
    free = 0.0 if risk_free is None else risk_free.reindex(returns.index).to_numpy(dtype=float)[rows]

    def share(series: pd.Series | None):
        return None if series is None else series.reindex(returns.index).to_numpy(dtype=float)[rows]

    def excess_sharpe(sample: np.ndarray, held: np.ndarray | None) -> np.ndarray:
        return sharpe_ratios(sample - free * (1.0 if held is None else held), periods_per_year, held)

    benchmark_sharpe = excess_sharpe(benchmark.to_numpy(dtype=float)[rows], share(benchmark_invested))
    draws = np.empty((len(INTERVAL_FIGURES), returns.shape[1], rows.shape[1]))
    for j, column in enumerate(returns.columns):
        sample = returns[column].to_numpy(dtype=float)[rows]
        sharpe = excess_sharpe(sample, None if invested is None else share(invested[column]))
        draws[:, j] = (sharpe, cagrs(sample, periods_per_year), max_drawdowns(sample), sharpe - benchmark_sharpe)
    return draws


def draw_intervals(draws: np.ndarray, columns: pd.Index, confidence: float) -> pd.DataFrame:
    """Percentile intervals of `bootstrap_draws` (all resamples): one row per column, columns
    `<figure>_low` and `<figure>_high` for each of INTERVAL_FIGURES."""
    table = {
        column: {
            f"{figure}_{end}": bound
            for f, figure in enumerate(INTERVAL_FIGURES)
            for end, bound in zip(("low", "high"), percentile_interval(draws[f, j], confidence))
        }
        for j, column in enumerate(columns)
    }
    names = [f"{figure}_{end}" for figure in INTERVAL_FIGURES for end in ("low", "high")]
    return pd.DataFrame.from_dict(table, orient="index", columns=names)

