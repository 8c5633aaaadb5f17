"""The site's files besides its pages: metrics.json, the vega bundle, scripts, styles and tearsheets."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from reportgen.analysis import metrics
from reportgen.inputs.config import Config
from reportgen.publish import cache, downloads, pages
from reportgen.publish.footer import provenance_line
from reportgen.results import Report

_ASSETS = Path(__file__).resolve().parent / "assets"


def vega_bundle() -> str:
    """The vega/vega-lite/vega-embed script, made once per reportgen and library versions."""

    def made() -> str:
        from reportgen.publish import charts  # Altair and vl-convert only on a miss

        return charts.vega_bundle()

    return cache.cached_text("vega-bundle", cache.code_fingerprint(), made)


def chart_svg(spec: dict) -> str:
    """A chart as static SVG, made once per spec."""

    def made() -> str:
        from reportgen.publish import charts

        return charts.chart_svg(spec)

    key = cache.fingerprint([cache.code_fingerprint(), json.dumps(spec, sort_keys=True, separators=(",", ":"))])
    return cache.cached_text("svg", key, made)


def site_files(document: dict) -> dict[str, bytes]:
    """Files copied into the site besides the pages: figures as JSON, scripts, styles."""
    assets = _ASSETS
    text = json.dumps(document, indent=2, sort_keys=True, allow_nan=False)
    return {
        "metrics.json": (text + "\n").encode(),
        "assets/javascripts/vega-bundle.js": vega_bundle().encode(),
        "assets/javascripts/reportgen-charts.js": (assets / "reportgen-charts.js").read_bytes(),
        "assets/stylesheets/reportgen.css": (assets / "reportgen.css").read_bytes(),
    }


def quantstats_tearsheets(config: Config, report: Report) -> dict[str, str]:
    """quantstats' HTML tearsheet by strategy id, when `[site] tearsheet = "quantstats"`.

    Strategies whose returns never change get none (quantstats cannot compute it).
    """
    if config.site.tearsheet != "quantstats":
        return {}
    made = {
        s.id: metrics.quantstats_tearsheet_html(s.returns, m.benchmark_returns, report.periods_per_year, s.config.name)
        for m, s in report.strategies
    }
    return {sid: page for sid, page in made.items() if page is not None}


def _encoded(page: Callable[[], str]) -> Callable[[], bytes]:
    return lambda: page().encode()


def _pdf(page: Callable[[], str], tearsheet_pdf: Callable[[str], bytes]) -> Callable[[], bytes]:
    return lambda: tearsheet_pdf(page())


def tearsheet_files(
    report: Report, specs: dict[str, dict], templates: Path, quantstats_pages: dict[str, str], document: dict,
    pdf: bool = False,
) -> dict[str, bytes | Callable[[], bytes]]:
    """Each strategy's one-file tearsheet (made when the site writes it), quantstats' one when
    made, and with `pdf` each tearsheet's PDF, by site path."""
    assets = _ASSETS
    sheet = pages.TearsheetInput(
        scripts=vega_bundle() + "\n" + (assets / "reportgen-charts.js").read_text(encoding="utf-8"),
        static_svg=lambda chart_id: chart_svg(specs[chart_id]),
        attachments=downloads.strategy_downloads(report, document) | downloads.portfolio_downloads(report, document),
        provenance=provenance_line(report),
        quantstats_files={sid: Path(downloads.quantstats_tearsheet_path(sid)).name for sid in quantstats_pages},
    )
    rendered = pages.rendered_tearsheets(report, specs, templates, sheet)
    files: dict[str, bytes | Callable[[], bytes]] = {
        downloads.tearsheet_path(sid): _encoded(page) for sid, page in rendered.items()
    }
    if pdf:
        from reportgen.publish.pdf import tearsheet_pdf

        for sid, page in rendered.items():
            files[str(Path(downloads.tearsheet_path(sid)).with_suffix(".pdf"))] = _pdf(page, tearsheet_pdf)
    files.update({downloads.quantstats_tearsheet_path(sid): page.encode() for sid, page in quantstats_pages.items()})
    return files


