"""The build's cache keys and up-to-date check.

`computation_key` names the computed report (figures, chart specs, quantstats pages) by
everything it depends on; `site_key` adds the templates and mkdocs.yml, and a site whose stamp
carries that key is up to date.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from reportgen.inputs.config import Config
from reportgen.inputs.resources import input_files
from reportgen.publish import cache


def computation_key(config: Config) -> str | None:
    """What the computed report depends on: reportgen's code and libraries, the config (and where
    it is, since the report shows paths), every input's bytes, and SOURCE_DATE_EPOCH. None when
    an input is not a readable file: the loaders then say what is wrong, and nothing is cached."""
    files = input_files(config).data
    if not all(f.is_file() and os.access(f, os.R_OK) for f in files):
        return None
    parts: list[bytes | str] = [cache.code_fingerprint(), str(config.source.resolve()), config.source.read_bytes()]
    parts += [os.environ.get("SOURCE_DATE_EPOCH", "")]
    parts += [f.read_bytes() for f in files]
    return cache.fingerprint(parts)


BUILD_STAMP = ".reportgen-build.json"  # in the site: what it was built from, and mkdocs' warnings


def site_key(config: Config, key: str, docs_dir: Path | None) -> str:
    """What the published site depends on beyond the computed report: templates and mkdocs.yml."""
    inputs = input_files(config)
    templates = inputs.templates
    parts: list[bytes | str] = [key, str(docs_dir), inputs.mkdocs.read_bytes()]
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


