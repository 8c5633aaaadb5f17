"""`reportgen train` on a universe: one model pooled across assets, folds as tasks (needs torch).

Tiny settings: 3 assets (one listed 60 days after the others), 420 days, lookback 5, 4 LSTM units,
2 epochs, 4 folds. The schedulers test starts local Dask clusters (skipped without dask)."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.publish import formats

from conftest import REPO
from reportgen.inputs.config import train_config_from_mapping
from reportgen.inputs.errors import ConfigError
from reportgen.inputs.universe import read_universe_predictions
from reportgen.model.forecast_scores import roc_auc
from reportgen.model.provenance import UniverseProvenance, read_provenance

pytest.importorskip("torch")

from reportgen.model.pooled import UniverseData, pooled_fold  # noqa: E402  (imports torch)
from reportgen.model.universe_training import run_universe_training  # noqa: E402
from reportgen.model.walkforward import fold_plan  # noqa: E402

ROWS = 420
ASSETS = ["AAA", "BBB", "CCC"]
LATE_ROWS = 60  # CCC has no price on its first 60 dates
TINY = dict(
    lookback=5, hidden_size=4, epochs=2, patience=1, batch_size=16,
    min_train=300, refit_every=40, validation_days=20, seed=3, threads=1,
)
FIT_ROWS = [299, 339, 379, 419]
WARMUP = 199  # rows before every close-only feature is defined (the 200-day mean)


def universe_prices(rows: int = ROWS, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, (rows, len(ASSETS))), axis=0))
    prices = pd.DataFrame(closes, index=pd.bdate_range("2020-01-01", periods=rows), columns=ASSETS)
    prices.iloc[:LATE_ROWS, 2] = np.nan
    return prices


def write_universe_prices(path: Path, prices: pd.DataFrame) -> None:
    frame = prices.round(6)
    frame.insert(0, "Date", prices.index.strftime("%Y-%m-%d"))
    frame.to_csv(path, index=False, na_rep="")


def universe_config(folder: Path, prices: pd.DataFrame, **overrides):
    folder.mkdir(parents=True, exist_ok=True)
    write_universe_prices(folder / "universe.csv", prices)
    table = {"universe": {"prices": "universe.csv"}, "training": {**TINY, **overrides}}
    return train_config_from_mapping(table, folder / "reportgen.toml")


def trained(folder: Path, prices: pd.DataFrame, output: str = "out/predictions.csv", **overrides):
    return run_universe_training(universe_config(folder, prices, **overrides), folder / output)


def test_long_format_sorted_by_date_then_asset(tmp_path):
    run = trained(tmp_path, universe_prices())
    frame = pd.read_csv(run.csv_path)
    assert list(frame.columns) == ["date", "asset", "predictions", "attention_mean"] + [f"att_{k}" for k in range(5)]
    dates = universe_prices().index[FIT_ROWS[0]:].strftime("%Y-%m-%d")
    assert list(frame["date"]) == [d for d in dates for _ in ASSETS]
    assert list(frame["asset"]) == ASSETS * len(dates)
    weights = frame.filter(like="att_")
    assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-6) and (weights.to_numpy() > 0).all()
    assert frame["predictions"].between(0, 1).all()
    # what reportgen build reads
    read = read_universe_predictions(run.csv_path, ASSETS, tmp_path / "universe.csv")
    assert len(read.output) == len(frame) and read.weights.shape == (len(frame), 5)


def test_samples_per_asset_and_scores_by_hand(tmp_path):
    prices = universe_prices()
    run = trained(tmp_path, prices)
    provenance = read_provenance(run.provenance_path)
    assert isinstance(provenance, UniverseProvenance) and provenance.assets == ASSETS
    first_sample = {"AAA": WARMUP + 4, "BBB": WARMUP + 4, "CCC": LATE_ROWS + WARMUP + 4}
    for fold, fit_row in zip(provenance.folds, FIT_ROWS):
        for asset in ASSETS:
            record = fold.assets[asset]
            assert record.validation_samples == 20
            assert record.train_samples == fit_row - first_sample[asset] - 20
        assert fold.train_samples == sum(r.train_samples for r in fold.assets.values())
        assert fold.validation_samples == 60
        assert fold.fitted_at == prices.index[fit_row].date()
        assert fold.validation_end == prices.index[fit_row - 1].date()  # the last label is the fit day's close
    # scores recomputed from the CSV and the prices with pandas
    frame = pd.read_csv(run.csv_path, parse_dates=["date"])
    up = (prices.shift(-1) > prices).astype(float).where(prices.shift(-1).notna())
    frame["label"] = [up.at[d, a] for d, a in zip(frame["date"], frame["asset"])]
    known = frame.dropna(subset=["label"])
    overall = provenance.overall
    assert overall.model.days == len(known) == (ROWS - FIT_ROWS[0] - 1) * 3
    assert overall.model.auc == pytest.approx(roc_auc(known["label"], known["predictions"]), abs=1e-6)
    assert overall.always_up.accuracy == pytest.approx(known["label"].mean(), abs=1e-12)
    for asset in ASSETS:
        mine = known[known["asset"] == asset]
        scores = provenance.overall_per_asset[asset]
        assert scores.model.days == len(mine)
        assert scores.model.accuracy == pytest.approx(((mine["predictions"] > 0.5) == (mine["label"] == 1)).mean(), abs=1e-12)
        assert scores.always_up.accuracy == pytest.approx(mine["label"].mean(), abs=1e-12)
    in_fold_0 = known[known["date"] < prices.index[FIT_ROWS[1]]]
    assert provenance.folds[0].scores.model.days == len(in_fold_0) == 40 * 3
    assert provenance.folds[-1].scores is None  # it forecasts only the last day, whose outcome is unknown
    assert provenance.predictions_sha256 == hashlib.sha256(run.csv_path.read_bytes()).hexdigest()


@pytest.mark.parametrize("last_row", [339, 357], ids=["cut on a refit day", "cut inside a fold"])
def test_no_lookahead_for_any_asset(tmp_path, last_row):
    prices = universe_prices()
    full = trained(tmp_path / "full", prices).predictions
    ended = trained(tmp_path / "ended", prices.iloc[: last_row + 1]).predictions
    altered_prices = prices.copy()
    altered_prices.iloc[last_row + 1 :] *= np.random.default_rng(5).uniform(0.8, 1.25, (ROWS - last_row - 1, 3))
    altered = trained(tmp_path / "altered", altered_prices).predictions
    cut = prices.index[last_row].strftime("%Y-%m-%d")
    assert ended.index[-1] == cut and list(ended["asset"].iloc[-3:]) == ASSETS
    pd.testing.assert_frame_equal(full.loc[:cut], ended, check_exact=True)
    pd.testing.assert_frame_equal(altered.loc[:cut], ended, check_exact=True)
    later = full.index > cut
    assert (full.loc[later, "predictions"] != altered.loc[later, "predictions"]).any()  # later prices do matter


def test_each_asset_is_scaled_with_its_own_statistics():
    """An asset whose features are an affine copy of another's (5x + 2) has the same z-scores, so
    the pooled model forecasts both alike; scaled with pooled statistics they would differ."""
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, (240, 3)).cumsum(axis=0) / 10
    labels = (rng.uniform(size=240) > 0.5).astype(float)
    labels[-1] = np.nan
    settings = train_config_from_mapping(
        {"universe": {"prices": "u.csv"}, "training": {**TINY, "min_train": 200, "refit_every": 40}}, Path("x.toml")
    ).training
    data = UniverseData(
        features=np.stack([base, 5 * base + 2]),
        next_day_up=np.stack([labels, labels]),
        today_up=np.zeros((2, 240), dtype=bool),
        first_sample_rows=np.array([4, 4]),
        settings=settings,
    )
    fold = fold_plan(240, 4, 200, 40, 20)[0]
    fit = pooled_fold(data, fold)
    first, second = fit.asset == 0, fit.asset == 1
    assert first.sum() == second.sum() == 40
    np.testing.assert_allclose(fit.probability[first], fit.probability[second], atol=1e-5)
    np.testing.assert_allclose(fit.attention[first], fit.attention[second], atol=1e-5)


def test_rolling_window_and_chosen_assets(tmp_path):
    prices = universe_prices()
    run = trained(tmp_path, prices, window_days=100, assets=["CCC", "AAA"])
    provenance = read_provenance(run.provenance_path)
    assert provenance.assets == ["AAA", "CCC"]  # the file's order
    assert set(pd.read_csv(run.csv_path)["asset"]) == {"AAA", "CCC"}
    assert provenance.training["window_days"] == 100 and provenance.training["assets"] == ["CCC", "AAA"]
    for fold, fit_row in zip(provenance.folds, FIT_ROWS):
        start = max(WARMUP + 4, fit_row - 100)  # 100 window days, never before the first complete window
        assert fold.assets["AAA"].train_samples == fit_row - start - 20
        assert fold.train_start == prices.index[start].date()
    with pytest.raises(ConfigError) as error:
        trained(tmp_path / "bad", prices, assets=["AAA", "ZZZ"])
    assert str(error.value) == (
        f"{tmp_path / 'bad' / 'reportgen.toml'}: training.assets: 'ZZZ' not a column of universe.csv; "
        "expected some of ['AAA', 'BBB', 'CCC']"
    )


def test_gzip_output_is_the_csv_compressed_reproducibly(tmp_path):
    prices = universe_prices()
    plain = trained(tmp_path / "a", prices)
    packed = trained(tmp_path / "b", prices, output="out/predictions.csv.gz")
    again = trained(tmp_path / "c", prices, output="out/predictions.csv.gz")
    assert packed.provenance_path == tmp_path / "b" / "out" / "predictions.json"
    assert gzip.decompress(packed.csv_path.read_bytes()) == plain.csv_path.read_bytes()
    assert packed.csv_path.read_bytes() == again.csv_path.read_bytes()
    assert read_provenance(packed.provenance_path).predictions_sha256 == hashlib.sha256(packed.csv_path.read_bytes()).hexdigest()
    read = read_universe_predictions(packed.csv_path, ASSETS, tmp_path / "b" / "universe.csv")
    assert len(read.output) == len(plain.predictions)


def reportgen(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd, capture_output=True, text=True, env=env)


TRAIN_TOML = """
[universe]
prices = "universe.csv"

[training]
lookback = 5
hidden_size = 4
epochs = 2
patience = 1
batch_size = 16
min_train = 300
refit_every = 40
validation_days = 20
seed = 3
output = "out/predictions.csv"

[compute]
scheduler = "synchronous"
"""


def test_same_bytes_whatever_the_scheduler_and_workers(tmp_path):
    pytest.importorskip("dask.distributed")
    write_universe_prices(tmp_path / "universe.csv", universe_prices())
    (tmp_path / "reportgen.toml").write_text(TRAIN_TOML)
    runs = {
        "synchronous": (),
        "workers1": ("--scheduler", "local", "--workers", "1", "--out", "w1/predictions.csv"),
        "workers2": ("--scheduler", "local", "--workers", "2", "--out", "w2/predictions.csv"),
    }
    for name, options in runs.items():
        result = reportgen("train", "--config", "reportgen.toml", *options, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "wrote 363 forecasts from 4 folds" in result.stderr
        assert "folds (" in result.stderr and "4/4 done" in result.stderr  # plain progress lines (not a terminal)
        assert "warning:" not in result.stderr  # Dask's own INFO chatter stays quiet
    for suffix in ("csv", "json"):
        contents = {(tmp_path / folder / f"predictions.{suffix}").read_bytes() for folder in ("out", "w1", "w2")}
        assert len(contents) == 1, suffix


def test_a_missing_dask_is_a_one_line_error_naming_the_extra(tmp_path):
    write_universe_prices(tmp_path / "universe.csv", universe_prices())
    (tmp_path / "reportgen.toml").write_text(TRAIN_TOML.replace('"synchronous"', '"local"'))
    script = (
        "import sys\n"
        "sys.modules['dask'] = sys.modules['dask.distributed'] = None  # as if not installed\n"
        "from reportgen.cli import main\nmain(sys.argv[1:])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", script, "train", "--config", "reportgen.toml"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {tmp_path / 'reportgen.toml'}: compute.scheduler: scheduler 'local' needs Dask, which is not "
        "installed: pip install 'reportgen[dask]' (or dask[distributed]==2026.8.0); or use scheduler = 'synchronous'\n"
    )
    assert not (tmp_path / "out").exists()
    synchronous = subprocess.run(
        [sys.executable, "-c", script, "train", "--config", "reportgen.toml", "--scheduler", "synchronous"],
        cwd=tmp_path, capture_output=True, text=True, env=env,
    )
    assert synchronous.returncode == 0, synchronous.stderr
    assert (tmp_path / "out" / "predictions.csv").is_file()


def test_an_interrupted_run_writes_nothing(tmp_path):
    config = universe_config(tmp_path, universe_prices())

    def interrupted_after_one_fold(function, folds, data):
        function(data, folds[0])
        raise KeyboardInterrupt  # as Ctrl-C while the other folds run

    with pytest.raises(KeyboardInterrupt):
        run_universe_training(config, tmp_path / "out" / "predictions.csv", interrupted_after_one_fold)
    assert not (tmp_path / "out").exists()


REPORT_TOML = """
[universe]
prices = "universe.csv"

[attention_tests]
permutations = 20

[statistics]
bootstrap_resamples = 100

[[models]]
id = "pooled"
name = "Pooled ATT-LSTM"
predictions = "out/predictions.csv.gz"
provenance = "out/predictions.json"
attention_column = "attention_max"

[[portfolios]]
id = "equal"
name = "Equal"
model = "pooled"
weighting = "equal"

[[portfolios]]
id = "attention"
name = "Attention-weighted"
model = "pooled"
weighting = "attention"
"""


def test_the_report_shows_the_pooled_and_per_asset_scores(tmp_path):
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import build

    run = trained(tmp_path, universe_prices(), output="out/predictions.csv.gz")
    (tmp_path / "reportgen.toml").write_text(REPORT_TOML)
    build(load_config(tmp_path / "reportgen.toml"), tmp_path / "site")
    page = (tmp_path / "site" / "models" / "pooled.html").read_text()
    provenance = run.provenance
    assert "pooled" in page and "Asset by asset" in page
    beating = [a for a in ASSETS if provenance.overall_per_asset[a].model.log_loss < provenance.overall_per_asset[a].always_up.log_loss]
    assert f"<strong>{len(beating)} of 3 assets</strong>" in page
    for asset in ASSETS:
        s = provenance.overall_per_asset[asset]
        row = f"<td>{asset}</td>\n<td style=\"text-align: right;\">{s.model.days}</td>\n<td style=\"text-align: right;\">{formats.score(s.model.auc)}</td>"
        assert row in page, asset
    assert f"{provenance.overall.model.log_loss:.4f}" in page  # the pooled table
    overview = (tmp_path / "site" / "universe" / "pooled.html").read_text()
    assert 'href="../models/pooled.html"' in overview


def test_train_refuses_forked_workers_in_one_line(tmp_path):
    # "processes" forks the build's workers; torch's thread pools are not safe to fork.
    write_universe_prices(tmp_path / "universe.csv", universe_prices())
    (tmp_path / "reportgen.toml").write_text(TRAIN_TOML.replace('"synchronous"', '"processes"'))
    result = reportgen("train", "--config", "reportgen.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {tmp_path / 'reportgen.toml'}: compute.scheduler: scheduler 'processes' is for builds; "
        "train with 'local', 'synchronous' or 'tcp://host:port'\n"
    )
    assert not (tmp_path / "out").exists()
