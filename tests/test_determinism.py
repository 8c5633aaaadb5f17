"""The same inputs give the same site, byte for byte: two builds in separate processes with
different hash seeds and the same SOURCE_DATE_EPOCH write identical trees. Without
SOURCE_DATE_EPOCH the build date is the newest input date, never the wall clock."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import gzip
import json
import os
import re
import shutil
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


READABLE = Path(__file__).parent / "golden" / "tiny_site"  # the text of every page, to diff against
TEXT_SUFFIXES = {".html", ".json", ".csv", ".xml", ".md", ".txt"}
LONG_RUN = 160  # characters: a longer run without a space (a chart spec, an inline image) is shown by its hash


def readable_lines(path: Path) -> list[str]:
    """A text file of the site as short lines a reviewer can diff: markup split at its tags, long
    runs (chart specs, inline SVGs and images, minified code) replaced by their sha256."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in {".html", ".xml"}:
        text = re.sub(r">\s*<", ">\n<", text)
    text = re.sub(
        rf"[^\s<>\"]{{{LONG_RUN},}}",
        lambda run: f"[{len(run.group(0))} characters, sha256 {hashlib.sha256(run.group(0).encode()).hexdigest()[:16]}]",
        text,
    )
    return [_shortened(line.rstrip()) for line in text.splitlines() if line.strip()]


def _shortened(line: str, width: int = 400) -> str:
    """A line too long to read (SVG path data, a data table on one line) as its start and hash."""
    if len(line) <= width:
        return line
    return f"{line[:120]} [... {len(line)} characters, sha256 {hashlib.sha256(line.encode()).hexdigest()[:16]}]"


def readable_files(site: Path) -> dict[str, list[str]]:
    return {
        path.relative_to(site).as_posix(): readable_lines(path)
        for path in sorted(site.rglob("*"))
        if path.is_file() and path.suffix in TEXT_SUFFIXES and "assets" not in path.relative_to(site).parts
    }


def changed_lines(name: str, lines: list[str], limit: int = 30) -> str:
    """What changed in one file against its readable golden copy, as a unified diff (or why none)."""
    golden = READABLE / f"{name}.txt"
    if not golden.exists():
        return f"{name}: no readable golden copy (a new file, or one that is not text)"
    diff = list(difflib.unified_diff(golden.read_text(encoding="utf-8").splitlines(), lines, f"golden/{name}", name, n=1, lineterm=""))
    if not diff:
        return f"{name}: only inside a long run (a chart spec, an image or minified code) or in whitespace"
    shown = diff[:limit] + ([f"... {len(diff) - limit} more diff lines"] if len(diff) > limit else [])
    return "\n".join(shown)


def test_the_tiny_site_matches_its_committed_manifest(twin_sites: tuple[Path, Path]):
    """A golden file: any change to what every build writes (a template, a library upgrade, a
    figure's definition) shows up here as a diff to review: the page and its changed lines. After
    reviewing it, rewrite the manifest and the readable copies with
    REPORTGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_determinism.py
    (byte identity holds with the versions of constraints.txt)."""
    site = twin_sites[0]
    lines = golden_lines(site)
    texts = readable_files(site)
    if os.environ.get("REPORTGEN_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text("\n".join(lines) + "\n")
        shutil.rmtree(READABLE, ignore_errors=True)
        for name, text in texts.items():
            (READABLE / f"{name}.txt").parent.mkdir(parents=True, exist_ok=True)
            (READABLE / f"{name}.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    expected = GOLDEN.read_text().splitlines()
    changed = sorted({line[66:] for line in set(lines) ^ set(expected)})
    built, golden = {line[66:] for line in lines}, {line[66:] for line in expected}
    report = "\n\n".join(
        f"{name}: removed" if name not in built
        else f"{name}: new" if name not in golden
        else changed_lines(name, texts[name]) if name in texts
        else f"{name}: changed (not text; see its sha256)"
        for name in changed
    )
    assert not changed, "files that differ from tests/golden/tiny_site.sha256:\n\n" + report
    assert len(lines) > 50


def test_a_changed_page_is_reported_by_name_and_line(twin_sites: tuple[Path, Path], tmp_path: Path):
    """The golden test's message names the page and shows the lines that changed."""
    page = tmp_path / "index.html"
    shutil.copy(twin_sites[0] / "index.html", page)
    lines = readable_lines(page)
    title = next(i for i, line in enumerate(lines) if "<h1" in line)
    lines[title] = lines[title].replace("<h1", "<h1 class=\"edited\"", 1)
    message = changed_lines("index.html", lines)
    assert "--- golden/index.html" in message and "+++ index.html" in message
    assert "+" + lines[title] in message.splitlines()
    assert changed_lines("index.html", readable_lines(page)).endswith("or in whitespace")


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
