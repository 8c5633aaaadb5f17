"""The bundled report's figures: the notebook replica must reproduce notebook 08."""

import math

import pytest

from reportgen.config import load_config
from reportgen.pipeline import metrics_document, report

from conftest import REPO


@pytest.fixture(scope="module")
def bundled():
    return report(load_config(REPO / "pyproject.toml"))


def strategy(result, sid):
    return next(s for _, s in result.strategies if s.id == sid)


def test_replica_reproduces_the_notebook(bundled):
    replica = strategy(bundled, "notebook_replica")
    assert replica.total_trades == 32 and replica.open_trades == 1
    assert replica.metrics["total_return"] == pytest.approx(-0.143579, abs=1e-6)
    assert replica.max_drawdown_from_first_close == pytest.approx(-0.272139, abs=1e-6)
    assert replica.sharpe_vectorbt_default == pytest.approx(-0.3461, abs=5e-5)
    assert replica.metrics["sharpe"] == pytest.approx(-0.2876, abs=5e-5)
    assert replica.total_fees == pytest.approx(5.1726, abs=5e-5)
    assert bundled.models[0].benchmark_metrics["total_return"] == pytest.approx(0.244434, abs=1e-6)


def test_amount_sizing_is_a_no_op_and_percent_sizing_is_not(bundled):
    replica, full, sized = (strategy(bundled, s) for s in ("notebook_replica", "att_lstm_signal", "attention_sized"))
    assert replica.value.equals(full.value)
    assert replica.exposure_in_market == pytest.approx(1.0)
    assert sized.exposure_in_market == pytest.approx(1 / 7, rel=0.05)
    assert sized.metrics["volatility"] < full.metrics["volatility"] / 5


def test_filtered_strategy_never_trades_and_still_reports(bundled):
    filtered = strategy(bundled, "attention_filtered")
    assert filtered.total_trades == 0 and filtered.metrics["total_return"] == 0
    assert math.isnan(filtered.metrics["sharpe"])
    assert "strategy 'attention_filtered' never trades" in bundled.warnings


def test_degenerate_attention_is_flagged(bundled):
    assert bundled.models[0].attention.degenerate
    assert any("1/7" in w for w in bundled.warnings)


def test_metrics_document(bundled):
    document = metrics_document(bundled)
    replica = document["strategies"]["notebook_replica"]
    assert replica["total_trades"] == 32
    assert abs(replica["total_return"] - -0.1436) < 1e-4
    assert abs(replica["max_drawdown"] - -0.272) < 1e-3
    for key in ("name", "model", "cagr", "sharpe", "sortino"):
        assert key in replica
    assert document["strategies"]["attention_filtered"]["sharpe"] is None  # NaN becomes null
    assert set(document["inputs"]) == {"data/GSPC_fixed.csv", "data/df_att_with_attention.csv", "data/market_episodes.csv"}
    assert all(len(f["sha256"]) == 64 for f in document["inputs"].values())
    assert document["models"]["notebook_att_lstm"]["attention"]["degenerate"] is True
    assert document["benchmark"]["total_return"] == pytest.approx(0.244434, abs=1e-6)


def test_a_one_day_lag_changes_the_notebook_replica(bundled):
    replica = strategy(bundled, "notebook_replica")
    robust = bundled.models[0].robustness
    same_close = robust.cost_row("notebook_replica", 0, 10.0)
    next_close = robust.cost_row("notebook_replica", 1, 10.0)
    assert same_close.total_return == pytest.approx(-0.143579, abs=1e-6)  # the base run is the notebook's
    assert same_close.total_trades == next_close.total_trades == 32  # the same trades, a day later
    assert abs(next_close.total_return - replica.metrics["total_return"]) > 0.01
    assert next_close.sharpe != pytest.approx(replica.metrics["sharpe"], abs=0.01)


def test_bundled_sensitivity_figures(bundled):
    robust = bundled.models[0].robustness
    document = metrics_document(bundled)
    sweep = document["sweeps"]["notebook_att_lstm"]
    assert sweep["n_configs"] == 21 * 4 * 2 * 2
    assert sweep["best"]["sharpe"] > 0 and sweep["deflated_sharpe"] < 0.95  # the best of the grid is luck
    assert set(sweep["configured"]) == {"att_lstm_signal", "attention_sized"}
    replica = document["strategies"]["notebook_replica"]
    assert replica["psr"] == pytest.approx(robust.statistics["notebook_replica"].psr)
    assert replica["sharpe_ci"][0] < replica["sharpe"] < replica["sharpe_ci"][1]
    assert document["strategies"]["attention_filtered"]["psr"] is None
    assert document["strategies"]["attention_filtered"]["sharpe_ci"] == [None, None]
    assert list(robust.episodes["name"]) == [
        "2022 rate-hike bear market", "2023 regional-bank stress", "2023 bond selloff", "2024 yen carry-trade unwind",
    ]
    assert robust.benchmark_episode_returns["2022 rate-hike bear market"] < -0.2


def test_build_date_honours_source_date_epoch(bundled, monkeypatch):
    from reportgen.pipeline import build_date
    from reportgen.footer import provenance_line

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build_date(bundled.models) == "2024-12-31"  # the last input date, never the wall clock
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735776000")  # 2025-01-02 00:00 UTC
    assert build_date(bundled.models) == "2025-01-02"
    line = provenance_line(bundled)
    assert line.startswith(f"reportgen {bundled.version} · build date {bundled.build_date} · config sha256 {bundled.config_sha256[:12]}")
    assert line.endswith(", ".join(f"{f.path} {f.sha256[:12]}" for f in bundled.inputs))
