"""A chart frame's rows as the JSON values a Vega-Lite spec inlines: what Altair's default data
transformer makes of a pandas frame, made column by column with numpy.

Altair sanitises a frame (`sanitize_pandas_dataframe`: a copy, each column converted to Python
objects, a Timestamp's `isoformat()` called once per row) and then calls pandas'
`to_dict(orient="records")`. For the bundled report's 193 chart frames that was 2.0 of the 3.5
profiled seconds of its chart specs. `records` gives the same values (the same JSON, so the same
dataset names and the same bytes in the site) for the column types charts use, and None for any
other, which Altair then converts itself.

    records(frame)    the rows as dicts of JSON values, or None (a column this module leaves to Altair)
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _datetime_strings(column: pd.Series) -> list | None:
    """ISO strings as Timestamp.isoformat() writes them ("" for NaT), for naive datetimes whose
    values fall on whole seconds (isoformat() adds a fraction otherwise: left to Altair)."""
    values = column.to_numpy()
    missing = np.isnat(values)
    seconds = values.astype("datetime64[s]")
    if np.any((seconds != values) & ~missing):
        return None
    strings = np.datetime_as_string(seconds, unit="s").astype(object)
    strings[missing] = ""
    return strings.tolist()


def _float_values(column: pd.Series) -> list:
    """Python floats, None for NaN and for infinities (Altair's rule: neither is JSON)."""
    values = column.to_numpy()
    converted = values.tolist()
    for position in np.flatnonzero(~np.isfinite(values)).tolist():
        converted[position] = None
    return converted


def _objects_or_none(column: pd.Series) -> list:
    """Categories and pandas strings as Python objects, None where missing."""
    values = column.astype(object)
    return values.where(values.notna(), None).tolist()


def _column_values(column: pd.Series) -> list | None:
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype | pd.StringDtype):
        return _objects_or_none(column)
    if not isinstance(dtype, np.dtype):  # other extension types (nullable numbers, tz-aware dates, ...)
        return None
    if dtype.kind == "M":
        return _datetime_strings(column)
    if dtype == np.float64:
        return _float_values(column)
    if dtype.kind in "iub":  # numpy integers and booleans: Python ints and bools
        return column.to_numpy().tolist()
    if dtype.kind == "O":  # left as they are, as Altair leaves them
        return column.tolist()
    return None


def records(frame: pd.DataFrame) -> list[dict] | None:
    """`frame`'s rows as Altair would inline them (its index ignored), or None when a column is
    of a type this module leaves to Altair (and Altair's own checks: names that are not strings,
    a MultiIndex)."""
    if isinstance(frame.columns, pd.MultiIndex | pd.RangeIndex) or isinstance(frame.index, pd.MultiIndex):
        return None
    names = list(frame.columns)
    if len(set(names)) != len(names) or not all(isinstance(name, str) for name in names):
        return None
    columns = []
    for name in names:
        values = _column_values(frame[name])
        if values is None:
            return None
        columns.append(values)
    return [dict(zip(names, row)) for row in zip(*columns)] if names else [{} for _ in range(len(frame))]
