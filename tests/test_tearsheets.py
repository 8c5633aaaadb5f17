"""The one-file tearsheets: self-contained, escaped, with every chart twice (interactive and
static SVG), the verdicts of the attention tests when a strategy carries them, and quantstats'
own tearsheet when asked for. (test_browser opens them in Chromium.)"""

import base64
import dataclasses
import html
import json
import re
from pathlib import Path

import pytest

from reportgen import pages, views
from reportgen.config import load_config
from reportgen.pipeline import report
from reportgen.footer import provenance_line
from reportgen.results import StrategyResult

from conftest import REPO

CHARTS = {"notebook_replica": 6, "att_lstm_signal": 6, "attention_sized": 6, "attention_filtered": 5}
EXTERNAL = re.compile(r'<(?:script|link|img|iframe|source|embed|object)\b[^>]*\b(?:src|href|data)\s*=\s*"(?:https?:)?//', re.I)


def static_images(page: str) -> list[str]:
    return [base64.b64decode(m).decode() for m in re.findall(r'<img class="reportgen-static"[^>]*src="data:image/svg\+xml;base64,([^"]+)"', page)]


def test_each_tearsheet_holds_its_charts_scripts_and_data(bundled_site: Path):
    bundle = (bundled_site / "assets/javascripts/vega-bundle.js").read_text()
    document = json.loads((bundled_site / "metrics.json").read_text())
    for sid, charts in CHARTS.items():
        page = (bundled_site / document["strategies"][sid]["downloads"]["tearsheet"]).read_text()
        assert page.count(bundle[-2000:]) == 1  # the vega bundle, inlined once
        specs = re.findall(r'<script type="application/json" class="reportgen-spec"[^>]*>(.*?)</script>', page, re.S)
        assert len(specs) == charts == page.count('<div class="reportgen-chart"')
        assert all(json.loads(spec)["$schema"].startswith("https://vega.github.io/schema/vega-lite/") for spec in specs)
        svgs = static_images(page)
        assert len(svgs) == charts and all(svg.startswith("<svg") and "<path" in svg for svg in svgs)
        assert not EXTERNAL.search(page), sid
        assert "@media print" in page
        for name in ("daily-returns.csv", "positions.csv", "trades.csv", "metrics.csv"):
            link = re.search(rf'<a download="{sid}-{name}" href="data:text/csv;base64,([^"]+)"', page)
            expected = (bundled_site / "downloads/strategies" / sid / name).read_bytes()
            assert link and base64.b64decode(link.group(1)) == expected, (sid, name)
    filtered = (bundled_site / "tearsheets/attention_filtered.html").read_text()
    assert "No rolling Sharpe: the returns never change" in filtered and "This strategy never trades." in filtered


def test_headline_figures_and_provenance(bundled_site: Path):
    page = (bundled_site / "tearsheets/notebook_replica.html").read_text()
    assert "<td>Total return</td><td>-14.36 %</td><td>24.44 %</td>" in page
    assert "<td>Sharpe</td><td>-0.29</td><td>0.51</td>" in page
    assert "32 (1 open at the end)" in page
    assert "carries no information" in page  # it sizes by the degenerate attention column
    result = report(load_config(REPO / "pyproject.toml"))
    assert f"<footer>{html.escape(provenance_line(result), quote=False)}</footer>" in page.replace("&#39;", "'")


def test_attention_test_verdicts_show_when_a_strategy_carries_them(tmp_path: Path):
    """Results of the attention tests (issue 3) appear in the tearsheet when a strategy has them."""

    @dataclasses.dataclass(frozen=True)
    class Tested(StrategyResult):
        attention_test: dict | None = None

    result = report(load_config(REPO / "pyproject.toml"))
    model = result.models[0]
    sized = next(s for s in model.strategies if s.id == "attention_sized")
    fields = {f.name: getattr(sized, f.name) for f in dataclasses.fields(StrategyResult)}
    verdict = "Attention sizing does not beat exposure-matched constant sizing (Sharpe -0.33 vs -0.30; placebo p = 0.62)"
    tested = Tested(**fields, attention_test={"exposure_matched_sharpe": -0.30, "permutation_p_value": 0.62,
                                               "n_permutations": 1000, "verdict": verdict})
    result = dataclasses.replace(result, models=[dataclasses.replace(model, strategies=[tested])])
    sheet = pages.TearsheetInput(scripts="", static_svg=lambda _: "<svg/>", attachments={}, provenance="p",
                                 quantstats_files={})
    page = pages.rendered_tearsheets(result, views.chart_specs(result), REPO / "templates", sheet)["attention_sized"]
    assert f'<p class="verdict">{verdict}</p>' in page
    assert "<td>-0.30</td>" in page and "1000 permutations" in page and "<td>0.620</td>" in page
    plain = pages.rendered_tearsheets(
        dataclasses.replace(result, models=[dataclasses.replace(model, strategies=[sized])]),
        views.chart_specs(result), REPO / "templates", sheet,
    )["attention_sized"]
    assert "Does attention help" not in plain


def test_names_are_escaped_in_the_tearsheet(sharing_site: Path):
    page = (sharing_site / "tearsheets/sized.html").read_text()
    assert "<b>bold</b>" not in page and "&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    assert "Tiny &lt;report&gt; &amp; co" in page


def test_quantstats_tearsheets_when_asked(sharing_site: Path):
    document = json.loads((sharing_site / "metrics.json").read_text())
    for sid in ("signal", "sized"):
        path = document["strategies"][sid]["downloads"]["quantstats_tearsheet"]
        page = (sharing_site / path).read_text()
        assert "Generated by" in page and "QuantStats" in page
        assert not EXTERNAL.search(page), sid
        assert "BUY & HOLD" in page  # a returns benchmark, named: never a ticker
        assert f'href="../../{path}"' in (sharing_site / "strategies" / sid / "index.html").read_text()
        assert f'<a href="{Path(path).name}">' in (sharing_site / f"tearsheets/{sid}.html").read_text()
    assert "&lt;/script&gt;&lt;b&gt;bold" in (sharing_site / "tearsheets/sized-quantstats.html").read_text()


@pytest.mark.parametrize("source", ["a</script>b", "a</SCRIPT >b<!--c"])
def test_inline_scripts_cannot_close_their_element(source):
    inlined = pages.inline_script(source)
    assert "</script" not in inlined.lower() and "<!--" not in inlined
