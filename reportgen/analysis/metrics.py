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


def sharpe_ratios(returns, periods_per_year: float):
    """Annualised Sharpe ratio of each column: mean / std (ddof 1) x sqrt(periods_per_year) of the
    returns given (excess returns when a risk-free rate applies); NaN for a column whose returns
    never change. A DataFrame gives a Series by column, an array an array."""
    values = np.asarray(returns, dtype=float)
    std = values.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = np.where(std > 0, values.mean(axis=0) / std * math.sqrt(periods_per_year), math.nan)
    return pd.Series(sharpe, index=returns.columns, name="sharpe") if isinstance(returns, pd.DataFrame) else sharpe


def per_period_risk_free(annual_rate: pd.Series, periods_per_year: int) -> pd.Series:
    """The risk-free return of each period from annual rates: (1 + r) ^ (1 / periods_per_year) - 1,
    the geometric de-annualisation (compounding it over a year gives r back)."""
    return ((1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0).rename("risk_free")


def excess_returns(returns, risk_free: pd.Series | None):
    """`returns` (a Series, or a DataFrame column by column) minus the per-period risk-free return."""
    if risk_free is None:
        return returns
    if isinstance(returns, pd.DataFrame):
        return returns.sub(risk_free.reindex(returns.index), axis=0)
    return returns - risk_free.reindex(returns.index)


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


def sharpe_ratio(returns: pd.Series, periods_per_year: int) -> float:
    """Annualised Sharpe ratio of one series (see sharpe_ratios)."""
    return float(sharpe_ratios(returns.to_numpy(), periods_per_year)) if len(returns) > 1 else math.nan


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve by the rank (Mann-Whitney) formula, ties counted as one half;
    `labels` 1 (or True) for a positive. NaN unless both classes occur."""
    positive = np.asarray(labels, dtype=float) == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = pd.Series(np.asarray(scores, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def headline_metrics(returns: pd.Series, periods_per_year: int, risk_free: pd.Series | None = None) -> dict[str, float]:
    """The figures every strategy and the benchmark report, as floats (fractions, ratios).
    Sharpe and Sortino are of the returns in excess of `risk_free` (per period; None: 0)."""
    stats = _qs().stats
    flat = returns.std() == 0
    excess = excess_returns(returns, risk_free)
    return {
        "total_return": total_return(returns),
        "cagr": _float(stats.cagr(returns, periods=periods_per_year)),
        "sharpe": sharpe_ratio(excess, periods_per_year),
        "sortino": math.nan if flat else _float(stats.sortino(excess, periods=periods_per_year)),
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
    returns: pd.Series, benchmark: pd.Series, periods_per_year: int, title: str
) -> str | None:
    """quantstats' own one-file HTML tearsheet of `returns` against `benchmark` (both returns).

    The benchmark is a returns series, never a ticker (a ticker makes quantstats download
    prices). Charts are matplotlib SVGs with text drawn as paths, so the file needs no font;
    the template's remote favicon is removed, so opening it fetches nothing, and so is its call
    of an undefined `save()` on load. quantstats'
    internal deprecation notices are silenced for the call. None for returns that never change
    (quantstats cannot compute its tables for them).
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
            qs.reports.html(
                returns,
                benchmark=benchmark,
                rf=0.0,
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
