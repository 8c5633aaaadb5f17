"""What a prices CSV and a predictions CSV hold, as `reportgen init` needs it to write a config.

Nothing here guesses where a user would have to choose: two columns that could each be the
price, neither of them adjusted, is a DataError listing both and the option that settles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.inputs.errors import DataError
from reportgen.inputs.loaders import PREDICTIONS_COLUMN
from reportgen.inputs.universe import ASSET_COLUMN

DATE_NAMES = {"date", "datetime", "timestamp", "time", "day", "tradedate", "tradingday"}
# Columns that are never the price traded (normalised: lower case, letters and digits only).
NOT_A_PRICE = re.compile(r"^(o|h|l|v|n|open.*|high.*|low.*|vol.*|.*volume.*|.*return.*|ret|pct.*|.*change.*|count|trades|vwap|.*dividend.*|.*split.*)$")
ADJUSTED = re.compile(r"adj")
# Below this relative spread an attention score is constant (as reportgen.analysis.attention judges it).
CONSTANT_RELATIVE_STD = 1e-4


@dataclass(frozen=True)
class Prices:
    """A prices CSV: its date column and either the price column of one asset or a universe's columns."""

    path: Path
    rows: int
    first_date: str
    last_date: str
    columns: tuple[str, ...]
    date_column: str
    price_column: str | None  # one asset
    adjusted: bool  # the price column is an adjusted close
    passed_over: tuple[str, ...]  # the unadjusted closes the adjusted one was preferred to


@dataclass(frozen=True)
class Predictions:
    """A predictions CSV: long (one row per date and asset) for a universe, else one row a date."""

    path: Path
    rows: int
    first_date: str
    last_date: str
    assets: tuple[str, ...]  # () for a single asset
    attention_column: str | None  # a CSV column or a score derived from the vector
    attention_prefix: str | None  # the vector's columns <prefix>0 .. <prefix>{T-1}
    steps: int  # T, 0 without a vector
    attention_informative: bool  # the attention score varies
    attention_at_most_one: bool  # usable as a fraction of capital
    share_above_half: float  # of the predictions
    median_prediction: float


@dataclass(frozen=True)
class Inputs:
    """What init found in the prices and predictions, and how the config names the two files."""

    prices: Prices
    predictions: Predictions
    prices_ref: str  # as written in the config: relative to the project folder
    predictions_ref: str
    example: bool = False

    @property
    def universe(self) -> bool:
        return bool(self.predictions.assets)


def _normalised(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def read_table(path: Path) -> pd.DataFrame:
    """The CSV at `path` (`.csv.gz` too) as stripped text cells; reportgen's loaders check it again
    in full before init writes anything."""
    if not path.is_file():
        raise DataError(f"{path}: {'is a folder, not a CSV file' if path.is_dir() else 'file not found'}")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, EOFError, OSError) as exc:
        raise DataError(f"{path}: not a readable CSV ({str(exc).strip().splitlines()[0]})") from None
    if frame.empty:
        raise DataError(f"{path}: no rows under the header")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda column: column.str.strip())


def _looks_like_dates(values: pd.Series) -> bool:
    sample = values.head(20).str.strip()
    if not sample.str.match(r"^\d{4}-\d{2}-\d{2}").all():
        return False
    parsed = pd.to_datetime(sample, format="ISO8601", errors="coerce", utc=True)
    return bool(parsed.notna().all())


def _numeric(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.str.strip().replace("", np.nan), errors="coerce")


def _is_numeric(values: pd.Series) -> bool:
    filled = values.str.strip() != ""
    return bool(filled.any()) and bool(_numeric(values[filled]).notna().all())


def _quoted(names) -> str:
    return ", ".join(repr(n) for n in names)


def date_column_of(frame: pd.DataFrame, path: Path, chosen: str | None = None) -> str:
    """The column of ISO dates: `chosen`, else one named like a date, else the first if it holds dates."""
    if chosen is not None:
        if chosen not in frame.columns:
            raise DataError(f"{path}: --date-column: no column {chosen!r}; columns found: {_quoted(frame.columns)}")
        return chosen
    named = [c for c in frame.columns if _normalised(c) in DATE_NAMES and _looks_like_dates(frame[c])]
    if len(named) == 1:
        return named[0]
    dated = [c for c in frame.columns if _looks_like_dates(frame[c])]
    if len(named) > 1 or len(dated) > 1:
        choices = named or dated
        raise DataError(f"{path}: {len(choices)} columns hold dates: {_quoted(choices)}; choose one with --date-column")
    if not dated:
        raise DataError(
            f"{path}: no column of ISO 8601 dates (2024-01-31) among {_quoted(frame.columns)}; "
            "reportgen reads dates in that form only"
        )
    return dated[0]


def _span(frame: pd.DataFrame, date_column: str) -> tuple[str, str]:
    dates = frame[date_column].str.strip().str[:10]
    return str(dates.min()), str(dates.max())


def price_column_of(frame: pd.DataFrame, path: Path, date_column: str, chosen: str | None = None) -> tuple[str, bool, tuple[str, ...]]:
    """(the price column, whether it is adjusted, the closes passed over for it).

    The only adjusted close wins; else the only column that can be a price (a numeric column
    that is no open, high, low, volume or return); else a DataError lists the choices."""
    if chosen is not None:
        if chosen not in frame.columns or chosen == date_column:
            raise DataError(f"{path}: --price-column: no price column {chosen!r}; columns found: {_quoted(frame.columns)}")
        return chosen, bool(ADJUSTED.search(_normalised(chosen))), ()
    numeric = [c for c in frame.columns if c != date_column and _is_numeric(frame[c])]
    candidates = [c for c in numeric if not NOT_A_PRICE.match(_normalised(c))]
    adjusted = [c for c in candidates if ADJUSTED.search(_normalised(c))]
    if len(adjusted) == 1:
        others = tuple(c for c in candidates if c != adjusted[0])
        return adjusted[0], True, others
    if len(adjusted) > 1:
        raise DataError(f"{path}: {len(adjusted)} adjusted closes: {_quoted(adjusted)}; choose one with --price-column")
    if len(candidates) == 1:
        return candidates[0], False, ()
    if not candidates:
        raise DataError(f"{path}: no column of prices among {_quoted(frame.columns)}; name one with --price-column")
    raise DataError(
        f"{path}: {len(candidates)} columns could be the price and none is an adjusted close: "
        f"{_quoted(candidates)}; choose one with --price-column"
    )


def read_prices_layout(path: Path, date_column: str | None = None, price_column: str | None = None, universe: bool = False) -> Prices:
    """The layout of a prices CSV: one asset's price column, or (universe) a wide table of assets."""
    frame = read_table(path)
    date = date_column_of(frame, path, date_column)
    first, last = _span(frame, date)
    if universe:
        price, adjusted, passed = None, True, ()
    else:
        price, adjusted, passed = price_column_of(frame, path, date, price_column)
    return Prices(path, len(frame), first, last, tuple(frame.columns), date, price, adjusted, passed)


def _vector_prefixes(columns) -> dict[str, int]:
    """Every prefix whose columns <prefix>0 .. <prefix>{T-1} (T >= 2) are all present, with T."""
    steps: dict[str, set[int]] = {}
    for column in columns:
        match = re.fullmatch(r"(.*?\D)(\d+)", column)
        if match:
            steps.setdefault(match.group(1), set()).add(int(match.group(2)))
    return {p: len(s) for p, s in steps.items() if len(s) >= 2 and s == set(range(len(s)))}


def _constant(values: np.ndarray) -> bool:
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return True
    return float(values.std(ddof=1)) <= CONSTANT_RELATIVE_STD * max(abs(float(values.mean())), 1e-12)


def read_predictions_layout(path: Path) -> Predictions:
    """The layout of a predictions CSV: the date is its first column; `predictions` (and for a
    universe `asset`) are the names reportgen reads; the attention is a vector of columns
    <prefix>0 .. <prefix>{T-1} (its largest weight, `attention_max`, is the score) or else the one
    column named like attention."""
    frame = read_table(path)
    date = frame.columns[0]
    if PREDICTIONS_COLUMN not in frame.columns:
        raise DataError(
            f"{path}: no {PREDICTIONS_COLUMN!r} column (the probability that the next day closes up); "
            f"columns found: {_quoted(frame.columns)}; reportgen reads that name: rename the column"
        )
    predictions = _numeric(frame[PREDICTIONS_COLUMN]).to_numpy(dtype=float)
    assets = tuple(sorted(frame[ASSET_COLUMN].str.strip().unique())) if ASSET_COLUMN in frame.columns else ()
    used = {date, PREDICTIONS_COLUMN, ASSET_COLUMN}
    prefixes = _vector_prefixes([c for c in frame.columns if c not in used])
    if prefixes:
        prefix = "att_" if "att_" in prefixes else max(prefixes, key=lambda p: (prefixes[p], p))
        columns = [f"{prefix}{k}" for k in range(prefixes[prefix])]
        weights = frame[columns].apply(_numeric).to_numpy(dtype=float)
        score = np.nanmax(weights, axis=1)
        column, steps = "attention_max", prefixes[prefix]
    else:
        prefix, steps = None, 0
        vectors = {c for p, t in prefixes.items() for c in (f"{p}{k}" for k in range(t))}
        others = [c for c in frame.columns if c not in used and c not in vectors and _is_numeric(frame[c])]
        named = [c for c in others if "att" in _normalised(c)]
        choices = named or others
        if len(choices) != 1:
            found = f"{len(choices)} columns could be it: {_quoted(choices)}" if choices else f"columns found: {_quoted(frame.columns)}"
            raise DataError(
                f"{path}: no single attention column ({found}); reportgen needs an attention score, or the "
                "attention vector as columns att_0 .. att_{T-1}: name the one to use 'attention'"
            )
        column = choices[0]
        score = _numeric(frame[column]).to_numpy(dtype=float)
    first, last = _span(frame, date)
    finite = predictions[np.isfinite(predictions)]
    return Predictions(
        path=path, rows=len(frame), first_date=first, last_date=last, assets=assets,
        attention_column=column, attention_prefix=prefix, steps=steps,
        attention_informative=not _constant(score),
        attention_at_most_one=bool(np.nanmax(score) <= 1.0) if np.isfinite(score).any() else False,
        share_above_half=float((finite > 0.5).mean()) if len(finite) else 0.0,
        median_prediction=float(np.median(finite)) if len(finite) else 0.5,
    )


def threshold_for(predictions: Predictions) -> float:
    """0.5 when the predictions cross it often enough to trade; else their median, to 2 decimals,
    so that a strategy holds about half the days (one that never trades fails --strict)."""
    if 0.05 <= predictions.share_above_half <= 0.95:
        return 0.5
    return float(np.floor(predictions.median_prediction * 100) / 100)
