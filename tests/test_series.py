"""The series registry: one colour, dash and short label per series for a whole report."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from reportgen.publish import series


def _report(strategy_names: list[str], portfolio_names: list[str] = (), short_names: dict[str, str] = {}):
    strategies = [SimpleNamespace(config=SimpleNamespace(name=n, short_name=short_names.get(n))) for n in strategy_names]
    portfolios = [SimpleNamespace(config=SimpleNamespace(name=n, short_name=n)) for n in portfolio_names]
    models = [SimpleNamespace(strategies=strategies)] if strategies else []
    universe = [SimpleNamespace(portfolios=portfolios, benchmark_name="SP500")] if portfolios else []
    return SimpleNamespace(models=models, universe_models=universe)


BUNDLED = [
    "Notebook replica", "ATT-LSTM signal, full size", "Attention-sized", "Attention-filtered",
    "Hybrid: held 3 days, 15 % vol target, 5 % stop", "Hybrid, attention-sized",
    "Walk-forward ATT-LSTM signal, full size", "Walk-forward ATT-LSTM, attention-sized",
    "Walk-forward hybrid: held 3 days, 15 % vol target, 5 % stop", "Walk-forward hybrid, attention-sized",
]


def test_every_strategy_and_benchmark_has_its_own_colour_and_dash():
    registry = series.series_registry(_report(BUNDLED))
    styles = [registry.style(name) for name in [*BUNDLED, "Buy & hold"]]
    assert len({(s.colour, s.dash) for s in styles}) == 11
    assert registry.style("Notebook replica").colour == series.STRATEGY_COLOURS[0]
    assert registry.style("Walk-forward hybrid, attention-sized").dash == series.STRATEGY_DASHES[1]  # the tenth: second lap
    assert registry.style("Buy & hold").dash == series.BENCHMARK_DASH


def test_legends_draw_the_configured_short_names_and_never_one_label_for_two_series():
    registry = series.series_registry(_report(BUNDLED, short_names={"Hybrid: held 3 days, 15 % vol target, 5 % stop": "Hybrid"}))
    assert registry.style("Hybrid: held 3 days, 15 % vol target, 5 % stop").label == "Hybrid"
    assert registry.style("Hybrid: held 3 days, 15 % vol target, 5 % stop").name == "Hybrid: held 3 days, 15 % vol target, 5 % stop"
    assert registry.style("Attention-sized").label == "Attention-sized"
    clash = series.series_registry(_report(["Hybrid: rules one", "Hybrid: rules two"], short_names={"Hybrid: rules one": "Hybrid", "Hybrid: rules two": "Hybrid"}))
    assert [clash.style(n).label for n in ("Hybrid: rules one", "Hybrid: rules two")] == ["Hybrid: rules one", "Hybrid: rules two"]


def test_portfolios_follow_the_strategies_and_the_same_report_gives_the_same_styles():
    report = _report(["A"], ["Equal weight", "Attention-weighted"])
    first, again = series.series_registry(report), series.series_registry(report)
    assert first == again
    assert first.style("Equal weight").colour == series.STRATEGY_COLOURS[1]
    assert first.style("SP500").colour in series.BENCHMARK_COLOURS


def test_fixed_and_unknown_series_keep_their_style_and_never_collide_in_one_chart():
    registry = series.series_registry(_report(["A"]))
    assert registry.style("always up") == series.SeriesStyle("always up", "always up", *series.FIXED["always up"])
    assert registry.style("prediction").colour == registry.style("ATT-LSTM").colour  # the model's own forecast
    assert registry.style("momentum").colour == registry.style("momentum").colour
    styles = registry.styles_of(["this strategy", "this portfolio", "momentum", "A"])
    assert len({(s.colour, s.dash) for s in styles}) == 4


def test_identical_groups_finds_series_with_the_same_values_on_the_same_dates():
    dates = pd.bdate_range("2024-01-01", periods=4)
    a = pd.Series([0.01, np.nan, -0.02, 0.0], dates)
    groups = series.identical_groups({"a": a, "b": a.copy(), "c": a + 1e-12, "d": a.set_axis(dates + pd.Timedelta(days=1)), "e": a.copy()})
    assert groups == [("a", "b", "e")]
    assert series.identical_groups({"a": a}) == []
