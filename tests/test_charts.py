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



