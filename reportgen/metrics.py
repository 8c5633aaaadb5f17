"""Performance figures from daily returns: the only module that imports quantstats.

One convention holds everywhere: every annualised figure uses `periods_per_year` (252 unless
configured), for the strategy, the benchmark and the rolling Sharpe alike. Figures are floats
(fractions, not percent); formatting happens in the page templates. A figure that cannot be
computed (the Sharpe of a strategy that never trades) is NaN, never a stand-in string.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

# quantstats' full table restates the whole-period CAGR under these labels when the data is
# shorter than the label says; such rows are dropped rather than shown as if they were measured.
_HORIZON_ROWS_YEARS = {"3Y (ann.)": 3, "5Y (ann.)": 5, "10Y (ann.)": 10, "1Y": 1}


def _qs():
    import quantstats as qs

    return qs


def _float(value) -> float:
    value = float(value)
    return value if math.isfinite(value) else math.nan


def total_return(returns: pd.Series) -> float:
    """Compounded return over the whole period, as a fraction."""
    return float(np.prod(1.0 + returns.to_numpy()) - 1.0)


def drawdown(returns: pd.Series) -> pd.Series:
    """Underwater curve: wealth / running peak - 1 (<= 0), the starting capital counting as a peak."""
    wealth = np.cumprod(1.0 + returns.to_numpy())
    peak = np.maximum.accumulate(np.maximum(wealth, 1.0))
    return pd.Series(wealth / peak - 1.0, index=returns.index, name="drawdown")


def max_drawdown(returns: pd.Series) -> float:
    """Deepest drawdown as a negative fraction (0 for a series that never loses)."""
    return float(drawdown(returns).min()) if len(returns) else math.nan


def sharpe_ratio(returns: pd.Series, periods_per_year: int) -> float:
    """Annualised Sharpe ratio, risk-free rate 0: mean / std (ddof 1) x sqrt(periods_per_year)."""
    if returns.std() == 0:
        return math.nan
    return _float(_qs().stats.sharpe(returns, periods=periods_per_year))


def sharpe_ratios(returns: pd.DataFrame, periods_per_year: int) -> pd.Series:
    """`sharpe_ratio` of every column at once, in numpy (for thousands of placebo columns):
    mean / std (ddof 1) x sqrt(periods_per_year); NaN for a column whose returns never change."""
    values = returns.to_numpy(dtype=float)
    std = values.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = np.where(std > 0, values.mean(axis=0) / std * math.sqrt(periods_per_year), math.nan)
    return pd.Series(sharpe, index=returns.columns, name="sharpe")


def headline_metrics(returns: pd.Series, periods_per_year: int) -> dict[str, float]:
    """The figures every strategy and the benchmark report, as floats (fractions, ratios)."""
    stats = _qs().stats
    flat = returns.std() == 0
    return {
        "total_return": total_return(returns),
        "cagr": _float(stats.cagr(returns, periods=periods_per_year)),
        "sharpe": sharpe_ratio(returns, periods_per_year),
        "sortino": math.nan if flat else _float(stats.sortino(returns, periods=periods_per_year)),
        "volatility": _float(stats.volatility(returns, periods=periods_per_year)),
        "max_drawdown": max_drawdown(returns),
        "calmar": math.nan if flat or max_drawdown(returns) == 0 else _float(
            stats.cagr(returns, periods=periods_per_year) / -max_drawdown(returns)
        ),
    }


def rolling_sharpe(returns: pd.Series, window: int, periods_per_year: int) -> pd.DataFrame:
    """Rolling Sharpe over `window` periods: columns `raw` (per period) and `annualised`."""
    rolling = returns.rolling(window)
    raw = rolling.mean() / rolling.std()
    raw = raw.where(np.isfinite(raw))
    return pd.DataFrame({"raw": raw, "annualised": raw * math.sqrt(periods_per_year)})


def monthly_returns(returns: pd.Series) -> pd.DataFrame:
    """Compounded return of each calendar month: columns year, month (1-12), return."""
    growth = (1.0 + returns).groupby([returns.index.year.rename("year"), returns.index.month.rename("month")])
    return (growth.prod() - 1.0).rename("return").reset_index()


def quantstats_table(returns: pd.Series, benchmark: pd.Series, periods_per_year: int) -> pd.DataFrame | None:
    """quantstats' full metrics table (strategy vs benchmark) as it prints it, rounded by it.

    Rows that label a horizon longer than the data (e.g. "5Y (ann.)" on three years) repeat the
    whole-period figure in quantstats; they are dropped. None for a strategy whose returns are
    constant (one that never trades): quantstats' regression against the benchmark fails on it.
    """
    if returns.std() == 0:
        return None
    table = _qs().reports.metrics(
        returns,
        benchmark=benchmark,
        mode="full",
        display=False,
        periods_per_year=periods_per_year,
        compounded=True,
        rf=0.0,
    )
    years = len(returns) / periods_per_year
    too_long = [row for row, span in _HORIZON_ROWS_YEARS.items() if row in table.index and span > years]
    return table.drop(index=too_long).astype(str)
