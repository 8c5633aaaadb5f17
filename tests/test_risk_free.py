"""[backtest] risk_free: Sharpe, Sortino, PSR, bootstrap and placebo figures of excess returns."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from conftest import reportgen_cli
from reportgen.inputs.config import load_config
from reportgen.pipeline import build, report

PPY = 252


def with_risk_free(project, value: str):
    config = project / "reportgen.toml"
    config.write_text(config.read_text().replace("fees = 0.001", f"fees = 0.001\nrisk_free = {value}"))
    return load_config(config)


def by_hand_excess(returns: pd.Series, exposure: pd.Series | float, annual: float | pd.Series) -> pd.Series:
    """Cash earns the rate: r_t - rf_t x (the exposure at the previous close; 0 on the first day)."""
    daily = (1 + annual) ** (1 / PPY) - 1  # geometric de-annualisation
    invested = exposure.shift(1).fillna(0.0) if isinstance(exposure, pd.Series) else exposure
    return returns - daily * invested


def by_hand_sharpe(returns: pd.Series, annual: float | pd.Series, exposure: pd.Series | float = 1.0) -> float:
    excess = by_hand_excess(returns, exposure, annual)
    return excess.mean() / excess.std(ddof=1) * math.sqrt(PPY)


def test_a_constant_rate_gives_the_sharpe_of_excess_returns(tiny_project):
    config = with_risk_free(tiny_project, "0.02")
    build(config, tiny_project / "site")
    document = json.loads((tiny_project / "site/metrics.json").read_text())
    assert document["conventions"]["risk_free_rate"] == 0.02
    assert document["conventions"]["risk_free_per_period"] == "(1 + r) ^ (1 / 252) - 1"
    for sid in ("signal", "sized"):
        figures = document["strategies"][sid]
        returns = pd.read_csv(tiny_project / "site" / figures["downloads"]["daily_returns"], index_col=0)["return"]
        exposure = pd.read_csv(tiny_project / "site" / figures["downloads"]["positions"], index_col=0)["exposure"]
        assert figures["sharpe"] == pytest.approx(by_hand_sharpe(returns, 0.02, exposure), abs=1e-9)
        assert figures["sharpe"] < by_hand_sharpe(returns, 0.0) and len(returns) == 280
        assert figures["sharpe"] > by_hand_sharpe(returns, 0.02)  # cash earns the rate: charged less than on every day
    methodology = (tiny_project / "site/methodology.html").read_text()
    assert "excess of a risk-free rate of 2\u00a0% a year" in methodology


def test_every_sharpe_based_figure_uses_the_excess_returns(tiny_project):
    zero = report(load_config(tiny_project / "reportgen.toml"))
    rated = report(with_risk_free(tiny_project, "0.05"))
    for before, after in ((zero.models[0], rated.models[0]),):
        for s0, s1 in zip(before.strategies, after.strategies):
            excess = by_hand_excess(s1.returns, s1.exposure, 0.05)
            st = after.robustness.statistics[s1.id]
            assert st.sharpe_per_period == pytest.approx(excess.mean() / excess.std(ddof=1), rel=1e-9)
            assert s1.metrics["total_return"] == s0.metrics["total_return"]  # returns themselves unchanged
            assert s1.metrics["sortino"] < s0.metrics["sortino"]
            assert st.intervals["sharpe"][1] < before.robustness.statistics[s0.id].intervals["sharpe"][1]
            assert st.intervals["cagr"] == before.robustness.statistics[s0.id].intervals["cagr"]
            test = s1.attention_test
            if test is not None:
                assert test.observed_sharpe == pytest.approx(s1.metrics["sharpe"], rel=1e-9)
                assert np.nanmean(test.null_sharpes) < np.nanmean(s0.attention_test.null_sharpes)
        assert after.benchmark_metrics["sharpe"] == pytest.approx(by_hand_sharpe(after.benchmark_returns, 0.05), abs=1e-9)
    # the strategy page's "vectorbt's Sharpe / ours = sqrt(365 / 252)" holds only without a rate
    from reportgen.publish.facts import strategy_page

    assert strategy_page(zero, zero.models[0], zero.models[0].strategies[0]).annualisation_only
    assert not strategy_page(rated, rated.models[0], rated.models[0].strategies[0]).annualisation_only


def test_a_rate_file_is_forward_filled_and_must_cover_the_dates(tiny_project):
    dates = pd.read_csv(tiny_project / "predictions.csv", index_col=0).index
    days = [*dates[::21], dates[-1]]  # monthly, and the last day: the file covers the report
    monthly = pd.DataFrame({"date": days, "rate": np.linspace(0.01, 0.04, len(days))})
    monthly.to_csv(tiny_project / "rates.csv", index=False)
    result = report(with_risk_free(tiny_project, '"rates.csv"'))
    model = result.models[0]
    annual = monthly.set_index(pd.to_datetime(monthly["date"]))["rate"].reindex(model.price.index).ffill()
    assert model.risk_free.to_numpy() == pytest.approx(((1 + annual) ** (1 / PPY) - 1).to_numpy(), rel=1e-12)
    s = model.strategies[1]
    assert s.metrics["sharpe"] == pytest.approx(by_hand_sharpe(s.returns, annual, s.exposure), abs=1e-9)
    assert result.risk_free_rate == "rates.csv"

    monthly.iloc[:-3].to_csv(tiny_project / "rates.csv", index=False)  # stops before the last date
    run = reportgen_cli("build", "--config", "reportgen.toml", cwd=tiny_project)
    assert run.returncode == 2 and run.stdout == ""
    stops = monthly["date"].iloc[-4]
    assert run.stderr.splitlines()[-1] + "\n" == (
        f"error: {tiny_project / 'rates.csv'}: risk-free rates stops on {stops}, but the report runs from "
        f"{dates[0]} to {dates[-1]}; extend the file to cover those dates\n"
    )


NEVER_TRADES = '''
[[strategies]]
id = "never"
name = "Never"
model = "tiny"
threshold = 0.99
'''


def daily_rates(project, dates) -> pd.Series:
    """A rate that changes every day (1 % to 6 % a year, with noise), written to rates.csv."""
    annual = pd.Series(np.linspace(0.01, 0.06, len(dates)) + np.random.default_rng(2).normal(0, 0.002, len(dates)), index=dates)
    pd.DataFrame({"date": dates, "rate": annual.to_numpy()}).to_csv(project / "rates.csv", index=False)
    return annual


def test_with_a_rate_that_varies_daily_a_strategy_that_never_trades_has_no_sharpe(tiny_project):
    """Under the cash convention its excess returns are exactly 0 on every day: no Sharpe, Sortino,
    PSR or interval in metrics.json (null), whatever the rate; a strategy that trades has the
    Sharpe computed by hand from its daily returns, its exposure and the rate."""
    config_path = tiny_project / "reportgen.toml"
    config_path.write_text(config_path.read_text() + NEVER_TRADES)
    dates = pd.read_csv(tiny_project / "predictions.csv", index_col=0).index
    annual = daily_rates(tiny_project, dates)
    config = with_risk_free(tiny_project, '"rates.csv"')
    build(config, tiny_project / "site")
    document = json.loads((tiny_project / "site/metrics.json").read_text())
    never = document["strategies"]["never"]
    assert never["total_trades"] == 0
    for key in ("sharpe", "sortino"):
        assert never[key] is None, key
    for key in ("psr", "psr_vs_benchmark", "sharpe_per_period"):
        assert never[key] is None, key
    assert never["sharpe_ci"] == [None, None] and never["sharpe_diff_ci"] == [None, None]
    result = report(config)
    model = result.models[0]
    [never_result] = [s for s in model.strategies if s.id == "never"]
    excess = by_hand_excess(never_result.returns, never_result.exposure, annual.set_axis(model.price.index))
    assert (excess == 0).all()  # not minus the rate
    for s in model.strategies:
        if s.id != "never":
            rates = annual.set_axis(model.price.index)
            assert s.metrics["sharpe"] == pytest.approx(by_hand_sharpe(s.returns, rates, s.exposure), abs=1e-9)
    trials = model_sweep_trials(result)
    assert trials is None or np.isfinite(trials).all()


def model_sweep_trials(result):
    sweep = result.models[0].robustness.sweep
    return None if sweep is None else sweep.table.loc[sweep.table["trial"], "sharpe"].to_numpy()


def test_a_strategy_invested_every_day_has_the_same_excess_returns_under_either_convention():
    from reportgen.analysis import metrics

    dates = pd.bdate_range("2024-01-01", periods=50)
    rng = np.random.default_rng(4)
    returns = pd.Series(rng.normal(0, 0.01, 50), index=dates)
    rate = pd.Series(rng.uniform(0, 0.0003, 50), index=dates)
    always = metrics.excess_returns(returns, rate, np.ones(50))
    assert always.equals(returns - rate)  # cash earning the rate or not: no cash, the same figure
    flat = metrics.excess_returns(pd.Series(0.0, index=dates), rate, np.zeros(50))
    assert (flat == 0).all()
    assert math.isnan(metrics.sharpe_ratio(flat, PPY, np.zeros(50)))
    # never invested decides "undefined", not the deviation: a never-invested series with moving
    # returns (a rate charged by mistake) still has no Sharpe ratio
    assert math.isnan(metrics.sharpe_ratio(-rate, PPY, np.zeros(50)))
    half = np.where(np.arange(50) % 2 == 0, 1.0, 0.0)
    mixed = metrics.excess_returns(returns * half, rate, half)
    assert mixed.to_numpy() == pytest.approx((returns * half - rate * half).to_numpy(), abs=0)


def test_quantstats_table_and_tearsheet_state_the_configured_rate():
    from reportgen.analysis import metrics

    dates = pd.bdate_range("2021-01-01", periods=300)
    rng = np.random.default_rng(8)
    returns = pd.Series(rng.normal(0.0004, 0.01, 300), index=dates)
    benchmark = pd.Series(rng.normal(0.0003, 0.01, 300), index=dates)
    exposure = pd.Series((rng.random(300) < 0.6).astype(float), index=dates)
    free = metrics.per_period_risk_free(pd.Series(0.03, index=dates), PPY)
    invested = metrics.invested_shares(exposure)
    table = metrics.quantstats_table(returns, benchmark, PPY, free, invested)
    assert table.loc["Risk-Free Rate", "Strategy"] == "3.0"  # in %
    ours = metrics.headline_metrics(returns, PPY, free, invested)["sharpe"]
    assert float(table.loc["Sharpe", "Strategy"]) == pytest.approx(ours, abs=0.006)  # quantstats rounds to 2 decimals
    page = metrics.quantstats_tearsheet_html(returns, benchmark, PPY, "t", free, invested)
    assert "RF: 3.0%" in page and "RF: 0.0%" not in page


def test_the_portfolio_tearsheet_states_the_configured_rate(universe_project):
    config_path = universe_project / "reportgen.toml"
    config_path.write_text(config_path.read_text().replace("fees = 0.0", "fees = 0.0\nrisk_free = 0.02"))
    build(load_config(config_path), universe_project / "site")
    page = (universe_project / "site/tearsheets/equal.html").read_text()
    assert "risk-free rate of 2\u00a0% a year" in page and "risk-free rate 0" not in page
