"""The same inputs give the same site, byte for byte: two builds in separate processes with
different hash seeds and the same SOURCE_DATE_EPOCH write identical trees. Without
SOURCE_DATE_EPOCH the build date is the newest input date, never the wall clock."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO, file_manifest, make_tiny_project, reportgen_cli

EPOCH = 1_700_000_000  # 2023-11-14 UTC
LAST_PREDICTION_DATE = "2022-02-25"  # the tiny project's newest input date


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The tiny project with a site_url, so that mkdocs writes dated sitemap entries."""
    project = make_tiny_project(tmp_path_factory.mktemp("determinism"))
    mkdocs = (REPO / "mkdocs.yml").read_text().replace("site_name:", "site_url: https://example.org/report/\nsite_name:", 1)
    (project / "mkdocs.yml").write_text(mkdocs)
    return project


def lastmods(site: Path) -> set[str]:
    return set(re.findall(r"<lastmod>([^<]+)</lastmod>", (site / "sitemap.xml").read_text()))


GOLDEN = Path(__file__).parent / "golden" / "tiny_site.sha256"


@pytest.fixture(scope="module")
def twin_sites(project: Path) -> tuple[Path, Path]:
    """The tiny project built twice, in separate processes with different hash seeds."""

    def built(name: str, seed: str) -> Path:
        result = reportgen_cli(
            "build", "--config", "reportgen.toml", "--site-dir", name,
            cwd=project, PYTHONHASHSEED=seed, SOURCE_DATE_EPOCH=str(EPOCH),
        )
        assert result.returncode == 0, result.stderr
        return project / name

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(built, ["site-a", "site-b"], ["1", "2"])
    return first, second


def test_two_builds_with_different_hash_seeds_are_byte_identical(twin_sites: tuple[Path, Path]):
    first, second = twin_sites
    manifest = file_manifest(first)
    assert manifest == file_manifest(second)
    assert len(manifest) > 50 and "search/search_index.json" in manifest and "sitemap.xml.gz" in manifest
    assert lastmods(first) == {"2023-11-14"}
    assert json.loads((first / "metrics.json").read_text())["build_date"] == "2023-11-14"


def golden_lines(site: Path) -> list[str]:
    """`sha256  path` of every file of the site but the build stamp, as `sha256sum` prints them."""
    files = {name: digest for name, digest in file_manifest(site).items() if len(digest) == 64}  # not folders
    return [f"{digest}  {name}" for name, digest in files.items() if not name.startswith(".reportgen")]


def test_the_tiny_site_matches_its_committed_manifest(twin_sites: tuple[Path, Path]):
    """A golden file: any change to what every build writes (a template, a library upgrade, a
    figure's definition) shows up here as a diff to review. After reviewing it, rewrite the
    manifest with REPORTGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_determinism.py."""
    lines = golden_lines(twin_sites[0])
    if os.environ.get("REPORTGEN_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text("\n".join(lines) + "\n")
    expected = GOLDEN.read_text().splitlines()
    changed = sorted({line[66:] for line in set(lines) ^ set(expected)})
    assert not changed, "files that differ from tests/golden/tiny_site.sha256: " + ", ".join(changed)
    assert len(lines) > 50


def test_without_source_date_epoch_the_build_date_is_the_newest_input_date(project: Path, monkeypatch):
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import build

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    build(load_config(project / "reportgen.toml"), project / "site-c")
    site = project / "site-c"
    assert lastmods(site) == {LAST_PREDICTION_DATE}
    with gzip.open(site / "sitemap.xml.gz") as packed:
        assert packed.read() == (site / "sitemap.xml").read_bytes()
    header_mtime = int.from_bytes((site / "sitemap.xml.gz").read_bytes()[4:8], "little")
    assert dt.datetime.fromtimestamp(header_mtime, dt.UTC).date().isoformat() == LAST_PREDICTION_DATE
    assert json.loads((site / "metrics.json").read_text())["build_date"] == LAST_PREDICTION_DATE
    assert "SOURCE_DATE_EPOCH" not in os.environ  # set for mkdocs only while it builds
