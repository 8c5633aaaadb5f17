"""Property tests of the loaders: whatever the CSV text, they either return valid frames or raise
reportgen's own user error (a ReportgenError), never anything else."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reportgen.inputs.errors import DataError, ReportgenError
from reportgen.inputs.loaders import aligned_prices, read_predictions, read_prices

SETTINGS = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

_offsets = st.sampled_from(["", "Z", "+00:00", "-05:00", "-04:00", "+0530", "+9:00", "+14:00"])
_times = st.sampled_from(["", "T00:00:00", "T16:00", " 09:30:00", "T23:59:59.5", "T16"])


@st.composite
def date_texts(draw) -> str:
    """Mostly ISO 8601 dates, some with times and offsets, some junk."""
    day = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
    time = draw(_times)
    offset = draw(_offsets) if time else ""
    junk = st.one_of(
        st.text(max_size=12),
        st.sampled_from(["", "nan", "NaT", "2024-02-30", "31/01/2024", "2024-13-01", "20240131", "2024", "99999-01-01"]),
    )
    return draw(st.one_of(st.just(f"{day.isoformat()}{time}{offset}"), junk)) if draw(st.booleans()) else day.isoformat()


number_texts = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=0, max_value=1).map(str),
    st.integers(-10, 10**6).map(str),
    st.sampled_from(["", "nan", "NaN", "inf", "-inf", "1e400", "1e-400", "-0", "0x10", "1_000", "True", " 5 ", "5%"]),
    st.text(max_size=6),
)
separators = st.sampled_from([",", ",", ",", ";", "\t"])


def cell(text: str) -> str:
    """A CSV field: quoted when it holds a separator, quote or line break."""
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',;\t"\n\r') else text


@st.composite
def csv_texts(draw, header: list[str]) -> str:
    """CSV text with `header` and rows of date-like and number-like fields, sometimes broken."""
    sep = draw(separators)
    rows = draw(st.lists(st.tuples(date_texts(), *[number_texts] * (len(header) - 1)), max_size=12))
    lines = [sep.join(header)] + [sep.join(cell(v) for v in row) for row in rows]
    if rows and draw(st.booleans()):  # a ragged row, a blank line or a stray quote
        where = draw(st.integers(1, len(lines) - 1))
        lines[where] += draw(st.sampled_from([sep + "1", "", '"', "\n"]))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n", "\n\n"]))


any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)


@pytest.fixture
def csv_file(tmp_path: Path):
    def write(text: str) -> Path:
        path = tmp_path / "input.csv"
        path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        return path

    return write


def assert_valid_index(index: pd.Index) -> None:
    assert isinstance(index, pd.DatetimeIndex) and index.tz is None
    assert not index.hasnans and index.is_unique and index.is_monotonic_increasing
    assert (index == index.normalize()).all()  # trading days, no time of day


def loaded(read, path: Path):
    """`read(path)`, or None when it raises reportgen's one-line DataError naming the file."""
    try:
        return read(path)
    except ReportgenError as exc:
        assert isinstance(exc, DataError) and str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
        return None


@SETTINGS
@given(text=st.one_of(csv_texts(["Date", "Adjusted_close"]), csv_texts(["Date", "Close", "Adjusted_close"]), any_text))
@example(text="Date,Adjusted_close\n2024-01-02T00:00:00Z,1\n2024-01-02T12:00:00-05:00,2\n")
@example(text="Date,Adjusted_close\n2024-01-02T16:00+05,1\n2024-01-03,2\n")
def test_any_prices_csv_loads_valid_prices_or_raises_a_data_error(csv_file, text):
    prices = loaded(read_prices, csv_file(text))
    if prices is not None:
        assert_valid_index(prices.index)
        assert prices.dtype == np.float64 and len(prices) > 0
        assert np.isfinite(prices.to_numpy()).all() and (prices > 0).all()


@SETTINGS
@given(text=st.one_of(csv_texts(["", "predictions", "attention_mean"]), any_text))
def test_any_predictions_csv_loads_valid_output_or_raises_a_data_error(csv_file, text):
    output = loaded(read_predictions, csv_file(text))
    if output is not None:
        assert_valid_index(output.index)
        assert list(output.columns) == ["prediction", "attention"] and len(output) > 0
        values = output.to_numpy()
        assert values.dtype == np.float64 and np.isfinite(values).all()
        assert output["prediction"].between(0, 1).all() and (output["attention"] >= 0).all()


@SETTINGS
@given(
    prices_text=csv_texts(["Date", "Adjusted_close"]),
    predictions_text=csv_texts(["", "predictions", "attention_mean"]),
    min_rows=st.integers(1, 4),
)
def test_aligned_prices_are_positive_on_every_prediction_date_or_a_data_error(tmp_path, prices_text, predictions_text, min_rows):
    (tmp_path / "p.csv").write_text(prices_text)
    (tmp_path / "m.csv").write_text(predictions_text)
    prices, output = loaded(read_prices, tmp_path / "p.csv"), loaded(read_predictions, tmp_path / "m.csv")
    if prices is None or output is None:
        return
    try:
        aligned = aligned_prices(prices, output.index, tmp_path / "m.csv", min_rows)
    except DataError:
        return
    assert aligned.index.equals(output.index)
    assert np.isfinite(aligned.to_numpy()).all() and (aligned > 0).all()
    assert output.index.isin(prices.index).sum() >= min_rows
