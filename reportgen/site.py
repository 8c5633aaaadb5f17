"""Write the site: the only module that imports mkdocs, and the only one that writes output.

The markdown pages and assets go to a temporary folder, mkdocs builds them into a temporary
sibling of the output folder, and only a complete build is swapped in by rename. An existing
output folder is replaced only when it carries reportgen's marker file.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import SiteError

log = logging.getLogger(__name__)

MARKER = ".reportgen-site"


@dataclass(frozen=True)
class SiteInput:
    pages: list  # reportgen.pages.Page, in navigation order
    files: dict[str, bytes]  # extra files by path relative to the site root
    title: str
    mkdocs_config: Path


def _nav(pages) -> list:
    nav, sections = [], {}
    for page in pages:
        folder = page.path.split("/")[0] if "/" in page.path else None
        if folder in ("strategies", "models"):
            if folder not in sections:
                sections[folder] = []
                nav.append({folder.capitalize(): sections[folder]})
            sections[folder].append({page.title: page.path})
        else:
            nav.append({page.title: page.path})
    return nav


def checked_site_dir(site_dir: Path) -> Path:
    """The resolved output folder, refused unless it is absent, empty, or made by reportgen."""
    resolved = site_dir.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        raise SiteError(f"{site_dir}: refusing to write a site over {resolved}")
    if resolved.exists() and not resolved.is_dir():
        raise SiteError(f"{site_dir}: exists and is not a folder")
    if resolved.is_dir() and any(resolved.iterdir()) and not (resolved / MARKER).is_file():
        raise SiteError(
            f"{site_dir}: folder is not empty and was not made by reportgen (no {MARKER}); "
            "choose another --site-dir or empty it"
        )
    return resolved


def _mkdocs_build(docs_dir: Path, out_dir: Path, site: SiteInput) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config = load_config(
        config_file=str(site.mkdocs_config),
        docs_dir=str(docs_dir),
        site_dir=str(out_dir),
        site_name=site.title,
        nav=_nav(site.pages),
    )
    build(config)


def write_site(site: SiteInput, site_dir: Path) -> Path:
    """Build the whole site, then swap it in for `site_dir`; returns the resolved output folder."""
    target = checked_site_dir(site_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".reportgen-docs-") as work:
        docs = Path(work) / "docs"
        for page in site.pages:
            path = docs / page.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(page.markdown, encoding="utf-8")
        for name, content in site.files.items():
            path = docs / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        fresh.chmod(0o755)  # mkdtemp makes it private; a published site must be readable
        try:
            _mkdocs_build(docs, fresh, site)
            (fresh / MARKER).write_text("made by reportgen; replaced whole on each build\n")
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
    _swap(fresh, target)
    return target


def _swap(fresh: Path, target: Path) -> None:
    if not target.exists():
        os.replace(fresh, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old)
