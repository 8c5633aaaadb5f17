import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from reportgen.analysis.informativeness import (
    calibration,
    factor_informativeness,
    newey_west_lags,
    next_day_returns,
    quantile_buckets,
    rank_ic,
)


def constructed(n=600, seed=1):
    """Prices whose next-day return is partly known in advance by `factor`."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=n)
    returns = rng.normal(0, 0.01, n)
    price = pd.Series(100 * np.cumprod(1 + returns), dates)
    forward = next_day_returns(price)
    factor = (forward.fillna(0) + rng.normal(0, 0.01, n)).rename("factor")
    noise = pd.Series(rng.normal(0, 1, n), dates)
    return price, forward, factor, noise


def test_next_day_return_is_close_to_next_close_on_the_earlier_date():
    price = pd.Series([100.0, 110.0, 99.0], pd.bdate_range("2024-01-01", periods=3))
    forward = next_day_returns(price)
    assert forward.iloc[:2].to_list() == pytest.approx([0.1, -0.1])
    assert math.isnan(forward.iloc[2])


def test_rank_ic_is_spearman_and_significant_for_an_informative_factor():
    _, forward, factor, noise = constructed()
    ic = rank_ic(factor, forward, "factor")
    pairs = pd.concat([factor, forward], axis=1).dropna()
    assert ic.ic == pytest.approx(spearmanr(pairs.iloc[:, 0], pairs.iloc[:, 1]).statistic, abs=1e-9)
    assert ic.ic > 0.5 and ic.p_value < 1e-6
    assert ic.n == 599 and ic.lags == newey_west_lags(599) == 5  # floor(4 x 5.99^(2/9)) = floor(5.95)
    unrelated = rank_ic(noise, forward, "noise")
    assert abs(unrelated.ic) < 0.1 and unrelated.p_value > 0.05


def test_newey_west_is_less_sure_than_iid_for_an_autocorrelated_factor():
    """A slow factor and slow 'returns' that share a trend by chance: HAC widens the error."""
    rng = np.random.default_rng(5)
    n = 500
    dates = pd.bdate_range("2020-01-01", periods=n)
    slow_a = pd.Series(np.cumsum(rng.normal(0, 1, n)), dates)
    slow_b = pd.Series(np.cumsum(rng.normal(0, 1, n)), dates)
    ic = rank_ic(slow_a, slow_b, "slow")
    naive_t = ic.ic * math.sqrt((n - 2) / (1 - ic.ic**2))
    assert abs(ic.t_stat) < abs(naive_t) / 2


def test_a_constant_factor_has_an_undefined_ic_not_zero():
    _, forward, factor, _ = constructed()
    constant = pd.Series(1 / 7, factor.index)
    ic = rank_ic(constant, forward, "attention_mean")
    assert math.isnan(ic.ic) and math.isnan(ic.p_value) and ic.undefined == "constant"
    # varying only by float rounding: the caller says it is constant
    rounded = constant + np.tile([1e-9, -1e-9], len(constant) // 2)
    assert rank_ic(rounded, forward, "x", constant=True).undefined == "constant"


def test_buckets_of_an_informative_factor_climb():
    _, forward, factor, _ = constructed()
    table = quantile_buckets(factor, forward)
    assert table["bucket"].to_list() == [1, 2, 3, 4, 5]
    assert table["count"].sum() == 599 and table["count"].min() >= 119
    assert (np.diff(table["mean_return"]) > 0).all()
    assert table["hit_rate"].iloc[-1] > 0.7 > 0.3 > table["hit_rate"].iloc[0]
    assert (table["low"].iloc[1:].to_numpy() >= table["high"].iloc[:-1].to_numpy()).all()
    assert quantile_buckets(pd.Series(0.5, factor.index), forward).empty


def test_calibration_figures_by_hand():
    dates = pd.bdate_range("2024-01-01", periods=5)
    price = pd.Series([100.0, 101.0, 100.0, 102.0, 101.0], dates)  # up, down, up, down, (none)
    prediction = pd.Series([0.8, 0.4, 0.6, 0.6, 0.5], dates)
    c = calibration(prediction, next_day_returns(price), bins=2)
    up = np.array([1, 0, 1, 0])
    p = np.array([0.8, 0.4, 0.6, 0.6])
    assert c.n == 4
    assert c.brier == pytest.approx(np.mean((p - up) ** 2))
    assert c.brier_base_rate == pytest.approx(0.25)
    assert c.accuracy == pytest.approx(0.75) and c.always_up_accuracy == 0.5
    assert c.auc == pytest.approx(0.875)
    assert c.bins["count"].to_list() == [2, 2]
    assert c.bins["mean_predicted"].to_list() == pytest.approx([0.5, 0.7])
    assert c.bins["observed_up_rate"].to_list() == pytest.approx([0.5, 0.5])  # {0.4 down, 0.6 up}, {0.6 down, 0.8 up}


def test_factor_informativeness_puts_the_prediction_first_and_skips_constant_buckets():
    price, _, factor, noise = constructed()
    scores = pd.DataFrame({"informative": factor, "flat": 1 / 7})
    info = factor_informativeness(noise.clip(0, 1), scores, price, constant_scores={"flat"})
    assert [r.factor for r in info.rank_ics] == ["prediction", "informative", "flat"]
    assert info.rank_ic("flat").undefined == "constant"
    assert set(info.buckets["factor"]) == {"prediction", "informative"}
