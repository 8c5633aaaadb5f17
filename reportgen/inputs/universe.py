"""Read and validate the inputs of a universe: wide prices and long-format predictions.

The same rules as reportgen.inputs.loaders (ISO dates, finite numbers, ranges, duplicates,
softmax vectors, time zones) hold per asset, and every error names the file, the row, the
asset and the date. `.csv.gz` and `.parquet` files are read as well as `.csv`.

- Prices: a date column and one adjusted-close column per asset. An empty cell before an
  asset's first price means it is not listed yet, one after its last price that it is delisted
  (it trades from its first to its last price); an empty cell between the two is carried
  forward (and noted).
- Membership (optional, `[universe] membership`): `asset, start, end`, one row per spell of an
  asset in the index, both dates included, `end` empty while it is still a member. An asset is
  eligible only on the dates of its spells.
- Predictions: `date, asset, predictions[, <attention column>][, att_0 .. att_{T-1}]`, one row
  per date and asset; a model is a universe model exactly when its CSV has an `asset` column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.inputs import columnar
from reportgen.inputs.errors import DataError
from reportgen.inputs.loaders import (
    EXCHANGE_TIMEZONE,
    PREDICTIONS_COLUMN,
    WEIGHT_SUM_TOLERANCE,
    Notes,
    attention_vector_columns,
    checked_csv_file,
    first_row,
    parsed_numbers,
    note,
    read_csv_cells,
    require_column,
    shown,
    sorted_unique,
    stripped,
    trading_days,
)

ASSET_COLUMN = "asset"


def has_asset_column(path: Path) -> bool:
    """True when the CSV (or Parquet file) at `path` has an `asset` column (a universe model's
    predictions). False when it has none or does not exist (the loaders then say so); a DataError
    when it is no CSV at all (binary, or compressed data that cannot be decompressed)."""
    if columnar.is_parquet(path):
        if path.is_file():
            columnar.checked_parquet_file(path)
        return ASSET_COLUMN in columnar.column_names(path)
    if path.is_file():
        checked_csv_file(path)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", skipinitialspace=True)
    except (OSError, UnicodeDecodeError, EOFError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return False
    return ASSET_COLUMN in [str(c).strip() for c in header.columns]


def _parsed_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as a float: NaN where empty or not a number (callers tell these apart)."""
    return frame.apply(lambda column: pd.to_numeric(stripped(column), errors="coerce")).astype(float)


def read_universe_prices(
    path: Path,
    date_column: str = "Date",
    exchange_timezone: str = EXCHANGE_TIMEZONE,
    notes: Notes | None = None,
) -> pd.DataFrame:
    """Daily prices of every asset: a (dates x assets) frame of positive floats, unique sorted
    dates, columns named by asset (axis name "asset"); NaN only before an asset's first price and
    after its last (a delisting, noted)."""
    frame = read_csv_cells(path)
    require_column(frame, date_column, path, "date")
    dates = trading_days(frame[date_column], path, date_column, exchange_timezone, notes)
    text = frame.drop(columns=date_column)
    if text.shape[1] == 0:
        raise DataError(f"{path}: no asset columns besides the date column {date_column!r}")
    text.columns = [str(c).strip() for c in text.columns]
    values = _parsed_numbers(text)
    empty = text.apply(lambda column: column.isna() if pd.api.types.is_numeric_dtype(column.dtype) else stripped(column) == "").to_numpy()
    numbers = values.to_numpy()
    bad = (~np.isfinite(numbers) & ~empty) | (np.isfinite(numbers) & (numbers <= 0))
    if bad.any():
        rows, cols = np.nonzero(bad)  # row-major: the first is the earliest row
        row, col = int(rows[0]), int(cols[0])
        asset, raw = text.columns[col], text.iat[row, col]
        rule = "prices must be positive" if np.isfinite(numbers[row, col]) else "expected a finite number"
        raise DataError(f"{path}: row {row + 2} ({dates[row].date()}), asset {asset!r}: {rule}, got {shown(raw)}")
    prices = pd.DataFrame(numbers, index=dates, columns=pd.Index(text.columns, name="asset"))
    prices = sorted_unique(prices, path, date_column, notes)
    if prices.isna().all().any():
        asset = prices.columns[prices.isna().all()][0]
        raise DataError(f"{path}: asset {asset!r} has no price on any date")
    alive = listed_dates(prices)
    gaps = prices.isna() & alive
    if gaps.to_numpy().any():
        first_asset = gaps.any().idxmax()
        first_date = gaps[first_asset].idxmax().date()
        note(
            notes, path,
            f"{int(gaps.to_numpy().sum())} empty prices after an asset's first price took the previous close "
            f"(first: {first_asset!r} on {first_date})",
        )
        prices = prices.ffill().where(alive)
    delisted = delisting_dates(prices)
    if len(delisted):
        first = delisted.index[0]
        note(
            notes, path,
            f"{len(delisted)} assets have no price after a date before the last ({first!r} after {delisted[first].date()}): "
            "each is sold at its last price and no longer eligible after it",
        )
    return prices


def listed_dates(prices: pd.DataFrame) -> pd.DataFrame:
    """Bool frame: the asset is listed on the date, from its first to its last price (inclusive)."""
    known = prices.notna()
    return (known.cumsum() > 0) & (known[::-1].cumsum()[::-1] > 0)


def delisting_dates(prices: pd.DataFrame) -> pd.Series:
    """The date of the last price of every asset whose last price comes before the last date of
    `prices` (a delisting), by asset; empty when none is delisted."""
    known = prices.notna().to_numpy()
    if not known.size:
        return pd.Series([], index=[], dtype="datetime64[ns]", name="delisted")
    last_row = len(prices) - 1 - np.argmax(known[::-1], axis=0)  # of each asset's last price
    delisted = known.any(axis=0) & (last_row < len(prices) - 1)
    return pd.Series(prices.index[last_row[delisted]].astype("datetime64[ns]"), index=list(prices.columns[delisted]), name="delisted")


def prices_on(prices: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The prices of every asset on `dates`: on each date its last price known then, within its
    listing only (NaN before its first price and after its last)."""
    every = prices.reindex(prices.index.union(dates))
    return every.ffill().where(listed_dates(every)).reindex(dates)


MEMBERSHIP_COLUMNS = ("asset", "start", "end")


def read_membership(
    path: Path, assets: Sequence[str], exchange_timezone: str = EXCHANGE_TIMEZONE, notes: Notes | None = None
) -> pd.DataFrame:
    """Point-in-time membership of the universe: one row per spell (`asset`, `start`, `end`), both
    dates included, `end` NaT while still a member. Every asset must be a column of the prices,
    every end on or after its start, and the spells of an asset must not overlap."""
    frame = read_csv_cells(path, repeated=(ASSET_COLUMN,))
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in MEMBERSHIP_COLUMNS:
        require_column(frame, column, path, column)
    names = stripped(frame["asset"])
    unknown = ~names.isin(list(assets)).to_numpy()
    if unknown.any():
        row = first_row(unknown)
        raise DataError(f"{path}: row {row + 2}: asset {names.iloc[row]!r} is not a column of the universe's prices")
    start = trading_days(frame["start"], path, "start", exchange_timezone, notes)
    ends = frame["end"]  # empty (a null timestamp in Parquet): still a member
    open_ended = (ends.isna() if pd.api.types.is_datetime64_any_dtype(ends.dtype) else stripped(ends) == "").to_numpy()
    written_end = trading_days(frame["end"].where(~open_ended, frame["start"]), path, "end", exchange_timezone, notes)
    end = pd.Series(written_end).where(~open_ended)  # NaT: still a member
    backwards = (end < pd.Series(start)).to_numpy()
    if backwards.any():
        row = first_row(backwards)
        raise DataError(f"{path}: row {row + 2}, asset {names.iloc[row]!r}: end {end[row].date()} is before start {start[row].date()}")
    spells = pd.DataFrame({"asset": names.to_numpy(), "start": start, "end": end.to_numpy()}).sort_values(["asset", "start"], kind="stable")
    previous_end = spells.groupby("asset")["end"].shift(1)
    overlap = (spells.duplicated("asset") & (previous_end.isna() | (spells["start"] <= previous_end))).to_numpy()
    if overlap.any():
        row = first_row(overlap)
        raise DataError(
            f"{path}: row {spells.index[row] + 2}: this spell of asset {spells['asset'].iloc[row]!r} overlaps an earlier one "
            "(one row per stay in the index, each ending before the next starts)"
        )
    return spells.reset_index(drop=True)


def member_dates(membership: pd.DataFrame, dates: pd.DatetimeIndex, assets: Sequence[str]) -> pd.DataFrame:
    """Bool frame (dates x assets): the asset is a member of the universe on the date."""
    member = pd.DataFrame(False, index=dates, columns=pd.Index(list(assets), name="asset"))
    for spell in membership.itertuples():
        if spell.asset in member.columns:
            inside = (dates >= spell.start) & ((dates <= spell.end) if not pd.isna(spell.end) else True)
            member.loc[inside, spell.asset] = True
    return member




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
    values = parsed_numbers(text)
    finite = np.isfinite(values)
    if not finite.all():
        row = first_row(~finite)
        raise DataError(f"{_where(path, row, assets.iloc[row], dates[row])}, column {column!r}: expected a finite number, got {shown(text.iloc[row])}")
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
    frame = read_csv_cells(path, repeated=(ASSET_COLUMN,))
    frame.columns = [str(c).strip() for c in frame.columns]
    require_column(frame, ASSET_COLUMN, path, "asset")
    require_column(frame, PREDICTIONS_COLUMN, path, "predictions")
    date_column = str(frame.columns[0])
    if date_column == ASSET_COLUMN:
        raise DataError(f"{path}: the first column must be the date, found {ASSET_COLUMN!r}")
    names = stripped(frame[ASSET_COLUMN])
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
        matrix = np.empty((len(frame), len(vector)))  # filled column by column: no list of columns beside it
        for k, c in enumerate(vector):
            matrix[:, k] = _checked_column(frame[c], names, dates, path, c, 0.0, np.inf, "attention weights must be >= 0")
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
        weights = pd.DataFrame(matrix, index=keys, columns=pd.RangeIndex(matrix.shape[1], name="lag"), copy=False)
    output = pd.DataFrame(columns, index=keys)
    if not dates.is_monotonic_increasing:
        note(notes, path, "dates were not in order; sorted them")
    if keys.is_monotonic_increasing:  # already in (date, asset) order, as written by reportgen train
        return UniversePredictions(output=output, weights=weights)
    order = np.lexsort((keys.codes[1], keys.codes[0]))  # the levels are sorted: codes sort as dates and names do
    return UniversePredictions(
        output=output.iloc[order], weights=None if weights is None else weights.iloc[order]
    )
