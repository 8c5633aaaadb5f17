"""Read and validate the inputs of a universe: wide prices and long-format predictions.

The same rules as reportgen.inputs.loaders (ISO dates, finite numbers, ranges, duplicates,
softmax vectors, time zones) hold per asset, and every error names the file, the row, the
asset and the date. `.csv.gz` files are read as well as `.csv`.

- Prices: a date column and one adjusted-close column per asset. An empty cell before an
  asset's first price means it is not listed yet; an empty cell after it is carried forward
  (and noted).
- Predictions: `date, asset, predictions[, <attention column>][, att_0 .. att_{T-1}]`, one row
  per date and asset; a model is a universe model exactly when its CSV has an `asset` column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.inputs.errors import DataError
from reportgen.inputs.loaders import (
    EXCHANGE_TIMEZONE,
    PREDICTIONS_COLUMN,
    WEIGHT_SUM_TOLERANCE,
    Notes,
    attention_vector_columns,
    checked_csv_file,
    first_row,
    note,
    read_csv_cells,
    require_column,
    sorted_unique,
    trading_days,
)

ASSET_COLUMN = "asset"


def has_asset_column(path: Path) -> bool:
    """True when the CSV at `path` has an `asset` column (a universe model's predictions).
    False when it has none or does not exist (the loaders then say so); a DataError when it is
    no CSV at all (binary, or compressed data that cannot be decompressed)."""
    if path.is_file():
        checked_csv_file(path)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", skipinitialspace=True)
    except (OSError, UnicodeDecodeError, EOFError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return False
    return ASSET_COLUMN in [str(c).strip() for c in header.columns]


def _parsed_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a float: NaN where empty or not a number (callers tell these apart)."""
    return frame.apply(lambda column: pd.to_numeric(column.str.strip(), errors="coerce")).astype(float)


def read_universe_prices(
    path: Path,
    date_column: str = "Date",
    exchange_timezone: str = EXCHANGE_TIMEZONE,
    notes: Notes | None = None,
) -> pd.DataFrame:
    """Daily prices of every asset: a (dates x assets) frame of positive floats, unique sorted
    dates, columns named by asset (axis name "asset"); NaN only before an asset's first price."""
    frame = read_csv_cells(path)
    require_column(frame, date_column, path, "date")
    dates = trading_days(frame[date_column], path, date_column, exchange_timezone, notes)
    text = frame.drop(columns=date_column)
    if text.shape[1] == 0:
        raise DataError(f"{path}: no asset columns besides the date column {date_column!r}")
    text.columns = [str(c).strip() for c in text.columns]
    values = _parsed_numbers(text)
    empty = text.apply(lambda column: column.str.strip() == "").to_numpy()
    numbers = values.to_numpy()
    bad = (~np.isfinite(numbers) & ~empty) | (np.isfinite(numbers) & (numbers <= 0))
    if bad.any():
        rows, cols = np.nonzero(bad)  # row-major: the first is the earliest row
        row, col = int(rows[0]), int(cols[0])
        asset, raw = text.columns[col], text.iat[row, col]
        rule = "prices must be positive" if np.isfinite(numbers[row, col]) else "expected a finite number"
        raise DataError(f"{path}: row {row + 2} ({dates[row].date()}), asset {asset!r}: {rule}, got {raw!r}")
    prices = pd.DataFrame(numbers, index=dates, columns=pd.Index(text.columns, name="asset"))
    prices = sorted_unique(prices, path, date_column, notes)
    listed = prices.notna().cumsum() > 0
    if prices.isna().all().any():
        asset = prices.columns[prices.isna().all()][0]
        raise DataError(f"{path}: asset {asset!r} has no price on any date")
    gaps = prices.isna() & listed
    if gaps.to_numpy().any():
        first_asset = gaps.any().idxmax()
        first_date = gaps[first_asset].idxmax().date()
        note(
            notes, path,
            f"{int(gaps.to_numpy().sum())} empty prices after an asset's first price took the previous close "
            f"(first: {first_asset!r} on {first_date})",
        )
        prices = prices.ffill()
    return prices


@dataclass(frozen=True)
class UniversePredictions:
    """A universe model's output, long format, indexed by (date, asset) and sorted."""

    output: pd.DataFrame  # column `prediction`, and the attention column when the CSV has it
    weights: pd.DataFrame | None  # attention vectors, column k = weight on lag k (0 = most recent)


def _where(path: Path, row: int, asset: str, date: pd.Timestamp) -> str:
    return f"{path}: row {row + 2}, asset {asset!r} ({date.date()})"


def _checked_column(
    text: pd.Series, assets: pd.Series, dates: pd.DatetimeIndex, path: Path, column: str,
    low: float, high: float, rule: str,
) -> np.ndarray:
    values = pd.to_numeric(text.str.strip(), errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(values)
    if not finite.all():
        row = first_row(~finite)
        raise DataError(f"{_where(path, row, assets.iloc[row], dates[row])}, column {column!r}: expected a finite number, got {text.iloc[row]!r}")
    outside = (values < low) | (values > high)
    if outside.any():
        row = first_row(outside)
        raise DataError(f"{_where(path, row, assets.iloc[row], dates[row])}, column {column!r}: {rule}, got {values[row]:g}")
    return values


def read_universe_predictions(
    path: Path,
    assets: Sequence[str],
    prices_path: Path,
    attention_column: str = "attention_mean",
    attention_prefix: str = "att_",
    attention_order: str = "newest_first",
    exchange_timezone: str = EXCHANGE_TIMEZONE,
    notes: Notes | None = None,
) -> UniversePredictions:
    """A universe model's predictions: every asset must be one of `assets` (the columns of the
    prices at `prices_path`), every (date, asset) appears once, predictions are probabilities,
    attention scores are >= 0 and each attention vector is a softmax (sums to 1)."""
    frame = read_csv_cells(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    require_column(frame, ASSET_COLUMN, path, "asset")
    require_column(frame, PREDICTIONS_COLUMN, path, "predictions")
    date_column = str(frame.columns[0])
    if date_column == ASSET_COLUMN:
        raise DataError(f"{path}: the first column must be the date, found {ASSET_COLUMN!r}")
    names = frame[ASSET_COLUMN].str.strip()
    dates = trading_days(frame[date_column], path, date_column, exchange_timezone, notes)
    blank = (names == "").to_numpy()
    if blank.any():
        row = first_row(blank)
        raise DataError(f"{path}: row {row + 2} ({dates[row].date()}), column {ASSET_COLUMN!r}: empty asset name")
    unknown = ~names.isin(list(assets)).to_numpy()
    if unknown.any():
        row = first_row(unknown)
        listed = ", ".join(repr(a) for a in list(assets)[:25]) + (", ..." if len(assets) > 25 else "")
        raise DataError(
            f"{_where(path, row, names.iloc[row], dates[row])}: asset {names.iloc[row]!r} has no prices: "
            f"it is not a column of {prices_path.name} (columns: {listed})"
        )
    keys = pd.MultiIndex.from_arrays([dates, names.to_numpy()], names=["date", "asset"])
    duplicated = keys.duplicated()
    if duplicated.any():
        row = first_row(duplicated)
        first = int(np.flatnonzero((dates == dates[row]) & (names.to_numpy() == names.iloc[row]))[0])
        raise DataError(
            f"{path}: rows {first + 2} and {row + 2}: asset {names.iloc[row]!r} on {dates[row].date()} appears twice "
            "(one row per date and asset)"
        )
    columns = {
        "prediction": _checked_column(
            frame[PREDICTIONS_COLUMN], names, dates, path, PREDICTIONS_COLUMN, 0.0, 1.0, "probabilities must be in [0, 1]"
        )
    }
    if attention_column in frame.columns:
        columns[attention_column] = _checked_column(
            frame[attention_column], names, dates, path, attention_column, 0.0, np.inf, "attention must be >= 0"
        )
    vector = attention_vector_columns(frame, attention_prefix, path)
    weights = None
    if vector:
        matrix = np.column_stack([
            _checked_column(frame[c], names, dates, path, c, 0.0, np.inf, "attention weights must be >= 0") for c in vector
        ])
        sums = matrix.sum(axis=1)
        off = np.abs(sums - 1.0) > WEIGHT_SUM_TOLERANCE
        if off.any():
            row = first_row(off)
            raise DataError(
                f"{_where(path, row, names.iloc[row], dates[row])}, columns {vector[0]} .. {vector[-1]}: "
                f"attention weights of a row must sum to 1 (a softmax), got {sums[row]:g}"
            )
        if attention_order == "oldest_first":
            matrix = matrix[:, ::-1]
        weights = pd.DataFrame(matrix, index=keys, columns=pd.RangeIndex(matrix.shape[1], name="lag"))
    output = pd.DataFrame(columns, index=keys)
    if not dates.is_monotonic_increasing:
        note(notes, path, "dates were not in order; sorted them")
    order = np.lexsort((names.to_numpy(), dates.to_numpy()))
    return UniversePredictions(
        output=output.iloc[order], weights=None if weights is None else weights.iloc[order]
    )
