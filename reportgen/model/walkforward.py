"""The walk-forward: refit the ATT-LSTM on an expanding window, forecast the days up to the next refit.

Rows are trading days, counted from the first date of the prices, and every fold boundary is
anchored there: fold k is fitted once `min_train + k * refit_every` closes are known, i.e. at
the close of row `fit_row = min_train - 1 + k * refit_every`, and forecasts rows
`fit_row .. fit_row + refit_every - 1`. Appending newer prices adds folds at the end and never
moves or changes an earlier one.

No lookahead:
- the forecast on row t uses features of rows t - T + 1 .. t (data up to the close of day t);
- a fold trains on samples whose label (close r + 1 above close r) is known at its fit: r + 1 <= fit_row;
- the validation slice is the last `validation_days` of those samples; features are scaled with
  the statistics of the rows its training and validation windows cover, all before fit_row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reportgen.model import att_lstm, forecast_scores
from reportgen.inputs.config import TrainingConfig
from reportgen.model.features import scaled, scaling_statistics


@dataclass(frozen=True)
class Fold:
    number: int  # 0-based
    fit_row: int  # the last close known when the fold is fitted
    train_rows: range  # last rows of the training windows
    validation_rows: range  # last rows of the validation windows
    forecast_rows: range  # rows whose next day the fold forecasts


@dataclass(frozen=True)
class FoldFit:
    fold: Fold
    seed: int
    training_loss: list[float]
    validation_loss: list[float]
    best_epoch: int
    validation_always_up_loss: float  # log loss of the training up-share on the validation slice


@dataclass(frozen=True)
class WalkForward:
    rows: np.ndarray  # the forecast rows, in order
    probability: np.ndarray  # P(close of row + 1 > close of row)
    attention: np.ndarray  # (rows, T); column 0 is the weight on the row itself (the newest day)
    always_up: np.ndarray  # the naive forecasts, fitted on each fold's training days
    yesterday: np.ndarray
    fits: list[FoldFit]


def fold_plan(
    rows: int, first_sample_row: int, min_train: int, refit_every: int, validation_days: int,
    window_days: int | None = None,
) -> list[Fold]:
    """The folds over `rows` days; the first sample (window end) is `first_sample_row`. With
    `window_days`, a fold's samples are those of its last `window_days` rows before the fit."""
    folds = []
    for number, fit_row in enumerate(range(min_train - 1, rows, refit_every)):
        start = first_sample_row if window_days is None else max(first_sample_row, fit_row - window_days)
        samples = range(start, fit_row)
        folds.append(
            Fold(
                number=number,
                fit_row=fit_row,
                train_rows=samples[:-validation_days],
                validation_rows=samples[-validation_days:],
                forecast_rows=range(fit_row, min(fit_row + refit_every, rows)),
            )
        )
    return folds


def scaling_rows(fold: Fold, lookback: int) -> slice:
    """The rows the fold's training and validation windows cover, all before its fit: the rows
    whose mean and standard deviation scale the features of its samples and forecasts."""
    return slice(fold.train_rows.start - lookback + 1, fold.fit_row)


def fold_seed(seed: int, fold_number: int) -> int:
    """Each fold's own seed, a function of the run's seed and the fold alone."""
    return int(np.random.SeedSequence([seed, fold_number]).generate_state(1)[0])


def windows(values: np.ndarray, last_rows: range | np.ndarray, lookback: int) -> np.ndarray:
    """(len(last_rows), lookback, features): rows last - lookback + 1 .. last, the oldest first."""
    ends = np.asarray(last_rows)[:, None]
    return values[ends + np.arange(1 - lookback, 1)]


def walk_forward(
    features: np.ndarray,
    next_day_up: np.ndarray,
    today_up: np.ndarray,
    folds: list[Fold],
    warmup: int,
    settings: TrainingConfig,
    on_epoch: Callable[[int, int, bool], None] = lambda fold, epoch, last: None,
) -> WalkForward:
    """Fit every fold and forecast its rows. `features` (rows, F) is NaN before `warmup`;
    `next_day_up` is 1/0 (NaN on the last row); `today_up` says whether each close rose.
    `on_epoch(fold number, epoch, last epoch of the fold)` reports progress."""
    att_lstm.set_deterministic(settings.threads)
    lookback = settings.lookback
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("rows", "probability", "attention", "always_up", "yesterday")}
    fits = []
    for fold in folds:
        mean, std = scaling_statistics(features[scaling_rows(fold, lookback)])
        values = scaled(features[: fold.forecast_rows.stop], mean, std)
        known = np.arange(fold.train_rows.start, fold.validation_rows.stop)
        seed = fold_seed(settings.seed, fold.number)
        fitted = att_lstm.fitted_model(
            windows(values, fold.train_rows, lookback),
            next_day_up[fold.train_rows],
            windows(values, fold.validation_rows, lookback),
            next_day_up[fold.validation_rows],
            hidden_size=settings.hidden_size,
            dropout=settings.dropout,
            epochs=settings.epochs,
            patience=settings.patience,
            batch_size=settings.batch_size,
            learning_rate=settings.learning_rate,
            seed=seed,
            on_epoch=lambda epoch, last, number=fold.number: on_epoch(number, epoch, last),
        )
        probability, attention = att_lstm.forecasts(
            fitted.model, windows(values, fold.forecast_rows, lookback), settings.refit_every
        )
        always_up, yesterday = forecast_scores.baseline_probabilities(
            next_day_up[known], today_up[known], today_up[fold.forecast_rows]
        )
        validation_base_rate = np.full(len(fold.validation_rows), next_day_up[fold.train_rows].mean())
        fits.append(
            FoldFit(
                fold=fold,
                seed=seed,
                training_loss=fitted.training_loss,
                validation_loss=fitted.validation_loss,
                best_epoch=fitted.best_epoch,
                validation_always_up_loss=forecast_scores.log_loss(next_day_up[fold.validation_rows], validation_base_rate),
            )
        )
        for key, part in (
            ("rows", np.asarray(fold.forecast_rows)),
            ("probability", probability),
            ("attention", attention[:, ::-1]),
            ("always_up", always_up),
            ("yesterday", yesterday),
        ):
            parts[key].append(part)
    joined = {k: np.concatenate(v) for k, v in parts.items()}
    return WalkForward(**joined, fits=fits)
