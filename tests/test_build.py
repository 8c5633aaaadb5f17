"""End to end: build sites into temporary folders and read what was written."""

import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.inputs.config import load_config
from reportgen.inputs.errors import SiteError
from reportgen.pipeline import build
from reportgen.publish.site import MARKER

PAGES = ["index.html", "attention.html", "methodology.html"]


def chart_ids(html: str) -> list[str]:
    return re.findall(r'<div class="reportgen-chart" id="([^"]+)"', html)


def test_bundled_site_has_every_page_chart_and_metrics(bundled_site: Path):
    for page in PAGES:
        assert (bundled_site / page).is_file()
    for sid in ("notebook_replica", "att_lstm_signal", "attention_sized", "attention_filtered", "hybrid", "att_lstm_wf_hybrid_attention_sized"):
        html = (bundled_site / "strategies" / f"{sid}.html").read_text()
        # no rolling Sharpe when never trading; the hybrids add their ablation chart
        charts = 4 if sid == "attention_filtered" else 7 if "hybrid" in sid else 6
        assert len(chart_ids(html)) == charts
        assert html.count('class="reportgen-spec"') == charts
    hybrid = (bundled_site / "strategies/hybrid.html").read_text()
    assert "What each overlay adds" in hybrid and chart_ids(hybrid)[0] == "chart-hybrid-ablation"
    assert "Each change of the signal holds for at least 3 days; the size at entry is multiplied by min(1, 15\u00a0%" in hybrid
    filtered = (bundled_site / "strategies/attention_filtered.html").read_text()
    assert "No rolling Sharpe: the returns never change" in filtered
    attention = (bundled_site / "attention.html").read_text()
    assert chart_ids(attention)[:3] == [
        "chart-notebook_att_lstm-attention",
        "chart-notebook_att_lstm-buckets-return",
        "chart-notebook_att_lstm-calibration",
    ]  # constant attention: no distribution chart, and no placebo chart where every shuffle gives the same Sharpe
    assert "No placebo chart for Notebook replica, Attention-sized, Attention-filtered, Hybrid, attention-sized" in attention
    assert ["chart-att_lstm_wf_attention_sized-placebo", "chart-att_lstm_wf_hybrid_attention_sized-placebo"] == chart_ids(attention)[3:5]
    index = (bundled_site / "index.html").read_text()
    assert chart_ids(index) == [
        "chart-notebook_att_lstm-equity-all", "chart-notebook_att_lstm-drawdown-all",
        "chart-att_lstm-equity-all", "chart-att_lstm-drawdown-all",
    ]
    assert "chart-att_lstm-attention-lags" in chart_ids(attention)  # the walk-forward model has the full vector
    assert "carries no information" in index
    document = json.loads((bundled_site / "metrics.json").read_text())
    assert document["strategies"]["notebook_replica"]["total_trades"] == 32
    assert (bundled_site / "assets/javascripts/vega-bundle.js").stat().st_size > 500_000
    assert (bundled_site / MARKER).is_file()


def test_replica_page_shows_the_reproduction(bundled_site: Path):
    html = (bundled_site / "strategies/notebook_replica.html").read_text()
    assert "Does it reproduce notebook 08?" in html
    assert html.count(">matches<") == 5 and "differs" not in html
    assert "-0.35" in html and "-0.29" in html and "-14.36\u00a0%" in html  # printed as everywhere else


def test_nothing_in_the_site_loads_from_another_host(bundled_site: Path):
    external = re.compile(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', re.I)
    for html in bundled_site.rglob("*.html"):
        assert not external.search(html.read_text()), html
    for css in bundled_site.rglob("*.css"):
        assert not re.search(r"url\((['\"]?)(https?:)?//", css.read_text()), css
    assert "fonts.googleapis" not in "".join(p.read_text() for p in bundled_site.rglob("*.html"))


def test_the_site_ships_no_source_maps_nor_comments_pointing_to_them(bundled_site: Path):
    assert not list(bundled_site.rglob("*.map"))
    minified = [*bundled_site.glob("assets/**/*.min.js"), *bundled_site.glob("assets/**/*.min.css")]
    assert len(minified) >= 3  # Material's bundle, its search worker and its stylesheets
    for path in minified:
        assert b"sourceMappingURL" not in path.read_bytes(), path
    [bundle] = bundled_site.glob("assets/javascripts/bundle.*.min.js")
    assert bundle.read_bytes().rstrip().endswith(b"})();")  # only the comment went: the script is whole


def test_tiny_project_builds_and_rebuilds_over_its_own_site(tiny_project: Path):
    config = load_config(tiny_project / "reportgen.toml")
    site = tiny_project / "out"
    build(config, site)
    first = json.loads((site / "metrics.json").read_text())
    assert set(first["strategies"]) == {"signal", "sized"}
    assert first["strategies"]["sized"]["mean_exposure"] < first["strategies"]["signal"]["mean_exposure"]
    assert (site / "strategies/sized.html").is_file()
    build(config, site)  # a reportgen site is replaced whole
    assert json.loads((site / "metrics.json").read_text()) == first
    assert not [p for p in tiny_project.iterdir() if p.name.startswith(".out.")]


def test_refuses_to_overwrite_a_folder_it_did_not_make(tiny_project: Path):
    site = tiny_project / "mine"
    site.mkdir()
    (site / "notes.txt").write_text("keep me")
    with pytest.raises(SiteError, match="not made by reportgen"):
        build(load_config(tiny_project / "reportgen.toml"), site)
    assert (site / "notes.txt").read_text() == "keep me"


def test_bundled_sensitivity_page_and_shaded_time_series(bundled_site: Path):
    html = (bundled_site / "sensitivity.html").read_text()
    assert chart_ids(html) == [  # one comparison per model: overlays and their charts stay on the strategy pages
        "chart-notebook_att_lstm-sharpe-intervals",
        "chart-notebook_att_lstm-sweep-sharpe",
        "chart-notebook_att_lstm-costs",
        "chart-att_lstm-sharpe-intervals",
        "chart-att_lstm-sweep-sharpe",
        "chart-att_lstm-costs",
    ]
    assert "What each overlay adds" in html and "changes the Sharpe ratio" in html
    assert "Attention-filtered never trades: its return is 0 at every fee and fill, so it is left out." in html
    assert "ATT-LSTM signal, full size is identical to Notebook replica (same trades): tabulated once." in html
    assert "Deflated Sharpe ratio" in html and "2022 rate-hike bear market" in html
    index = (bundled_site / "index.html").read_text()
    assert "P[Sharpe &gt; 0]" in index and "deflated Sharpe ratio" in index
    methodology = (bundled_site / "methodology.html").read_text()
    assert "What if orders fill a day later?" in methodology
    specs = re.findall(r'<script type="application/json" class="reportgen-spec" data-target="([^"]+)">(.*?)</script>', index, re.S)
    for target, spec in specs:  # equity and drawdown of the overview: an episode layer under the lines
        assert "2023 regional-bank stress" in spec, target


def test_every_page_footer_carries_the_provenance(bundled_site: Path):
    document = json.loads((bundled_site / "metrics.json").read_text())
    pages = sorted(p for p in bundled_site.rglob("*.html") if p.parent.name != "tearsheets" and p.name != "404.html")
    assert len(pages) == 15
    for page in pages:
        footer = re.search(r'md-copyright__highlight">\s*(.*?)\s*</div>', page.read_text(), re.S)
        assert footer, page
        text = footer.group(1)
        assert text.startswith(f"reportgen {document['reportgen_version']} · build date {document['build_date']} · ")
        assert f"config sha256 {document['config_sha256'][:12]}" in text
        for path, digest in document["inputs"].items():
            assert f"{path} {digest['sha256'][:12]}" in text, (page, path)


def test_bundled_attention_page_and_strategy_pages_carry_the_verdicts(bundled_site: Path):
    attention = html.unescape((bundled_site / "attention.html").read_text())
    assert "Degenerate attention: <code>attention_mean</code> carries no information" in attention
    assert "constant at 0.142857 = 1/7" in attention
    # 3 verdicts (the replica, attention-sized, the attention-sized hybrid), once each
    assert attention.count("is constant, so sizing by it is a constant rule") == 3
    assert "undefined: constant" in attention
    for sid in ("notebook_replica", "attention_sized", "attention_filtered", "hybrid_attention_sized"):
        page = (bundled_site / "strategies" / f"{sid}.html").read_text()
        assert "Verdict of the attention tests" in page and "carries no information" in page
    assert "Verdict of the attention tests" not in (bundled_site / "strategies/att_lstm_signal.html").read_text()


def test_a_full_attention_vector_builds_the_lag_profile_and_drives_a_strategy(vector_project: Path):
    site = vector_project / "site"
    build(load_config(vector_project / "reportgen.toml"), site)
    attention = (site / "attention.html").read_text()
    ids = chart_ids(attention)
    # the attention tests first (the page's answer), then the score and where the model looks
    assert ids[:4] == ["chart-sized-placebo", "chart-vec-attention", "chart-vec-attention-lags", "chart-vec-attention-profile"]
    assert "chart-vec-distribution-attention_concentration" in ids  # the score used; the table has the others
    spec = re.search(r'data-target="chart-vec-attention-lags">(.*?)</script>', attention).group(1)
    heatmap = json.loads(spec)
    rows = next(iter(heatmap["datasets"].values()))
    assert len(rows) == 300 * 12 and {r["lag"] for r in rows} == set(range(12))  # 3,600 cells: daily
    document = json.loads((site / "metrics.json").read_text())
    # the concentration by hand from the CSV's vector: 1 - entropy / log T of each normalised row
    vector = pd.read_csv(vector_project / "predictions.csv", index_col=0).filter(like="att_").to_numpy()
    w = vector / vector.sum(axis=1, keepdims=True)
    concentration = pd.Series(1 + (w * np.log(w, where=w > 0, out=np.zeros_like(w))).sum(axis=1) / np.log(12))  # 0 log 0 = 0
    assert document["models"]["vec"]["attention"] == {
        "column": "attention_concentration",
        "degenerate": False,
        "mean": pytest.approx(concentration.mean(), rel=1e-9),
        "std": pytest.approx(concentration.std(ddof=1), rel=1e-9),
        "steps": 12,
    }
    test = document["strategies"]["sized"]["attention_test"]
    assert test["n_permutations"] == 200 and test["permutation_p_value"] < 0.05
    assert test["verdict"].startswith("Attention sizing beats both tests")
