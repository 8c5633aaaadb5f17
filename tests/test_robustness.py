"""The sensitivity stages wired together on a tiny project: sweeps, costs and lag, statistics."""

import json
import math

import numpy as np
import pytest

from reportgen.analysis import backtest, statistics
from reportgen.inputs.config import load_config
from reportgen.pipeline import report
from reportgen.publish.metrics_document import metrics_document

NEVER_TRADES = """
[[strategies]]
id = "never"
name = "Never"
model = "tiny"
attention_threshold = 2.0
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from conftest import TINY_CONFIG, make_tiny_project

    config = TINY_CONFIG + NEVER_TRADES + "\n[statistics]\nbootstrap_resamples = 400\n"
    return make_tiny_project(tmp_path_factory.mktemp("tiny"), config)


@pytest.fixture(scope="module")
def built(tiny):
    return report(load_config(tiny / "reportgen.toml"))


def strategy(result, sid):
    return next(s for _, s in result.strategies if s.id == sid)


def test_configured_strategies_sit_on_the_sweep_with_the_same_figures(built):
    sweep = built.models[0].robustness.sweep
    assert len(sweep.table) == 21 * 4 * 2 * 2
    assert set(sweep.configured) == {"signal", "sized"} and "never" in sweep.off_grid
    for sid in ("signal", "sized"):
        row = sweep.table.loc[sweep.configured[sid]]
        s = strategy(built, sid)
        assert row["sharpe"] == pytest.approx(s.metrics["sharpe"], rel=1e-9)
        assert row["total_return"] == pytest.approx(s.metrics["total_return"], abs=1e-12)
        assert row["max_drawdown"] == pytest.approx(s.metrics["max_drawdown"], abs=1e-12)
        assert row["total_trades"] == s.total_trades


def test_deflated_sharpe_uses_the_sweeps_own_trials(built):
    sweep = built.models[0].robustness.sweep
    table = sweep.table
    trials = table[table["trial"]]
    assert sweep.n_trials == len(trials) <= table["sharpe"].notna().sum()
    variance = np.var(trials["sharpe"] / math.sqrt(252), ddof=1)
    assert sweep.sharpe_variance == pytest.approx(variance)
    assert table.loc[sweep.best, "sharpe"] == table["sharpe"].max()
    assert sweep.expected_max_sharpe == pytest.approx(statistics.expected_max_sharpe(len(trials), variance))
    assert 0 <= sweep.deflated_sharpe <= 1


def test_cost_and_lag_variants(built):
    model = built.models[0]
    robust = model.robustness
    s = strategy(built, "signal")
    base = robust.cost_row("signal", 0, 10.0)
    assert base.total_return == pytest.approx(s.metrics["total_return"], abs=1e-12)
    assert base.total_fees == pytest.approx(s.total_fees)
    for lag in (0, 1):
        returns = [robust.cost_row("signal", lag, bps).total_return for bps in robust.fees_bps]
        assert returns == sorted(returns, reverse=True)  # every fee level costs more than the one below
    assert robust.cost_row("signal", 0, 0.0).total_fees == 0
    lagged = robust.cost_row("signal", 1, 10.0)
    direct = backtest.simulate(backtest.Orders(
        model.price, s.signal.shift(1, fill_value=False).to_frame("x"), s.size.shift(1, fill_value=0.0).to_frame("x"),
        "percent", 1000.0, 0.001,
    ))
    assert lagged.total_return == pytest.approx(float(np.prod(1 + direct.returns["x"]) - 1), abs=1e-12)
    assert lagged.total_return != pytest.approx(base.total_return, abs=1e-6)


def test_a_strategy_that_never_trades_gets_no_psr_and_no_sharpe_interval(built):
    robust = built.models[0].robustness
    never = robust.statistics["never"]
    assert math.isnan(never.psr) and math.isnan(never.sharpe_per_period)
    assert all(math.isnan(b) for b in never.intervals["sharpe"] + never.intervals["sharpe_diff"])
    assert never.intervals["cagr"] == (0.0, 0.0)
    fields = json.loads(json.dumps(metrics_document(built), allow_nan=False))["strategies"]["never"]
    assert fields["psr"] is None and fields["sharpe_ci"] == fields["sharpe_diff_ci"] == [None, None]
    signal = robust.statistics["signal"]
    low, high = signal.intervals["sharpe"]
    assert low < strategy(built, "signal").metrics["sharpe"] < high
    assert 0 < signal.psr < 1


def test_intervals_are_reproducible_for_a_seed(tiny, built):
    again = report(load_config(tiny / "reportgen.toml")).models[0].robustness.statistics["signal"]
    assert again.intervals == built.models[0].robustness.statistics["signal"].intervals
    text = (tiny / "reportgen.toml").read_text().replace("bootstrap_resamples = 400", "bootstrap_resamples = 400\nbootstrap_seed = 99")
    (tiny / "other.toml").write_text(text)
    other = report(load_config(tiny / "other.toml")).models[0].robustness.statistics["signal"]
    assert other.intervals["sharpe"] != again.intervals["sharpe"]


def test_metrics_json_carries_the_sweep_and_the_statistics(built):
    document = json.loads(json.dumps(metrics_document(built), allow_nan=False))
    sweep = document["sweeps"]["tiny"]
    assert sweep["n_configs"] == 336 and 1 < sweep["n_trials"] <= 336
    assert set(sweep["best"]) >= {"threshold", "attention_quantile", "sizing", "size_scale", "sharpe"}
    assert sweep["best"]["sharpe"] == pytest.approx(built.models[0].robustness.sweep.table["sharpe"].max())
    assert 0 <= sweep["deflated_sharpe"] <= 1
    signal = document["strategies"]["signal"]
    assert len(signal["sharpe_ci"]) == 2 and signal["sharpe_ci"][0] < signal["sharpe_ci"][1]
    assert len(signal["sharpe_diff_ci"]) == 2 and 0 < signal["psr"] < 1
    assert {(c["lag_days"], c["fees_bps"]) for c in signal["costs"]} == {(lag, bps) for lag in (0, 1) for bps in (0, 5, 10, 25, 50)}
    assert document["conventions"]["bootstrap"]["resamples"] == 400
    assert "sharpe_ci" in document["models"]["tiny"]["benchmark"]


def test_sweep_can_be_turned_off(tiny):
    text = (tiny / "reportgen.toml").read_text() + "\n[sweep]\nenabled = false\n"
    (tiny / "nosweep.toml").write_text(text)
    result = report(load_config(tiny / "nosweep.toml"))
    assert result.models[0].robustness.sweep is None
    assert "sweeps" not in metrics_document(result)
