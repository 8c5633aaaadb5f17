"""`reportgen train`: prices -> features -> walk-forward ATT-LSTM -> predictions CSV + provenance sidecar.

    load_train_config -> read_price_table -> price_features -> fold_plan -> walk_forward
      -> predictions_frame / provenance_document -> write_training_output

Everything is computed before anything is written. Imports torch (through walkforward), so the
CLI imports this module only for `reportgen train`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen import __version__
from reportgen.analysis.metrics import json_number
from reportgen.model import att_lstm, forecast_scores
from reportgen.inputs import loaders
from reportgen.inputs.config import TrainConfig
from reportgen.inputs.errors import ConfigError, DataError
from reportgen.model.features import next_day_up, price_features, warmup_rows
from reportgen.model.provenance import (
    CONVENTION,
    FoldRecord,
    InputRecord,
    Provenance,
    Scores,
    ScoresAgainstBaselines,
    provenance_path,
)
from reportgen.model.walkforward import WalkForward, fold_plan, walk_forward

DETERMINISM = (
    "Two runs write byte-identical files when the input, the [training] settings (seed and "
    "threads included), the torch version and the kind of CPU are the same: torch runs with "
    "deterministic algorithms and a fixed thread count; each fold seeds its initial weights, "
    "shuffling and dropout from (seed, fold number); forecasts go through the model in batches "
    "of a fixed size. Another thread count or CPU instruction set can round floats differently, "
    "which training amplifies."
)

# (fold number, number of folds, epoch, last epoch of the fold)
EpochProgress = Callable[[int, int, int, bool], None]


@dataclass(frozen=True)
class TrainingRun:
    predictions: pd.DataFrame  # the CSV's columns, indexed by date
    provenance: Provenance
    csv_path: Path
    provenance_path: Path


def _price_columns(config: TrainConfig) -> dict[str, str]:
    data = config.data
    optional = {"open": data.open_column, "high": data.high_column, "low": data.low_column, "volume": data.volume_column}
    return {"close": data.price_column, **{role: column for role, column in optional.items() if column}}


def check_enough_rows(config: TrainConfig, prices: Path, rows: int, warmup: int) -> None:
    """The first fold needs the features' warm-up, a window, the validation slice and a batch."""
    s = config.training
    needed = warmup + s.lookback + s.validation_days + s.batch_size
    if s.min_train < needed:
        raise ConfigError(
            f"{config.source}: training.min_train = {s.min_train} is too small: the first fold needs "
            f"at least {needed} closes ({warmup} warm-up rows of the features + lookback {s.lookback} "
            f"+ validation_days {s.validation_days} + batch_size {s.batch_size})"
        )
    if rows < s.min_train:
        raise DataError(f"{prices}: {rows} rows of prices, fewer than training.min_train = {s.min_train}")


def scores_record(
    labels: np.ndarray, probability: np.ndarray, always_up: np.ndarray, yesterday: np.ndarray, today_up: np.ndarray
) -> ScoresAgainstBaselines | None:
    """Scores of the model and the naive baselines on the days (aligned arrays) whose outcome is
    known (`labels` not NaN); None when there is none."""
    known = ~np.isnan(labels)
    if not known.any():
        return None
    figures = forecast_scores.scores_against_baselines(
        labels[known], probability[known], always_up[known], yesterday[known], today_up[known]
    )
    return ScoresAgainstBaselines(
        **{
            name: Scores(**{k: json_number(v) for k, v in values.items()})
            for name, values in figures.items()
        }
    )


def _scores(labels: np.ndarray, result: WalkForward, where: np.ndarray, today_up: np.ndarray) -> ScoresAgainstBaselines | None:
    """Scores on the forecast rows selected by `where` whose outcome is known."""
    rows = result.rows[where]
    return scores_record(labels[rows], result.probability[where], result.always_up[where], result.yesterday[where], today_up[rows])


def predictions_frame(dates: pd.DatetimeIndex, result: WalkForward) -> pd.DataFrame:
    """date, predictions, attention_mean, att_0 .. att_{T-1} (att_0 the newest day)."""
    attention = pd.DataFrame(result.attention, columns=[f"att_{k}" for k in range(result.attention.shape[1])])
    frame = pd.concat(
        [
            pd.DataFrame({"predictions": result.probability, "attention_mean": result.attention.mean(axis=1)}),
            attention,
        ],
        axis=1,
    )
    frame.index = pd.Index(dates[result.rows].strftime("%Y-%m-%d"), name="date")
    return frame


def provenance_document(
    config: TrainConfig, table: pd.DataFrame, feature_names: list[str], warmup: int, result: WalkForward,
    labels: np.ndarray, today_up: np.ndarray, sha256: str, predictions_sha256: str,
) -> Provenance:
    dates = table.index.date
    base = config.source.parent
    prices = config.data.prices
    folds = []
    for fit in result.fits:
        fold = fit.fold
        folds.append(
            FoldRecord(
                fold=fold.number,
                seed=fit.seed,
                fitted_at=dates[fold.fit_row],
                train_start=dates[fold.train_rows[0]],
                train_end=dates[fold.train_rows[-1]],
                validation_start=dates[fold.validation_rows[0]],
                validation_end=dates[fold.validation_rows[-1]],
                forecast_start=dates[fold.forecast_rows[0]],
                forecast_end=dates[fold.forecast_rows[-1]],
                train_samples=len(fold.train_rows),
                validation_samples=len(fold.validation_rows),
                epochs_run=len(fit.training_loss),
                best_epoch=fit.best_epoch,
                training_loss=fit.training_loss,
                validation_loss=fit.validation_loss,
                validation_always_up_loss=fit.validation_always_up_loss,
                scores=_scores(labels, result, np.isin(result.rows, fold.forecast_rows), today_up),
            )
        )
    return Provenance(
        **sidecar_header(prices, base, sha256, len(table), dates, {"date": config.data.date_column, **_price_columns(config)}),
        convention=CONVENTION,
        predictions_sha256=predictions_sha256,
        features=feature_names,
        warmup_rows=warmup,
        training=config.training.model_dump(mode="json", exclude={"output"}, exclude_none=True),
        determinism=DETERMINISM,
        folds=folds,
        overall=_scores(labels, result, np.ones(len(result.rows), dtype=bool), today_up),
    )


def sidecar_header(prices: Path, base: Path, sha256: str, rows: int, dates, columns: dict[str, str]) -> dict:
    """The fields every provenance sidecar opens with: what made it, and from which prices (their
    path as the config names it, relative to its folder when inside it)."""
    return {
        "created_by": "reportgen train",
        "reportgen_version": __version__,
        "torch_version": att_lstm.TORCH_VERSION,
        "input": InputRecord(
            path=prices.relative_to(base).as_posix() if prices.is_relative_to(base) else prices.name,
            sha256=sha256, rows=rows, first_date=dates[0], last_date=dates[-1], columns=columns,
        ),
    }


def run_training(config: TrainConfig, output: Path | None = None, on_epoch: EpochProgress = lambda *a: None) -> TrainingRun:
    """Fit the walk-forward on the configured prices; write the predictions CSV (`output`, else
    `[training] output`) and its sidecar; nothing is written unless every fold trained."""
    settings = config.training
    table = loaders.read_price_table(
        config.data.prices, config.data.date_column, _price_columns(config), config.data.exchange_timezone
    )
    features = price_features(table)
    warmup = warmup_rows(features)
    check_enough_rows(config, config.data.prices, len(table), warmup)
    folds = fold_plan(
        len(table), warmup + settings.lookback - 1, settings.min_train, settings.refit_every,
        settings.validation_days, settings.window_days,
    )
    labels = next_day_up(table["close"]).to_numpy()
    today_up = (table["close"].diff() > 0).to_numpy()
    result = walk_forward(
        features.to_numpy(), labels, today_up, folds, warmup, settings,
        lambda fold, epoch, last: on_epoch(fold, len(folds), epoch, last),
    )
    sha256 = hashlib.sha256(config.data.prices.read_bytes()).hexdigest()
    predictions = predictions_frame(table.index, result)
    csv_path = output.resolve() if output is not None else settings.output
    content = predictions_bytes(predictions, csv_path)  # formatted (and compressed) once
    predictions_sha256 = hashlib.sha256(content).hexdigest()
    run = TrainingRun(
        predictions=predictions,
        provenance=provenance_document(
            config, table, list(features.columns), warmup, result, labels, today_up, sha256, predictions_sha256
        ),
        csv_path=csv_path,
        provenance_path=provenance_path(csv_path),
    )
    write_training_output(run, content)
    return run


def csv_bytes(predictions: pd.DataFrame) -> bytes:
    """The predictions CSV exactly as written: 8 decimals, \\n line ends."""
    return predictions.to_csv(float_format="%.8f", lineterminator="\n").encode()


def parquet_bytes(predictions: pd.DataFrame) -> bytes:
    """The predictions as a Parquet file (pyarrow, through pandas): the index as columns (the date
    first, as in the CSV), numbers at full precision; the same frame gives the same bytes."""
    buffer = io.BytesIO()
    predictions.reset_index().to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def predictions_bytes(predictions: pd.DataFrame, path: Path) -> bytes:
    """The predictions file as written to `path`: Parquet when `path` ends in .parquet (read
    several times faster than CSV by a build), else the CSV, gzip-compressed when `path` ends in
    .gz (with no name and no time stamp in the gzip header, so the same CSV gives the same bytes)."""
    if path.suffix.lower() == ".parquet":
        return parquet_bytes(predictions)
    content = csv_bytes(predictions)
    return gzip.compress(content, compresslevel=9, mtime=0) if path.suffix == ".gz" else content


def write_training_output(run: TrainingRun, predictions: bytes) -> None:
    """Write the predictions file (`predictions_bytes` of the run's frame) and the sidecar, each
    to a temporary name first, then renamed into place."""
    run.csv_path.parent.mkdir(parents=True, exist_ok=True)
    contents = {
        run.csv_path: predictions,
        run.provenance_path: (run.provenance.model_dump_json(indent=1) + "\n").encode(),
    }
    for path, content in contents.items():
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(content)
        os.replace(partial, path)
