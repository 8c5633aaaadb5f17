"""The build's cache keys and up-to-date check.

`computation_key` names the computed report (figures, chart specs, quantstats pages) by
everything it depends on; `site_key` adds the templates and mkdocs.yml, and a site whose stamp
carries that key is up to date.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from reportgen.publish import cache

T = TypeVar("T")


def computation_key(config_file: Path, data_files: list[Path]) -> str | None:
    """What the computed report depends on: reportgen's code and libraries, the config (and where
    it is, since the report shows paths), every input's bytes, and SOURCE_DATE_EPOCH. None when
    an input is not a readable file: the loaders then say what is wrong, and nothing is cached."""
    if not all(f.is_file() and os.access(f, os.R_OK) for f in data_files):
        return None
    parts: list[bytes | str] = [cache.code_fingerprint(), str(config_file.resolve()), config_file.read_bytes()]
    parts += [os.environ.get("SOURCE_DATE_EPOCH", "")]
    parts += [f.read_bytes() for f in data_files]
    return cache.fingerprint(parts)


def cached_report(key: str | None, compute: Callable[[], T]) -> tuple[T, bool]:
    """The computed report of `key` from the cache, or computed (and stored) now: (it, computed
    now). None as the key: computed, never stored."""
    computed = []

    def made() -> T:
        computed.append(True)
        return compute()

    value = made() if key is None else cache.cached_object("report", key, made)
    return value, bool(computed)


BUILD_STAMP = ".reportgen-build.json"  # in the site: what it was built from, and mkdocs' warnings


def site_key(key: str, docs_dir: Path | None, templates: Path, mkdocs: Path) -> str:
    """What the published site depends on beyond the computed report: templates and mkdocs.yml."""
    parts: list[bytes | str] = [key, str(docs_dir), mkdocs.read_bytes()]
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        parts += [str(path.relative_to(templates)), path.read_bytes()]
    return cache.fingerprint(parts)


def up_to_date_warnings(site_dir: Path, stamp: str) -> list[str] | None:
    """mkdocs' warnings of the site already in `site_dir` if it was built from `stamp`, else None."""
    try:
        recorded = json.loads((site_dir / BUILD_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if recorded.get("key") != stamp or not (site_dir / "index.html").is_file():
        return None
    return list(recorded.get("warnings", []))


def write_build_stamp(site_dir: Path, stamp: str, warnings: list[str]) -> None:
    """Record in the site what it was built from and mkdocs' warnings (see up_to_date_warnings)."""
    (site_dir / BUILD_STAMP).write_text(json.dumps({"key": stamp, "warnings": warnings}, indent=1) + "\n", encoding="utf-8")
