"""`[site] pdf = true`: each tearsheet's print layout as a PDF (the optional `pdf` extra)."""

import base64
import html as html_text
import importlib.util
import json
import re

import pytest

from conftest import TINY_CONFIG, make_tiny_project
from reportgen.inputs.config import load_config
from reportgen.inputs.errors import ConfigError
from reportgen.pipeline import build
from reportgen.publish import pdf
from reportgen.publish.pages import num, pct

PDF_CONFIG = TINY_CONFIG.replace('title = "Tiny report"', 'title = "Tiny report"\npdf = true')


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace("\u2212", "-")  # SVG axis labels use the minus sign


def test_without_the_extra_pdf_true_is_a_one_line_error(tmp_path, monkeypatch):
    project = make_tiny_project(tmp_path, PDF_CONFIG)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "weasyprint" else real(name, *a))
    with pytest.raises(ConfigError) as error:
        build(load_config(project / "reportgen.toml"))
    assert str(error.value) == (
        f"{project / 'reportgen.toml'}: [site] pdf = true needs WeasyPrint, which is not installed; "
        "install the pdf extra (pip install 'reportgen[pdf]') or set pdf = false"
    )
    assert not (project / "site").exists()  # checked before anything is computed or written


def test_each_tearsheet_becomes_a_pdf_with_its_figures_rules_verdict_and_charts(tmp_path):
    pytest.importorskip("weasyprint")
    pypdf = pytest.importorskip("pypdf")
    project = make_tiny_project(tmp_path, PDF_CONFIG)
    site = project / "site"
    build(load_config(project / "reportgen.toml"), site)
    document = json.loads((site / "metrics.json").read_text())
    assert sorted(p.name for p in (site / "tearsheets").glob("*.pdf")) == ["signal.pdf", "sized.pdf"]
    for sid, figures in document["strategies"].items():
        reader = pypdf.PdfReader(site / "tearsheets" / f"{sid}.pdf")
        pages = [words(page.extract_text()) for page in reader.pages]
        text = " ".join(pages)
        # A4: the figures, rules and verdict on the first page, six charts two or three a page after it
        assert 3 <= len(pages) <= 6, len(pages)
        assert "Headline figures" in pages[0] and "Rules" in pages[0]
        for label, value in (("Total return", pct(figures["total_return"])), ("Sharpe", num(figures["sharpe"])),
                             ("Max drawdown", pct(figures["max_drawdown"]))):
            assert f"{label} {value}" in pages[0], (sid, label, value)
        assert "Long while the prediction of Tiny model is above 0.50, flat otherwise." in text
        if figures.get("attention_test"):
            assert words(figures["attention_test"]["verdict"]) in text
        # every chart is drawn: every text of each static SVG of the HTML tearsheet (axis titles,
        # tick labels, legends) is in the PDF
        html = (site / "tearsheets" / f"{sid}.html").read_text()
        svgs = [base64.b64decode(s).decode() for s in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
        assert len(svgs) == 6
        for svg in svgs:
            labels = {words(html_text.unescape(t)).strip() for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg)} - {""}
            missing = [label for label in labels if label not in text]
            assert len(labels) >= 5 and not missing, (sid, missing)
        assert "reportgen 0.1.0 · build date 2022-02-25" in pages[-1]


def test_the_pdf_is_the_same_bytes_for_the_same_tearsheet(tmp_path):
    pytest.importorskip("weasyprint")
    html = "<html><body><h1>Same</h1><img src='data:image/svg+xml;base64," + base64.b64encode(
        b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect width='10' height='10'/></svg>"
    ).decode() + "'></body></html>"
    assert pdf.tearsheet_pdf(html) == pdf.tearsheet_pdf(html)
