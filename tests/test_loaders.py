import logging
from pathlib import Path

import pandas as pd
import pytest

from reportgen.inputs.errors import DataError
from reportgen.analysis.attention import attention_scores
from reportgen.inputs.loaders import aligned_prices, read_attention_weights, read_predictions, read_prices


def csv(tmp_path: Path, text: str, name: str = "prices.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_prices_load_as_floats_indexed_by_date(tmp_path):
    path = csv(tmp_path, "Date,Close,Adjusted_close\n2024-01-02,10,9.5\n2024-01-03,11,10.5\n")
    prices = read_prices(path)
    assert prices.to_list() == [9.5, 10.5]
    assert list(prices.index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]


def test_configured_columns_are_used(tmp_path):
    path = csv(tmp_path, "day,px\n2024-01-02,10\n")
    assert read_prices(path, "day", "px").to_list() == [10.0]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "file is empty"),
        ("Date,Adjusted_close\n", "no data rows (header only)"),
        ("Date,Close\n2024-01-02,1\n", "no price column 'Adjusted_close'; columns found: 'Date', 'Close'"),
        ("When,Adjusted_close\n2024-01-02,1\n", "no date column 'Date'; columns found: 'When', 'Adjusted_close'"),
        ("Date,Adjusted_close\n2024-01-02,1\nnot a date,2\n", "row 3, column 'Date': cannot parse date 'not a date' (expected ISO 8601, such as 2024-01-31)"),
        ("Date,Adjusted_close\n01/02/2024,1\n", "row 2, column 'Date': cannot parse date '01/02/2024' (expected ISO 8601, such as 2024-01-31)"),
        ("Date,Adjusted_close\n2024-01-02,1\n2024-01-03,\n", "row 3 (2024-01-03), column 'Adjusted_close': expected a finite number, got ''"),
        ("Date,Adjusted_close\n2024-01-02,abc\n", "row 2 (2024-01-02), column 'Adjusted_close': expected a finite number, got 'abc'"),
        ("Date,Adjusted_close\n2024-01-02,1\n2024-01-03,0\n", "row 3 (2024-01-03), column 'Adjusted_close': prices must be positive, got 0"),
        ("Date,Adjusted_close\n2024-01-02,1\n2024-01-03,-2\n", "row 3 (2024-01-03), column 'Adjusted_close': prices must be positive, got -2"),
        ("Date,Adjusted_close\n2024-01-02,1\n2024-01-02,2\n", "rows 2 and 3, column 'Date': duplicate date 2024-01-02"),
        ("Date,Adjusted_close\n2024-01-02T16:00:00-05:00,1\n2024-01-03,2\n", "row 3, column 'Date': date '2024-01-03' has no UTC offset but row 2 ('2024-01-02T16:00:00-05:00') does; give every date an offset or none"),
        ("Date,Adjusted_close\n2024-01-02,1\n2024-01-03 10:00Z,2\n", "row 3, column 'Date': date '2024-01-03 10:00Z' has a UTC offset but row 2 ('2024-01-02') does not; give every date an offset or none"),
        ("Date;Adjusted_close\n2024-01-02;1\n", "looks semicolon-delimited; reportgen reads comma-separated CSV"),
    ],
)
def test_bad_prices_raise_one_clear_error_naming_the_file(tmp_path, text, message):
    path = csv(tmp_path, text)
    with pytest.raises(DataError) as error:
        read_prices(path)
    assert str(error.value) == f"{path}: {message}"


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_prices(tmp_path / "absent.csv")


def test_unsorted_dates_are_sorted_with_a_warning_and_a_note(tmp_path, caplog):
    path = csv(tmp_path, "Date,Adjusted_close\n2024-01-03,2\n2024-01-02,1\n")
    notes = []
    with caplog.at_level(logging.WARNING):
        prices = read_prices(path, notes=notes)
    assert prices.to_list() == [1.0, 2.0]
    assert list(prices.index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert notes == [(path, "dates were not in order; sorted them")]
    assert f"{path}: dates were not in order; sorted them" in caplog.text


def test_clean_input_has_no_notes(tmp_path):
    notes = []
    read_prices(csv(tmp_path, "Date,Adjusted_close\n2024-01-02,1\n2024-01-03,2\n"), notes=notes)
    assert notes == []


def test_dates_with_offsets_become_their_date_on_the_exchange(tmp_path):
    path = csv(tmp_path, "Date,Adjusted_close\n2024-01-02T16:00:00-05:00,1\n2024-01-03T21:00:00Z,2\n")
    notes = []
    assert list(read_prices(path, notes=notes).index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert notes == [(path, "dates carry UTC offsets; converted each to its date in America/New_York, the exchange's time zone")]


def test_a_date_that_moves_to_another_day_on_the_exchange_is_said_so(tmp_path):
    # midnight UTC is the evening before in New York: the report must not hide that shift
    path = csv(tmp_path, "Date,Adjusted_close\n2024-01-02T00:00:00+00:00,1\n2024-01-03T12:00:00+00:00,2\n")
    notes = []
    prices = read_prices(path, notes=notes)
    assert list(prices.index) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-03")]
    assert notes[0][1].endswith(
        "; 1 of them fall on another day there than written (first: row 2, '2024-01-02T00:00:00+00:00' is 2024-01-01)"
    )
    tokyo = read_prices(path, exchange_timezone="Asia/Tokyo")
    assert list(tokyo.index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_bytes("\ufeffDate,Adjusted_close\n2024-01-02,1\n".encode())
    assert read_prices(path).to_list() == [1.0]


def test_predictions_first_column_is_the_date(tmp_path):
    path = csv(tmp_path, ",predictions,attention_mean\n2024-01-02,0.6,0.2\n2024-01-03,0.4,0.1\n", "p.csv")
    output = read_predictions(path)
    assert list(output.columns) == ["prediction", "attention"]
    assert output["prediction"].to_list() == [0.6, 0.4]
    assert output["attention"].to_list() == [0.2, 0.1]


@pytest.mark.parametrize(
    "text, message",
    [
        (",prediction,attention_mean\n2024-01-02,0.6,0.2\n", "no predictions column 'predictions'; columns found: 'Unnamed: 0', 'prediction', 'attention_mean'"),
        (",predictions\n2024-01-02,0.6\n", "no attention column 'attention_mean'; columns found: 'Unnamed: 0', 'predictions'; scores such as attention_max need the attention vector as columns att_0 .. att_{T-1}"),
        (",predictions,attention_mean\n2024-01-02,1.2,0.2\n", "row 2 (2024-01-02), column 'predictions': probabilities must be in [0, 1], got 1.2"),
        (",predictions,attention_mean\n2024-01-02,nan,0.2\n", "row 2 (2024-01-02), column 'predictions': expected a finite number, got 'nan'"),
        (",predictions,attention_mean\n2024-01-02,0.5,-0.1\n", "row 2 (2024-01-02), column 'attention_mean': attention must be >= 0, got -0.1"),
        (",predictions,attention_mean\n2024-01-02,0.5,inf\n", "row 2 (2024-01-02), column 'attention_mean': expected a finite number, got 'inf'"),
    ],
)
def test_bad_predictions(tmp_path, text, message):
    path = csv(tmp_path, text, "p.csv")
    with pytest.raises(DataError) as error:
        read_predictions(path)
    assert str(error.value) == f"{path}: {message}"


def test_alignment_forward_fills_a_missing_price_as_the_notebook_does():
    prices = pd.Series([10.0, 11.0, 12.0], index=pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-05"]))
    dates = pd.DatetimeIndex(pd.to_datetime(["2024-01-03", "2024-01-04", "2024-01-05"]))
    aligned = aligned_prices(prices, dates, Path("p.csv"))
    assert aligned.to_list() == [11.0, 11.0, 12.0]


def test_alignment_refuses_dates_without_any_price():
    prices = pd.Series([10.0], index=pd.to_datetime(["2024-01-02"]))
    with pytest.raises(DataError, match="no prediction date .* has a price"):
        aligned_prices(prices, pd.DatetimeIndex(pd.to_datetime(["2023-01-02"])), Path("p.csv"))
    with pytest.raises(DataError, match="2023-12-29: prediction dated before the first price"):
        aligned_prices(prices, pd.DatetimeIndex(pd.to_datetime(["2023-12-29", "2024-01-02"])), Path("p.csv"))


VECTOR = ",predictions,att_0,att_1,att_2\n2024-01-02,0.6,0.7,0.2,0.1\n2024-01-03,0.4,0.1,0.1,0.8\n"


def test_attention_vector_newest_first_by_default(tmp_path):
    weights = read_attention_weights(csv(tmp_path, VECTOR, "p.csv"))
    assert list(weights.columns) == [0, 1, 2] and weights.columns.name == "lag"
    assert weights.loc["2024-01-02"].to_list() == [0.7, 0.2, 0.1]


def test_attention_vector_oldest_first_is_turned_newest_first(tmp_path):
    weights = read_attention_weights(csv(tmp_path, VECTOR, "p.csv"), order="oldest_first")
    assert weights.loc["2024-01-02"].to_list() == [0.1, 0.2, 0.7]


def test_no_vector_columns_means_no_vector(tmp_path):
    assert read_attention_weights(csv(tmp_path, ",predictions,attention_mean\n2024-01-02,0.6,0.2\n", "p.csv")) is None


def test_a_custom_prefix(tmp_path):
    path = csv(tmp_path, ",predictions,w0,w1\n2024-01-02,0.6,0.25,0.75\n", "p.csv")
    assert read_attention_weights(path, prefix="w").iloc[0].to_list() == [0.25, 0.75]
    assert read_attention_weights(path) is None


@pytest.mark.parametrize(
    "text, message",
    [
        (",predictions,att_0,att_1\n2024-01-02,0.6,0.5,0.5\n2024-01-03,0.6,nan,0.5\n", "row 3 (2024-01-03), column 'att_0': expected a finite number, got 'nan'"),
        (",predictions,att_0,att_1\n2024-01-02,0.6,inf,0.5\n", "row 2 (2024-01-02), column 'att_0': expected a finite number, got 'inf'"),
        (",predictions,att_0,att_1\n2024-01-02,0.6,1.2,-0.2\n", "row 2 (2024-01-02), column 'att_1': attention weights must be >= 0, got -0.2"),
        (",predictions,att_0,att_1\n2024-01-02,0.6,0.5,0.4\n", "row 2 (2024-01-02), column 'att_0 .. att_1': attention weights of a row must sum to 1 (a softmax), got 0.9"),
        (",predictions,att_0,att_2\n2024-01-02,0.6,0.5,0.5\n", "attention columns must run att_0 .. att_2 without gaps; missing att_1"),
        (",predictions,att_0\n2024-01-02,0.6,1\n", "an attention vector needs at least 2 steps, found only att_0"),
    ],
)
def test_bad_attention_vectors_name_file_date_and_column(tmp_path, text, message):
    path = csv(tmp_path, text, "p.csv")
    with pytest.raises(DataError) as error:
        read_attention_weights(path)
    assert str(error.value) == f"{path}: {message}"


def test_a_derived_score_can_be_the_attention_column(tmp_path):
    path = csv(tmp_path, VECTOR, "p.csv")
    derived = attention_scores(read_attention_weights(path))
    output = read_predictions(path, "attention_last", derived)
    assert output["attention"].to_list() == pytest.approx([0.7, 0.1])
    assert output["prediction"].to_list() == [0.6, 0.4]


def test_an_unknown_score_lists_the_derived_ones(tmp_path):
    path = csv(tmp_path, VECTOR, "p.csv")
    derived = attention_scores(read_attention_weights(path))
    with pytest.raises(DataError, match="no attention column 'attention_peak'.*derived from the attention vector: attention_max, attention_concentration"):
        read_predictions(path, "attention_peak", derived)


def test_a_csv_column_wins_over_a_derived_score_of_the_same_name(tmp_path):
    path = csv(tmp_path, ",predictions,attention_max,att_0,att_1\n2024-01-02,0.6,0.3,0.9,0.1\n", "p.csv")
    derived = attention_scores(read_attention_weights(path))
    assert read_predictions(path, "attention_max", derived)["attention"].to_list() == [0.3]


def test_alignment_notes_filled_dates_and_refuses_too_few_rows():
    prices = pd.Series([10.0, 11.0, 12.0], index=pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-05"]))
    dates = pd.DatetimeIndex(pd.to_datetime(["2024-01-03", "2024-01-04", "2024-01-05"]))
    notes = []
    aligned_prices(prices, dates, Path("p.csv"), min_rows=2, notes=notes)
    assert notes == [(Path("p.csv"), "1 prediction dates had no price and took the previous close (first: 2024-01-04)")]
    with pytest.raises(DataError) as error:
        aligned_prices(prices, dates, Path("p.csv"), min_rows=3)
    assert str(error.value) == "p.csv: only 2 prediction dates have a price; at least 3 needed ([backtest] min_rows)"


def _gzipped_prices(rows: int) -> bytes:
    import gzip

    lines = ["Date,Adjusted_close"] + [f"{day.date()},{100 + i % 7}" for i, day in enumerate(pd.bdate_range("2000-01-03", periods=rows))]
    return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)


def test_a_gzip_csv_reads_as_the_csv_and_a_truncated_one_is_named(tmp_path):
    data = _gzipped_prices(20_000)  # over SNIFF_BYTES once decompressed: the whole file is read to find the cut
    (tmp_path / "prices.csv.gz").write_bytes(data)
    assert len(read_prices(tmp_path / "prices.csv.gz")) == 20_000
    for cut in (len(data) // 2, 30):  # past the part looked at first, and within it
        path = tmp_path / f"cut{cut}.csv.gz"
        path.write_bytes(data[:cut])
        with pytest.raises(DataError) as error:
            read_prices(path)
        assert str(error.value) == f"{path}: compressed data ends early (the file is truncated)"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("prices.csv.gz", b"Date,Adjusted_close\n2024-01-02,10\n", "is not gzip-compressed, though its name ends in .gz"),
        ("prices.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a CSV: it holds binary data (a NUL byte at byte 8)"),
        ("prices.csv", b"Date,Adjusted_close\n" + b"2024-01-02,10\n" * 100 + b"\x00", "is not a CSV: it holds binary data (a NUL byte at byte 1420)"),
    ],
    ids=["not-gzip", "png", "nul-after-text"],
)
def test_a_file_that_is_no_csv_is_named_before_it_is_parsed(tmp_path, name, content, message):
    from reportgen.inputs.loaders import checked_csv_file

    path = tmp_path / name
    path.write_bytes(content)
    for check in (checked_csv_file, read_prices):
        with pytest.raises(DataError) as error:
            check(path)
        assert str(error.value) == f"{path}: {message}"
