"""The [universe] table, [[portfolios]], and the wide-prices and long-predictions loaders."""

import gzip
import shutil
import textwrap

import numpy as np
import pandas as pd
import pytest

from reportgen.inputs.config import load_config
from reportgen.inputs.errors import ConfigError, DataError
from reportgen.inputs.universe import read_universe_predictions, read_universe_prices

from conftest import TINY_CONFIG, UNIVERSE_ASSETS, UNIVERSE_CONFIG, make_tiny_project, write_universe


def _config(folder, text):
    path = folder / "reportgen.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_universe_only_config_needs_no_data_table_nor_strategies(universe_project):
    config = load_config(universe_project / "reportgen.toml")
    assert config.data is None and config.strategies == []
    assert config.universe.prices == (universe_project / "universe_prices.csv").resolve()
    assert (config.universe.date_column, config.universe.benchmark) == ("Date", None)
    assert config.universe_models == ("uni",) and config.is_universe_model("uni")
    equal = config.portfolios[0]
    assert (equal.threshold, equal.weighting, equal.top_k, equal.max_weight, equal.gross, equal.rebalance, equal.vol_window_days) == (
        0.5, "equal", None, None, 1.0, "daily", 63
    )


def test_portfolio_keys_are_validated_and_named(universe_project):
    text = UNIVERSE_CONFIG.replace('weighting = "attention"', 'weighting = "kelly"\ntop_k = 0\nmax_weight = 1.5\ngross = 0\nrebalance = "hourly"\ntreshold = 1')
    with pytest.raises(ConfigError) as error:
        load_config(_config(universe_project, text))
    message = str(error.value)
    assert "portfolios[1].weighting: Input should be 'equal', 'prediction', 'attention' or 'inverse_volatility' (received 'kelly')" in message
    assert "portfolios[1].top_k: Input should be greater than or equal to 1 (received 0)" in message
    assert "portfolios[1].max_weight: Input should be less than or equal to 1 (received 1.5)" in message
    assert "portfolios[1].gross: Input should be greater than 0 (received 0)" in message
    assert "portfolios[1].rebalance: Input should be 'daily', 'weekly' or 'monthly' (received 'hourly')" in message
    assert "portfolios[1].treshold: unknown key (did you mean 'threshold'?)" in message


def test_universe_table_keys(universe_project):
    text = UNIVERSE_CONFIG.replace('prices = "universe_prices.csv"', 'prices = "universe_prices.csv"\nbenchmark = "index.csv"\nprice_column = "x"')
    with pytest.raises(ConfigError) as error:
        load_config(_config(universe_project, text))
    assert str(error.value).endswith("universe.price_column: unknown key (did you mean 'date_column'?)")
    with pytest.raises(ConfigError) as error:
        load_config(_config(universe_project, text.replace('price_column = "x"', "")))
    assert str(error.value).endswith("reportgen.toml: universe: benchmark_column: required when benchmark is set")


def test_portfolios_need_a_universe_and_known_models(universe_project):
    text = UNIVERSE_CONFIG.replace('[universe]\nprices = "universe_prices.csv"', "").replace('model = "uni"\nweighting = "equal"', 'model = "nope"\nweighting = "equal"')
    with pytest.raises(ConfigError) as error:
        load_config(_config(universe_project, text))
    assert "portfolios[0].model: unknown model 'nope'; expected one of ['uni']" in str(error.value)
    assert "universe: required key missing" in str(error.value)


def test_cross_kind_references_are_config_errors(tmp_path):
    make_tiny_project(tmp_path)
    write_universe(tmp_path)
    both = TINY_CONFIG + textwrap.dedent("""
        [universe]
        prices = "universe_prices.csv"

        [[models]]
        id = "uni"
        name = "Universe"
        predictions = "universe_predictions.csv"

        [[portfolios]]
        id = "wrong_kind"
        name = "Wrong"
        model = "{portfolio_model}"

        [[strategies]]
        id = "also_wrong"
        name = "Also wrong"
        model = "{strategy_model}"
        """)
    with pytest.raises(ConfigError) as error:
        load_config(_config(tmp_path, both.replace("{portfolio_model}", "tiny").replace("{strategy_model}", "uni")))
    assert str(error.value) == (
        f"{tmp_path / 'reportgen.toml'}: strategies[2].model: 'uni' is a universe model (its predictions have an "
        "`asset` column); name it from [[portfolios]]; portfolios[0].model: 'tiny' is a single-asset model (its "
        "predictions have no `asset` column); name it from [[strategies]]"
    )
    mixed = load_config(_config(tmp_path, both.replace("{portfolio_model}", "uni").replace("{strategy_model}", "tiny")))
    assert mixed.universe_models == ("uni",) and len(mixed.strategies) == 3 and mixed.data is not None


def test_single_asset_model_without_data_table_is_an_error(tmp_path):
    make_tiny_project(tmp_path)
    write_universe(tmp_path)
    text = UNIVERSE_CONFIG + '\n[[models]]\nid = "tiny"\nname = "Tiny"\npredictions = "predictions.csv"\n'
    with pytest.raises(ConfigError, match=r"models\[1\]: 'tiny' is a single-asset model and needs a \[data\] table"):
        load_config(_config(tmp_path, text))


def test_wide_prices_read_plain_and_gzipped(tmp_path):
    write_universe(tmp_path, days=30)
    prices = read_universe_prices(tmp_path / "universe_prices.csv")
    assert list(prices.columns) == list(UNIVERSE_ASSETS) and prices.columns.name == "asset"
    assert len(prices) == 30 and prices.index[0] == pd.Timestamp("2021-01-04")
    raw = pd.read_csv(tmp_path / "universe_prices.csv")
    assert np.array_equal(prices["CCC"].to_numpy(), raw["CCC"].to_numpy())
    with open(tmp_path / "universe_prices.csv", "rb") as src, gzip.open(tmp_path / "prices.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    pd.testing.assert_frame_equal(read_universe_prices(tmp_path / "prices.csv.gz"), prices)


def test_wide_prices_errors_name_row_asset_and_date(tmp_path):
    write_universe(tmp_path, days=30)
    path = tmp_path / "universe_prices.csv"
    raw = pd.read_csv(path)
    raw.loc[6, "DDD"] = -3.0
    raw.to_csv(path, index=False)
    with pytest.raises(DataError) as error:
        read_universe_prices(path)
    assert str(error.value) == f"{path}: row 8 (2021-01-12), asset 'DDD': prices must be positive, got '-3.0'"


def test_wide_prices_before_listing_are_missing_and_gaps_are_carried(tmp_path):
    write_universe(tmp_path, days=30)
    path = tmp_path / "universe_prices.csv"
    raw = pd.read_csv(path, dtype=str)
    raw.loc[:4, "AAA"] = ""
    raw.loc[10, "BBB"] = ""
    raw.to_csv(path, index=False)
    notes = []
    prices = read_universe_prices(path, notes=notes)
    assert prices["AAA"].iloc[:5].isna().all() and prices["AAA"].iloc[5:].notna().all()
    assert prices["BBB"].iloc[10] == prices["BBB"].iloc[9]
    assert notes == [(path, "1 empty prices after an asset's first price took the previous close (first: 'BBB' on 2021-01-18)")]


def _predictions(folder):
    prices = read_universe_prices(folder / "universe_prices.csv")
    return read_universe_predictions(folder / "universe_predictions.csv", prices.columns, folder / "universe_prices.csv")


def test_long_predictions_are_indexed_by_date_and_asset(tmp_path):
    written = write_universe(tmp_path)
    shuffled = written.sample(frac=1.0, random_state=1)
    shuffled.to_csv(tmp_path / "universe_predictions.csv", index=False)
    read = _predictions(tmp_path)
    assert read.output.index.names == ["date", "asset"] and read.output.index.is_monotonic_increasing
    assert len(read.output) == len(written)
    first = written.iloc[0]
    assert read.output.loc[(pd.Timestamp(first["date"]), first["asset"]), "prediction"] == first["predictions"]
    assert read.weights.shape == (len(written), 4)
    np.testing.assert_allclose(read.weights.sum(axis=1), 1.0, atol=1e-8)
    assert read.weights.loc[(pd.Timestamp(first["date"]), first["asset"]), 3] == first["att_3"]


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda f: f.assign(asset=f["asset"].where(f.index != 7, "ZZZ")),
         "row 9, asset 'ZZZ' (2021-01-19): asset 'ZZZ' has no prices: it is not a column of universe_prices.csv "
         "(columns: 'AAA', 'BBB', 'CCC', 'DDD', 'EEE')"),
        (lambda f: pd.concat([f.iloc[:12], f.iloc[[3]], f.iloc[12:]]).reset_index(drop=True),
         "rows 5 and 14: asset 'DDD' on 2021-01-18 appears twice (one row per date and asset)"),
        (lambda f: f.assign(att_2=f["att_2"].where(f.index != 11, f["att_2"] + 0.2)),
         "row 13, asset 'BBB' (2021-01-20), columns att_0 .. att_3: attention weights of a row must sum to 1 (a softmax), got 1.2"),
        (lambda f: f.assign(predictions=f["predictions"].where(f.index != 4, 1.5)),
         "row 6, asset 'EEE' (2021-01-18), column 'predictions': probabilities must be in [0, 1], got 1.5"),
    ],
    ids=["asset without prices", "duplicate date-asset", "vector not summing to 1", "prediction out of range"],
)
def test_bad_long_predictions_name_the_asset_row_and_date(tmp_path, change, expected):
    written = write_universe(tmp_path)
    change(written).to_csv(tmp_path / "universe_predictions.csv", index=False)
    with pytest.raises(DataError) as error:
        _predictions(tmp_path)
    assert str(error.value) == f"{tmp_path / 'universe_predictions.csv'}: {expected}"
