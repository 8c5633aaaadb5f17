"""One fold of the universe walk-forward: one ATT-LSTM trained on the samples of every asset pooled.

A fold is one task: `pooled_fold(data, fold)` is a pure function of the universe's features
(the same for every fold, sent to a worker once) and the fold, and it seeds torch from (seed,
fold number) and fixes torch's thread count itself, so its result does not depend on where or
with what else it runs.

Per asset, exactly as for one asset (see walkforward): its samples are the window ends of the
fold's sample rows from its own first complete window on; the validation slice is its last
`validation_days` samples; its features are scaled with the mean and standard deviation of the
rows its own training and validation windows cover, all before the fit. The pooled training set
is the assets' training samples, asset after asset; the validation slice, theirs. Each asset's
forecasts go through the model on their own, in batches of `refit_every` windows, so an asset's
forecast does not depend on which other assets are forecast in the same fold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reportgen.inputs.config import TrainingConfig
from reportgen.model import att_lstm, forecast_scores
from reportgen.model.features import scaled, scaling_statistics
from reportgen.model.walkforward import Fold, fold_seed, windows


@dataclass(frozen=True)
class UniverseData:
    """What every fold reads (sent to each worker once)."""

    features: np.ndarray  # (assets, rows, features), NaN before an asset's warm-up ends
    next_day_up: np.ndarray  # (assets, rows): 1/0, NaN on the last row
    today_up: np.ndarray  # (assets, rows): did the close rise on this row
    first_sample_rows: np.ndarray  # (assets,): the end of each asset's first complete window
    settings: TrainingConfig


@dataclass(frozen=True)
class AssetSamples:
    asset: int  # index into the universe's assets
    train_rows: range
    validation_rows: range


@dataclass(frozen=True)
class PooledFoldFit:
    fold: Fold
    seed: int
    samples: list[AssetSamples]  # the assets trained on (and forecast) in this fold
    training_loss: list[float]
    validation_loss: list[float]
    best_epoch: int
    validation_always_up_loss: float  # the pooled training up-share's log loss on the pooled validation slice
    asset: np.ndarray  # per forecast: the asset index, asset after asset
    rows: np.ndarray  # per forecast: the row whose next day it forecasts
    probability: np.ndarray
    attention: np.ndarray  # (forecasts, T), column 0 the newest day
    always_up: np.ndarray  # the asset's naive forecasts, fitted on its own training days
    yesterday: np.ndarray


def asset_samples(fold: Fold, first_sample_rows: np.ndarray, validation_days: int) -> list[AssetSamples]:
    """Each asset's training and validation rows in `fold`; an asset whose first complete window
    leaves it no training sample before the validation slice sits the fold out."""
    chosen = []
    for asset, first in enumerate(first_sample_rows):
        samples = range(max(fold.train_rows.start, int(first)), fold.fit_row)
        if len(samples) > validation_days:
            chosen.append(AssetSamples(asset, samples[:-validation_days], samples[-validation_days:]))
    return chosen


def pooled_fold(data: UniverseData, fold: Fold) -> PooledFoldFit:
    """Train the fold's model on every asset's samples pooled; forecast each asset's fold rows."""
    s = data.settings
    att_lstm.set_deterministic(s.threads)
    lookback = s.lookback
    samples = asset_samples(fold, data.first_sample_rows, s.validation_days)
    if not samples:
        raise ValueError(f"fold {fold.number} has no asset with a training sample")  # a bug: the plan ensures one
    scaled_values = {}
    for part in samples:
        features = data.features[part.asset]
        mean, std = scaling_statistics(features[part.train_rows.start - lookback + 1 : fold.fit_row])
        scaled_values[part.asset] = scaled(features[: fold.forecast_rows.stop], mean, std)

    def pooled(kind: str) -> tuple[np.ndarray, np.ndarray]:
        x = [windows(scaled_values[p.asset], getattr(p, kind), lookback) for p in samples]
        y = [data.next_day_up[p.asset][getattr(p, kind)] for p in samples]
        return np.concatenate(x), np.concatenate(y)

    train_x, train_y = pooled("train_rows")
    validation_x, validation_y = pooled("validation_rows")
    seed = fold_seed(s.seed, fold.number)
    fitted = att_lstm.fitted_model(
        train_x, train_y, validation_x, validation_y,
        hidden_size=s.hidden_size, dropout=s.dropout, epochs=s.epochs, patience=s.patience,
        batch_size=s.batch_size, learning_rate=s.learning_rate, seed=seed,
    )
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("asset", "rows", "probability", "attention", "always_up", "yesterday")}
    forecast_rows = np.asarray(fold.forecast_rows)
    for part in samples:
        probability, attention = att_lstm.forecasts(
            fitted.model, windows(scaled_values[part.asset], fold.forecast_rows, lookback), s.refit_every
        )
        known = np.arange(part.train_rows.start, part.validation_rows.stop)
        up, today = data.next_day_up[part.asset], data.today_up[part.asset]
        always_up, yesterday = forecast_scores.baseline_probabilities(up[known], today[known], today[forecast_rows])
        for key, values in (
            ("asset", np.full(len(forecast_rows), part.asset)),
            ("rows", forecast_rows),
            ("probability", probability),
            ("attention", attention[:, ::-1]),
            ("always_up", always_up),
            ("yesterday", yesterday),
        ):
            parts[key].append(values)
    base_rate = np.full(len(validation_y), train_y.mean())
    return PooledFoldFit(
        fold=fold,
        seed=seed,
        samples=samples,
        training_loss=fitted.training_loss,
        validation_loss=fitted.validation_loss,
        best_epoch=fitted.best_epoch,
        validation_always_up_loss=forecast_scores.log_loss(validation_y, base_rate),
        **{key: np.concatenate(values) for key, values in parts.items()},
    )
