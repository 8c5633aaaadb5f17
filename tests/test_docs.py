"""reportgen's documentation site (docs/): its generated pages match the code, mkdocs builds it
with --strict, every page opens in Chromium without a console error or a request to another
host, and the README stays a few screens that link into it."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from conftest import REPO

DOCS = REPO / "docs"
CHROMIUM = "/usr/bin/chromium"
# A commit hash: 7 to 40 hex digits with at least one letter and one digit.
COMMIT_HASH = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b")


def _generator():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_pages_and_schema_match_the_code():
    generator = _generator()
    assert generator.stale_files() == []
    names = sorted(p.relative_to(DOCS).as_posix() for p in generator.generated_files())
    assert names == ["pages/reference/cli.md", "pages/reference/config.md", "pages/reportgen.schema.json"]


def test_the_cli_reference_has_every_command_and_option():
    from reportgen.cli import cli

    reference = (DOCS / "pages/reference/cli.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f"## `reportgen {name}`" in reference, name
        for param in command.params:
            for option in param.opts if param.param_type_name == "option" else ():
                assert f"`{option}" in reference, (name, option)


def test_every_page_is_in_the_navigation():
    config = yaml.safe_load((DOCS / "mkdocs.yml").read_text(encoding="utf-8"))

    def pages(nav) -> list[str]:
        found = []
        for entry in nav:
            value = next(iter(entry.values())) if isinstance(entry, dict) else entry
            found += pages(value) if isinstance(value, list) else [value]
        return found

    listed = sorted(pages(config["nav"]))
    on_disk = sorted(p.relative_to(DOCS / "pages").as_posix() for p in (DOCS / "pages").rglob("*.md"))
    assert listed == on_disk
    for guide in ("own-model", "universes", "training", "robustness", "sharing", "ci", "large-builds"):
        assert f"guides/{guide}.md" in listed


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(DOCS / "mkdocs.yml"), "-d", str(site)],
        capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    return site


def site_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).parent.as_posix() for p in site.rglob("index.html"))


def test_mkdocs_builds_the_docs_strictly_with_every_page_and_the_schema(docs_site):
    assert len(site_pages(docs_site)) == 14  # home, getting started, 7 guides, 4 references, FAQ
    schema = (docs_site / "reportgen.schema.json").read_text(encoding="utf-8")
    assert schema == (DOCS / "pages/reportgen.schema.json").read_text(encoding="utf-8")
    config_page = (docs_site / "reference/config/index.html").read_text(encoding="utf-8")
    assert "attention_prefix" in config_page and "<td><code>min_hold_days</code></td>" in config_page


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_every_docs_page_opens_offline_without_console_errors(docs_site):
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(docs_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    opened = []
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
            for page in site_pages(docs_site):
                tab = browser.new_page()
                errors, foreign = [], []
                tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                tab.on("pageerror", lambda e: errors.append(str(e)))
                tab.on("request", lambda r: foreign.append(r.url) if urlparse(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith("data:") else None)
                tab.goto(f"{base}/{'' if page == '.' else page + '/'}", wait_until="networkidle")
                opened.append((page, tab.locator("article h1").first.inner_text().rstrip("¶")))
                tab.close()
                assert errors == [], (page, errors)
                assert foreign == [], (page, foreign)
            browser.close()
    finally:
        server.shutdown()
    assert dict(opened)["faq"] == "FAQ and pitfalls" and dict(opened)["reference/config"] == "Config reference"


def test_the_readme_is_a_few_screens_naming_no_commit_and_linking_into_the_docs():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 250
    assert COMMIT_HASH.findall(readme) == []
    assert "![The overview page of the bundled report](.github/assets/overview.png)" in readme
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert {"docs/pages/getting-started.md", "docs/pages/reference/config.md", "docs/pages/faq.md"} <= set(links)
    assert [link for link in links if not (REPO / link).is_file()] == []
    for command in ("reportgen init", "reportgen build --strict", "reportgen serve"):
        assert command in readme


def test_the_benchmark_history_names_its_commands_and_no_commit():
    benchmarks = (REPO / "benchmarks" / "README.md").read_text(encoding="utf-8")
    assert COMMIT_HASH.findall(benchmarks) == []
    assert "python benchmarks/bench_build.py --no-scale" in benchmarks and "2-core x86-64" in benchmarks
    for page in (DOCS / "pages").rglob("*.md"):
        assert COMMIT_HASH.findall(page.read_text(encoding="utf-8")) == [], page


def documented_keys(markdown: str) -> list[str]:
    """`table.key` of every key set (or shown commented out) in the page's TOML blocks."""
    keys = []
    for block in re.findall(r"```toml\n(.*?)```", markdown, re.S):
        table = ""
        for line in block.splitlines():
            header = re.match(r"^\[\[?([\w.]+)\]\]?", line)
            if header:
                table = header.group(1)
                keys.append(table)
                continue
            key = re.match(r"^#?\s*([a-z_]+)\s*=", line)
            if key:
                keys.append(f"{table}.{key.group(1)}" if table else key.group(1))
    return keys


def test_every_key_the_guides_show_is_a_key_of_the_config():
    from reportgen.scaffold.schema import config_schema, schema_keys

    known = set(schema_keys(config_schema()))
    shown = {str(page.relative_to(DOCS)): documented_keys(page.read_text(encoding="utf-8")) for page in (DOCS / "pages").rglob("*.md")}
    assert sum(len(keys) for keys in shown.values()) > 80
    unknown = {page: [k for k in keys if k not in known] for page, keys in shown.items()}
    assert {page: keys for page, keys in unknown.items() if keys} == {}
