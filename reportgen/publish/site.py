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
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reportgen.inputs.errors import SiteError
from reportgen.publish.safe_output import MARKER, checked_output_folder, staged_folder

log = logging.getLogger(__name__)

__all__ = ["MARKER", "SiteInput", "checked_site_dir", "write_site"]


@dataclass(frozen=True)
class SiteInput:
    pages: list  # reportgen.publish.pages.Page, in navigation order
    files: dict[str, bytes | Callable[[], bytes]]  # extra files by site path; a callable makes its bytes when written
    title: str
    mkdocs_config: Path
    build_date: str | None = None  # ISO date mkdocs stamps on the sitemap, unless SOURCE_DATE_EPOCH is set
    copyright: str = ""  # HTML (escaped text) that Material and Zensical print in every page footer
    # wraps the loop that makes the files (tearsheets and PDFs are made as they are written), to
    # show its progress: track(items, label) yields the items (reportgen.compute.tracked)
    track: Callable[[Iterable, str], Iterable] = lambda items, label: items


def _as_html(title: str) -> str:
    """A title as mkdocs and Material expect it: HTML, on one line."""
    return html.escape(" ".join(title.split()))


def _nav(pages) -> list:
    nav, sections = [], {}
    for page in pages:
        folder = page.path.split("/")[0] if "/" in page.path else None
        if folder in ("strategies", "models"):
            if folder not in sections:
                sections[folder] = []
                nav.append({folder.capitalize(): sections[folder]})
            sections[folder].append({_as_html(page.title): page.path})
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


def _overrides(site: SiteInput) -> dict:
    """What reportgen sets on top of the site's mkdocs.yml (besides the folders)."""
    overrides = {"site_name": _as_html(site.title), "nav": _nav(site.pages)}
    if site.copyright:
        overrides["copyright"] = site.copyright
    return overrides


def effective_mkdocs_yml(site: SiteInput) -> str:
    """A mkdocs.yml for the generated docs: the site's own one (INHERIT) plus reportgen's settings.

    Written beside the generated `docs/` folder so that another builder that reads mkdocs.yml
    (Zensical) builds the same pages. reportgen's own mkdocs build passes the same settings to
    mkdocs directly, so that relative paths in the site's mkdocs.yml keep their meaning.
    """
    import yaml

    document = {"INHERIT": str(site.mkdocs_config.resolve()), "docs_dir": "docs", "site_dir": "site", **_overrides(site)}
    header = "# Generated by reportgen: the settings below are added to the INHERITed mkdocs.yml.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


# A chart's spec as reportgen.publish.pages writes it: JSON for the browser inside a raw HTML
# block, which markdown copies to the page as it is. Found with str.find: a regular expression
# scanning 14 MB of JSON for the end tag took longer than mkdocs took over it.
_SPEC_OPEN = '<script type="application/json" class="reportgen-spec" data-target="'
_SPEC_CLOSE = "</script>"
_HELD = "reportgen-held-spec-"


def _spec_bodies(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of the body of each chart spec element in `text`."""
    at = text.find(_SPEC_OPEN)
    while at >= 0:
        start = text.index(">", at + len(_SPEC_OPEN)) + 1
        end = text.index(_SPEC_CLOSE, start)
        yield start, end
        at = text.find(_SPEC_OPEN, end)


def _replaced_bodies(text: str, replacement: Callable[[str], str]) -> str:
    parts, last = [], 0
    for start, end in _spec_bodies(text):
        parts += [text[last:start], replacement(text[start:end])]
        last = end
    return "".join(parts) + text[last:]


def _held_out(markdown: str, held: list[str]) -> str:
    """`markdown` with the JSON of each chart spec replaced by a short token, the JSON appended
    to `held` (token n stands for held[n]): mkdocs then reads a few kilobytes instead of 14 MB."""

    def token(body: str) -> str:
        held.append(body)
        return f"{_HELD}{len(held) - 1}"

    return _replaced_bodies(markdown, token)


def _specs_put_back(site_dir: Path, held: list[str], skip: Iterable[str]) -> None:
    """Each token _held_out left in the built pages replaced by its spec again: the pages are
    byte for byte what mkdocs makes of the whole markdown."""

    def spec(body: str) -> str:
        number = body.removeprefix(_HELD)
        return held[int(number)] if body.startswith(_HELD) and number.isdigit() else body

    skipped = set(skip)
    for path in sorted(site_dir.rglob("*.html")):
        if path.relative_to(site_dir).as_posix() not in skipped:
            text = path.read_text(encoding="utf-8")
            if _HELD in text:
                path.write_text(_replaced_bodies(text, spec), encoding="utf-8")


def _write_pages(site: SiteInput, docs: Path, held: list[str] | None = None) -> None:
    for page in site.pages:
        path = docs / page.path
        path.parent.mkdir(parents=True, exist_ok=True)
        source = _page_source(page)
        path.write_text(source if held is None else _held_out(source, held), encoding="utf-8")


def write_docs(site: SiteInput, folder: Path, held: list[str] | None = None) -> Path:
    """Write the markdown pages and files into `folder`/docs and the effective mkdocs.yml; return
    the latter. With `held`, the pages' chart specs are held out there (_held_out)."""
    docs = folder / "docs"
    _write_pages(site, docs, held)
    for name, content in site.track(list(site.files.items()), "writing tearsheets and downloads"):
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content() if callable(content) else content)
    config_file = folder / "mkdocs.yml"
    config_file.write_text(effective_mkdocs_yml(site), encoding="utf-8")
    return config_file


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
                **_overrides(site),
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


def write_site(site: SiteInput, site_dir: Path, docs_dir: Path | None = None) -> Path:
    """Build the whole site, then swap it in for `site_dir`; returns the resolved output folder.

    The caller holds the output folder's lock (safe_output.build_lock), as pipeline.build does.
    With `docs_dir`, the generated markdown and its effective mkdocs.yml are kept there too
    (replaced whole, under the same rules as the site folder).
    """
    target = checked_site_dir(site_dir, inputs=[site.mkdocs_config])
    kept = checked_site_dir(docs_dir, inputs=[site.mkdocs_config]) if docs_dir is not None else None
    if kept is not None and (kept == target or kept in target.parents or target in kept.parents):
        raise SiteError(f"{docs_dir}: the docs folder must lie outside the site folder and not contain it")
    target.parent.mkdir(parents=True, exist_ok=True)
    held: list[str] = []
    with tempfile.TemporaryDirectory(prefix=".reportgen-docs-") as work:
        write_docs(site, Path(work), held)
        with staged_folder(target) as fresh:
            _mkdocs_build(Path(work) / "docs", fresh, site)
            _specs_put_back(fresh, held, site.files)
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            with staged_folder(kept) as fresh_docs:
                shutil.copytree(work, fresh_docs, dirs_exist_ok=True)
                _write_pages(site, fresh_docs / "docs")  # with their specs, for another builder
    return target
