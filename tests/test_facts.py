"""The page facts: what the templates place is decided here, with the thresholds of one module."""

import math

import pytest

from reportgen.analysis import thresholds
from reportgen.inputs.config import load_config
from reportgen import pipeline
from reportgen.publish import facts


def test_strategy_page_facts_follow_the_configured_year_and_the_match_tolerance(tiny_project):
    config_path = tiny_project / "reportgen.toml"
    text = config_path.read_text().replace("fees = 0.001", "fees = 0.001\nperiods_per_year = 260")
    config_path.write_text(text + '\n[strategies.reference]\nsource = "paper"\ntotal_trades = 999\ntotal_return = 0.1\n')
    config = load_config(config_path)
    model = pipeline.report(config).models[0]
    strategy = model.strategies[1]  # "sized": the reference table belongs to the last strategy
    report = type("R", (), {"periods_per_year": 260, "fees": 0.001, "fees_bps": 10.0, "risk_free_rate": 0.0})()
    page = facts.strategy_page(report, model, strategy)
    assert page.annualisation_ratio == pytest.approx(math.sqrt(365 / 260))  # not the stale sqrt(365/252)
    assert page.annualisation_only  # no risk-free rate: the two Sharpe ratios differ by the year only
    assert page.attention_max == model.output["attention"].max()
    held = strategy.size[strategy.size > 0]
    assert page.mean_requested_size == pytest.approx(held.mean())
    trades, total = page.reproduced
    assert (trades.label, trades.matches) == ("Total trades", strategy.total_trades == 999)
    assert total.matches == (abs(0.1 - strategy.metrics["total_return"]) < thresholds.MATCH_TOLERANCE)
    near = facts._figure("x", "percent", strategy.metrics["total_return"] + 0.4 * thresholds.MATCH_TOLERANCE, strategy.metrics["total_return"])
    far = facts._figure("x", "percent", strategy.metrics["total_return"] + 2 * thresholds.MATCH_TOLERANCE, strategy.metrics["total_return"])
    assert near[0].matches and not far[0].matches
