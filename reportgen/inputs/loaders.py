"""Read and validate the input CSVs: prices and model predictions.

Every problem is a DataError naming the file, and the row (as a date) and column where it
applies. Nothing here guesses: NaN is never filled, prices are never mistaken for returns, and
dates are read as ISO 8601 only (2024-01-31: never a day-first or month-first guess).

Dates: a date without a UTC offset is the trading day as written. Dates with an offset
(2024-01-31T16:00:00-05:00) are converted to the exchange's time zone and their date there is
the trading day. A file must give every date an offset or none.

What the loaders correct (dates sorted, offsets converted, missing prices carried forward) is
logged as a warning and, when the caller passes a `notes` list, appended to it as
(file, sentence) for the report to print.
"""

from __future__ import annotations

import gzip
import logging
import re
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.inputs import columnar
from reportgen.inputs.errors import DataError

log = logging.getLogger(__name__)

PREDICTIONS_COLUMN = "predictions"
# A row of attention weights is a softmax: it must sum to 1 within this (CSV rounding).
WEIGHT_SUM_TOLERANCE = 0.01

EXCHANGE_TIMEZONE = "America/New_York"

Notes = list[tuple[Path, str]]

# A time of day followed by a UTC offset: "T16:00:00-05:00", " 16:00Z", "T1600+0530".
_OFFSET = r"\s*(?:Z|[+-]\d{1,2}(?::?\d{2})?)\s*$"
_WITH_OFFSET = re.compile(r"[T\s]\d{1,2}(?::?\d{2}){0,2}(?:[.,]\d+)?" + _OFFSET)


def note(notes: Notes | None, path: Path, sentence: str) -> None:
    """Log what reading `path` corrected, and keep it in `notes` for the report."""
    log.warning("%s: %s", path, sentence)
    if notes is not None:
        notes.append((path, sentence))


# How much of a file's start is read to tell a CSV from binary data (after decompression).
SNIFF_BYTES = 64 * 1024


def checked_csv_file(path: Path) -> None:
    """A DataError unless `path` is a file that can be read, decompressed (.gz) and holds text:
    what can be told of a CSV from its start, before parsing it. A .parquet file is checked as
    Parquet (reportgen.inputs.columnar: its footer)."""
    if columnar.is_parquet(path):
        return columnar.checked_parquet_file(path)
    if not path.is_file():
        raise DataError(f"{path}: {'is a folder, not a CSV file' if path.is_dir() else 'file not found'}")
    try:
        with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as stream:
            start = stream.read(SNIFF_BYTES)
    except gzip.BadGzipFile:
        raise DataError(f"{path}: is not gzip-compressed, though its name ends in .gz") from None
    except EOFError:
        raise DataError(f"{path}: compressed data ends early (the file is truncated)") from None
    except zlib.error as exc:
        raise DataError(f"{path}: compressed data is corrupt ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    nul = start.find(b"\x00")
    if nul >= 0:
        raise DataError(f"{path}: is not a CSV: it holds binary data (a NUL byte at byte {nul})")


def read_csv_cells(path: Path, repeated: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every cell of the CSV at `path` as a string (nothing parsed, nothing filled); a DataError
    names the file when it is missing, not text, not comma-separated or has no data rows. A
    Parquet file comes typed, its `repeated` text columns as categories (columnar.read_parquet)."""
    if columnar.is_parquet(path):  # typed columns, which the checks below take as they take text
        return columnar.read_parquet(path, repeated)
    checked_csv_file(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV ({str(exc).strip().splitlines()[0]})") from None
    except EOFError:  # past the part checked_csv_file read
        raise DataError(f"{path}: compressed data ends early (the file is truncated)") from None
    except zlib.error as exc:
        raise DataError(f"{path}: compressed data is corrupt ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    if len(frame.columns) == 1:
        header = str(frame.columns[0])
        for delimiter, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if delimiter in header:
                raise DataError(
                    f"{path}: looks {name}-delimited; reportgen reads comma-separated CSV"
                )
    if frame.empty:
        raise DataError(f"{path}: no data rows (header only)")
    return frame


def stripped(raw: pd.Series) -> pd.Series:
    """A text column's cells without surrounding blanks; a typed (Parquet) numeric column as it
    is; a categorical one (columnar.read_parquet's `repeated`) stays categorical, its categories
    stripped (two that differ only in blanks become one)."""
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return raw
    if isinstance(raw.dtype, pd.CategoricalDtype):
        names, codes = np.unique(raw.cat.categories.astype(str).str.strip(), return_inverse=True)
        kept = raw.cat.codes.to_numpy()
        return pd.Series(pd.Categorical.from_codes(np.where(kept >= 0, codes[kept], -1), names), index=raw.index, name=raw.name)
    return (raw if pd.api.types.is_string_dtype(raw.dtype) else raw.astype(str)).str.strip()


def shown(cell) -> str:
    """A cell as an error line quotes it: text as written, a Parquet null or number plainly."""
    if isinstance(cell, str):
        return repr(cell)
    return "an empty cell" if pd.isna(cell) else f"{cell:g}"


def require_column(frame: pd.DataFrame, column: str, path: Path, role: str) -> None:
    """A DataError naming the columns found unless `frame` has `column` (its `role`: date, price, ...)."""
    if column not in frame.columns:
        found = ", ".join(repr(str(c)) for c in frame.columns)
        raise DataError(f"{path}: no {role} column {column!r}; columns found: {found}")


def first_row(mask: np.ndarray) -> int:
    """Index of the first True of `mask`."""
    return int(np.flatnonzero(mask)[0])


def trading_days(
    raw: pd.Series,
    path: Path,
    column: str,
    exchange_timezone: str = EXCHANGE_TIMEZONE,
    notes: Notes | None = None,
) -> pd.DatetimeIndex:
    """Parse an ISO 8601 date column into trading days (see the module's rule for offsets)."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):  # a Parquet timestamp column: nothing to parse
        return _timestamps(raw, path, column, exchange_timezone, notes)
    text = (raw if pd.api.types.is_string_dtype(raw.dtype) else raw.astype(str)).str.strip()
    with_offset = text.str.contains(_WITH_OFFSET).to_numpy(dtype=bool)
    if with_offset.any() and not with_offset.all():
        row = first_row(with_offset != with_offset[0])
        has, first = ("has a UTC offset", "does not") if with_offset[row] else ("has no UTC offset", "does")
        raise DataError(
            f"{path}: row {row + 2}, column {column!r}: date {raw.iloc[row]!r} {has} but row 2 "
            f"({raw.iloc[0]!r}) {first}; give every date an offset or none"
        )
    aware = bool(with_offset.all())
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=aware)
    except ValueError:  # an offset written in a form the pattern above does not know
        parsed = None
    if parsed is None or (not aware and parsed.dt.tz is not None):
        raise DataError(
            f"{path}: column {column!r}: cannot tell which dates have a UTC offset; "
            "write dates as 2024-01-31 or 2024-01-31T16:00:00-05:00"
        )
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = first_row(bad)
        raise DataError(
            f"{path}: row {row + 2}, column {column!r}: cannot parse date {raw.iloc[row]!r} "
            "(expected ISO 8601, such as 2024-01-31)"
        )
    index = pd.DatetimeIndex(parsed)
    if aware:
        index = index.tz_convert(exchange_timezone).tz_localize(None)
        as_written = text.str.replace(_OFFSET, "", regex=True)
        written = pd.DatetimeIndex(pd.to_datetime(as_written, format="ISO8601", errors="coerce"))
        _note_converted(notes, path, exchange_timezone, index, written, lambda row: repr(raw.iloc[row]))
    return index.normalize().rename("date")


def _note_converted(
    notes: Notes | None,
    path: Path,
    exchange_timezone: str,
    index: pd.DatetimeIndex,
    written: pd.DatetimeIndex,
    cell: Callable[[int], str],
) -> None:
    """Note that dates with a UTC offset (or time zone) were converted to their date in the exchange's
    time zone (`index`), and how many of them moved off the day `written`; `cell(row)` shows a row's
    date as the file has it."""
    moved = index.normalize() != written.normalize()
    sentence = f"dates carry UTC offsets; converted each to its date in {exchange_timezone}, the exchange's time zone"
    if moved.any():
        row = first_row(moved)
        sentence += (
            f"; {int(moved.sum())} of them fall on another day there than written (first: row {row + 2}, "
            f"{cell(row)} is {index[row].date()})"
        )
    note(notes, path, sentence)


def _timestamps(
    raw: pd.Series, path: Path, column: str, exchange_timezone: str, notes: Notes | None
) -> pd.DatetimeIndex:
    """Trading days of a timestamp column: naive ones as they are, those with a time zone
    converted to their date in the exchange's time zone (and noted, as for CSV offsets)."""
    missing = raw.isna().to_numpy()
    if missing.any():
        row = first_row(missing)
        raise DataError(f"{path}: row {row + 2}, column {column!r}: no date (an empty cell)")
    index = pd.DatetimeIndex(raw)
    if index.tz is not None:
        written = index.tz_localize(None)
        index = index.tz_convert(exchange_timezone).tz_localize(None)
        _note_converted(notes, path, exchange_timezone, index, written, lambda row: str(raw.iloc[row]))
    return index.normalize().rename("date")


def parsed_numbers(text: pd.Series) -> np.ndarray:
    """Each cell as a float, NaN where it is empty or not a number. Spaces around a number are
    allowed: pandas parses " 0.5 " as it is (stripping every cell of a large file first cost
    more than parsing it)."""
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _numbers(raw: pd.Series, dates: pd.DatetimeIndex, path: Path, column: str) -> pd.Series:
    values = pd.Series(parsed_numbers(raw), index=raw.index)
    bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: row {row + 2} ({dates[row].date()}), column {column!r}: "
            f"expected a finite number, got {shown(raw.iloc[row])}"
        )
    return pd.Series(values.to_numpy(dtype=float), index=dates, name=column)


def _first_violation(values: pd.Series, ok: pd.Series, path: Path, column: str, rule: str) -> None:
    if not ok.all():
        row = first_row(~ok.to_numpy())
        raise DataError(
            f"{path}: row {row + 2} ({values.index[row].date()}), column {column!r}: "
            f"{rule}, got {values.iloc[row]:g}"
        )


def sorted_unique(
    frame: pd.DataFrame | pd.Series, path: Path, column: str = "date", notes: Notes | None = None, warn: bool = True
):
    """`frame` sorted by date (noted when it was not); a DataError at the first duplicate date."""
    duplicated = frame.index.duplicated()
    if duplicated.any():
        row = first_row(duplicated)
        first = int(np.flatnonzero(frame.index == frame.index[row])[0])
        raise DataError(
            f"{path}: rows {first + 2} and {row + 2}, column {column!r}: "
            f"duplicate date {frame.index[row].date()}"
        )
    if not frame.index.is_monotonic_increasing:
        if warn:
            note(notes, path, "dates were not in order; sorted them")
        frame = frame.sort_index()
    return frame


def read_prices(
    path: Path,
    date_column: str = "Date",
    price_column: str = "Adjusted_close",
    exchange_timezone: str = EXCHANGE_TIMEZONE,
    notes: Notes | None = None,
) -> pd.Series:
    """Daily prices indexed by date: positive floats, unique sorted dates."""
    frame = read_csv_cells(path)
    require_column(frame, date_column, path, "date")
    require_column(frame, price_column, path, "price")
    dates = trading_days(frame[date_column], path, date_column, exchange_timezone, notes)
    prices = _numbers(frame[price_column], dates, path, price_column)
    _first_violation(prices, prices > 0, path, price_column, "prices must be positive")
    return sorted_unique(prices.rename("price"), path, date_column, notes)


def read_predictions(
    path: Path,
    attention_column: str = "attention_mean",
    derived_scores: pd.DataFrame | None = None,
    exchange_timezone: str = EXCHANGE_TIMEZONE,
    notes: Notes | None = None,
) -> pd.DataFrame:
    """Model output indexed by date: columns `predictions` (probability up) and `attention`.

    The attention is the CSV column `attention_column` or, when the CSV has no such column, the
    column of that name in `derived_scores` (scores derived from the file's attention vector).
    """
    frame = read_csv_cells(path)
    date_column = str(frame.columns[0])
    require_column(frame, PREDICTIONS_COLUMN, path, "predictions")
    from_vector = (
        attention_column not in frame.columns
        and derived_scores is not None
        and attention_column in derived_scores.columns
    )
    if not from_vector:
        _require_attention_column(frame, attention_column, path, derived_scores)
    dates = trading_days(frame[date_column], path, date_column or "first column", exchange_timezone, notes)
    predictions = _numbers(frame[PREDICTIONS_COLUMN], dates, path, PREDICTIONS_COLUMN)
    in_unit = (predictions >= 0) & (predictions <= 1)
    _first_violation(predictions, in_unit, path, PREDICTIONS_COLUMN, "probabilities must be in [0, 1]")
    if from_vector:
        attention = derived_scores[attention_column].reindex(dates).rename(attention_column)
    else:
        attention = _numbers(frame[attention_column], dates, path, attention_column)
    _first_violation(attention, attention >= 0, path, attention_column, "attention must be >= 0")
    model_output = pd.DataFrame({"prediction": predictions, "attention": attention})
    return sorted_unique(model_output, path, date_column, notes)


def _require_attention_column(
    frame: pd.DataFrame, column: str, path: Path, derived_scores: pd.DataFrame | None
) -> None:
    if column in frame.columns:
        return
    found = ", ".join(repr(str(c)) for c in frame.columns)
    if derived_scores is None:
        hint = "; scores such as attention_max need the attention vector as columns att_0 .. att_{T-1}"
    else:
        hint = "; scores derived from the attention vector: " + ", ".join(derived_scores.columns)
    raise DataError(f"{path}: no attention column {column!r}; columns found: {found}{hint}")


def attention_vector_columns(frame: pd.DataFrame, prefix: str, path: Path) -> list[str]:
    """The columns <prefix>0 .. <prefix>{T-1} of `frame` in step order; [] when it has none."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    steps = {int(m.group(1)): str(c) for c in frame.columns if (m := pattern.fullmatch(str(c)))}
    if not steps:
        return []
    window = max(steps) + 1
    missing = [f"{prefix}{k}" for k in range(window) if k not in steps]
    if missing:
        raise DataError(
            f"{path}: attention columns must run {prefix}0 .. {prefix}{window - 1} without gaps; "
            f"missing {', '.join(missing[:5])}"
        )
    if window < 2:
        raise DataError(f"{path}: an attention vector needs at least 2 steps, found only {prefix}0")
    return [steps[k] for k in range(window)]


def read_attention_weights(
    path: Path, prefix: str = "att_", order: str = "newest_first", exchange_timezone: str = EXCHANGE_TIMEZONE
) -> pd.DataFrame | None:
    """The full attention vector of a predictions CSV, or None when it has no `<prefix>k` columns.

    Returns a (dates x lags) frame whose column k is the weight on the day k steps before the
    prediction date (0 = most recent), whatever `order` the file uses ("newest_first": `<prefix>0`
    is the most recent day; "oldest_first": it is the oldest). Weights must be finite and
    non-negative, and each row must sum to 1 (a softmax).
    """
    frame = read_csv_cells(path)
    steps = attention_vector_columns(frame, prefix, path)
    if not steps:
        return None
    window = len(steps)
    date_column = str(frame.columns[0])
    dates = trading_days(frame[date_column], path, date_column or "first column", exchange_timezone)
    weights = {}
    for k in range(window):
        column = steps[k]
        values = _numbers(frame[column], dates, path, column)
        _first_violation(values, values >= 0, path, column, "attention weights must be >= 0")
        weights[k] = values.to_numpy()
    matrix = np.column_stack([weights[k] for k in range(window)])
    sums = pd.Series(matrix.sum(axis=1), index=dates)
    _first_violation(
        sums, (sums - 1.0).abs() <= WEIGHT_SUM_TOLERANCE, path,
        f"{prefix}0 .. {prefix}{window - 1}", "attention weights of a row must sum to 1 (a softmax)",
    )
    if order == "oldest_first":
        matrix = matrix[:, ::-1]
    lags = pd.RangeIndex(window, name="lag")
    return sorted_unique(pd.DataFrame(matrix, index=dates, columns=lags), path, date_column, warn=False)


def aligned_prices(
    prices: pd.Series,
    dates: pd.DatetimeIndex,
    path: Path,
    min_rows: int = 1,
    notes: Notes | None = None,
) -> pd.Series:
    """Prices on the prediction dates, as the notebook aligns them: reindex, then forward fill.

    A date before the first price has no price to carry forward and is an error, as is a set of
    dates that shares no day with the prices, or fewer than `min_rows` that do.
    """
    overlap = int(dates.isin(prices.index).sum())
    if overlap == 0:
        raise DataError(
            f"{path}: no prediction date ({dates[0].date()}..{dates[-1].date()}) "
            f"has a price ({prices.index[0].date()}..{prices.index[-1].date()})"
        )
    if overlap < min_rows:
        raise DataError(
            f"{path}: only {overlap} prediction dates have a price; at least {min_rows} needed "
            "([backtest] min_rows)"
        )
    aligned = prices.reindex(prices.index.union(dates)).ffill().reindex(dates)
    if aligned.isna().any():
        first = aligned.index[aligned.isna()][0]
        raise DataError(f"{path}: {first.date()}: prediction dated before the first price")
    filled = ~dates.isin(prices.index)
    if filled.any():
        note(
            notes,
            path,
            f"{int(filled.sum())} prediction dates had no price and took the previous close "
            f"(first: {dates[filled][0].date()})",
        )
    return aligned.rename("price")



def read_price_table(
    path: Path, date_column: str, columns: dict[str, str], exchange_timezone: str = EXCHANGE_TIMEZONE
) -> pd.DataFrame:
    """Daily prices indexed by date, one column per role of `columns` (e.g. {"close": "Adjusted_close",
    "volume": "Volume"}): positive floats, unique sorted dates. Dates with UTC offsets become
    their date in `exchange_timezone`, as in read_prices."""
    frame = read_csv_cells(path)
    require_column(frame, date_column, path, "date")
    for role, column in columns.items():
        require_column(frame, column, path, role)
    dates = trading_days(frame[date_column], path, date_column, exchange_timezone)
    table = {}
    for role, column in columns.items():
        values = _numbers(frame[column], dates, path, column)
        _first_violation(values, values > 0, path, column, f"{role} must be positive")
        table[role] = values
    return sorted_unique(pd.DataFrame(table), path)


def read_risk_free(rate: float | Path, dates: pd.DatetimeIndex, exchange_timezone: str = EXCHANGE_TIMEZONE) -> pd.Series:
    """The annual risk-free rate on each of `dates`: `rate` itself when it is a number, else the
    CSV's daily annualised rates (columns date, rate; 0.02 = 2 %) forward-filled to the trading
    days. A DataError when the file does not cover `dates` (it starts after the first or stops
    before the last)."""
    if not isinstance(rate, Path):
        return pd.Series(float(rate), index=dates, name="risk_free")
    path = rate
    frame = read_csv_cells(path)
    for column in ("date", "rate"):
        require_column(frame, column, path, "risk-free")
    rates = _numbers(frame["rate"], trading_days(frame["date"], path, "date", exchange_timezone), path, "rate")
    rates = sorted_unique(rates.rename("risk_free"), path, "date")
    if rates.index[0] > dates[0] or rates.index[-1] < dates[-1]:
        edge = "starts on " + str(rates.index[0].date()) if rates.index[0] > dates[0] else "stops on " + str(rates.index[-1].date())
        raise DataError(
            f"{path}: risk-free rates {edge}, but the report runs from {dates[0].date()} to {dates[-1].date()}; "
            "extend the file to cover those dates"
        )
    return rates.reindex(rates.index.union(dates)).ffill().reindex(dates)


EPISODE_COLUMNS = ("name", "start", "end", "description")


def read_market_episodes(path: Path) -> pd.DataFrame:
    """Market episodes sorted by start: columns name, start, end (dates), description."""
    frame = read_csv_cells(path)
    for column in EPISODE_COLUMNS:
        require_column(frame, column, path, "episode")
    episodes = frame[list(EPISODE_COLUMNS)].copy()
    for column in ("start", "end"):
        episodes[column] = trading_days(episodes[column], path, column)
    if (episodes["name"].str.strip() == "").any():
        row = int(np.flatnonzero((episodes["name"].str.strip() == "").to_numpy())[0])
        raise DataError(f"{path}: row {row + 2}, column 'name': episode without a name")
    backwards = episodes["end"] < episodes["start"]
    if backwards.any():
        row = int(np.flatnonzero(backwards.to_numpy())[0])
        raise DataError(f"{path}: row {row + 2}: episode {episodes['name'].iloc[row]!r} ends before it starts")
    return episodes.sort_values("start", kind="stable").reset_index(drop=True)
