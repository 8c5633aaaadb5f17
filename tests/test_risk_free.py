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


def by_hand_sharpe(returns: pd.Series, annual: float | pd.Series) -> float:
    daily = (1 + annual) ** (1 / PPY) - 1  # the convention: geometric de-annualisation
    excess = returns - daily
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
        assert figures["sharpe"] == pytest.approx(by_hand_sharpe(returns, 0.02), abs=1e-9)
        assert figures["sharpe"] < by_hand_sharpe(returns, 0.0) and len(returns) == 280
    methodology = (tiny_project / "site/methodology.html").read_text()
    assert "excess of a risk-free rate of 2 % a year" in methodology


def test_every_sharpe_based_figure_uses_the_excess_returns(tiny_project):
    zero = report(load_config(tiny_project / "reportgen.toml"))
    rated = report(with_risk_free(tiny_project, "0.05"))
    for before, after in ((zero.models[0], rated.models[0]),):
        daily = (1.05) ** (1 / PPY) - 1
        for s0, s1 in zip(before.strategies, after.strategies):
            excess = s1.returns - daily
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
    assert s.metrics["sharpe"] == pytest.approx(by_hand_sharpe(s.returns, annual), abs=1e-9)
    assert result.risk_free_rate == "rates.csv"

    monthly.iloc[:-3].to_csv(tiny_project / "rates.csv", index=False)  # stops before the last date
    run = reportgen_cli("build", "--config", "reportgen.toml", cwd=tiny_project)
    assert run.returncode == 2 and run.stdout == ""
    stops = monthly["date"].iloc[-4]
    assert run.stderr.splitlines()[-1] + "\n" == (
        f"error: {tiny_project / 'rates.csv'}: risk-free rates stops on {stops}, but the report runs from "
        f"{dates[0]} to {dates[-1]}; extend the file to cover those dates\n"
    )
