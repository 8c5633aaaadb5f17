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


def test_two_builds_with_different_hash_seeds_are_byte_identical(project: Path):
    def built(name: str, seed: str) -> Path:
        result = reportgen_cli(
            "build", "--config", "reportgen.toml", "--site-dir", name,
            cwd=project, PYTHONHASHSEED=seed, SOURCE_DATE_EPOCH=str(EPOCH),
        )
        assert result.returncode == 0, result.stderr
        return project / name

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(built, ["site-a", "site-b"], ["1", "2"])
    manifest = file_manifest(first)
    assert manifest == file_manifest(second)
    assert len(manifest) > 50 and "search/search_index.json" in manifest and "sitemap.xml.gz" in manifest
    assert lastmods(first) == {"2023-11-14"}
    assert json.loads((first / "metrics.json").read_text())["build_date"] == "2023-11-14"


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
