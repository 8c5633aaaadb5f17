"""Hostile names: every user-supplied string (site title, model and strategy names, descriptions,
reference sources, column and file names) must reach the site as text only: shown as typed,
never as markup, never as an attribute, a link or a script.

A site is built from a project whose every free-text field is hostile; its HTML is parsed and
then opened in headless Chromium (search included), which must run no injected code.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import html
import http.server
import json
import re
import textwrap
import threading
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.inputs.errors import ConfigError

from conftest import REPO
from test_browser import _chromium_or_skip, _QuietHandler, ARGS, CHROMIUM

HOSTILE = [
    "<script>alert(1)</script>",
    "</script><img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "{: onclick=alert(1)}",
    '<a href="javascript:alert(1)">x</a>',
    '" onmouseover="alert(1)',
    "<!-- x --><svg onload=alert(1)>",
    "![img](x\" onerror=\"alert(1))",
    "]]></script><script>alert(1)//",
    "`code` *em* _u_ ~~s~~ | pipe \\ &amp; &lt;b&gt; {{ 7*7 }}",
    "line one\n\n# heading\n    indented\n===",
    "javascript:alert(1)",
]
TITLE, MODEL, PRICE_COLUMN, ATTENTION_COLUMN = HOSTILE[0], HOSTILE[3], HOSTILE[1], HOSTILE[6]
PRICES_FILE = "<img src=x onerror=alert(2)>.csv"
STRATEGIES = [  # (id, name, description, reference source)
    ("s0", HOSTILE[0], HOSTILE[4], HOSTILE[2]),
    ("s1", HOSTILE[1], HOSTILE[9], HOSTILE[7]),
    ("s2", HOSTILE[10], HOSTILE[8], HOSTILE[5]),
    ("s3", HOSTILE[11], HOSTILE[2], HOSTILE[3]),
]
EPISODE_NAME, EPISODE_DESCRIPTION = "[evil](javascript:alert(4))", "<img src=x onerror=alert(4)> [x](javascript:alert(4))"
DEGENERATE_COLUMN = "`x` [evil](javascript:alert(5)) <b>b</b>"  # a constant attention column of a second model
SIDECAR_STRINGS = ["[f](javascript:alert(6))", "<b>f</b>`x`"]  # features, training keys, input path of the model page
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


def shown(value: str) -> str:
    """How a value reads on the page: runs of whitespace are one space (as HTML shows them)."""
    return re.sub(r"\s+", " ", value)


def toml_string(value: str) -> str:
    return json.dumps(value)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import build

    project = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2021-01-04", periods=200)
    closes = np.round(100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, 200))), 4)
    pd.DataFrame({"Date": dates.strftime("%Y-%m-%d"), PRICE_COLUMN: closes}).to_csv(project / PRICES_FILE, index=False)
    pd.DataFrame(
        {"predictions": np.round(rng.uniform(0.3, 0.7, 180), 6), ATTENTION_COLUMN: np.round(rng.uniform(0.05, 0.6, 180), 6)},
        index=pd.Index(dates[20:].strftime("%Y-%m-%d")),
    ).to_csv(project / "predictions.csv")
    pd.DataFrame(
        {"predictions": np.round(rng.uniform(0.3, 0.7, 180), 6), DEGENERATE_COLUMN: 0.5},
        index=pd.Index(dates[20:].strftime("%Y-%m-%d")),
    ).to_csv(project / "degenerate.csv")
    pd.DataFrame(
        {"name": [EPISODE_NAME], "start": ["2021-03-01"], "end": ["2021-04-01"], "description": [EPISODE_DESCRIPTION]}
    ).to_csv(project / "episodes.csv", index=False)
    from test_model_page import SIDECAR

    sidecar = copy.deepcopy(SIDECAR)
    sidecar["predictions_sha256"] = hashlib.sha256((project / "degenerate.csv").read_bytes()).hexdigest()
    sidecar["features"] = SIDECAR_STRINGS
    sidecar["training"] = {**sidecar["training"], **{name: name for name in SIDECAR_STRINGS}}
    sidecar["input"]["path"] = SIDECAR_STRINGS[0]
    (project / "degenerate.json").write_text(json.dumps(sidecar))
    config = f"""
        [site]
        title = {toml_string(TITLE)}
        [data]
        prices = {toml_string(PRICES_FILE)}
        price_column = {toml_string(PRICE_COLUMN)}
        episodes = "episodes.csv"
        [[models]]
        id = "d"
        name = "Degenerate"
        predictions = "degenerate.csv"
        provenance = "degenerate.json"
        attention_column = {toml_string(DEGENERATE_COLUMN)}
        [[models]]
        id = "m"
        name = {toml_string(MODEL)}
        predictions = "predictions.csv"
        attention_column = {toml_string(ATTENTION_COLUMN)}
    """
    for sid, name, description, source in STRATEGIES:
        config += f"""
        [[strategies]]
        id = "{sid}"
        name = {toml_string(name)}
        model = "m"
        description = {toml_string(description)}
        sizing = "attention"
        [strategies.reference]
        source = {toml_string(source)}
        total_trades = 3
        """
    config += """
        [[strategies]]
        id = "d0"
        name = "On the degenerate model"
        model = "d"
        sizing = "attention"
        """
    (project / "reportgen.toml").write_text(textwrap.dedent(config))
    build(load_config(project / "reportgen.toml"), project / "site")
    return project / "site"


class _Page(HTMLParser):
    """Attributes, script bodies and visible text of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str | None]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.text: list[str] = []
        self.title = ""
        self._open: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.attributes += [(tag, name, value) for name, value in attrs]
        if tag in ("script", "style", "title"):
            self._open.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data):
        if not self._open:
            self.text.append(data)
        elif self._open[-1][0] == "script":
            self.scripts.append((self._open[-1][1], data))
        elif self._open[-1][0] == "title":
            self.title += data

    @property
    def visible_text(self) -> str:
        return shown("".join(self.text))


def parsed(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_the_built_html_has_no_event_handler_or_script_url(hostile_site: Path):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) == 16  # overview, 5 strategies, model page, attention, sensitivity, methodology, 404, 5 one-file tearsheets
    for path in pages:
        page = parsed(path)
        for tag, name, value in page.attributes:
            assert not name.lower().startswith("on"), (path, tag, name, value)
            if name.lower() in URL_ATTRIBUTES and value:
                url = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
                assert not url.startswith(("javascript:", "vbscript:", "data:text/html")), (path, tag, name, value)
        for attrs, body in page.scripts:  # JSON script elements are data (see the chart spec test)
            assert attrs.get("type") == "application/json" or "alert" not in body, (path, attrs)
        assert not any(tag in ("iframe", "object", "embed", "base") for tag, _, _ in page.attributes), path
        # the only images are reportgen's static charts, SVG data URLs (an SVG image runs no script)
        images = [value for tag, name, value in page.attributes if tag == "img" and name == "src"]
        assert all(v.startswith("data:image/svg+xml;base64,") for v in images), path
        assert len(images) == len([a for t, a, _ in page.attributes if t == "img" and a == "class"]), path


def test_every_hostile_string_is_shown_as_typed(hostile_site: Path):
    overview = parsed(hostile_site / "index.html").visible_text
    for value in [TITLE, MODEL] + [s[1] for s in STRATEGIES] + [s[2] for s in STRATEGIES]:
        assert shown(value) in overview, value
    for sid, name, description, source in STRATEGIES:
        page = parsed(hostile_site / "strategies" / f"{sid}.html")
        assert f"Does it reproduce {shown(source)}?" in page.visible_text
        assert shown(description) in page.visible_text
        assert page.title == f"{shown(name)} - {TITLE}"
    assert shown(ATTENTION_COLUMN) in parsed(hostile_site / "attention.html").visible_text
    assert PRICES_FILE in parsed(hostile_site / "methodology.html").visible_text
    assert shown(EPISODE_NAME) in overview
    sensitivity = parsed(hostile_site / "sensitivity.html").visible_text
    assert f"{DEGENERATE_COLUMN.replace('`', '')} is constant" in sensitivity  # the reason, its code span as code
    assert shown(EPISODE_NAME) in sensitivity and shown(EPISODE_DESCRIPTION) in sensitivity
    model_page = parsed(hostile_site / "models" / "d.html").visible_text
    assert all(value in model_page for value in SIDECAR_STRINGS)


def test_names_inside_chart_specs_are_data(hostile_site: Path):
    page = parsed(hostile_site / "index.html")
    specs = [json.loads(body) for attrs, body in page.scripts if attrs.get("class") == "reportgen-spec"]
    assert len(specs) == 4  # equity and drawdown of each model
    raw = (hostile_site / "index.html").read_text()
    for block in re.findall(r'<script type="application/json" class="reportgen-spec"[^>]*>(.*?)</script>', raw, re.S):
        assert "<" not in block and ">" not in block
    rows = [row for spec in specs for dataset in spec["datasets"].values() for row in dataset]
    series = {row["series"] for row in rows if "series" in row}
    assert {row["name"] for row in rows if "name" in row and "series" not in row} == {EPISODE_NAME}  # the episode band's tooltip
    assert all(row["name"] == row["series"] for row in rows if "series" in row)  # a series' full name, for its tooltip
    expected = {name for _, name, _, _ in STRATEGIES} | {"Buy & hold", "On the degenerate model"}
    # strategies with the same returns are drawn once and named in the chart's note (data too)
    notes = json.dumps(specs)  # the note is the title of the lines' layer
    assert series <= expected and "Buy & hold" in series and (series == expected or "have the same values" in notes)


def test_metrics_json_keeps_the_names_as_data(hostile_site: Path):
    document = json.loads((hostile_site / "metrics.json").read_text())
    assert {sid: s["name"] for sid, s in document["strategies"].items()} == {
        **{sid: name for sid, name, _, _ in STRATEGIES}, "d0": "On the degenerate model"
    }
    assert document["models"]["m"]["name"] == MODEL


def test_ids_used_in_urls_and_chart_ids_cannot_hold_markup(tmp_path: Path):
    from reportgen.inputs.config import load_config

    config = (REPO / "pyproject.toml").read_text().replace('id = "attention_sized"', 'id = "<script>"')
    (tmp_path / "pyproject.toml").write_text(config)
    with pytest.raises(ConfigError, match=r"strategies\[2\]\.id: String should match pattern"):
        load_config(tmp_path / "pyproject.toml")


@pytest.fixture(scope="module")
def served_hostile(hostile_site: Path):
    handler = functools.partial(_QuietHandler, directory=str(hostile_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_browser_runs_no_injected_code(hostile_site: Path, served_hostile: str):
    playwright_api = _chromium_or_skip()
    pages = ["", "strategies/s0.html", "strategies/s1.html", "strategies/s2.html", "strategies/s3.html", "strategies/d0.html", "attention.html",
             "sensitivity.html", "methodology.html", "models/d.html", "tearsheets/d0.html"]
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page()
        dialogs, errors = [], []
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.on("pageerror", lambda error: errors.append(str(error)))
        for page in pages:
            tab.goto(f"{served_hostile}/{page}", wait_until="load")
            tab.wait_for_function(
                "() => [...document.querySelectorAll('.reportgen-chart')].every(e => e.dataset.drawn === 'yes')",
                timeout=20_000,
            )
            injected = tab.evaluate("() => document.querySelectorAll('img[src=\"x\"], svg[onload], [onclick], [onerror], [onmouseover]').length")
            assert injected == 0, page
            links = tab.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href.replace(/[\\x00-\\x20]/g, '').toLowerCase())")
            assert links and not [url for url in links if url.startswith(("javascript:", "vbscript:", "data:text/html"))], page
        # search results are built in the browser from the search index: shown as text there too
        tab.goto(f"{served_hostile}/", wait_until="load")
        tab.click("input.md-search__input")
        tab.keyboard.type("reproduce")
        tab.wait_for_selector(".md-search-result__item", timeout=20_000)
        results = tab.eval_on_selector_all(".md-search-result__item", "items => items.map(i => i.textContent)")
        injected = tab.evaluate("() => document.querySelectorAll('img[src=\"x\"], svg[onload], [onclick], [onerror]').length")
        browser.close()
    found = " ".join(shown(r) for r in results)
    assert all(f"Does it reproduce {shown(source)}?" in found for _, _, _, source in STRATEGIES), found
    assert injected == 0
    assert dialogs == [] and errors == []
