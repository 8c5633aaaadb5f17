"""Parquet inputs (reportgen.inputs.columnar): the same figures as the same data in CSV, and a
broken Parquet file as one error line naming it."""

import json
import os

import numpy as np
import pandas as pd
import pytest

from reportgen.inputs import columnar, universe
from reportgen.inputs.config import load_config
from reportgen.inputs.errors import DataError
from reportgen.pipeline import build

from conftest import REPO, UNIVERSE_CONFIG, reportgen_cli, write_universe

pytest.importorskip("pyarrow")

# The tiny universe with every input the universe reads: prices, predictions, a benchmark and a
# membership file in which one asset leaves the index and comes back.
CONFIG = UNIVERSE_CONFIG.replace(
    'prices = "universe_prices.csv"',
    'prices = "universe_prices.csv"\nbenchmark = "benchmark.csv"\nbenchmark_column = "Close"\nmembership = "members.csv"',
)
DATE_COLUMNS = {"universe_prices": ["Date"], "universe_predictions": ["date"], "benchmark": ["Date"], "members": ["start", "end"]}


def csv_project(folder):
    write_universe(folder)
    prices = pd.read_csv(folder / "universe_prices.csv")
    prices[["Date"]].assign(Close=(prices.drop(columns="Date").mean(axis=1)).round(4)).to_csv(folder / "benchmark.csv", index=False)
    dates = prices["Date"]
    spells = ["AAA,{0},", "BBB,{0},", "CCC,{0},{1}", "CCC,{2},", "DDD,{0},", "EEE,{0},"]
    (folder / "members.csv").write_text(
        "asset,start,end\n" + "\n".join(s.format(dates[0], dates[30], dates[45]) for s in spells) + "\n"
    )
    (folder / "reportgen.toml").write_text(CONFIG)


def as_parquet(folder):
    """Every CSV of the project as a Parquet file of typed columns (dates as timestamps, an empty
    end as a null), and the config pointing at them."""
    for name, dates in DATE_COLUMNS.items():
        frame = pd.read_csv(folder / f"{name}.csv", float_precision="round_trip")
        for column in dates:
            frame[column] = pd.to_datetime(frame[column])
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        (folder / f"{name}.csv").unlink()
    (folder / "reportgen.toml").write_text(CONFIG.replace(".csv", ".parquet"))


def figures(folder):
    """metrics.json of a build without what names the files (their paths and hashes)."""
    build(load_config(folder / "reportgen.toml"), folder / "site")
    document = json.loads((folder / "site" / "metrics.json").read_text())
    return {key: value for key, value in document.items() if key not in ("inputs", "config_sha256")}


def test_parquet_inputs_give_the_figures_of_the_same_data_in_csv(tmp_path):
    csv, parquet = tmp_path / "csv", tmp_path / "parquet"
    for folder in (csv, parquet):
        folder.mkdir()
        csv_project(folder)
    as_parquet(parquet)
    assert sorted(p.name for p in parquet.glob("*.csv")) == []
    expected, got = figures(csv), figures(parquet)
    assert got["models"]["uni"]["benchmark"]["name"] == "Close"
    assert got["models"]["uni"]["fixed_universe"] is False
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_a_parquet_date_index_is_read_as_the_date_column(tmp_path):
    path = tmp_path / "prices.parquet"
    dates = pd.bdate_range("2021-01-04", periods=3)
    pd.DataFrame({"AAA": [1.0, 2.0, 3.0], "BBB": [None, 5.0, 6.0]}, index=pd.Index(dates, name="Date")).to_parquet(path)
    prices = universe.read_universe_prices(path, "Date")
    assert list(prices.columns) == ["AAA", "BBB"] and list(prices.index) == list(dates)
    assert prices["BBB"].isna().tolist() == [True, False, False]  # a null before the first price: not listed yet


def test_a_null_inside_a_parquet_price_column_is_the_csv_error(tmp_path):
    path = tmp_path / "prices.parquet"
    frame = pd.DataFrame({"Date": pd.bdate_range("2021-01-04", periods=3), "Adjusted_close": [1.0, None, 3.0]})
    frame.to_parquet(path, index=False)
    from reportgen.inputs import loaders

    with pytest.raises(DataError) as caught:
        loaders.read_prices(path)
    assert str(caught.value) == f"{path}: row 3 (2021-01-05), column 'Adjusted_close': expected a finite number, got an empty cell"


def test_offsets_of_parquet_timestamps_are_converted_to_the_exchange_day(tmp_path):
    path = tmp_path / "prices.parquet"
    stamps = pd.to_datetime(["2021-01-05T03:00:00+00:00", "2021-01-05T21:00:00+00:00"])
    pd.DataFrame({"Date": stamps, "Adjusted_close": [1.0, 2.0]}).to_parquet(path, index=False)
    from reportgen.inputs import loaders

    notes = []
    prices = loaders.read_prices(path, notes=notes)
    assert [d.date().isoformat() for d in prices.index] == ["2021-01-04", "2021-01-05"]
    assert notes == [(path, "dates carry UTC offsets; converted each to its date in America/New_York, the exchange's time zone; "
                            "1 of them fall on another day there than written (first: row 2, 2021-01-05 03:00:00+00:00 is 2021-01-04)")]


@pytest.mark.parametrize("content, problem", [
    (b"date,asset,predictions\n2021-01-04,AAA,0.5\n", "not a readable Parquet file (Parquet magic bytes not found"),
    (None, "not a readable Parquet file"),
], ids=["a CSV named .parquet", "truncated"])
def test_a_broken_parquet_file_is_one_error_line_naming_it(tmp_path, content, problem):
    csv_project(tmp_path)
    as_parquet(tmp_path)
    path = tmp_path / "universe_predictions.parquet"
    path.write_bytes(content if content is not None else path.read_bytes()[: len(path.read_bytes()) // 2])
    run = reportgen_cli(
        "build", "--config", "reportgen.toml", cwd=tmp_path,
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),  # where pyarrow is
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    [line] = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith(f"error: {path}: {problem}"), line
    assert not (tmp_path / "site").exists()


def test_is_parquet_goes_by_the_extension_only(tmp_path):
    assert columnar.is_parquet(tmp_path / "x.parquet") and columnar.is_parquet(tmp_path / "x.PARQUET")
    assert not columnar.is_parquet(tmp_path / "x.csv") and not columnar.is_parquet(tmp_path / "x.parquet.gz")


def test_train_writes_parquet_that_a_build_reads_as_the_csv(tmp_path):
    pytest.importorskip("torch")
    from test_universe_training import ASSETS, trained, universe_prices

    prices = universe_prices()
    plain = trained(tmp_path / "a", prices)
    columnar_run = trained(tmp_path / "b", prices, output="out/predictions.parquet")
    again = trained(tmp_path / "c", prices, output="out/predictions.parquet")
    assert columnar_run.csv_path.read_bytes() == again.csv_path.read_bytes()  # the same run, the same bytes
    assert columnar_run.provenance_path == tmp_path / "b" / "out" / "predictions.json"
    from reportgen.model.provenance import read_provenance
    import hashlib

    sidecar = read_provenance(columnar_run.provenance_path)
    assert sidecar.predictions_sha256 == hashlib.sha256(columnar_run.csv_path.read_bytes()).hexdigest()
    from_csv = universe.read_universe_predictions(plain.csv_path, ASSETS, tmp_path / "a" / "universe.csv")
    from_parquet = universe.read_universe_predictions(columnar_run.csv_path, ASSETS, tmp_path / "b" / "universe.csv")
    # the CSV holds 8 decimals, Parquet the numbers themselves
    pd.testing.assert_frame_equal(from_parquet.output, from_csv.output, atol=5e-9, rtol=0)
    pd.testing.assert_frame_equal(from_parquet.weights, from_csv.weights, atol=5e-9, rtol=0)


def test_a_single_asset_predictions_parquet_reads_as_its_csv(tmp_path):
    # A DataFrame written with its date index: the index comes back as the first column.
    from conftest import softmax_rows, write_predictions_with_vector
    from reportgen.analysis.attention import attention_scores
    from reportgen.inputs import loaders

    rng = np.random.default_rng(4)
    dates = pd.bdate_range("2021-01-04", periods=30)
    write_predictions_with_vector(tmp_path / "p.csv", dates, np.round(rng.uniform(0.3, 0.7, 30), 6), softmax_rows(rng.normal(0, 1, (30, 5))))
    frame = pd.read_csv(tmp_path / "p.csv", index_col=0, float_precision="round_trip")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index), name="date")
    frame.to_parquet(tmp_path / "p.parquet")
    for read in (lambda p: loaders.read_attention_weights(p), lambda p: loaders.read_predictions(p, "attention_max", attention_scores(loaders.read_attention_weights(p)))):
        pd.testing.assert_frame_equal(read(tmp_path / "p.parquet"), read(tmp_path / "p.csv"), check_exact=True)


def test_repeated_text_columns_come_as_categories_with_their_blanks_stripped(tmp_path):
    from reportgen.inputs.loaders import stripped

    path = tmp_path / "table.parquet"
    pd.DataFrame({"asset": ["B", " A", "A ", "B", None], "x": [1.0, 2.0, 3.0, 4.0, 5.0]}).to_parquet(path, index=False)
    frame = columnar.read_parquet(path, repeated=("asset", "absent"))
    assert isinstance(frame["asset"].dtype, pd.CategoricalDtype) and frame["x"].dtype == float
    names = stripped(frame["asset"])
    assert list(names.cat.categories) == ["A", "B"]  # " A" and "A " are one asset
    assert names.iloc[:4].tolist() == ["B", "A", "A", "B"] and pd.isna(names.iloc[4])
    assert names.isin(["A", "B"]).tolist() == [True, True, True, True, False]
    assert not isinstance(columnar.read_parquet(path)["asset"].dtype, pd.CategoricalDtype)
