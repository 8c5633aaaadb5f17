"""The bundled report's figures: the notebook replica must reproduce notebook 08."""

import math

import numpy as np
import pytest

from reportgen.inputs.config import load_config
from reportgen.pipeline import report
from reportgen.publish.metrics_document import metrics_document

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
    assert set(document["inputs"]) == {
        "data/GSPC_fixed.csv", "data/df_att_with_attention.csv", "data/att_lstm_predictions.csv", "data/att_lstm_predictions.json",
        "data/market_episodes.csv",
    }
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
    assert sweep["n_configs"] == 21 * 4 * 2 * 2  # the default grid: the bundled config sweeps no overlays
    assert sweep["grid"]["min_hold_days"] == [1] and sweep["grid"]["vol_target"] == [0] and sweep["grid"]["stop_loss"] == [0]
    assert sweep["best"]["sharpe"] > 0 and sweep["deflated_sharpe"] < 0.95  # the best of the grid is luck
    assert set(sweep["configured"]) == {"att_lstm_signal", "attention_sized"}
    assert {"hybrid", "hybrid_attention_sized"} <= set(sweep["off_grid"])
    # the hybrids' ablation variants with an overlay are off the grid: each counts as a trial once
    # (per hybrid: hold, vol, stops, hold+vol, all; the base variants are grid rows)
    assert 0 < sweep["n_ablation_trials"] <= 2 * 5
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
    from reportgen.publish.footer import provenance_line

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert build_date(bundled.models) == "2025-03-07"  # the last input date, never the wall clock
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735776000")  # 2025-01-02 00:00 UTC
    assert build_date(bundled.models) == "2025-01-02"
    line = provenance_line(bundled)
    assert line.startswith(f"reportgen {bundled.version} · build date {bundled.build_date} · config sha256 {bundled.config_sha256[:12]}")
    assert line.endswith(", ".join(f"{f.path} {f.sha256[:12]}" for f in bundled.inputs))


def test_every_attention_strategy_gets_its_verdict(bundled):
    tests = {s.id: s.attention_test for _, s in bundled.strategies}
    assert tests["att_lstm_signal"] is None  # it uses no attention
    sized, replica, filtered = tests["attention_sized"], tests["notebook_replica"], tests["attention_filtered"]
    assert sized.n_permutations == replica.n_permutations == 1000
    # a constant score: every shuffle gives the strategy's own Sharpe, so p = 1 and the verdict says why
    assert sized.p_value == 1.0 and replica.p_value == 1.0
    assert np.allclose(sized.null_sharpes, sized.observed_sharpe, atol=1e-6)
    assert sized.verdict.startswith("attention_mean is constant, so sizing by it is a constant rule")
    # exposure matched: the control holds about 1/7 of the capital, as the strategy does
    assert sized.exposure_matched_size == pytest.approx(strategy(bundled, "attention_sized").exposure_in_market, rel=0.01)
    assert sized.exposure_matched_sharpe == pytest.approx(sized.observed_sharpe, abs=0.01)
    # the replica's units are capped by cash: the control is the full-size signal
    assert replica.exposure_matched_size == 1.0
    assert replica.exposure_matched_sharpe == pytest.approx(strategy(bundled, "att_lstm_signal").metrics["sharpe"])
    assert "no-op" in replica.verdict
    assert math.isnan(filtered.p_value) and filtered.verdict.startswith("The strategy never trades")


def test_informativeness_of_the_bundled_model(bundled):
    info = bundled.models[0].informativeness
    assert info.rank_ic("attention_mean").undefined == "constant"
    prediction = info.rank_ic("prediction")
    assert prediction.n == 745 and prediction.p_value > 0.05  # no evidence of skill
    assert info.calibration.accuracy < info.calibration.always_up_accuracy


def test_metrics_document_records_attention_and_the_tests(bundled):
    document = metrics_document(bundled)
    attention = document["models"]["notebook_att_lstm"]["attention"]
    assert attention["column"] == "attention_mean" and attention["degenerate"] is True
    assert "steps" not in attention  # no attention vector in the bundled file
    assert document["models"]["notebook_att_lstm"]["informativeness"]["rank_ic"]["attention_mean"]["ic"] is None
    test = document["strategies"]["attention_sized"]["attention_test"]
    assert set(test) >= {"exposure_matched_sharpe", "permutation_p_value", "n_permutations", "verdict"}
    assert test["n_permutations"] == 1000 and test["permutation_p_value"] == 1.0
    assert "attention_test" not in document["strategies"]["att_lstm_signal"]


def test_placebo_is_deterministic_for_a_seed(vector_project):
    path = vector_project / "reportgen.toml"

    def sized_test():
        return strategy(report(load_config(path)), "sized").attention_test

    first, again = sized_test(), sized_test()
    assert np.array_equal(first.null_sharpes, again.null_sharpes) and first.p_value == again.p_value
    path.write_text(path.read_text().replace("seed = 3", "seed = 4"))
    other = sized_test()
    assert not np.array_equal(first.null_sharpes, other.null_sharpes)
    assert other.seed == 4 and len(other.null_sharpes) == 200


def test_an_informative_derived_score_passes_both_tests(vector_project):
    result = report(load_config(vector_project / "reportgen.toml"))
    model = result.models[0]
    assert model.attention.column == "attention_concentration" and model.attention.steps == 12
    assert model.weights.shape == (300, 12)
    assert not model.attention.degenerate and model.score_summaries["attention_mean"].degenerate
    assert model.informativeness.rank_ic("attention_concentration").p_value < 0.001
    test = strategy(result, "sized").attention_test
    assert test.observed_sharpe > test.exposure_matched_sharpe
    assert test.p_value < 0.05 and test.verdict.startswith("Attention sizing beats both tests")
    # the strategy really is sized by the derived score
    sized = strategy(result, "sized")
    long_days = sized.signal
    assert sized.size[long_days].to_numpy() == pytest.approx(model.scores["attention_concentration"][long_days].to_numpy())


def test_attention_tests_and_tables_are_tasks_of_their_own_with_the_inline_figures(tiny_project):
    # The model stage runs each model's figures as one task, and each attention test and each
    # quantstats table as another (so they spread over the workers); run in any order, they equal
    # those of the tasks run here one after another.
    config = load_config(tiny_project / "reportgen.toml")
    stages = {}

    def recorded(function, tasks, shared, label="models", imports=()):
        stages[label] = [task.id if hasattr(task, "id") else task for task in tasks]
        return [function(shared, task) for task in reversed(tasks)][::-1]  # any order

    staged = report(config, map_tasks=recorded)
    assert stages["models"] == [
        "tiny", "tiny: attention test of sized", "tiny: quantstats table of signal", "tiny: quantstats table of sized",
    ]
    inline = report(config).models[0]
    for staged_strategy, inline_strategy in zip(staged.models[0].strategies, inline.strategies, strict=True):
        assert staged_strategy.quantstats_table is not None
        assert staged_strategy.quantstats_table.equals(inline_strategy.quantstats_table)
        a, b = staged_strategy.attention_test, inline_strategy.attention_test
        assert (a is None) == (b is None) == (staged_strategy.id == "signal")
        if a is not None:
            assert np.array_equal(a.null_sharpes, b.null_sharpes, equal_nan=True)
            assert np.array_equal([a.exposure_matched_sharpe, a.observed_sharpe, a.p_value],
                                  [b.exposure_matched_sharpe, b.observed_sharpe, b.p_value], equal_nan=True)
            assert a.verdict == b.verdict


def test_model_tasks_put_the_longest_models_first_and_results_keep_the_config_order():
    from dataclasses import dataclass
    from types import SimpleNamespace

    from reportgen.evaluation import strategies as backtests

    @dataclass(frozen=True)
    class Strategy:
        id: str
        attention_test: object = None
        quantstats_table: object = None

    @dataclass(frozen=True)
    class Model:
        id: str
        strategies: list

    short, long = SimpleNamespace(id="short"), SimpleNamespace(id="long")
    strategies = [
        SimpleNamespace(id="s1", model="short", attention_threshold=None, sizing="full"),
        SimpleNamespace(id="l1", model="long", attention_threshold=None, sizing="attention"),
    ]
    config = SimpleNamespace(strategies=strategies)
    tasks = backtests.model_stage_tasks(config, [short, long], {"short": 100, "long": 2000})
    assert [t.id for t in tasks] == [
        "long", "short", "long: attention test of l1", "long: quantstats table of l1", "short: quantstats table of s1",
    ]
    outputs = [
        Model("long", [Strategy("l1")]), Model("short", [Strategy("s1")]), "test l1", "table l1", "table s1",
    ]
    models = backtests.assembled_models(tasks, outputs, [short, long])
    assert [m.id for m in models] == ["short", "long"]
    assert models[0].strategies == [Strategy("s1", None, "table s1")]
    assert models[1].strategies == [Strategy("l1", "test l1", "table l1")]
