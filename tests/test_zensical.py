"""The generated markdown and its effective mkdocs.yml build with mkdocs and, when installed,
with Zensical (Material for MkDocs' successor): same pages, charts, downloads and footer."""

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


def test_zensical_builds_the_same_pages(kept_docs: Path, tmp_path: Path):
    zensical = shutil.which("zensical")
    if zensical is None:
        pytest.skip("Zensical is not installed (pip install zensical)")
    gen = tmp_path / "gen"
    shutil.copytree(kept_docs / "gen", gen)
    result = subprocess.run([zensical, "build", "-f", str(gen / "mkdocs.yml")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    check_site(gen / "site", kept_docs / "site")
    assert "Zensical" in (gen / "site/index.html").read_text()
