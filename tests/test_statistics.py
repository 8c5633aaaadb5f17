"""PSR, DSR and the column-wise figures against values worked out by hand from their formulas."""

import math

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import metrics, statistics

RETURNS = [0.02, -0.01, 0.03, -0.02, 0.01, 0.015, -0.005, 0.0]


def phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def by_hand(values):
    """Sharpe (ddof 1), skewness and raw kurtosis (population moments), written out."""
    n = len(values)
    mean = sum(values) / n
    sample_std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    m2, m3, m4 = (sum((v - mean) ** k for v in values) / n for k in (2, 3, 4))
    return mean / sample_std, m3 / m2**1.5, m4 / m2**2


def test_moments_are_per_period_sharpe_skew_and_raw_kurtosis():
    sharpe, skew, kurtosis = by_hand(RETURNS)
    moments = statistics.sharpe_moments(pd.Series(RETURNS))
    assert moments.sharpe == pytest.approx(sharpe)
    assert moments.skewness == pytest.approx(skew)
    assert moments.kurtosis == pytest.approx(kurtosis)
    assert moments.n_observations == 8
    normal = statistics.sharpe_moments(np.random.default_rng(0).normal(0, 1, 200_000))
    assert normal.kurtosis == pytest.approx(3.0, abs=0.05)  # raw, not excess


def test_probabilistic_sharpe_ratio_by_hand():
    sharpe, skew, kurtosis = by_hand(RETURNS)
    for benchmark in (0.0, 0.1):
        z = (sharpe - benchmark) * math.sqrt(8 - 1) / math.sqrt(1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2)
        m = statistics.sharpe_moments(pd.Series(RETURNS))
        assert statistics.probabilistic_sharpe_ratio(m.sharpe, benchmark, m.skewness, m.kurtosis, 8) == pytest.approx(phi(z))


def test_psr_falls_with_negative_skew_and_fat_tails():
    base = statistics.probabilistic_sharpe_ratio(0.1, 0.0, 0.0, 3.0, 250)
    assert statistics.probabilistic_sharpe_ratio(0.1, 0.0, -2.0, 3.0, 250) < base
    assert statistics.probabilistic_sharpe_ratio(0.1, 0.0, 0.0, 12.0, 250) < base
    assert statistics.probabilistic_sharpe_ratio(0.1, 0.0, 0.0, 3.0, 1000) > base


def test_deflated_sharpe_reproduces_the_papers_example():
    # Bailey & Lopez de Prado (2014): SR 2.5 annualised over 1,250 days (250 a year), skew -3,
    # kurtosis 10, N = 100 trials whose annualised Sharpe ratios have variance 1/2:
    # expected maximum SR 0.1132 per day, DSR 0.9004.
    best = statistics.SharpeMoments(2.5 / math.sqrt(250), -3.0, 10.0, 1250)
    assert statistics.expected_max_sharpe(100, 0.5 / 250) == pytest.approx(0.1132, abs=5e-5)
    assert statistics.deflated_sharpe_ratio(best, 100, 0.5 / 250) == pytest.approx(0.9004, abs=1e-4)


def test_deflated_sharpe_by_hand_on_a_small_series():
    trials = [0.05, -0.02, 0.11, 0.03]  # per-period Sharpe ratios of four trials
    n = len(trials)
    mean = sum(trials) / n
    variance = sum((t - mean) ** 2 for t in trials) / (n - 1)
    g = 0.5772156649015329
    inv = statistics.NormalDist().inv_cdf
    sr0 = math.sqrt(variance) * ((1 - g) * inv(1 - 1 / n) + g * inv(1 - 1 / (n * math.e)))
    sharpe, skew, kurtosis = by_hand(RETURNS)
    z = (sharpe - sr0) * math.sqrt(8 - 1) / math.sqrt(1 - skew * sharpe + (kurtosis - 1) / 4 * sharpe**2)
    best = statistics.sharpe_moments(pd.Series(RETURNS))
    assert statistics.expected_max_sharpe(n, variance) == pytest.approx(sr0)
    assert statistics.deflated_sharpe_ratio(best, n, variance) == pytest.approx(phi(z))
    # more trials, or more dispersed ones, raise the bar and lower the DSR
    assert statistics.deflated_sharpe_ratio(best, 40, variance) < statistics.deflated_sharpe_ratio(best, n, variance)
    assert statistics.deflated_sharpe_ratio(best, n, 4 * variance) < statistics.deflated_sharpe_ratio(best, n, variance)
    # a single trial involves no selection: the DSR is the PSR against 0
    assert statistics.deflated_sharpe_ratio(best, 1, 0.0) == pytest.approx(
        statistics.probabilistic_sharpe_ratio(best.sharpe, 0.0, best.skewness, best.kurtosis, 8)
    )


def test_a_series_that_never_changes_has_no_sharpe_psr_or_dsr():
    flat = statistics.sharpe_moments(pd.Series([0.0] * 10))
    assert math.isnan(flat.sharpe) and math.isnan(flat.skewness)
    assert math.isnan(statistics.probabilistic_sharpe_ratio(flat.sharpe, 0.0, flat.skewness, flat.kurtosis, 10))
    assert math.isnan(statistics.deflated_sharpe_ratio(flat, 10, 0.01))


def test_column_wise_figures_match_the_reports_metrics():
    rng = np.random.default_rng(5)
    index = pd.bdate_range("2022-01-03", periods=300)
    frame = pd.DataFrame(rng.normal(0.0004, 0.012, (300, 3)), index=index, columns=list("abc"))
    frame["flat"] = 0.0
    values = frame.to_numpy()
    sharpe, cagr = metrics.sharpe_ratios(values, 252), metrics.cagrs(values, 252)
    drawdown, total = metrics.max_drawdowns(values), metrics.total_returns(values)
    for i, column in enumerate(frame.columns):
        expected = metrics.headline_metrics(frame[column], 252)
        for name, got in (("cagr", cagr), ("max_drawdown", drawdown), ("total_return", total)):
            assert got[i] == pytest.approx(expected[name], abs=1e-12)
        if column == "flat":
            assert math.isnan(sharpe[i]) and math.isnan(expected["sharpe"])
        else:
            assert sharpe[i] == pytest.approx(expected["sharpe"], rel=1e-10)


def test_percentile_interval_leaves_out_undefined_resamples_up_to_a_limit():
    samples = np.arange(1000.0)
    assert statistics.percentile_interval(samples, 0.9) == pytest.approx((np.percentile(samples, 5), np.percentile(samples, 95)))
    some_undefined = np.where(np.arange(1000) < 30, np.nan, samples)
    assert not math.isnan(statistics.percentile_interval(some_undefined, 0.95)[0])
    many_undefined = np.where(np.arange(1000) < 60, np.nan, samples)
    assert all(math.isnan(b) for b in statistics.percentile_interval(many_undefined, 0.95))


def test_bootstrap_intervals_apply_the_same_rows_to_every_series():
    rng = np.random.default_rng(2)
    index = pd.bdate_range("2023-01-02", periods=120)
    bench = pd.Series(rng.normal(0.0005, 0.01, 120), index)
    returns = pd.DataFrame({"same": bench, "half": bench / 2, "flat": 0.0}, index=index)
    indices = rng.integers(0, 120, (500, 120))
    table = statistics.draw_intervals(statistics.bootstrap_draws(returns, bench, indices, 252), returns.columns, 0.95)
    # a series identical to the benchmark, or a scaled copy, has the same Sharpe in every resample
    for name in ("same", "half"):
        assert table.loc[name, "sharpe_diff_low"] == pytest.approx(0.0, abs=1e-9)
        assert table.loc[name, "sharpe_diff_high"] == pytest.approx(0.0, abs=1e-9)
    resampled = bench.to_numpy()[indices.T]
    sharpe = metrics.sharpe_ratios(resampled, 252)
    assert table.loc["same", "sharpe_low"] == pytest.approx(np.percentile(sharpe, 2.5))
    assert table.loc["same", "cagr_high"] == pytest.approx(np.percentile(metrics.cagrs(resampled, 252), 97.5))
    assert table.loc["half", "max_drawdown_low"] > table.loc["same", "max_drawdown_low"]
    assert table.loc["flat"][["sharpe_low", "sharpe_high", "sharpe_diff_low"]].isna().all()
    assert table.loc["flat", "cagr_low"] == 0 and table.loc["flat", "max_drawdown_high"] == 0
