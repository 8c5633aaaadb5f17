"""Performance figures from daily returns: the only module that imports quantstats.

One convention holds everywhere: every annualised figure uses `periods_per_year` (252 unless
configured), for the strategy, the benchmark and the rolling Sharpe alike. Figures are floats
(fractions, not percent); formatting happens in the page templates. A figure that cannot be
computed (the Sharpe of a strategy that never trades) is NaN, never a stand-in string.
"""

from __future__ import annotations

import html
import logging
import math
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.analysis.thresholds import HELD_WEIGHT

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


def json_number(value):
    """A figure as JSON: NaN (undefined) becomes None (null), a numpy float a Python float;
    anything else is returned unchanged. The one NaN-to-null rule of metrics.json and the sidecar."""
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) else value
    return value


# ---------------------------------------------------------------- column-wise figures
# The one implementation of each figure: along the first axis of an array of simple returns of
# any shape (a sweep, a bootstrap, thousands of placebo columns); the single-series functions
# below apply them to one column.

def total_returns(returns: np.ndarray) -> np.ndarray:
    """Compounded return of each column over all rows, as a fraction."""
    return np.prod(1.0 + np.asarray(returns, dtype=float), axis=0) - 1.0


def cagrs(returns: np.ndarray, periods_per_year: float) -> np.ndarray:
    """Compound annual growth rate of each column: (1 + total return) ^ (periods_per_year / rows) - 1."""
    returns = np.asarray(returns, dtype=float)
    return (1.0 + total_returns(returns)) ** (periods_per_year / returns.shape[0]) - 1.0


def max_drawdowns(returns: np.ndarray) -> np.ndarray:
    """Deepest drawdown of each column as a negative fraction, the starting capital a peak."""
    wealth = np.cumprod(1.0 + np.asarray(returns, dtype=float), axis=0)
    peak = np.maximum.accumulate(np.maximum(wealth, 1.0), axis=0)
    return (wealth / peak - 1.0).min(axis=0)


def sharpe_ratios(returns, periods_per_year: float, invested=None):
    """Annualised Sharpe ratio of each column: mean / std (ddof 1) x sqrt(periods_per_year) of the
    returns given (excess returns when a risk-free rate applies, see `excess_returns`).

    NaN for a column never invested (`invested`, the share held in assets each period, never above
    HELD_WEIGHT: no Sharpe ratio whatever the rate; None: not checked) or whose returns never
    change. A DataFrame gives a Series by column, an array an array."""
    values = np.asarray(returns, dtype=float)
    std = values.std(axis=0, ddof=1)
    defined = std > 0
    if invested is not None:
        defined = defined & (np.asarray(invested, dtype=float) > HELD_WEIGHT).any(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = np.where(defined, values.mean(axis=0) / std * math.sqrt(periods_per_year), math.nan)
    return pd.Series(sharpe, index=returns.columns, name="sharpe") if isinstance(returns, pd.DataFrame) else sharpe


def invested_shares(exposure):
    """The share of value held in assets during each period: the exposure (asset value / value)
    at the previous close, after its orders; 0 on the first period (every backtest starts in cash)."""
    return exposure.shift(1, fill_value=0.0)


def per_period_risk_free(annual_rate: pd.Series, periods_per_year: int) -> pd.Series:
    """The risk-free return of each period from annual rates: (1 + r) ^ (1 / periods_per_year) - 1,
    the geometric de-annualisation (compounding it over a year gives r back)."""
    return ((1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0).rename("risk_free")


def excess_returns(returns, risk_free: pd.Series | None, invested=None):
    """`returns` in excess of the risk-free rate, under reportgen's one cash convention: cash that
    is not invested earns the rate (as a broker's sweep account does). The strategy with interest
    on its cash returns r_t + rf_t x (1 - invested_t); minus the rate that is

        r_t - rf_t x invested_t

    `invested`: the share held in assets during each period (`invested_shares`; of the shape of
    `returns`); None: fully invested (a benchmark: r_t - rf_t, as under any convention). A period
    wholly in cash has an excess return of exactly 0, so a strategy that never trades has none.
    `risk_free` per period (None: 0). A Series, or a DataFrame column by column."""
    if risk_free is None:
        return returns
    free = risk_free.reindex(returns.index).to_numpy(dtype=float)
    free = free[:, None] if isinstance(returns, pd.DataFrame) else free
    return returns - free * (1.0 if invested is None else np.asarray(invested, dtype=float))


def returns_with_cash_interest(returns, risk_free: pd.Series | None, invested=None):
    """The returns of the strategy whose uninvested cash earns the rate: r_t + rf_t x (1 -
    invested_t) (see `excess_returns`); `returns` unchanged without a rate or when fully invested."""
    if risk_free is None or invested is None:
        return returns
    return returns + risk_free.reindex(returns.index) * (1.0 - np.asarray(invested, dtype=float))


def total_return(returns: pd.Series) -> float:
    """Compounded return over the whole period, as a fraction."""
    return float(total_returns(returns.to_numpy()))


def drawdown(returns: pd.Series) -> pd.Series:
    """Underwater curve: wealth / running peak - 1 (<= 0), the starting capital counting as a peak."""
    wealth = np.cumprod(1.0 + returns.to_numpy())
    peak = np.maximum.accumulate(np.maximum(wealth, 1.0))
    return pd.Series(wealth / peak - 1.0, index=returns.index, name="drawdown")


def max_drawdown(returns: pd.Series) -> float:
    """Deepest drawdown as a negative fraction (0 for a series that never loses)."""
    return float(max_drawdowns(returns.to_numpy())) if len(returns) else math.nan


def sharpe_ratio(returns: pd.Series, periods_per_year: int, invested=None) -> float:
    """Annualised Sharpe ratio of one series (see sharpe_ratios)."""
    if len(returns) < 2:
        return math.nan
    shares = None if invested is None else np.asarray(invested, dtype=float)
    return float(sharpe_ratios(returns.to_numpy(), periods_per_year, shares))


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve by the rank (Mann-Whitney) formula, ties counted as one half;
    `labels` 1 (or True) for a positive. NaN unless both classes occur."""
    positive = np.asarray(labels, dtype=float) == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = pd.Series(np.asarray(scores, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def headline_metrics(
    returns: pd.Series, periods_per_year: int, risk_free: pd.Series | None = None, invested: pd.Series | None = None
) -> dict[str, float]:
    """The figures every strategy and the benchmark report, as floats (fractions, ratios).
    Sharpe and Sortino are of `excess_returns(returns, risk_free, invested)` (NaN for a series never
    invested or that never changes), the others of `returns`."""
    stats = _qs().stats
    flat = returns.std() == 0
    excess = excess_returns(returns, risk_free, invested)
    sharpe = sharpe_ratio(excess, periods_per_year, invested)
    return {
        "total_return": total_return(returns),
        "cagr": _float(stats.cagr(returns, periods=periods_per_year)),
        "sharpe": sharpe,
        "sortino": _float(stats.sortino(excess, periods=periods_per_year)) if not math.isnan(sharpe) else math.nan,
        "volatility": _float(stats.volatility(returns, periods=periods_per_year)),
        "max_drawdown": max_drawdown(returns),
        "calmar": math.nan if flat or max_drawdown(returns) == 0 else _float(
            stats.cagr(returns, periods=periods_per_year) / -max_drawdown(returns)
        ),
    }


def turnover(traded_value, value, periods_per_year: int):
    """The one turnover of reportgen, one-way and annualised, on each day: half the value bought and
    sold at that close over the value at that close, x `periods_per_year`. Its mean is the turnover a
    year (1.0: the portfolio replaced once a year; buying it from cash counts 0.5), its rolling mean
    that of a window. Series or DataFrames of one shape; a day without value counts 0."""
    return (traded_value / value.where(value > 0) / 2.0 * periods_per_year).fillna(0.0)


def quantstats_rate(risk_free: pd.Series | None, periods_per_year: int) -> float | pd.Series:
    """The rate as quantstats' `rf` (annual: it de-annualises as per_period_risk_free does): a number
    for a constant rate (0.0 for none), else the annual rate of each date."""
    if risk_free is None:
        return 0.0
    annual = (1.0 + risk_free) ** periods_per_year - 1.0
    return float(annual.iloc[0]) if annual.nunique() <= 1 else annual.rename("rf")


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


def quantstats_table(
    returns: pd.Series, benchmark: pd.Series, periods_per_year: int, risk_free: pd.Series | None = None,
    invested: pd.Series | None = None,
) -> pd.DataFrame | None:
    """quantstats' full metrics table (strategy vs benchmark) as it prints it, rounded by it.

    quantstats gets the report's rate (`quantstats_rate`; its row "Risk-Free Rate" shows it in %) and
    the returns with interest on uninvested cash: its Sharpe follows the cash convention. Rows that label a horizon longer than the data (e.g. "5Y (ann.)" on three years)
    repeat the whole-period figure in quantstats; they are dropped. None for a strategy whose
    returns are constant (one that never trades): quantstats' regression against the benchmark
    fails on it.
    """
    if returns.std() == 0:
        return None
    table = _qs().reports.metrics(
        returns_with_cash_interest(returns, risk_free, invested),
        benchmark=benchmark,
        mode="full",
        display=False,
        periods_per_year=periods_per_year,
        compounded=True,
        rf=quantstats_rate(risk_free, periods_per_year),
    )
    years = len(returns) / periods_per_year
    too_long = [row for row, span in _HORIZON_ROWS_YEARS.items() if row in table.index and span > years]
    return table.drop(index=too_long).astype(str)


def _matplotlib_fonts_for_quantstats() -> None:
    """Let quantstats' plots find the font they ask for, without a "findfont" warning per label.

    quantstats names Arial for every title and label. Where Arial is not installed (most Linux
    machines), matplotlib falls back to DejaVu Sans and logs "findfont: Font family 'Arial' not
    found" each time. Here DejaVu Sans, which ships with matplotlib, is registered under the name
    Arial instead: the charts look exactly as they did, and the build log stays clean. Where
    Arial is installed nothing changes.
    """
    import matplotlib
    from matplotlib import font_manager

    if any(entry.name == "Arial" for entry in font_manager.fontManager.ttflist):
        return
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for file_name, weight in (("DejaVuSans.ttf", 400), ("DejaVuSans-Bold.ttf", 700)):
        font_manager.fontManager.ttflist.append(
            font_manager.FontEntry(
                fname=str(fonts / file_name), name="Arial", style="normal", variant="normal",
                weight=weight, stretch="normal", size="scalable",
            )
        )


# quantstats' HTML template asks the browser for a favicon from quantstats' website, and calls
# a `save()` it does not define when the page loads (a console error in every browser).
_REMOTE_ICON = re.compile(r"<link[^>]*rel=\"shortcut icon\"[^>]*>\s*", re.I)
_UNDEFINED_ONLOAD = re.compile(r"""\s+onload=["']save\(\)["']""", re.I)


def quantstats_tearsheet_html(
    returns: pd.Series, benchmark: pd.Series, periods_per_year: int, title: str, risk_free: pd.Series | None = None,
    invested: pd.Series | None = None,
) -> str | None:
    """quantstats' own one-file HTML tearsheet of `returns` against `benchmark` (both returns).

    The benchmark is a returns series, never a ticker (a ticker makes quantstats download
    prices). Charts are matplotlib SVGs with text drawn as paths, so the file needs no font;
    the template's remote favicon is removed, so opening it fetches nothing, and so is its call
    of an undefined `save()` on load. quantstats'
    internal deprecation notices are silenced for the call. None for returns that never change
    (quantstats cannot compute its tables for them). Rate and cash as in `quantstats_table`, but
    its HTML prints `rf` as one number: a rate that varies reaches it as its mean over the report.
    """
    if returns.std() == 0:
        return None
    qs = _qs()
    import matplotlib
    import matplotlib.pyplot as plt

    _matplotlib_fonts_for_quantstats()
    with tempfile.TemporaryDirectory(prefix="reportgen-quantstats-") as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message="set_ticklabels\\(\\) should only be used", category=UserWarning)
        output = Path(folder) / "tearsheet.html"
        with matplotlib.rc_context({"svg.fonttype": "path"}):
            rate = quantstats_rate(risk_free, periods_per_year)
            qs.reports.html(
                returns_with_cash_interest(returns, risk_free, invested),
                benchmark=benchmark,
                rf=float(rate.mean()) if isinstance(rate, pd.Series) else rate,
                title=html.escape(title),  # quantstats pastes it into its HTML as is
                output=str(output),
                compounded=True,
                periods_per_year=periods_per_year,
                figfmt="svg",
                strategy_title="Strategy",
                benchmark_title="Buy & hold",
            )
        plt.close("all")
        return _UNDEFINED_ONLOAD.sub("", _REMOTE_ICON.sub("", output.read_text(encoding="utf-8")))
