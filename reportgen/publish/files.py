"""The site's files besides its pages: metrics.json, the vega bundle, scripts, styles and tearsheets."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reportgen.analysis import metrics
from reportgen.publish import cache, downloads, pages
from reportgen.publish.chart_tasks import spec_text
from reportgen.publish.footer import provenance_line
from reportgen.results import Report

_ASSETS = Path(__file__).resolve().parent / "assets"
_SHIPPED_BUNDLE = _ASSETS / "vega" / "vega-bundle.js"
_SHIPPED_BUNDLE_VERSIONS = _ASSETS / "vega" / "versions.json"
_BUNDLE_MADE_BY = ("vl-convert-python", "altair")  # vl-convert makes the bundle; Altair sets its vega-lite version


def _bundle_key() -> str:
    return cache.code_fingerprint()


def _svg_key(spec: dict) -> str:
    return cache.fingerprint([cache.code_fingerprint(), spec_text(spec)])


@functools.lru_cache(maxsize=1)
def shipped_vega_bundle() -> str | None:
    """The vega bundle shipped with reportgen (assets/vega/), when this machine would make the
    same one: vl-convert-python and Altair at the versions it was made with. Else None.

    Making it takes vl-convert 1.4 s of CPU, on every cold build (a fresh CI runner), for a
    script that depends only on those two versions; tests/test_files.py checks the shipped file
    against vl-convert's own output.
    """
    made_with = json.loads(_SHIPPED_BUNDLE_VERSIONS.read_text(encoding="utf-8"))
    if any(cache.installed_version(name) != made_with[name] for name in _BUNDLE_MADE_BY):
        return None
    return _SHIPPED_BUNDLE.read_text(encoding="utf-8")


def write_shipped_vega_bundle() -> None:
    """Make the shipped bundle again with the installed vl-convert-python and Altair (after an
    upgrade of either; see assets/vega/README.md)."""
    import hashlib

    from reportgen.publish import charts

    bundle = charts.vega_bundle()
    _SHIPPED_BUNDLE.write_text(bundle, encoding="utf-8")
    versions = {name: cache.installed_version(name) for name in _BUNDLE_MADE_BY}
    versions |= {"vega-lite": charts.VEGA_LITE_VERSION, "sha256": hashlib.sha256(bundle.encode()).hexdigest()}
    _SHIPPED_BUNDLE_VERSIONS.write_text(json.dumps(versions, indent=2) + "\n", encoding="utf-8")
    shipped_vega_bundle.cache_clear()


def vega_bundle() -> str:
    """The vega/vega-lite/vega-embed script: the shipped one when it applies, else made once per
    reportgen and library versions."""
    shipped = shipped_vega_bundle()
    if shipped is not None:
        return shipped

    def made() -> str:
        from reportgen.publish import charts  # Altair and vl-convert only on a miss

        return charts.vega_bundle()

    return cache.cached_text("vega-bundle", _bundle_key(), made)


def chart_svg(spec: dict) -> str:
    """A chart as static SVG, made once per spec."""

    def made() -> str:
        from reportgen.publish import static_svg  # vl-convert only on a miss

        return static_svg.chart_svg(spec)

    return cache.cached_text("svg", _svg_key(spec), made)


CHARTS_PER_TASK = 2  # static SVGs drawn by one task (0.1-0.9 s): short tasks leave short tails
# vl-convert measures every label it draws: a heatmap of 348 labelled cells took 0.42 s, a line
# of 3,030 points 0.15 s (the bundled 100-asset universe's tearsheet charts)
_LABEL_ROW_COST = 30


def _drawing_cost(spec: dict) -> int:
    """How long a chart takes to draw, in rows of data drawn as lines: it mostly follows its
    rows, and a row drawn with a text mark costs _LABEL_ROW_COST of them."""
    rows = sum(len(rows) for rows in spec.get("datasets", {}).values())
    return rows * _LABEL_ROW_COST if "text" in _mark_types(spec) else rows


def _mark_types(part) -> set[str]:
    """Every mark type a spec (or a part of it) draws, its data left out."""
    if isinstance(part, list):
        return set().union(*(_mark_types(p) for p in part))
    if not isinstance(part, dict):
        return set()
    mark = part.get("mark")
    found = {mark if isinstance(mark, str) else mark.get("type")} if mark is not None else set()
    return found.union(*(_mark_types(v) for k, v in part.items() if k not in ("datasets", "data")))


@dataclass(frozen=True)
class StaticAssets:
    """One task of the static stage: the vega bundle (`chart_ids` None), or charts as SVG."""

    chart_ids: tuple[str, ...] | None

    @property
    def id(self) -> str:  # progress lines name the task
        return "the vega bundle" if self.chart_ids is None else f"{len(self.chart_ids)} charts"


def static_asset_tasks(chart_ids: list[str], specs: dict[str, dict]) -> list[StaticAssets]:
    """What the static stage must make: the vega bundle (the longest task, first; none when the
    shipped one applies) and the charts in groups of CHARTS_PER_TASK, leaving out what the cache
    holds (read when assembled)."""
    missing = [chart_id for chart_id in chart_ids if not cache.has_text("svg", _svg_key(specs[chart_id]))]
    missing.sort(key=lambda chart_id: -_drawing_cost(specs[chart_id]))  # the longest first: the last tasks are short
    groups = [tuple(missing[i:i + CHARTS_PER_TASK]) for i in range(0, len(missing), CHARTS_PER_TASK)]
    have_bundle = shipped_vega_bundle() is not None or cache.has_text("vega-bundle", _bundle_key())
    bundle = [] if have_bundle else [StaticAssets(None)]
    return [*bundle, *(StaticAssets(group) for group in groups)]


def static_assets(specs: dict[str, dict], task: StaticAssets) -> str | list[str]:
    """The vega bundle, or the task's charts as static SVG documents: one task of a build (shared
    = every chart spec), run here or on a worker; vl-convert holds the GIL, so workers are what
    draws them in parallel."""
    return vega_bundle() if task.chart_ids is None else [chart_svg(specs[chart_id]) for chart_id in task.chart_ids]


def assembled_static_assets(
    tasks: list[StaticAssets], outputs: list, chart_ids: list[str], specs: dict[str, dict]
) -> tuple[str, dict[str, str]]:
    """The vega bundle and the SVG of each of `chart_ids`: the static stage's outputs, and the
    cache for what the stage left out."""
    bundle, svgs = None, {}
    for task, output in zip(tasks, outputs, strict=True):
        if task.chart_ids is None:
            bundle = output
        else:
            svgs.update(zip(task.chart_ids, output, strict=True))
    svgs.update({chart_id: chart_svg(specs[chart_id]) for chart_id in chart_ids if chart_id not in svgs})
    return (vega_bundle() if bundle is None else bundle), svgs


def site_files(document: dict, bundle: str) -> dict[str, bytes]:
    """Files copied into the site besides the pages: figures as JSON, scripts (`bundle` is the
    vega bundle), styles."""
    assets = _ASSETS
    text = json.dumps(document, indent=2, sort_keys=True, allow_nan=False)
    return {
        "metrics.json": (text + "\n").encode(),
        "assets/javascripts/vega-bundle.js": bundle.encode(),
        "assets/javascripts/reportgen-charts.js": (assets / "reportgen-charts.js").read_bytes(),
        "assets/javascripts/iframe-worker-shim.js": (assets / "iframe-worker-shim.js").read_bytes(),  # search from file://
        "assets/stylesheets/reportgen.css": (assets / "reportgen.css").read_bytes(),
    }


def quantstats_tearsheets(report: Report) -> dict[str, str]:
    """quantstats' HTML tearsheet by strategy id (for `[site] tearsheet = "quantstats"`).

    Strategies whose returns never change get none (quantstats cannot compute it).
    """
    made = {
        s.id: metrics.quantstats_tearsheet_html(
            s.returns, m.benchmark_returns, report.periods_per_year, s.config.name, m.risk_free, metrics.invested_shares(s.exposure)
        )
        for m, s in report.strategies
    }
    return {sid: page for sid, page in made.items() if page is not None}


def _encoded(page: Callable[[], str]) -> Callable[[], bytes]:
    return lambda: page().encode()


def template_sources(templates: Path) -> dict[str, str]:
    """Every template of the folder `templates` by its name there: what a task rendering on
    another host (a Dask worker of a cluster, which may not see the build's folder) renders from."""
    sources = {}
    for path in sorted(templates.rglob("*")):
        if path.is_file():
            try:
                sources[path.relative_to(templates).as_posix()] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:  # not a template (an editor's or the system's file): no loader could read it
                continue
    return sources


@dataclass(frozen=True)
class TearsheetMaterials:
    """What the tearsheets are made from, once the static charts and the CSVs exist."""

    report: Report
    specs: dict[str, dict]
    templates: dict[str, str]  # the templates by name (template_sources): a task on a cluster's worker needs no folder
    quantstats_pages: dict[str, str]  # quantstats' HTML tearsheet by strategy id
    attachments: dict[str, dict[str, bytes]]  # the CSVs each tearsheet carries (downloads.attachments)
    bundle: str  # the vega bundle
    svgs: dict[str, str]  # the static charts drawn beforehand (any other is drawn when a tearsheet asks for it)


def _rendered_tearsheets(materials: TearsheetMaterials) -> dict[str, Callable[[], str]]:
    specs = materials.specs
    sheet = pages.TearsheetInput(
        scripts=materials.bundle + "\n" + (_ASSETS / "reportgen-charts.js").read_text(encoding="utf-8"),
        static_svg=lambda chart_id: materials.svgs[chart_id] if chart_id in materials.svgs else chart_svg(specs[chart_id]),
        attachments=materials.attachments,
        links=downloads.tearsheet_links(materials.report, materials.attachments),
        provenance=provenance_line(materials.report),
        quantstats_files={sid: Path(downloads.quantstats_tearsheet_path(sid)).name for sid in materials.quantstats_pages},
    )
    return pages.rendered_tearsheets(materials.report, specs, materials.templates, sheet)


def tearsheet_files(materials: TearsheetMaterials) -> dict[str, bytes | Callable[[], bytes]]:
    """Each strategy's and portfolio's one-file tearsheet (made when the site writes it) and
    quantstats' one when made, by site path."""
    files: dict[str, bytes | Callable[[], bytes]] = {
        downloads.tearsheet_path(sid): _encoded(page) for sid, page in _rendered_tearsheets(materials).items()
    }
    files.update({downloads.quantstats_tearsheet_path(sid): page.encode() for sid, page in materials.quantstats_pages.items()})
    return files


def tearsheet_ids(materials: TearsheetMaterials) -> list[str]:
    """The strategies and portfolios that have a tearsheet (nothing is rendered): the tasks of pdf_tearsheet."""
    return list(_rendered_tearsheets(materials))


def pdf_tearsheet(materials: TearsheetMaterials, tearsheet_id: str) -> bytes:
    """One tearsheet's print layout as a PDF (WeasyPrint, the `pdf` extra): a task of a build,
    run here or on a worker, so that the PDFs (about a second each) are typeset on every core."""
    from reportgen.publish.pdf import tearsheet_pdf

    return tearsheet_pdf(_rendered_tearsheets(materials)[tearsheet_id]())


def pdf_files(ids: list[str], made: list[bytes]) -> dict[str, bytes]:
    """Each PDF tearsheet by site path, from pdf_tearsheet's outputs for `ids`."""
    return {str(Path(downloads.tearsheet_path(i)).with_suffix(".pdf")): pdf for i, pdf in zip(ids, made, strict=True)}
