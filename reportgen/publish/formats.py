"""How a number is printed for a reader: one formatter per kind of figure, used by every page,
tearsheet and PDF (pages.py registers them as Jinja filters by kind).

The kind fixes the decimals, so one figure reads the same wherever it appears. Missing values
(None, NaN) print as "n/a"; nothing is ever printed in scientific notation; "%" and "×" are
joined to their number by a non-breaking space (or none), and an interval's two bounds by one, so
a table cell never wraps inside a figure.

Kinds:

=============  ==========================================  =====================
kind           for                                         example
=============  ==========================================  =====================
percent        returns, rates, drawdowns, shares of days   ``-14.36 %``
daily_percent  per-day means (next-day returns, spreads)   ``0.012 %``
probability    P[...], PSR, deflated Sharpe, shares        ``31 %``, ``> 99 %``
ratio          Sharpe, Sortino, Calmar, skew, differences  ``-0.29``
score          IC, AUC, Brier, log loss, attention weights ``0.1429``
money          cash, fees paid, prices                     ``13,373.04``
count          trades, days, runs                          ``1,000``
basis_points   fees per order (given in basis points)      ``10 bp``
p_value        test p-values (table cells)                 ``0.19``, ``< 0.001``
multiple       turnover, leverage                          ``21.6×``
setting        a configured value, as written              ``0.5``, ``0.15``
=============  ==========================================  =====================
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

NBSP = "\u00a0"
MISSING = "n/a"
TIMES = "\u00d7"
_NUMBER_THEN_UNIT = re.compile(r"(?<=\d) (?=%|bp\b)")


def is_missing(value) -> bool:
    """None or NaN: a figure that is not defined."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def fixed(value: float, decimals: int, separators: bool = True) -> str:
    """`value` with `decimals` decimals and thousands separators; never "-0.00"."""
    shown = f"{float(value):,.{decimals}f}" if separators else f"{float(value):.{decimals}f}"
    if shown.lstrip("-").strip("0.,") == "":  # rounds to zero: no sign
        shown = shown.lstrip("-")
    return shown


def percent(value, decimals: int = 2) -> str:
    """A return, rate or share as a percentage with two decimals: 0.1234 -> '12.34 %'."""
    return MISSING if is_missing(value) else f"{fixed(float(value) * 100, decimals)}{NBSP}%"


def daily_percent(value) -> str:
    """A per-day mean return as a percentage with three decimals: 0.00012 -> '0.012 %'."""
    return percent(value, 3)


def probability(value) -> str:
    """A probability as a whole percentage; never a certainty the data cannot give:
    0.31 -> '31 %', 0.9996 -> '> 99 %', 0.0004 -> '< 1 %', 1.0 -> '100 %'."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if 0.995 <= value < 1.0:
        return f">{NBSP}99{NBSP}%"
    if 0.0 < value < 0.005:
        return f"<{NBSP}1{NBSP}%"
    return f"{fixed(value * 100, 0)}{NBSP}%"


def ratio(value) -> str:
    """A ratio (Sharpe, Sortino, skewness, a difference of ratios) with two decimals."""
    return MISSING if is_missing(value) else fixed(value, 2)


def score(value) -> str:
    """A score between about -1 and 1 (IC, AUC, Brier, log loss, an attention weight) with four
    decimals; a non-zero value too small for them reads '< 0.0001' (or '> -0.0001')."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if 0 < abs(value) < 0.00005:
        return f"<{NBSP}0.0001" if value > 0 else f">{NBSP}-0.0001"
    return fixed(value, 4)


def money(value) -> str:
    """An amount of money with two decimals and thousands separators: '13,373.04'."""
    return MISSING if is_missing(value) else fixed(value, 2)


def count(value) -> str:
    """A whole number with thousands separators: 90560 -> '90,560'."""
    return MISSING if is_missing(value) else f"{round(float(value)):,}"


def basis_points(value) -> str:
    """A number of basis points: 10 -> '10 bp', 2.5 -> '2.5 bp'."""
    if is_missing(value):
        return MISSING
    return f"{fixed(value, 0 if float(value) == round(float(value)) else 1)}{NBSP}bp"


def p_value(value) -> str:
    """A p-value for a table cell: two decimals from 0.1, three below, '< 0.001' under 0.001."""
    if is_missing(value):
        return MISSING
    value = float(value)
    if value < 0.001:
        return f"<{NBSP}0.001"
    return fixed(value, 2 if value >= 0.1 else 3)


def p_statement(value) -> str:
    """A p-value in a sentence: 'p = 0.19', 'p < 0.001'."""
    if is_missing(value):
        return f"p{NBSP}={NBSP}{MISSING}"
    shown = p_value(value)
    return f"p{NBSP}{shown}" if shown.startswith("<") else f"p{NBSP}={NBSP}{shown}"


def multiple(value) -> str:
    """A multiple (turnover a year, leverage) with one decimal: 21.6 -> '21.6×'."""
    return MISSING if is_missing(value) else f"{fixed(value, 1)}{TIMES}"


def setting(value) -> str:
    """A configured value as written, without trailing zeros or exponent: 0.5 -> '0.5'."""
    if is_missing(value):
        return MISSING
    shown = f"{float(value):.10f}".rstrip("0").rstrip(".")
    return "0" if shown in ("", "-0") else shown


FORMATTERS: dict[str, Callable[[object], str]] = {
    "percent": percent,
    "daily_percent": daily_percent,
    "probability": probability,
    "ratio": ratio,
    "score": score,
    "money": money,
    "count": count,
    "basis_points": basis_points,
    "p_value": p_value,
    "multiple": multiple,
    "setting": setting,
}


def formatted(value, kind: str) -> str:
    """`value` printed as a figure of `kind` (a key of FORMATTERS)."""
    return FORMATTERS[kind](value)


def interval(bounds: Sequence | None, kind: str = "ratio") -> str:
    """(low, high) -> '[-1.07, 0.63]' with each bound printed as `kind`, joined by a
    non-breaking space so the interval never wraps; 'n/a' when a bound is undefined."""
    if bounds is None or any(is_missing(b) for b in bounds):
        return MISSING
    low, high = (formatted(b, kind) for b in bounds)
    return f"[{low},{NBSP}{high}]"


def count_of(value, unit: str) -> str:
    """A count with its unit, plural when it is not one: (1, 'trading day') -> '1 trading day'."""
    if is_missing(value):
        return MISSING
    return f"{count(value)} {unit}{'' if float(value) == 1 else 's'}"


def date_range(dates) -> str:
    """The first and last of a sorted sequence of dates as ISO days: '2022-01-12 to 2024-12-31'."""
    return f"{dates[0]:%Y-%m-%d} to {dates[len(dates) - 1]:%Y-%m-%d}" if len(dates) else MISSING


def unbroken(value) -> str:
    """A name as written, with each number joined to its "%" or "bp" by a non-breaking space:
    'Hybrid: 15 % vol target' never ends a line between "15" and "%" (a tearsheet's title on a phone)."""
    return _NUMBER_THEN_UNIT.sub(NBSP, str(value))


def file_size(value) -> str:
    """A file's size for a reader: '12.3 KB' below 1 MB, '9.4 MB' from there (1 KB = 1,024 bytes)."""
    size = float(value)
    return f"{fixed(size / 1024, 1)}{NBSP}KB" if size < 2**20 else f"{fixed(size / 2**20, 1)}{NBSP}MB"
