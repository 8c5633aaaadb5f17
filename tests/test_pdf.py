"""`[site] pdf = true`: each tearsheet's print layout as a PDF (the optional `pdf` extra)."""

import base64
import html as html_text
import importlib.util
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import unicodedata

import pytest

from conftest import TINY_CONFIG, make_tiny_project
from reportgen.inputs.config import load_config
from reportgen.inputs.errors import ConfigError
from reportgen.pipeline import build
from reportgen.publish import pdf
from reportgen.publish.formats import percent as pct, ratio as num

PDF_CONFIG = TINY_CONFIG.replace('title = "Tiny report"', 'title = "Tiny report"\npdf = true')


def words(text: str) -> str:
    """Text as a reader reads it: whitespace collapsed, ligatures split (Chrome prints "fl" as one
    glyph), the minus sign of SVG axis labels as "-"."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).replace("\u2212", "-")


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
            assert words(f"{label} {value}") in pages[0], (sid, label, value)  # the % joined by a non-breaking space
        assert "Long while the prediction of Tiny model is above 0.5, flat otherwise." in text  # a setting, as configured
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


# ---------------------------------------------------------------- print layout as a reader sees it

A4_HEIGHT_PT = 841.89
MARGIN_PT = 14 / 25.4 * 72  # @page margin of _tearsheet_style.html.j2 (top and bottom)
HALF_FULL = 0.5


def page_fill(page) -> float:
    """How far down the page's printed area its lowest text reaches (0 = empty, 1 = to the bottom
    margin). Every chart ends with its caption, an HTML line of text, so text marks the content's
    end. (pypdf gives no position for the text inside a chart, a form XObject: left out.)"""
    lowest = []

    def visit(text, cm, tm, font, size):
        inside_a_chart = list(cm) == [1, 0, 0, 1, 0, 0] and tm[4] == tm[5] == 0
        if text.strip() and not inside_a_chart:
            x, y = tm[4], tm[5]
            lowest.append(cm[1] * x + cm[3] * y + cm[5])  # the text's baseline in page space

    page.extract_text(visitor_text=visit)
    if not lowest:
        return 0.0
    height = float(page.mediabox.height)
    return (height - MARGIN_PT - min(lowest)) / (height - 2 * MARGIN_PT)


def legend_labels(svg: str) -> list[str]:
    """The labels of every legend of one static SVG chart."""
    groups = re.findall(r'class="mark-text role-legend-label"[^>]*>(.*?)</g>', svg, re.S)
    return [words(html_text.unescape(t)).strip() for group in groups for t in re.findall(r"<text[^>]*>([^<]+)</text>", group)]


@pytest.fixture(scope="module")
def pdf_sites(tmp_path_factory):
    """The tiny single-asset project and the tiny universe, both with `[site] pdf = true`."""
    pytest.importorskip("weasyprint")
    from conftest import UNIVERSE_CONFIG, write_universe

    tiny = make_tiny_project(tmp_path_factory.mktemp("tiny-pdf"), PDF_CONFIG)
    build(load_config(tiny / "reportgen.toml"), tiny / "site")
    universe = tmp_path_factory.mktemp("universe-pdf")
    write_universe(universe, days=300)
    (universe / "reportgen.toml").write_text(UNIVERSE_CONFIG.replace('title = "Universe report"', 'title = "Universe report"\npdf = true'))
    build(load_config(universe / "reportgen.toml"), universe / "site")
    return [tiny / "site", universe / "site"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_forked_workers_typeset_the_pdfs_and_the_site_is_the_same_bytes(pdf_sites, tmp_path):
    from conftest import file_manifest

    tiny = pdf_sites[0].parent
    command = [sys.executable, "-m", "reportgen", "build", "--config", "reportgen.toml", "--site-dir", str(tmp_path / "site")]
    env = {**os.environ, "REPORTGEN_CACHE_DIR": "off", "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([*command, "--scheduler", "processes", "--workers", "2"], cwd=tiny, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # one task a tearsheet, on the workers, while the other files are written beside them
    assert "PDF tearsheets (2 forked worker processes): 2/2 done" in done.stderr
    made = file_manifest(tmp_path / "site")
    assert sorted(name for name in made if name.endswith(".pdf")) == ["tearsheets/signal.pdf", "tearsheets/sized.pdf"]
    assert made == file_manifest(pdf_sites[0])


def test_a_pdf_task_needs_nothing_from_the_build_s_folders(pdf_sites, tmp_path):
    """A cluster's worker may run on another host: the PDF tasks get the templates' text, not
    their folder (here moved away while the tasks run, on data pickled as Dask ships it)."""
    from conftest import REPO, file_manifest
    from reportgen.compute.local import in_process

    (tmp_path / "project").mkdir()
    project = make_tiny_project(tmp_path / "project", PDF_CONFIG)
    shutil.copytree(REPO / "templates", project / "templates")  # templates/ beside the config: this project's own
    pdf_maps = []

    def on_another_host(function, tasks, shared, label="", imports=(), beside=None):
        if label != "PDF tearsheets":
            return in_process(function, tasks, shared, label, imports, beside)
        pdf_maps.append(len(tasks))
        (project / "templates").rename(tmp_path / "elsewhere")
        try:
            shipped = pickle.loads(pickle.dumps(shared))
            outputs = [function(shipped, task) for task in tasks]
        finally:
            (tmp_path / "elsewhere").rename(project / "templates")
        beside()
        return outputs

    build(load_config(project / "reportgen.toml"), project / "site", map_tasks=on_another_host)
    assert pdf_maps == [2]
    assert file_manifest(project / "site") == file_manifest(pdf_sites[0])


def test_no_pdf_page_but_the_last_is_less_than_half_full(pdf_sites):
    pypdf = pytest.importorskip("pypdf")
    checked = 0
    for site in pdf_sites:
        for path in sorted((site / "tearsheets").glob("*.pdf")):
            fills = [page_fill(page) for page in pypdf.PdfReader(path).pages]
            assert all(fill >= HALF_FULL for fill in fills[:-1]), (path.name, [round(f, 2) for f in fills])
            checked += 1
    assert checked == 4  # signal, sized; equal, attention


def test_every_legend_label_of_every_chart_is_in_the_pdf_once_per_legend_and_unbroken(pdf_sites):
    pypdf = pytest.importorskip("pypdf")
    checked = 0
    for site in pdf_sites:
        for path in sorted((site / "tearsheets").glob("*.pdf")):
            pages = [words(page.extract_text()) for page in pypdf.PdfReader(path).pages]
            html = path.with_suffix(".html").read_text()
            svgs = [base64.b64decode(s).decode() for s in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
            for svg in svgs:
                labels = legend_labels(svg)
                assert not any(label.endswith("…") for label in labels), (path.name, labels)  # never cut
                for label in set(labels):
                    # whole (one text run, never wrapped or cut) on some page, as often as the legends draw it there or more
                    drawn = sum(1 for s in svgs if label in legend_labels(s))
                    found = sum(page.count(label) for page in pages)
                    assert found >= drawn >= 1, (path.name, label, found, drawn)
                    checked += 1
    assert checked >= 20
