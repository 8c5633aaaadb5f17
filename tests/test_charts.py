"""Static SVG copies of the charts: drawn without a browser and without any request."""

import socket

import pandas as pd

from reportgen import charts


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
