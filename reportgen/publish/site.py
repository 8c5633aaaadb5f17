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
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reportgen.inputs.errors import SiteError
from reportgen.publish.safe_output import MARKER, checked_output_folder, staged_folder

log = logging.getLogger(__name__)

__all__ = ["MARKER", "SiteInput", "StagedSite", "checked_site_dir", "staged_site"]


@dataclass(frozen=True)
class SiteInput:
    """The pages of a site and what mkdocs prints around them (its other files: StagedSite.write_files)."""

    pages: list  # reportgen.publish.pages.Page, in navigation order
    title: str
    mkdocs_config: Path
    build_date: str | None = None  # ISO date mkdocs stamps on the sitemap, unless SOURCE_DATE_EPOCH is set
    copyright: str = ""  # HTML (escaped text) that Material and Zensical print in every page footer


def _as_html(title: str) -> str:
    """A title as mkdocs and Material expect it: HTML, on one line."""
    return html.escape(" ".join(title.split()))


def _nav(pages) -> list:
    """The navigation: pages in order, those of a section (page.section) under its heading where
    the section first appears; each entry named by page.nav_title, else its title."""
    nav, sections = [], {}
    for page in pages:
        entry = {_as_html(page.nav_title or page.title): page.path}
        if not page.section:
            nav.append(entry)
            continue
        if page.section not in sections:
            sections[page.section] = []
            nav.append({_as_html(page.section): sections[page.section]})
        sections[page.section].append(entry)
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


def _write_files(files: Iterable[tuple[str, bytes | Callable[[], bytes]]], folders: list[Path]) -> None:
    for name, content in files:
        data = content() if callable(content) else content
        for folder in folders:
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


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
    _without_source_maps(out_dir)


_SOURCE_MAP_COMMENT = re.compile(rb"(//|/\*)# sourceMappingURL=[^\n]*")  # a script's or a stylesheet's last line


def _without_source_maps(site_dir: Path) -> None:
    """The theme's source maps taken out of a built site, with the comments that point to them.

    Material ships a .map beside each minified script and stylesheet: developer tools read them,
    readers never do. They hold the theme's whole source (1.3 MB), whose comments name other
    hosts, so a published report carries none of them."""
    for source_map in sorted(site_dir.glob("assets/**/*.map")):
        minified = source_map.with_suffix("")
        if minified.is_file():
            minified.write_bytes(_SOURCE_MAP_COMMENT.sub(b"", minified.read_bytes()))
        source_map.unlink()


def _page_source(page) -> str:
    """The page's markdown, with its HTML-escaped title as front matter (for the <title> element)."""
    if page.path == "index.md":  # the home page's <title> is the site name
        return page.markdown
    return f"---\ntitle: {json.dumps(_as_html(page.title))}\n---\n\n{page.markdown}"


class StagedSite:
    """A site being built beside its output folder, in two steps: build_pages (the markdown and
    mkdocs; it may run in another process while the build draws the static charts), then
    write_files (tearsheets, downloads, scripts).

    build_pages leaves an empty stand-in for each file to come, so that mkdocs resolves the pages'
    links to them; write_files writes each file over its stand-in in the built site (and in the
    generated docs when they are kept), so the site is the same byte for byte as mkdocs building
    everything at once.
    """

    def __init__(self, work: Path, fresh: Path, keep_docs: bool) -> None:
        self._work, self._fresh, self._keep_docs = work, fresh, keep_docs

    def build_pages(self, site: SiteInput, file_names: Iterable[str]) -> None:
        """The pages (their chart specs held out, see _held_out), a stand-in for each of
        `file_names` and the effective mkdocs.yml written; mkdocs builds them into the staged
        site; the specs are put back. With a docs folder to keep, the pages are kept whole too."""
        docs, held, names = self._work / "docs", [], list(file_names)
        _write_pages(site, docs, held)
        _write_files(((name, b"") for name in names), [docs])
        (self._work / "mkdocs.yml").write_text(effective_mkdocs_yml(site), encoding="utf-8")
        _mkdocs_build(docs, self._fresh, site)
        _specs_put_back(self._fresh, held, names)
        if self._keep_docs:
            _write_pages(site, self._work / "whole")  # with their specs, for another builder

    def write_files(self, files: dict[str, bytes | Callable[[], bytes]], track: Callable[[Iterable, str], Iterable] = lambda items, label: items) -> None:
        """Every file (a callable makes its bytes when written), in the docs and the staged site.
        `track(items, label)` yields the items, to show progress (reportgen.compute.tracked). The
        docs get them only when kept: mkdocs has built the pages by now (a 500-asset universe's
        tearsheets and downloads are 180 MB)."""
        folders = [self._work / "docs", self._fresh] if self._keep_docs else [self._fresh]
        _write_files(track(list(files.items()), "writing tearsheets and downloads"), folders)


@contextmanager
def staged_site(site_dir: Path, mkdocs_config: Path, docs_dir: Path | None = None) -> Iterator[StagedSite]:
    """A StagedSite for `site_dir`, swapped in for it when the block ends without error (else
    nothing changes). With `docs_dir`, the generated markdown and its effective mkdocs.yml are
    kept there too (replaced whole, under the same rules as the site folder).

    The caller holds the output folder's lock (safe_output.build_lock), as pipeline.build does.
    """
    target = checked_site_dir(site_dir, inputs=[mkdocs_config])
    kept = checked_site_dir(docs_dir, inputs=[mkdocs_config]) if docs_dir is not None else None
    if kept is not None and (kept == target or kept in target.parents or target in kept.parents):
        raise SiteError(f"{docs_dir}: the docs folder must lie outside the site folder and not contain it")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".reportgen-docs-") as work:
        with staged_folder(target) as fresh:
            yield StagedSite(Path(work), fresh, kept is not None)
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            with staged_folder(kept) as fresh_docs:
                shutil.copytree(Path(work) / "docs", fresh_docs / "docs")
                shutil.copytree(Path(work) / "whole", fresh_docs / "docs", dirs_exist_ok=True)
                shutil.copy2(Path(work) / "mkdocs.yml", fresh_docs / "mkdocs.yml")

