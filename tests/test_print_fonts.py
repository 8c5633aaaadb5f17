"""print_fonts: the shipped copies measure text as DejaVu Sans does."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
import vl_convert
from fontTools.ttLib import TTFont

from reportgen.publish import charts, print_fonts, static_svg

_DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@pytest.mark.parametrize("style, source", [("Regular", "DejaVuSans.ttf"), ("Bold", "DejaVuSans-Bold.ttf")])
def test_every_kept_glyph_has_dejavu_sans_s_advance_width_and_kerning(style, source):
    copy, original = TTFont(print_fonts.font_file(style)), TTFont(_DEJAVU / source)
    kept, full = copy.getBestCmap(), original.getBestCmap()
    assert len(kept) > 1000 and all(code in full for code in kept)
    assert all(ord(character) in kept for character in "Sharpe 12.5 % −0.31 € → ≤ é ß Ω Ж")
    for code, glyph in kept.items():
        assert copy["hmtx"][glyph] == original["hmtx"][full[code]], hex(code)
    features = {record.FeatureTag for record in copy["GPOS"].table.FeatureList.FeatureRecord}
    assert "kern" in features  # pair kerning, which the shaper applies from GPOS
    family = {str(record) for record in copy["name"].names if record.nameID in (1, 3, 4, 6, 16)}
    assert all("DejaVu" not in name and "Vera" not in name for name in family)  # the licence's rule for a modified copy


def test_a_chart_measured_with_the_copies_is_the_chart_measured_with_dejavu_sans_itself():
    font_file = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True).stdout
    if "DejaVu" not in font_file:
        pytest.skip("DejaVu Sans is not installed")
    frame = pd.DataFrame({
        "date": pd.bdate_range("2020-01-01", periods=60).repeat(2),
        "series": ["strategy: sized by attention, ×2 lag", "buy & hold (S&P 500) — Ωmega"] * 60,
        "value": [100.0 + i * (1 if i % 2 else -0.5) for i in range(120)],
    })
    spec = charts.chart_spec(charts.equity_chart(frame))
    spec["title"] = {"text": "Growth of 100, −12.5 % worst", "fontWeight": "bold"}
    drawn = static_svg.chart_svg(spec)
    printed = {**spec, "config": {**spec["config"], "font": static_svg.PRINT_FONT, "mark": {"aria": False}}}  # as chart_svg draws it
    measured_by_dejavu = static_svg.numbered_svg_ids(
        vl_convert.vegalite_to_svg(json.dumps(printed, sort_keys=True), vl_version=static_svg.vega_lite_version(spec))
    )
    assert drawn == measured_by_dejavu
    assert print_fonts.METRICS_FAMILY not in drawn and f'font-family="{static_svg.PRINT_FONT}"' in drawn
    assert 'font-weight="bold"' in drawn
