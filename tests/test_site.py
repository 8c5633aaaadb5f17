"""reportgen.publish.site: files that are made after the mkdocs build (late files)."""

from __future__ import annotations

import shutil
from pathlib import Path

from reportgen.publish.pages import Page
from reportgen.publish.site import SiteInput, write_site

REPO = Path(__file__).resolve().parent.parent


def test_late_files_are_made_after_the_mkdocs_build_in_the_site_and_the_kept_docs(tmp_path: Path, caplog):
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    site_dir, docs_dir = tmp_path / "site", tmp_path / "docs-kept"
    made = []

    def late_page() -> bytes:
        # mkdocs has built the pages into the staged site folder (a hidden sibling of site/), and
        # the link to this file resolved against an empty stand-in meanwhile
        made.append([path.name for path in tmp_path.glob(".*/index.html")])
        return b"<html>the tearsheet</html>"

    page = Page("index.md", "Home", "[tearsheet](tearsheets/one.html) and [data](data.csv)\n")
    site = SiteInput(
        [page], {"data.csv": b"a,b\n1,2\n"}, "Late", tmp_path / "mkdocs.yml", "2024-01-02",
        late_files={"tearsheets/one.html": late_page},
    )
    with caplog.at_level("WARNING"):
        write_site(site, site_dir, docs_dir)
    assert len(made) == 1  # made once, written to both folders
    assert made[0] == ["index.html"], "the late file was made before the mkdocs build"
    assert (site_dir / "tearsheets" / "one.html").read_bytes() == b"<html>the tearsheet</html>"
    assert (docs_dir / "docs" / "tearsheets" / "one.html").read_bytes() == b"<html>the tearsheet</html>"
    assert (site_dir / "data.csv").read_bytes() == b"a,b\n1,2\n"
    assert 'href="tearsheets/one.html"' in (site_dir / "index.html").read_text(encoding="utf-8")
    assert not [r for r in caplog.records if r.name.startswith(("reportgen", "mkdocs"))], caplog.records
