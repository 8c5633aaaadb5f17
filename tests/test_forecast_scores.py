import itertools
import math

import numpy as np
import pytest

from reportgen.analysis.metrics import roc_auc
from reportgen.model.forecast_scores import accuracy, baseline_probabilities, log_loss, scores_against_baselines


def pairwise_auc(labels, scores):
    pairs = [(p, n) for p, n in itertools.product(scores[labels == 1], scores[labels == 0])]
    return sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)


def test_auc_matches_counting_pairs_with_ties():
    rng = np.random.default_rng(3)
    labels = (rng.random(60) > 0.4).astype(float)
    scores = np.round(rng.random(60), 1)  # many ties
    assert roc_auc(labels, scores) == pytest.approx(pairwise_auc(labels, scores))


def test_auc_extremes():
    labels = np.array([0, 0, 1, 1.0])
    assert roc_auc(labels, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(labels, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert roc_auc(labels, np.full(4, 0.6)) == 0.5
    assert math.isnan(roc_auc(np.ones(3), np.array([0.1, 0.2, 0.3])))


def test_accuracy_and_log_loss():
    labels = np.array([1, 0, 1, 1.0])
    assert accuracy(labels, np.array([True, False, False, True])) == 0.75
    assert log_loss(labels, np.full(4, 0.5)) == pytest.approx(math.log(2))
    assert log_loss(np.array([1.0]), np.array([0.0])) == pytest.approx(-math.log(1e-7))


def test_baselines_are_fitted_on_training_days():
    training_labels = np.array([1, 1, 0, 1, 0, 0.0])
    training_today_up = np.array([True, True, True, False, False, False])
    always_up, yesterday = baseline_probabilities(training_labels, training_today_up, np.array([True, False]))
    assert always_up.tolist() == [0.5, 0.5]
    assert yesterday.tolist() == pytest.approx([2 / 3, 1 / 3])
    figures = scores_against_baselines(np.array([1.0, 0.0]), np.array([0.7, 0.6]), always_up, yesterday, np.array([True, False]))
    assert figures["model"]["accuracy"] == 0.5 and figures["always_up"]["accuracy"] == 0.5
    assert figures["yesterday"]["accuracy"] == 1.0 and figures["yesterday"]["auc"] == 1.0
    assert figures["always_up"]["auc"] == 0.5
