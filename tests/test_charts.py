"""Charts: market episodes shaded on time axes (their static SVG copies: test_static_svg.py)."""


import pandas as pd

from reportgen.publish import charts

DATES = pd.bdate_range("2024-01-01", periods=30)
EPISODES = pd.DataFrame(
    {"name": ["stress"], "description": ["a test"], "first": [DATES[5]], "last": [DATES[9]]}
)


def lines():
    return pd.DataFrame({"date": DATES, "series": "s", "value": range(30)})


def test_time_series_charts_get_the_episodes_shaded_behind_them():
    shaded = charts.chart_spec(charts.episode_shader(EPISODES)(charts.equity_chart(lines())))
    first, second = shaded["layer"]
    assert first["mark"]["type"] == "rect" and first["encoding"]["x"]["field"] == "first"
    assert second["mark"]["type"] == "line"
    assert shaded["width"] == "container"
    data = shaded["datasets"][first["data"]["name"]]
    assert data[0]["name"] == "stress"


def test_other_charts_and_empty_episode_lists_are_left_alone():
    monthly = charts.monthly_returns_chart(pd.DataFrame({"year": [2024], "month": [1], "return": [0.01]}))
    assert charts.episode_shader(EPISODES)(monthly) is monthly
    equity = charts.equity_chart(lines())
    assert charts.episode_shader(EPISODES.iloc[:0])(equity) is equity
    layered = charts.rolling_sharpe_chart(lines().rename(columns={"value": "sharpe"}), "Sharpe")
    assert charts.episode_shader(EPISODES)(layered) is not layered  # a layer with dates on x counts too



# ---------------------------------------------------------------- one visual language

import numpy as np  # noqa: E402

from reportgen.publish.series import SeriesRegistry, SeriesStyle  # noqa: E402

REGISTRY = SeriesRegistry({
    "Hybrid: held 3 days, 15 % vol target, 5 % stop": SeriesStyle("Hybrid: held 3 days, 15 % vol target, 5 % stop", "Hybrid", "#4e79a7", ()),
    "Notebook replica": SeriesStyle("Notebook replica", "Notebook replica", "#f28e2b", ()),
    "Buy & hold": SeriesStyle("Buy & hold", "Buy & hold", "#5f6b7a", (5, 3)),
})


def long_frame(values: dict[str, list[float]], value: str = "value") -> pd.DataFrame:
    return pd.concat([pd.DataFrame({"date": DATES[: len(v)], "series": name, value: v}) for name, v in values.items()], ignore_index=True)


def _encoding(spec: dict, channel: str) -> dict:
    layers = spec.get("layer", [spec])
    return next(layer["encoding"][channel] for layer in layers if channel in layer.get("encoding", {}))


def test_line_colours_dashes_and_legend_labels_come_from_the_registry_in_every_chart():
    frame = long_frame({"Buy & hold": list(range(100, 130)), "Hybrid: held 3 days, 15 % vol target, 5 % stop": list(range(130, 100, -1))})
    with charts.series_styles(REGISTRY):
        specs = [charts.chart_spec(charts.equity_chart(frame)), charts.chart_spec(charts.series_chart(frame, "x", ".2f"))]
    for spec in specs:
        colour, dash = _encoding(spec, "color"), _encoding(spec, "strokeDash")
        assert colour["scale"] == {"domain": ["Buy & hold", "Hybrid"], "range": ["#5f6b7a", "#4e79a7"]}
        assert dash["scale"] == {"domain": ["Buy & hold", "Hybrid"], "range": [[5, 3], [1, 0]]}
        assert colour["legend"]["labelLimit"] == 0  # never cut
        assert colour["legend"]["columns"] == {"expr": "max(1, min(2, floor(width / 106)))"}  # fewer on a phone
        tooltip = [t["field"] for t in _encoding(spec, "tooltip")]
        assert "name" in tooltip  # the full name, where the legend has the short one
        rows = spec["datasets"][next(iter(spec["datasets"]))]
        assert {r["name"] for r in rows} == {"Buy & hold", "Hybrid: held 3 days, 15 % vol target, 5 % stop"}


def test_growth_of_100_never_starts_at_zero_and_goes_log_over_a_wide_range():
    narrow = charts.chart_spec(charts.equity_chart(long_frame({"a": list(np.linspace(95, 125, 30))})))
    assert _encoding(narrow, "y")["scale"] == {"zero": False}
    wide = charts.chart_spec(charts.equity_chart(long_frame({"a": list(np.geomspace(60, 1100, 30))})))
    y = _encoding(wide, "y")
    assert y["scale"]["type"] == "log" and y["axis"]["values"] == [100.0, 200.0, 500.0, 1000.0]
    assert charts.log_ticks(60, 1100) == [100.0, 200.0, 500.0, 1000.0]
    assert charts.log_ticks(80, 150) == [80.0, 100.0, 150.0]


def test_identical_series_are_drawn_once_and_named_in_the_title():
    same = list(np.linspace(100, 90, 30))
    frame = long_frame({"Notebook replica": same, "Hybrid: held 3 days, 15 % vol target, 5 % stop": same, "Buy & hold": list(range(100, 130))})
    with charts.series_styles(REGISTRY):
        spec = charts.chart_spec(charts.equity_chart(frame))
    assert " ".join(spec["title"]["text"]) == "Notebook replica and Hybrid have the same values: one line drawn."
    assert all(len(line) <= charts.NOTE_LINE_CHARS for line in spec["title"]["text"])  # fits a phone
    assert _encoding(spec, "color")["scale"]["domain"] == ["Notebook replica", "Buy & hold"]
    kept, note = charts.drawn_once(frame.assign(value=frame["value"].where(frame["series"] != "Buy & hold", 0.0)), "value")
    assert set(kept["series"]) == {"Notebook replica", "Buy & hold"} and note


def test_drawdowns_of_many_series_are_small_multiples_of_lines_not_stacked_areas():
    few = charts.chart_spec(charts.drawdown_chart(long_frame({"a": [0.0, -0.1] * 15, "b": [0.0, -0.2] * 15}, "drawdown")))
    assert few["mark"]["type"] == "line"
    many = charts.chart_spec(charts.drawdown_chart(long_frame({f"s{i}": [0.0, -0.01 * (i + 1)] * 15 for i in range(6)}, "drawdown")))
    assert many["facet"]["field"] == "label" and many["columns"] == 1
    assert many["spec"]["encoding"]["color"]["legend"] is None  # each panel is named in its header


def test_legend_columns_fit_the_longest_label():
    assert charts.legend_columns(["a", "b", "c", "d", "e"]) == 5
    assert charts.legend_columns(["Walk-forward hybrid, attention-sized", "Buy & hold"]) == 2
    assert charts.legend_columns(["x" * 120]) == 1


def test_colour_legends_are_swatches_with_ticks_that_read_apart():
    assert charts.legend_values(0.0355, 0.0366) == [0.0355, 0.036, 0.0366]
    assert charts.legend_values(-0.2, 0.2, 5) == [-0.2, -0.1, 0.0, 0.1, 0.2]
    assert charts.share_format([0.0355, 0.036, 0.0366]) == ".2%"  # 3.55 %, 3.60 %, 3.66 %
    assert charts.share_format([-0.2, 0.0, 0.2]) == ".0%"
    assert charts.legend_values(float("nan"), 1.0) == []
    cells = pd.DataFrame({"asset": ["A", "A", "B", "B"], "lag": [0, 1, 0, 1], "weight": [0.0355, 0.0366, 0.0361, 0.036]})
    legend = charts.chart_spec(charts.asset_lag_heatmap(cells, 0.036))["encoding"]["color"]["legend"]
    assert legend["type"] == "symbol" and legend["values"] == [0.0355, 0.036, 0.0366] and legend["format"] == ".2%"
    monthly = charts.chart_spec(charts.monthly_returns_chart(pd.DataFrame({"year": [2024, 2024], "month": [1, 2], "return": [0.04, -0.02]})))
    assert monthly["layer"][0]["encoding"]["color"]["legend"]["type"] == "symbol"


def test_charts_over_five_hundred_assets_stay_small():
    assets = [f"A{i:03d}" for i in range(500)]
    dates = pd.bdate_range("2020-01-01", periods=500)
    weights = pd.DataFrame({"date": np.repeat(dates, 9), "series": [*assets[:8], "other"] * 500, "weight": 0.01})
    heatmap = charts.chart_spec(charts.weights_heatmap(weights))
    assert len(next(iter(heatmap["datasets"].values()))) == 9 * dates.to_period("M").nunique() == 9 * 23  # asset x month, not x day
    contributions = charts.chart_spec(charts.contribution_chart(pd.DataFrame({"asset": assets, "contribution": np.arange(500.0)})))
    rows = next(iter(contributions["datasets"].values()))
    assert len(rows) == 25 and rows[12] == {"asset": "the other 476 assets", "contribution": sum(range(12, 488))}
    assert [r["asset"] for r in rows[:2]] == ["A499", "A498"] and rows[-1]["asset"] == "A000"
    cells = pd.DataFrame({"asset": np.repeat(assets, 3), "lag": [0, 1, 2] * 500, "weight": np.tile([0.3, 0.3, 0.4], 500)})
    lags = charts.chart_spec(charts.asset_lag_heatmap(cells, 1 / 3))
    assert len(next(iter(lags["datasets"].values()))) == 24 * 3


def test_small_multiples_name_each_panel_and_the_measure_once():
    frame = long_frame({"prediction": [0.1, -0.1] * 15, "attention_max": [0.05, 0.0] * 15})
    spec = charts.chart_spec(charts.small_multiples_chart(frame, "rank IC, 63-day mean", ".2f", reference=0.0))
    assert spec["title"]["text"] == "rank IC, 63-day mean"
    assert spec["facet"]["field"] == "label" and spec["columns"] == 1
    line, rule = spec["spec"]["layer"]
    assert line["encoding"]["y"]["title"] is None  # not repeated beside every panel
    assert rule["encoding"]["y"] == {"datum": 0.0}
