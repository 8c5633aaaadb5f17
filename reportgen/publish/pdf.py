"""PDF tearsheets: the only module that imports WeasyPrint (the optional `pdf` extra).

A tearsheet's HTML already has a print layout (A4 pages, static SVG charts, no scripts needed):
WeasyPrint typesets exactly that, so the PDF holds what a browser would print.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from reportgen.inputs.errors import ConfigError


def check_available(config_source: Path) -> None:
    """A one-line error naming the extra when `[site] pdf = true` but WeasyPrint is not installed."""
    if importlib.util.find_spec("weasyprint") is None:
        raise ConfigError(
            f"{config_source}: [site] pdf = true needs WeasyPrint, which is not installed; "
            "install the pdf extra (pip install 'reportgen[pdf]') or set pdf = false"
        )


def tearsheet_pdf(html: str) -> bytes:
    """The tearsheet's print layout as PDF bytes (no file or network is read: everything is inline)."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    inline_only = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)  # a missing image fails the build
    # WeasyPrint logs every screen-only CSS rule it skips (media queries, vega-embed's styles) as
    # a warning; they are not the user's to fix, so they stay out of the build's warnings.
    weasy_log = logging.getLogger("weasyprint")
    level = weasy_log.level
    weasy_log.setLevel(logging.ERROR)
    try:
        return weasyprint.HTML(string=html, url_fetcher=inline_only).write_pdf()
    finally:
        weasy_log.setLevel(level)
