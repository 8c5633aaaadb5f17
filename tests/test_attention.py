import numpy as np
import pytest
import pandas as pd

from reportgen.analysis.attention import (
    attention_concentration,
    attention_last,
    attention_max,
    attention_mean,
    attention_mean_lag,
    attention_scores,
    attention_summary,
    lag_profile,
    uniform_steps,
)


def series(values):
    return pd.Series(values, pd.bdate_range("2024-01-01", periods=len(values)))


def test_constant_one_seventh_is_degenerate_and_named_as_a_softmax_mean():
    summary = attention_summary(series([0.14285715, 0.14285713] * 50), "attention_mean")
    assert summary.degenerate
    assert "1/7" in summary.reason and "carries no information" in summary.reason


def test_other_constants_are_degenerate_too():
    summary = attention_summary(series([0.3] * 10), "score")
    assert summary.degenerate and "1/" not in summary.reason


def test_varying_attention_is_not_degenerate():
    summary = attention_summary(series(np.linspace(0.1, 0.9, 20)), "attention_max")
    assert not summary.degenerate and summary.reason == ""


def test_uniform_steps():
    assert uniform_steps(1 / 28) == 28
    assert uniform_steps(0.1428) is None


# --- scores derived from the full attention vector (rows: dates, columns: lag 0 = newest) ---

ONE_HOT = np.array([[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
UNIFORM = np.full((3, 4), 0.25)


def test_a_one_hot_vector_has_concentration_one_and_max_one():
    assert attention_concentration(ONE_HOT).tolist() == [1.0, 1.0]
    assert attention_max(ONE_HOT).tolist() == [1.0, 1.0]
    assert attention_last(ONE_HOT).tolist() == [0.0, 1.0]
    assert attention_mean_lag(ONE_HOT).tolist() == [2.0, 0.0]


def test_a_uniform_vector_has_concentration_zero_and_is_flagged_degenerate():
    assert attention_concentration(UNIFORM) == pytest.approx([0.0] * 3, abs=1e-12)
    assert attention_max(UNIFORM).tolist() == [0.25] * 3
    assert attention_mean(UNIFORM).tolist() == [0.25] * 3
    scores = attention_scores(pd.DataFrame(np.full((40, 4), 0.25), index=pd.bdate_range("2024-01-01", periods=40)))
    for name in ("attention_concentration", "attention_max", "attention_mean"):
        summary = attention_summary(scores[name], name, steps=4)
        assert summary.degenerate, name
    assert "1/4" in attention_summary(scores["attention_mean"], "attention_mean", 4).reason
    # the largest weight of a uniform vector is 1/T too, but not because it is a softmax mean
    assert "softmax" not in attention_summary(scores["attention_max"], "attention_max", 4).reason


def test_mean_lag_and_concentration_by_hand():
    weights = np.array([[0.5, 0.25, 0.25]])
    assert attention_mean_lag(weights)[0] == pytest.approx(0 * 0.5 + 1 * 0.25 + 2 * 0.25)
    entropy = -(0.5 * np.log(0.5) + 2 * 0.25 * np.log(0.25))
    assert attention_concentration(weights)[0] == pytest.approx(1 - entropy / np.log(3))
    assert attention_last(weights)[0] == 0.5 and attention_max(weights)[0] == 0.5


def test_scores_stay_in_their_ranges_for_random_softmaxes():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (500, 28))
    weights = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    concentration = attention_concentration(weights)
    assert ((concentration >= 0) & (concentration <= 1)).all()
    assert ((attention_max(weights) >= 1 / 28) & (attention_max(weights) <= 1)).all()
    assert ((attention_mean_lag(weights) >= 0) & (attention_mean_lag(weights) <= 27)).all()
    assert attention_mean(weights) == pytest.approx(np.full(500, 1 / 28))
    # sharper attention (one day dominating more) is more concentrated
    sharper = np.exp(3 * logits) / np.exp(3 * logits).sum(axis=1, keepdims=True)
    assert (attention_concentration(sharper) > concentration).mean() > 0.95


def test_lag_profile_is_the_mean_weight_per_lag():
    weights = pd.DataFrame([[1.0, 0.0], [0.5, 0.5]], index=pd.bdate_range("2024-01-01", periods=2))
    assert lag_profile(weights).tolist() == [0.75, 0.25]


def test_scores_made_in_blocks_of_rows_equal_the_scores_of_all_rows_at_once(monkeypatch):
    from reportgen.analysis import attention

    rng = np.random.default_rng(3)
    logits = rng.normal(0, 2, (1000, 10))
    weights = pd.DataFrame(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True))
    monkeypatch.setattr(attention, "SCORE_BLOCK_ROWS", 7)  # 143 blocks, the last one of 6 rows
    blocked = attention_scores(weights)
    whole = pd.DataFrame({name: score(weights.to_numpy()) for name, score in attention.SCORES.items()})
    pd.testing.assert_frame_equal(blocked, whole, check_exact=True)
