"""How good is a probability forecast of up days? AUC, accuracy, log loss, and naive baselines.

numpy and pandas only. `labels` are 1.0 (the next close is above this one) or 0.0; forecasts are
probabilities of 1.0. Probabilities are clipped to [1e-7, 1 - 1e-7] for the log loss.
"""

from __future__ import annotations

import numpy as np

from reportgen.analysis.metrics import roc_auc

EPSILON = 1e-7


def accuracy(labels: np.ndarray, predicted_up: np.ndarray) -> float:
    """Share of days whose direction was called right (`predicted_up` is boolean)."""
    return float((np.asarray(predicted_up, dtype=bool) == (np.asarray(labels) == 1)).mean())


def log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean binary cross-entropy in nats (0.6931 = a coin flip)."""
    p = np.clip(np.asarray(probabilities, dtype=float), EPSILON, 1 - EPSILON)
    y = np.asarray(labels, dtype=float)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def baseline_probabilities(
    training_labels: np.ndarray, training_today_up: np.ndarray, today_up: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The two naive forecasts of the days `today_up` describes, fitted on the training days.

    - always up: the share of up days among the training labels, every day;
    - yesterday's direction: the training frequency of an up day after an up day where today
      is up, after a not-up day where it is not (0.5 for a case the training days lack).
    """
    labels = np.asarray(training_labels, dtype=float)
    before = np.asarray(training_today_up, dtype=bool)
    after_up = float(labels[before].mean()) if before.any() else 0.5
    after_down = float(labels[~before].mean()) if (~before).any() else 0.5
    today = np.asarray(today_up, dtype=bool)
    return np.full(len(today), float(labels.mean())), np.where(today, after_up, after_down)


def scores(labels: np.ndarray, probabilities: np.ndarray, predicted_up: np.ndarray) -> dict[str, float]:
    """Days, AUC, accuracy and log loss of one forecast on one set of days."""
    return {
        "days": int(len(labels)),
        "auc": roc_auc(labels, probabilities),
        "accuracy": accuracy(labels, predicted_up),
        "log_loss": log_loss(labels, probabilities),
    }


def scores_against_baselines(
    labels: np.ndarray,
    model: np.ndarray,
    always_up: np.ndarray,
    yesterday: np.ndarray,
    today_up: np.ndarray,
) -> dict[str, dict[str, float]]:
    """Scores of the model and of the two naive forecasts (see `baseline_probabilities`) on the
    same days. The model calls up when its probability is above 0.5; always up always calls up
    (its AUC is 0.5: a constant ranks nothing); yesterday's direction calls the way today moved."""
    return {
        "model": scores(labels, model, np.asarray(model) > 0.5),
        "always_up": scores(labels, always_up, np.ones(len(labels), dtype=bool)),
        "yesterday": scores(labels, yesterday, today_up),
    }
