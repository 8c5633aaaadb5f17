from __future__ import annotations

import socket
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from reportgen.publish import charts, static_svg


def test_chart_svg_draws_the_marks_without_touching_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    frame = pd.DataFrame(
        {"date": pd.bdate_range("2024-01-01", periods=4).repeat(2), "series": ["a", "b"] * 4, "value": [100, 100, 101, 99, 103, 98, 102, 97]}
    )
    spec = charts.chart_spec(charts.equity_chart(frame))
    svg = static_svg.chart_svg(spec)
    assert svg.startswith("<svg") and 'width="640"' in svg  # container width drawn at the theme's width
    assert svg.count('<g class="mark-line role-mark') == 2  # one line per series
    assert "@import" not in svg and "url(http" not in svg
    assert static_svg.chart_svg(spec) is svg  # cached by spec


def test_static_svg_ids_do_not_depend_on_what_was_drawn_before():
    # Vega numbers clip paths from a counter that outlives one chart: the same spec drawn first,
    # or after other charts (in another order, another worker, another build), is the same bytes.
    spec = charts.chart_spec(charts.equity_chart(pd.DataFrame({
        "date": pd.bdate_range("2020-01-01", periods=30).repeat(2),
        "series": ["a", "b"] * 30, "value": np.arange(60.0),
    })))
    first = static_svg.chart_svg(spec)
    for other in range(3):  # other charts move vega's counter on
        static_svg.chart_svg({**spec, "title": f"other {other}"})
    assert len(static_svg._DRAWN) >= 4 and all(len(digest) == 20 for digest, _ in static_svg._DRAWN)  # kept by digest, not JSON
    static_svg._DRAWN.clear()
    assert static_svg.chart_svg(spec) == first
    assert 'clip-path="url(#clip1)"' in first
    assert static_svg.numbered_svg_ids('<text>url(#clip9) clip9</text><clipPath id="clip9"/><g clip-path="url(#clip9)"/>') == (
        '<text>url(#clip1) clip9</text><clipPath id="clip1"/><g clip-path="url(#clip1)"/>'
    )


def test_the_vega_lite_version_is_the_specs_own():
    spec = charts.chart_spec(charts.equity_chart(pd.DataFrame({"date": pd.bdate_range("2024-01-01", periods=2), "series": "a", "value": [1.0, 2.0]})))
    assert static_svg.vega_lite_version(spec) == charts.VEGA_LITE_VERSION  # Altair's, as the vega bundle's
    assert static_svg.vega_lite_version({"$schema": "https://vega.github.io/schema/vega-lite/v5.20.1.json"}) == "5.20"
    with pytest.raises(ValueError, match="not a Vega-Lite schema"):
        static_svg.vega_lite_version({"$schema": "https://vega.github.io/schema/vega/v5.json"})


def test_drawing_and_naming_the_build_tasks_imports_neither_altair_nor_vectorbt():
    # The build process lists the chart tasks and the static SVGs are drawn without Altair; only
    # the processes that run a stage's tasks import its heavy library (compute.executor).
    code = (
        "import sys; import reportgen.pipeline, reportgen.cli, reportgen.publish.static_svg, reportgen.publish.chart_tasks; "
        "print(sorted(m for m in ('altair', 'vectorbt', 'quantstats', 'vl_convert') if m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_printed_legend_entries_leave_room_for_the_widest_font_that_prints_them():
    """Each legend label gets at least its width in DejaVu Sans (what WeasyPrint and most Linux
    print with) before the next entry: labels never run into each other on paper."""
    import re
    from pathlib import Path

    font_file = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True).stdout
    if "DejaVu" not in font_file:
        pytest.skip("DejaVu Sans is not installed")
    from PIL import ImageFont

    font = ImageFont.truetype(str(Path(font_file)), 11)
    bins = pd.DataFrame({"bin_start": [0.0, 0.1], "bin_end": [0.1, 0.2], "count": [3, 4]})
    markers = pd.DataFrame({"value": [0.05, 0.15], "label": ["equal weights, same holdings", "this portfolio"]})
    svg = static_svg.chart_svg(charts.chart_spec(charts.histogram_chart(bins, "x", ".2f", markers)))
    assert 'font-family="DejaVu Sans, Verdana, Geneva, sans-serif"' in svg
    starts = [float(x) for x in re.findall(r'<g transform="translate\(([\d.]+),[\d.]+\)"><path class="background" aria-hidden="true" d="M0,0h[\d.]+v11', svg)]
    label_x = float(re.search(r'role-legend-label[^>]*><text text-anchor="start" transform="translate\(([\d.]+),', svg).group(1))
    gap = starts[1] - (starts[0] + label_x + font.getlength("equal weights, same holdings"))
    assert len(starts) == 2 and gap >= 6, gap  # measured with system-ui (Liberation Sans here) the gap was 0.2 px


def test_the_static_svg_labels_its_axes_and_legend_not_each_mark_and_draws_the_same_pixels():
    """An <img> is read by its alt text: the ARIA label Vega writes on every mark item was dead weight."""
    import json

    frame = pd.DataFrame({"month": np.repeat(np.arange(1, 13), 3), "asset": ["a", "b", "c"] * 12, "weight": np.linspace(0, 1, 36)})
    spec = charts.chart_spec(charts.alt.Chart(frame).mark_rect().encode(x="month:O", y="asset:N", color="weight:Q"))
    svg = static_svg.chart_svg(spec)
    assert svg.count("<path") >= 36 and 'aria-roledescription="rect mark"' not in svg
    assert svg.count("aria-label") == 3 and 'aria-label="X-axis titled' in svg  # the axes and the legend
    vl = static_svg._vl_convert()
    labelled_spec = {**spec, "config": {**spec.get("config", {}), "font": static_svg._MEASURED_FONT}}
    labelled = vl.vegalite_to_svg(json.dumps(labelled_spec), vl_version=static_svg.vega_lite_version(spec))
    assert labelled.count('aria-roledescription="rect mark"') == 36 and len(svg) < 0.8 * len(labelled)
    assert vl.svg_to_png(svg.replace(static_svg._PRINTED_AS, static_svg._MEASURED_AS)) == vl.svg_to_png(labelled)
