"""Write the site: the only module that imports mkdocs, and the only one that writes output.

The markdown pages and assets go to a temporary folder, mkdocs builds them into a temporary
sibling of the output folder, and only a complete build is swapped in by rename. An existing
output folder is replaced only when it carries reportgen's marker file (see safe_output).

mkdocs and Material print nav titles, page titles and the site name as HTML, so this module
HTML-escapes them; the page's <title> comes from its front matter (Material prints `page.title`
there through `striptags`, which would undo the escaping). mkdocs' warnings are logged as
reportgen warnings (so `--strict` counts them); its errors become one SiteError line.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import SiteError
from reportgen.safe_output import MARKER, checked_output_folder, staged_folder

log = logging.getLogger(__name__)

__all__ = ["MARKER", "SiteInput", "checked_site_dir", "write_site"]


@dataclass(frozen=True)
class SiteInput:
    pages: list  # reportgen.pages.Page, in navigation order
    files: dict[str, bytes]  # extra files by path relative to the site root
    title: str
    mkdocs_config: Path
    build_date: str | None = None  # ISO date mkdocs stamps on the sitemap, unless SOURCE_DATE_EPOCH is set


def _as_html(title: str) -> str:
    """A title as mkdocs and Material expect it: HTML, on one line."""
    return html.escape(" ".join(title.split()))


def _nav(pages) -> list:
    nav, strategies = [], []
    for page in pages:
        if page.path.startswith("strategies/"):
            if not strategies:
                nav.append({"Strategies": strategies})
            strategies.append({_as_html(page.title): page.path})
        else:
            nav.append({_as_html(page.title): page.path})
    return nav


def checked_site_dir(site_dir: Path, project: Path | None = None, inputs: Iterable[Path] = ()) -> Path:
    """The resolved output folder, refused unless reportgen may replace it (see safe_output)."""
    return checked_output_folder(site_dir, project, inputs)


class _MkdocsLog(logging.Handler):
    """mkdocs' warnings become reportgen warnings; its errors are kept for the one error line."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = " ".join(record.getMessage().split())
        if record.levelno >= logging.ERROR:
            self.errors.append(message)
        else:
            log.warning("mkdocs: %s", message)


@contextmanager
def _mkdocs_logging() -> Iterator[_MkdocsLog]:
    logger = logging.getLogger("mkdocs")
    handler, propagate = _MkdocsLog(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


@contextmanager
def _source_date_epoch(build_date: str | None) -> Iterator[None]:
    """SOURCE_DATE_EPOCH (which mkdocs honours) set to the report's build date, unless already set."""
    if build_date is None or os.environ.get("SOURCE_DATE_EPOCH"):
        yield
        return
    day = dt.datetime.fromisoformat(build_date).replace(tzinfo=dt.UTC)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(day.timestamp()))
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


def _mkdocs_build(docs_dir: Path, out_dir: Path, site: SiteInput) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    with _mkdocs_logging() as mkdocs_log, _source_date_epoch(site.build_date):
        try:
            config = load_config(
                config_file=str(site.mkdocs_config),
                docs_dir=str(docs_dir),
                site_dir=str(out_dir),
                site_name=_as_html(site.title),
                nav=_nav(site.pages),
            )
            build(config)
        except MkDocsException as exc:
            problems = [*mkdocs_log.errors, " ".join(str(exc.format_message()).split())]
            raise SiteError(f"{site.mkdocs_config}: mkdocs: {'; '.join(problems)}") from None


def _page_source(page) -> str:
    """The page's markdown, with its HTML-escaped title as front matter (for the <title> element)."""
    if page.path == "index.md":  # the home page's <title> is the site name
        return page.markdown
    return f"---\ntitle: {json.dumps(_as_html(page.title))}\n---\n\n{page.markdown}"


def write_site(site: SiteInput, site_dir: Path) -> Path:
    """Build the whole site, then swap it in for `site_dir`; returns the resolved output folder.

    The caller holds the output folder's lock (safe_output.build_lock), as pipeline.build does.
    """
    target = checked_site_dir(site_dir, inputs=[site.mkdocs_config])
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".reportgen-docs-") as work:
        docs = Path(work) / "docs"
        for page in site.pages:
            path = docs / page.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_page_source(page), encoding="utf-8")
        for name, content in site.files.items():
            path = docs / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        with staged_folder(target) as fresh:
            _mkdocs_build(docs, fresh, site)
    return target
