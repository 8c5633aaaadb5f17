"""Parquet inputs: the same tables as the CSVs, read column by column with pyarrow.

A file whose name ends in .parquet is read here; every other input is a CSV (reportgen.inputs.
loaders). What comes back is the frame the CSV reader would give, with typed columns instead of
text: numbers stay numbers and timestamps stay timestamps, so the loaders' checks (dates, finite
numbers, ranges, duplicates, softmax vectors, listed assets) run on them unchanged and name the
same rows and columns. A null cell is an empty cell: before an asset's first price it means "not
listed yet", anywhere else it is an error, as in a CSV.

Why Parquet: a universe's predictions (500 assets x 20 years of 10-step attention vectors) are
2.5 million rows; as CSV every cell is text parsed into a number, as Parquet the numbers are read
as they are (benchmarks/bench_universe.py --read measures both).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reportgen.inputs.errors import DataError

# pyarrow is imported by the functions that read Parquet only: a build of CSV inputs does not
# pay for importing it.

# With pyarrow installed, pandas 3 stores every text column in Arrow ("auto"), and some of its
# element-wise paths run a Python loop (isin over 2.5M Arrow strings: 18 s of a loaded 500-asset
# profile); the bundled report's build and workers also peaked at 596-597 MB with Arrow text
# against 516-555 MB with pandas' own (2026-12-06; its wall times were within the machine's
# noise). Text stays in pandas' own storage, as before pyarrow was a dependency; Parquet is read
# into it.
pd.set_option("mode.string_storage", "python")

PARQUET_SUFFIX = ".parquet"


def is_parquet(path: Path) -> bool:
    """Whether `path` names a Parquet file (by its extension, as the CSV readers go by .gz)."""
    return path.suffix.lower() == PARQUET_SUFFIX


def _problem(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def checked_parquet_file(path: Path) -> None:
    """A DataError unless `path` is a file whose Parquet footer can be read: what can be told of
    the file before reading its columns."""
    if not path.is_file():
        raise DataError(f"{path}: {'is a folder, not a Parquet file' if path.is_dir() else 'file not found'}")
    import pyarrow
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
    except (pyarrow.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({_problem(exc)})") from None


def column_names(path: Path) -> list[str]:
    """The column names of the Parquet file at `path` (its schema only); [] when it cannot be read
    (the readers then say why)."""
    import pyarrow
    import pyarrow.parquet as pq

    try:
        return [str(name) for name in pq.read_schema(path).names]
    except (pyarrow.ArrowException, OSError):
        return []


def read_parquet(path: Path, repeated: tuple[str, ...] = ()) -> pd.DataFrame:
    """The table at `path` as a frame of typed columns in file order. An index pandas stored with
    the table (a DataFrame written with its date index) becomes a column again, first; dates come
    back as datetime64 (date32 columns too), text as strings, and the text columns named in
    `repeated` (a few distinct values over many rows: asset names) as categories, so 2.5 million
    rows hold 500 strings, not 2.5 million.

    Arrow allocates from the system allocator here: its default (mimalloc) keeps what the table
    and the frame's blocks free, about 600 MB after a 500-asset predictions file is read and
    checked, for the rest of the build."""
    checked_parquet_file(path)
    import pyarrow
    import pyarrow.parquet as pq

    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    try:
        text = [c for c in repeated if c in pq.read_schema(path).names]
        table = pq.read_table(path, read_dictionary=text or None)
    except (pyarrow.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({_problem(exc)})") from None
    frame = table.to_pandas(date_as_object=False, self_destruct=True, split_blocks=True)
    del table  # self_destruct: its columns were freed as they were converted
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise DataError(f"{path}: no data rows (columns only)")
    return frame
