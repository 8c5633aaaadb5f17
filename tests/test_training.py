"""`reportgen train` end to end on short synthetic prices with tiny settings (needs torch)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import ohlcv, write_ohlcv
from reportgen.inputs.config import train_config_from_mapping
from reportgen.inputs.errors import ConfigError
from reportgen.inputs.loaders import read_predictions
from reportgen.model.provenance import read_provenance

pytest.importorskip("torch")

from reportgen.model.training import run_training  # noqa: E402  (imports torch)

ROWS = 420
TINY = dict(
    lookback=5, hidden_size=4, epochs=2, patience=1, batch_size=16,
    min_train=300, refit_every=40, validation_days=20, seed=3, threads=1,
)
FIT_ROWS = [299, 339, 379, 419]  # min_train - 1 + k * refit_every


def trained(folder: Path, table: pd.DataFrame, **overrides):
    folder.mkdir(parents=True, exist_ok=True)
    write_ohlcv(folder / "prices.csv", table)
    data = {"prices": "prices.csv", "open_column": "Open", "high_column": "High", "low_column": "Low", "volume_column": "Volume"}
    config = train_config_from_mapping({"data": data, "training": {**TINY, **overrides}}, folder / "reportgen.toml")
    return run_training(config, folder / "out" / "predictions.csv")


@pytest.mark.parametrize("last_row", [339, 357], ids=["cut on a refit day", "cut inside a fold"])
def test_forecasts_up_to_a_date_ignore_everything_after_it(tmp_path, last_row):
    table = ohlcv(ROWS)
    full = trained(tmp_path / "full", table).predictions
    ended = trained(tmp_path / "ended", table.iloc[: last_row + 1]).predictions
    altered_table = table.copy()
    altered_table.iloc[last_row + 1 :] *= np.random.default_rng(5).uniform(0.8, 1.25, (ROWS - last_row - 1, 1))
    altered = trained(tmp_path / "altered", altered_table).predictions
    cut = table.index[last_row].strftime("%Y-%m-%d")
    assert ended.index[-1] == cut
    pd.testing.assert_frame_equal(full.loc[:cut], ended, check_exact=True)
    pd.testing.assert_frame_equal(altered.loc[:cut], ended, check_exact=True)
    later = full.index > cut
    assert (full.loc[later, "predictions"] != altered.loc[later, "predictions"]).any()  # later prices do matter


def test_same_seed_same_bytes_other_seed_other_forecasts(tmp_path):
    table = ohlcv(ROWS)
    first, second = trained(tmp_path / "a", table), trained(tmp_path / "b", table)
    for attribute in ("csv_path", "provenance_path"):
        assert getattr(first, attribute).read_bytes() == getattr(second, attribute).read_bytes()
    other = trained(tmp_path / "c", table, seed=4)
    assert not np.array_equal(other.predictions["predictions"], first.predictions["predictions"])


def test_output_format_and_provenance(tmp_path):
    table = ohlcv(ROWS)
    run = trained(tmp_path, table)
    frame = pd.read_csv(run.csv_path)
    assert list(frame.columns) == ["date", "predictions", "attention_mean"] + [f"att_{k}" for k in range(5)]
    assert len(frame) == ROWS - FIT_ROWS[0]
    assert frame["date"].iloc[0] == table.index[FIT_ROWS[0]].strftime("%Y-%m-%d")
    assert frame["date"].iloc[-1] == table.index[-1].strftime("%Y-%m-%d")
    weights = frame.filter(like="att_")
    assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-6) and (weights.to_numpy() > 0).all()
    assert np.allclose(frame["attention_mean"], 1 / 5, atol=1e-8)
    assert weights["att_0"].std() > 0  # the weights vary from day to day
    assert frame["predictions"].between(0, 1).all()
    assert len(read_predictions(run.csv_path, "att_0")) == len(frame)  # reportgen build reads it

    provenance = read_provenance(run.provenance_path)
    assert run.provenance_path == run.csv_path.with_suffix(".json")
    assert provenance.predictions_sha256 == __import__("hashlib").sha256(run.csv_path.read_bytes()).hexdigest()
    assert provenance.input.rows == ROWS and provenance.training["seed"] == 3 and "output" not in provenance.training
    assert [f.fitted_at for f in provenance.folds] == [table.index[r].date() for r in FIT_ROWS]
    for fold in provenance.folds:
        fitted = table.index.get_loc(pd.Timestamp(fold.fitted_at))
        assert fold.forecast_start == fold.fitted_at
        # the last sample's label is the close of the fit day: nothing later
        assert table.index.get_loc(pd.Timestamp(fold.validation_end)) == fitted - 1
        assert fold.validation_samples == 20 and fold.train_end < fold.validation_start
        assert 1 <= fold.best_epoch <= fold.epochs_run <= 2
        assert len(fold.training_loss) == len(fold.validation_loss) == fold.epochs_run
    assert provenance.folds[-1].scores is None  # forecasts only the last day, whose outcome is unknown
    assert provenance.folds[0].scores.model.days == 40
    assert provenance.overall.model.days == ROWS - FIT_ROWS[0] - 1
    assert len({f.seed for f in provenance.folds}) == 4


def test_min_train_too_small_for_the_first_fold(tmp_path):
    with pytest.raises(ConfigError) as error:
        trained(tmp_path, ohlcv(ROWS), min_train=230)
    assert str(error.value) == (
        f"{tmp_path / 'reportgen.toml'}: training.min_train = 230 is too small: the first fold needs "
        "at least 240 closes (199 warm-up rows of the features + lookback 5 + validation_days 20 + batch_size 16)"
    )


def test_offset_dates_are_read_in_the_configured_exchange_timezone(tmp_path):
    """Closes stamped 03:00 UTC are the previous day in New York but the same day in Tokyo:
    `reportgen train` dates its forecasts in `[data] exchange_timezone`, as `build` does."""
    table = ohlcv(ROWS)
    write_ohlcv(tmp_path / "prices.csv", table)
    frame = pd.read_csv(tmp_path / "prices.csv")
    frame["Date"] = [f"{d}T03:00:00+00:00" for d in frame["Date"]]
    frame.to_csv(tmp_path / "prices.csv", index=False)
    data = {"prices": "prices.csv", "open_column": "Open", "high_column": "High", "low_column": "Low", "volume_column": "Volume"}
    dated = {}
    for zone in ("America/New_York", "Asia/Tokyo"):
        config = train_config_from_mapping({"data": {**data, "exchange_timezone": zone}, "training": TINY}, tmp_path / "reportgen.toml")
        dated[zone] = run_training(config, tmp_path / zone.replace("/", "_") / "predictions.csv").predictions.index
    assert dated["Asia/Tokyo"][-1] == table.index[-1].strftime("%Y-%m-%d")
    assert dated["America/New_York"][-1] == (table.index[-1] - pd.Timedelta(days=1)).strftime("%Y-%m-%d")


def test_rolling_window_trains_on_the_last_window_days_only(tmp_path):
    table = ohlcv(ROWS)
    provenance = read_provenance(trained(tmp_path, table, window_days=100).provenance_path)
    assert provenance.training["window_days"] == 100
    for fold, fit_row in zip(provenance.folds, FIT_ROWS):
        start = max(199 + 4, fit_row - 100)  # never before the first complete window
        assert fold.train_start == table.index[start].date()
        assert fold.train_samples == fit_row - start - 20 and fold.validation_samples == 20


def test_window_must_hold_the_validation_slice(tmp_path):
    with pytest.raises(ConfigError) as error:
        trained(tmp_path, ohlcv(ROWS), window_days=20)
    assert str(error.value) == (
        f"{tmp_path / 'reportgen.toml'}: training: window_days = 20 must exceed "
        "validation_days = 20 (the window holds the validation slice and the training samples)"
    )
