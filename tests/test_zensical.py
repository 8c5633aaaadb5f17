"""The generated markdown and its effective mkdocs.yml build with mkdocs and with the pinned
Zensical (Material for MkDocs' successor; the test extra installs it): same pages, navigation,
text, charts drawn in Chromium, downloads and footer."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reportgen.inputs.config import load_config
from reportgen.pipeline import build

PAGES = ["index.html", "strategies/signal.html", "strategies/sized.html", "attention.html", "methodology.html"]


@pytest.fixture(scope="module")
def kept_docs(tmp_path_factory) -> Path:
    from conftest import make_tiny_project

    project = make_tiny_project(tmp_path_factory.mktemp("zensical"))
    build(load_config(project / "reportgen.toml"), project / "site", docs_dir=project / "gen")
    return project


def check_site(site: Path, reference: Path) -> None:
    for page in PAGES:
        built, ours = (site / page).read_text(), (reference / page).read_text()
        assert re.findall(r'class="reportgen-spec"', built) == re.findall(r'class="reportgen-spec"', ours), page
        footer = re.search(r'md-copyright__highlight">\s*(.*?)\s*</div>', built, re.S).group(1)
        assert footer.startswith("reportgen ") and "config sha256 " in footer and "prices.csv " in footer, page
        assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', built), page
    for name in ("tearsheets/sized.html", "downloads/strategies/sized/trades.csv", "metrics.json"):
        assert (site / name).read_bytes() == (reference / name).read_bytes(), name


def test_kept_docs_carry_an_effective_mkdocs_yml(kept_docs: Path):
    config = yaml.safe_load((kept_docs / "gen/mkdocs.yml").read_text())
    assert Path(config["INHERIT"]).is_file()
    assert config["docs_dir"] == "docs" and config["site_name"] == "Tiny report"
    assert config["nav"][0] == {"Overview": "index.md"}
    assert config["copyright"].startswith("reportgen ")
    page = (kept_docs / "gen/docs/strategies/sized.md").read_text()
    assert 'class="reportgen-spec"' in page and "reportgen-held-spec-" not in page  # the specs, whole


def test_mkdocs_builds_the_effective_mkdocs_yml(kept_docs: Path, tmp_path: Path):
    gen = tmp_path / "gen"
    shutil.copytree(kept_docs / "gen", gen)
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(gen / "mkdocs.yml")], check=True,
                   env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    check_site(gen / "site", kept_docs / "site")
    charts = 0
    for page in PAGES:  # reportgen's build holds the specs out of mkdocs' way and puts them back
        built, ours = (gen / "site" / page).read_text(), (kept_docs / "site" / page).read_text()
        specs = re.findall(r'class="reportgen-spec" data-target="([^"]+)">(.*?)</script>', ours, re.S)
        charts += len(specs)
        assert specs == re.findall(r'class="reportgen-spec" data-target="([^"]+)">(.*?)</script>', built, re.S), page
        assert "reportgen-held-spec-" not in ours + built, page
        assert all(body.startswith("{") for _, body in specs), page
    assert charts >= 4


ZENSICAL_PIN = "zensical==0.0.73"  # the test extra's pin: later releases need zensical-ui, which PyPI lacks

# What a reader sees of a page, in Chromium: its title, the navigation (each link's text and the
# path it leads to), the article's text, and each chart's drawn state and marks.
READER_VIEW = """() => {
  const where = a => new URL(a.getAttribute('href'), location.href).pathname;  // each site is served at /
  return {
    title: document.title,
    nav: [...document.querySelectorAll('nav.md-nav--primary a.md-nav__link')].map(a => [a.textContent.trim(), where(a)]),
    text: document.querySelector('article').innerText,
    charts: [...document.querySelectorAll('.reportgen-chart')].map(e =>
      [e.id, e.dataset.drawn, e.querySelectorAll('svg g.mark-rect path, svg g.mark-line path, svg g.mark-area path').length]),
  };
}"""


def _zensical() -> str:
    zensical = shutil.which("zensical")
    if zensical is None:
        if os.environ.get("CI"):
            pytest.fail(f"Zensical is missing: the test extra installs {ZENSICAL_PIN}")
        pytest.skip(f"Zensical is not installed (pip install '.[test]', or {ZENSICAL_PIN})")
    version = subprocess.run([zensical, "--version"], capture_output=True, text=True).stdout.strip()
    assert version == ZENSICAL_PIN.split("==")[1], f"zensical {version}; the test extra pins {ZENSICAL_PIN}"
    return zensical


def _reader_views(browser, site: Path) -> dict[str, dict]:
    from test_browser import serving

    views = {}
    with serving(site) as base:
        for page in PAGES:
            tab = browser.new_context().new_page()
            errors = []
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(f"{base}/{page.removesuffix('index.html')}", wait_until="load")
            tab.wait_for_function(
                "() => [...document.querySelectorAll('.reportgen-chart')].every(e => ['yes', 'failed'].includes(e.dataset.drawn))",
                timeout=20_000,
            )
            views[page] = {**tab.evaluate(READER_VIEW), "errors": errors}
            tab.context.close()
    return views


def test_zensical_builds_what_a_reader_sees_in_chromium(kept_docs: Path, tmp_path: Path):
    """The pinned Zensical builds the kept markdown and mkdocs.yml into the pages reportgen's own
    mkdocs build makes, as a reader sees them in Chromium: same pages, navigation and text, every
    chart drawn with the same marks, no console error, the downloads the same bytes; the titles
    the same but the home page's."""
    from test_browser import _chromium_or_skip

    zensical = _zensical()
    gen = tmp_path / "gen"
    shutil.copytree(kept_docs / "gen", gen)
    result = subprocess.run([zensical, "build", "-f", str(gen / "mkdocs.yml")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    check_site(gen / "site", kept_docs / "site")
    assert sorted(p.relative_to(gen / "site").as_posix() for p in (gen / "site").rglob("*.html")) == sorted(
        p.relative_to(kept_docs / "site").as_posix() for p in (kept_docs / "site").rglob("*.html")
    )
    playwright_api = _chromium_or_skip()
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
        ours, theirs = _reader_views(browser, kept_docs / "site"), _reader_views(browser, gen / "site")
        browser.close()
    charts = 0
    for page in PAGES:
        assert theirs[page]["errors"] == [] and ours[page]["errors"] == [], page
        for key in ("nav", "text", "charts"):
            assert theirs[page][key] == ours[page][key], (page, key)
        # the one difference: Zensical titles the home page like the others ("Overview - Tiny report")
        title = f"Overview - {ours[page]['title']}" if page == "index.html" else ours[page]["title"]
        assert theirs[page]["title"] == title, page
        assert all(state == "yes" and marks > 0 for _, state, marks in theirs[page]["charts"]), page
        charts += len(theirs[page]["charts"])
    assert charts >= 4
    assert len(ours["index.html"]["nav"]) >= len(PAGES)
