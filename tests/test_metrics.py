import math

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import metrics

DATES = pd.bdate_range("2024-01-01", periods=6)


def test_sharpe_is_mean_over_sample_std_times_sqrt_periods():
    returns = pd.Series([0.01, -0.02, 0.03, 0.0, 0.01, -0.01], DATES)
    expected = returns.mean() / returns.std(ddof=1) * math.sqrt(252)
    assert metrics.sharpe_ratio(returns, 252) == pytest.approx(expected)
    assert metrics.sharpe_ratio(returns, 365) / metrics.sharpe_ratio(returns, 252) == pytest.approx(math.sqrt(365 / 252))


def test_headline_figures_by_hand():
    returns = pd.Series([0.10, -0.20, 0.05, 0.0, 0.0, 0.0], DATES)
    figures = metrics.headline_metrics(returns, 252)
    assert figures["total_return"] == pytest.approx(1.1 * 0.8 * 1.05 - 1)
    assert figures["cagr"] == pytest.approx((1.1 * 0.8 * 1.05) ** (252 / 6) - 1)
    assert figures["max_drawdown"] == pytest.approx(0.8 - 1)  # peak 1.1 -> 0.88
    assert figures["volatility"] == pytest.approx(returns.std() * math.sqrt(252))


def test_drawdown_counts_the_starting_capital_as_a_peak():
    returns = pd.Series([-0.10, 0.05, 0.05, 0.0, 0.0, 0.0], DATES)
    dd = metrics.drawdown(returns)
    assert dd.iloc[0] == pytest.approx(-0.10)
    assert metrics.max_drawdown(returns) == pytest.approx(-0.10)
    assert (dd <= 0).all()


def test_shifting_returns_up_never_deepens_the_drawdown():
    rng = np.random.default_rng(1)
    returns = pd.Series(rng.normal(0, 0.02, 500), pd.bdate_range("2020-01-01", periods=500))
    assert metrics.max_drawdown(returns + 0.001) >= metrics.max_drawdown(returns)


def test_flat_returns_have_no_sharpe_rather_than_a_made_up_number():
    flat = pd.Series([0.0] * 6, DATES)
    figures = metrics.headline_metrics(flat, 252)
    assert math.isnan(figures["sharpe"]) and math.isnan(figures["sortino"])
    assert figures["total_return"] == 0 and figures["max_drawdown"] == 0
    assert metrics.quantstats_table(flat, flat + 0.01, 252) is None


def test_rolling_sharpe_raw_and_annualised():
    returns = pd.Series([0.01, 0.02, -0.01, 0.03, 0.0, 0.01], DATES)
    rolling = metrics.rolling_sharpe(returns, 3, 252)
    window = returns.iloc[:3]
    assert rolling["raw"].iloc[2] == pytest.approx(window.mean() / window.std())
    assert rolling["annualised"].iloc[2] == pytest.approx(rolling["raw"].iloc[2] * math.sqrt(252))
    assert rolling["raw"].iloc[:2].isna().all()


def test_monthly_returns_compound_within_each_month():
    dates = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01"])
    monthly = metrics.monthly_returns(pd.Series([0.1, 0.1, -0.5], dates))
    assert monthly.to_dict("records") == [
        {"year": 2024, "month": 1, "return": pytest.approx(0.21)},
        {"year": 2024, "month": 2, "return": pytest.approx(-0.5)},
    ]


def test_quantstats_table_drops_horizons_longer_than_the_data():
    rng = np.random.default_rng(3)
    index = pd.bdate_range("2022-01-03", periods=500)
    table = metrics.quantstats_table(pd.Series(rng.normal(0, 0.01, 500), index), pd.Series(rng.normal(0, 0.01, 500), index), 252)
    assert "Sharpe" in table.index and "1Y" in table.index
    assert "3Y (ann.)" not in table.index and "10Y (ann.)" not in table.index


def test_quantstats_tearsheet_without_font_warnings_or_network(monkeypatch, caplog):
    import logging
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    rng = np.random.default_rng(5)
    index = pd.bdate_range("2022-01-03", periods=300)
    returns = pd.Series(rng.normal(0.0005, 0.01, 300), index)
    benchmark = pd.Series(rng.normal(0.0003, 0.01, 300), index)
    with caplog.at_level(logging.WARNING):
        page = metrics.quantstats_tearsheet_html(returns, benchmark, 252, "Mine <i>")
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    assert "<h1>Mine &lt;i&gt; (Compounded)" in page
    assert "Periods/Year: 252" in page and "BUY & HOLD" in page
    assert "favicon" not in page and "onload" not in page
    assert page.count("<svg") >= 10  # quantstats' charts, inline
    assert metrics.quantstats_tearsheet_html(returns * 0, benchmark, 252, "flat") is None


def test_columnar_sharpe_equals_the_quantstats_sharpe_of_each_column():
    rng = np.random.default_rng(4)
    returns = pd.DataFrame(rng.normal(0.0005, 0.01, (300, 3)), index=pd.bdate_range("2024-01-01", periods=300))
    returns[3] = 0.0  # never trades
    sharpe = metrics.sharpe_ratios(returns, 252)
    for k in range(3):
        assert sharpe[k] == pytest.approx(metrics.sharpe_ratio(returns[k], 252), rel=1e-12)
    assert math.isnan(sharpe[3])


def test_auc_by_hand():
    positive = np.array([True, False, True, False])
    assert metrics.roc_auc(positive, np.array([0.9, 0.1, 0.8, 0.2])) == 1.0
    assert metrics.roc_auc(positive, np.array([0.1, 0.9, 0.2, 0.8])) == 0.0
    assert metrics.roc_auc(positive, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    assert metrics.roc_auc(positive, np.array([0.9, 0.3, 0.2, 0.1])) == 0.75  # pairs won: (0.9>0.3, 0.9>0.1, 0.2>0.1)
