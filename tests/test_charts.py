"""Charts: market episodes shaded on time axes; static SVG copies drawn without a browser or any request."""

import socket

import numpy as np
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



def test_chart_svg_draws_the_marks_without_touching_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    frame = pd.DataFrame(
        {"date": pd.bdate_range("2024-01-01", periods=4).repeat(2), "series": ["a", "b"] * 4, "value": [100, 100, 101, 99, 103, 98, 102, 97]}
    )
    spec = charts.chart_spec(charts.equity_chart(frame))
    svg = charts.chart_svg(spec)
    assert svg.startswith("<svg") and 'width="640"' in svg  # container width drawn at the theme's width
    assert svg.count('aria-roledescription="line mark"') == 2  # one line per series
    assert "@import" not in svg and "url(http" not in svg
    assert charts.chart_svg(spec) is svg  # cached by spec


def test_static_svg_ids_do_not_depend_on_what_was_drawn_before():
    # Vega numbers clip paths from a counter that outlives one chart: the same spec drawn first,
    # or after other charts (in another order, another worker, another build), is the same bytes.
    from reportgen.publish.charts import chart_svg, numbered_svg_ids

    spec = charts.chart_spec(charts.equity_chart(pd.DataFrame({
        "date": pd.bdate_range("2020-01-01", periods=30).repeat(2),
        "series": ["a", "b"] * 30, "value": np.arange(60.0),
    })))
    first = chart_svg(spec)
    for other in range(3):  # other charts move vega's counter on
        chart_svg({**spec, "title": f"other {other}"})
    charts._svg.cache_clear()
    assert chart_svg(spec) == first
    assert 'clip-path="url(#clip1)"' in first
    assert numbered_svg_ids('<text>url(#clip9) clip9</text><clipPath id="clip9"/><g clip-path="url(#clip9)"/>') == (
        '<text>url(#clip1) clip9</text><clipPath id="clip1"/><g clip-path="url(#clip1)"/>'
    )
