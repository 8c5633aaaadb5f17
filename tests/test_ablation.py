"""Strategies with overlays on the tiny project: their ablation, metrics.json fields and sweep."""

import numpy as np
import pandas as pd
import pytest

from reportgen.evaluation import ablation
from reportgen.inputs.config import load_config
from reportgen.pipeline import report
from reportgen.publish.metrics_document import metrics_document

HYBRID = """
[[strategies]]
id = "hybrid"
name = "Hybrid"
model = "tiny"
sizing = "attention"
min_hold_days = 3
vol_target = 0.15
vol_window_days = 10
stop_loss = 0.02
trailing_stop = true

[[strategies]]
id = "hybrid_plain"
name = "Hybrid without overlays"
model = "tiny"
sizing = "attention"
"""
SMALL = "\n[statistics]\nbootstrap_resamples = 200\n\n[attention_tests]\npermutations = 20\n"
SWEEP = "\n[sweep]\nthresholds = [0.45, 0.5]\nmin_hold_days = [1, 3]\nstop_losses = [0, 0.02]\n"


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    from conftest import TINY_CONFIG, make_tiny_project

    return (
        make_tiny_project(tmp_path_factory.mktemp("plain"), TINY_CONFIG + SMALL),
        make_tiny_project(tmp_path_factory.mktemp("hybrid"), TINY_CONFIG + HYBRID + SMALL),
    )


@pytest.fixture(scope="module")
def built(projects):
    return [report(load_config(p / "reportgen.toml")) for p in projects]


def strategy(result, sid):
    return next(s for _, s in result.strategies if s.id == sid)


def test_the_ablation_base_is_the_strategy_without_overlays_to_the_last_digit(built):
    result = built[1]
    table = result.models[0].robustness.ablations["hybrid"]
    plain = strategy(result, "hybrid_plain")
    base = table.iloc[0]
    assert base["variant"] == "base" and base["overlays"] == {}
    assert base["sharpe"] == plain.metrics["sharpe"]
    assert base["total_return"] == plain.metrics["total_return"]
    assert base["max_drawdown"] == plain.metrics["max_drawdown"]
    assert base["total_trades"] == plain.total_trades
    assert base["time_in_market"] == plain.time_in_market
    full = table.iloc[-1]  # all overlays: the configured strategy itself
    hybrid = strategy(result, "hybrid")
    assert full["variant"] == "holding_period+vol_target+stops"
    assert (full["sharpe"], full["total_return"], full["total_trades"]) == (
        hybrid.metrics["sharpe"], hybrid.metrics["total_return"], hybrid.total_trades
    )
    assert full["sharpe"] != base["sharpe"]  # the overlays do change the strategy


def test_the_ablation_table_holds_every_variant_and_paired_intervals(built):
    table = built[1].models[0].robustness.ablations["hybrid"]
    assert table["variant"].tolist() == [
        "base", "holding_period", "vol_target", "stops", "holding_period+vol_target", "holding_period+vol_target+stops"
    ]
    assert table.loc[0, ["sharpe_diff", "sharpe_diff_low", "sharpe_diff_high"]].tolist() == [0.0, 0.0, 0.0]
    assert np.allclose(table["sharpe_diff"], table["sharpe"] - table.loc[0, "sharpe"])
    assert (table["sharpe_diff_low"] <= table["sharpe_diff_high"]).all()
    assert ((table["time_in_market"] >= 0) & (table["time_in_market"] <= 1)).all()
    # the holding period only ever lengthens positions: fewer or as many trades, as much time in
    assert table.loc[1, "total_trades"] <= table.loc[0, "total_trades"]
    assert table.loc[1, "time_in_market"] >= table.loc[0, "time_in_market"]
    # with a 2 % trailing stop the strategy exits earlier: less time in the market
    assert table.loc[3, "time_in_market"] < table.loc[0, "time_in_market"]
    assert (table["turnover"] > 0).all()
    changed = ablation.changed_by_more_than_luck(table)
    rest = table.iloc[1:]
    assert changed == rest.loc[(rest["sharpe_diff_low"] > 1e-12) | (rest["sharpe_diff_high"] < -1e-12), "variant"].tolist()


def test_turnover_is_one_way_a_year_the_one_definition(built):
    """Half the value bought and sold each day over the value at that close, averaged over the
    days, times 252 (metrics.turnover, as for portfolios): by hand from the trades."""
    result = built[1]
    plain = strategy(result, "hybrid_plain")
    trades = plain.trades
    traded = pd.Series(0.0, index=plain.value.index)
    for row in trades.itertuples():
        traded[row.entry_date] += row.size * row.entry_price
        if row.status == "closed":
            traded[row.exit_date] += row.size * row.exit_price
    expected = (traded / plain.value / 2).mean() * 252
    table = result.models[0].robustness.ablations["hybrid"]
    assert table.loc[0, "turnover"] == pytest.approx(expected, rel=1e-12)



def test_metrics_json_has_the_overlays_and_the_ablation(built):
    document = metrics_document(built[1])
    hybrid = document["strategies"]["hybrid"]
    assert hybrid["overlays"] == {
        "min_hold_days": 3, "vol_target": 0.15, "vol_window_days": 10, "max_leverage": 1.0,
        "stop_loss": 0.02, "trailing_stop": True, "take_profit": None,
    }
    entries = hybrid["ablation"]
    assert [e["variant"] for e in entries][0] == "base"
    assert set(entries[0]) >= {"variant", "overlays", "sharpe", "total_return", "max_drawdown", "sharpe_diff_ci"}
    assert entries[-1]["sharpe"] == pytest.approx(hybrid["sharpe"], rel=1e-12)
    assert "overlays" not in document["strategies"]["hybrid_plain"]
    assert "ablation" not in document["strategies"]["hybrid_plain"]


def test_strategies_without_overlays_keep_every_figure(built):
    before, after = (metrics_document(r)["strategies"] for r in built)
    for sid in ("signal", "sized"):
        assert after[sid] == before[sid]


def test_the_variants_count_as_trials_of_the_deflated_sharpe(built):
    before, after = (r.models[0].robustness.sweep for r in built)
    assert before.n_extra_trials == 0
    # base duplicates hybrid_plain's grid column; the five others are new return series
    assert after.n_extra_trials == 5
    assert after.n_trials == before.n_trials + 5
    assert after.table.equals(before.table)


def test_the_sweep_covers_the_overlays(tmp_path):
    from conftest import TINY_CONFIG, make_tiny_project

    config = TINY_CONFIG + HYBRID.replace("vol_target = 0.15\nvol_window_days = 10\n", "").replace(
        "trailing_stop = true", ""
    ).replace('sizing = "attention"\nmin', 'min') + SMALL + SWEEP
    project = make_tiny_project(tmp_path, config)
    result = report(load_config(project / "reportgen.toml"))
    sweep = result.models[0].robustness.sweep
    table = sweep.table
    assert len(table) == 2 * 4 * 2 * 2 * 2 * 2
    assert sorted(set(table["min_hold_days"])) == [1, 3] and sorted(set(table["stop_loss"])) == [0.0, 0.02]
    row = table.loc[sweep.configured["hybrid"]]
    hybrid = strategy(result, "hybrid")
    assert (row["min_hold_days"], row["stop_loss"], row["threshold"]) == (3, 0.02, 0.5)
    assert row["sharpe"] == pytest.approx(hybrid.metrics["sharpe"], rel=1e-9)
    assert row["total_trades"] == hybrid.total_trades
    plain = table.loc[sweep.configured["signal"]]
    assert (plain["min_hold_days"], plain["stop_loss"]) == (1, 0.0)
    assert plain["sharpe"] == pytest.approx(strategy(result, "signal").metrics["sharpe"], rel=1e-9)


def test_the_sentence_names_the_variants_whose_interval_excludes_zero():
    import pandas as pd

    table = pd.DataFrame(
        {
            "variant": ["base", "holding_period", "stops", "holding_period+stops"],
            "sharpe_diff_low": [0.0, 0.04, -0.5, -0.9],
            "sharpe_diff_high": [0.0, 0.3, 0.2, -0.1],
        }
    )
    assert ablation.ablation_sentence(table, 0.95) == (
        "Beyond their 95 % interval, these change the Sharpe ratio against the base: holding period (raises it), "
        "holding period + stops (lowers it); the other variant stays within it. "
        "Each interval covers one comparison: of 3 variants, one may fall outside by chance alone."
    )
    within = table.assign(sharpe_diff_low=[0.0, -1e-13, -0.5, -0.9], sharpe_diff_high=[0.0, 0.3, 0.2, 1e-13])
    assert ablation.ablation_sentence(within, 0.9).startswith(
        "No overlay, alone or added to the others, changes the Sharpe ratio by more than its 90 % interval allows"
    )
