import math

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis.attention_tests import (
    AttentionTest,
    StrategyFacts,
    exposure_matched_size,
    permutation_p_value,
    permuted_attention,
    strategy_facts,
    use_of_attention,
    uses_attention,
    verdict,
)
from reportgen.analysis.backtest import Orders, simulate
from reportgen.inputs.config import StrategyConfig

DATES = pd.bdate_range("2024-01-01", periods=60)


def facts(**changes):
    base = dict(
        column="attention_max", use="sizing", score_constant=False, never_trades=False,
        cash_capped_units=False, attention_threshold=None, attention_max=0.9,
    )
    return StrategyFacts(**{**base, **changes})


def test_permutations_are_deterministic_for_a_seed_and_shuffle_in_time():
    attention = pd.Series(np.linspace(0.1, 0.9, 60), DATES)
    first = permuted_attention(attention, 50, seed=4)[:]
    assert first.equals(permuted_attention(attention, 50, seed=4)[:])
    assert not first.equals(permuted_attention(attention, 50, seed=5)[:])
    assert first.shape == (60, 50) and (first.index == DATES).all()
    for column in first:  # each column is the same values in another order
        assert sorted(first[column]) == sorted(attention)
    assert first.nunique(axis=1).min() > 1  # the columns differ from each other
    # run k: the series permuted by the k-th child of SeedSequence(4), whatever the blocks
    children = np.random.SeedSequence(4).spawn(50)
    assert np.array_equal(first[37].to_numpy(), np.random.default_rng(children[37]).permutation(attention.to_numpy()))
    many = permuted_attention(attention, 10_000, seed=4)
    assert many[30:50].equals(first.iloc[:, 30:]) and len(many) == 10_000
    assert list(many[9_998:10_000].columns) == [9_998, 9_999]


def test_exposure_matched_size_matches_the_average_exposure():
    signal = pd.Series([True] * 30 + [False] * 30, DATES)
    exposure = pd.Series([0.2] * 30 + [0.0] * 30, DATES)
    assert exposure_matched_size(exposure, signal) == pytest.approx(0.2)  # same signal: exposure in market
    filtered_exposure = pd.Series([0.9] * 10 + [0.0] * 50, DATES)  # a filter kept a third of the days
    assert exposure_matched_size(filtered_exposure, signal) == pytest.approx(0.3)
    assert exposure_matched_size(exposure, pd.Series(False, DATES)) == 0.0
    assert exposure_matched_size(pd.Series(1.0, DATES), signal) == 1.0  # never above all cash


def test_the_exposure_matched_control_holds_as_much_as_the_strategy():
    """Backtest a strategy sized by a varying attention and its control: same mean exposure."""
    rng = np.random.default_rng(2)
    price = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, 60)), DATES)
    signal = pd.Series(rng.uniform(size=60) > 0.4, DATES)
    attention = pd.Series(rng.uniform(0.05, 0.6, 60), DATES)
    strategy = simulate(Orders(price, signal.to_frame("s"), (signal * attention).to_frame("s"), "percent", 1000.0, 0.001))
    size = exposure_matched_size(strategy.exposure["s"], signal)
    control = simulate(Orders(price, signal.to_frame("c"), (signal * size).to_frame("c"), "percent", 1000.0, 0.001))
    assert 0.05 < size < 0.6
    assert control.exposure["c"].mean() == pytest.approx(strategy.exposure["s"].mean(), rel=0.05)
    assert control.exposure["c"][~signal].eq(0).all()


def test_p_value_counts_shuffles_at_least_as_good_including_ties():
    null = np.array([0.1, 0.5, 0.9, np.nan])
    assert permutation_p_value(1.0, null) == pytest.approx(1 / 4)
    assert permutation_p_value(0.5, null) == pytest.approx(3 / 4)
    assert permutation_p_value(0.5 + 1e-9, null) == pytest.approx(3 / 4)  # a float-noise tie
    assert permutation_p_value(0.0, null) == 1.0
    assert math.isnan(permutation_p_value(math.nan, null))


def test_verdict_for_a_constant_score_says_the_tests_cannot_show_anything():
    text = verdict(facts(column="attention_mean", score_constant=True), -0.33, -0.33, np.full(1000, -0.33), 1.0)
    assert text.startswith("attention_mean is constant, so sizing by it is a constant rule and the tests cannot show any effect")
    assert "every one of the 1,000 shuffles" in text and "placebo p = 1.00" in text


def test_verdict_for_sizing_that_cash_overrides():
    text = verdict(facts(cash_capped_units=True), -0.29, -0.29, np.full(10, -0.29), 1.0)
    assert text.startswith("Shuffling attention_max in time never changes the result (all 10 placebo runs give Sharpe -0.29)")
    assert 'size_type "amount"' in text and "no-op" in text


def test_verdict_for_a_strategy_that_never_trades():
    text = verdict(facts(never_trades=True, use="filtering", attention_threshold=0.15, attention_max=0.142857, score_constant=True),
                   math.nan, math.nan, np.full(5, np.nan), math.nan)
    assert text.startswith("The strategy never trades: attention_max never rises above its threshold 0.15 (its maximum is 0.142857)")


@pytest.mark.parametrize(
    "observed, control, p, expected",
    [
        (1.2, 0.4, 0.01, "Attention sizing beats both tests: Sharpe 1.20 vs 0.40"),
        (1.2, 0.4, 0.30, "Attention sizing beats exposure-matched constant sizing (Sharpe 1.20 vs 0.40) but not the placebo"),
        (0.3, 0.4, 0.01, "Attention sizing beats shuffled attention (placebo p = 0.010) but not exposure-matched constant sizing"),
        (0.41, 0.44, 0.62, "Sizing by attention does not beat exposure-matched constant sizing (Sharpe 0.41 vs 0.44; placebo p = 0.62)."),
    ],
)
def test_verdict_follows_the_numbers(observed, control, p, expected):
    null = np.linspace(-1, 1, 100)
    assert verdict(facts(), observed, control, null, p).startswith(expected)


def test_the_p_value_and_verdict_of_a_strategy_beating_every_shuffle():
    # (engine.attention_test puts them together: tests/test_engine.py)
    null = np.linspace(-1.0, 1.0, 999)
    p_value = permutation_p_value(2.0, null)
    assert p_value == pytest.approx(1 / 1000)
    assert "only 0 of 999 shuffles" in verdict(facts(), 2.0, 0.4, null, p_value)
    test = AttentionTest(2.0, 0.5, 0.4, null, 7, p_value, "")
    assert test.n_permutations == 999 and test.null_quantile(0.5) == pytest.approx(0.0)


def test_which_strategies_are_tested_and_facts():
    full = StrategyConfig(id="a", name="A", model="m")
    sized = StrategyConfig(id="b", name="B", model="m", sizing="attention", size_type="amount")
    both = StrategyConfig(id="c", name="C", model="m", sizing="attention", attention_threshold=0.1)
    assert not uses_attention(full) and uses_attention(sized) and uses_attention(both)
    assert use_of_attention(both) == "filtering and sizing"
    assert strategy_facts(sized, "s", False, 3, 1.0, 0.2).cash_capped_units
    assert not strategy_facts(sized, "s", False, 3, 0.14, 0.2).cash_capped_units
    assert strategy_facts(both, "s", False, 0, math.nan, 0.2).never_trades


def test_outcome_decides_every_verdict_alike():
    from reportgen.analysis.attention_tests import outcome, portfolio_verdict

    null = np.array([0.1, 0.2, 1.5, np.nan])
    assert outcome(1.0, 0.5, null, 0.01) == ("both", 1)
    assert outcome(1.0, 0.5, null, 0.5) == ("control", 1)
    assert outcome(1.0, 1.2, null, 0.01) == ("placebo", 1)
    assert outcome(1.0, float("nan"), null, 0.5) == ("neither", 1)
    assert portfolio_verdict("att", False, 1.0, 0.5, null, 0.01).startswith("Weighting by att beats both tests")
    assert verdict(facts(), 1.0, 1.2, null, 0.01).startswith("Attention sizing beats shuffled attention")
