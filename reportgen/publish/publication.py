"""The site written from a computed report: pages, tearsheets, downloads and metrics.json, staged
and swapped in whole (reportgen.publish.site), the static charts drawn while mkdocs builds.

    computed report + chart specs -> metrics.json -> downloads and static charts (tasks, in one
      map), pages (markdown) and mkdocs build beside them -> tearsheets, downloads, bundle
      written (beside a map of the PDF tearsheets, with `[site] pdf`) -> the site, swapped in
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reportgen.compute import jobs
from reportgen.publish import downloads, pages, site
from reportgen.publish import files as site_assets
from reportgen.publish.files import assembled_static_assets, site_files, static_asset_tasks, static_assets
from reportgen.publish.footer import provenance_line
from reportgen.publish.logrecorder import WarningRecorder
from reportgen.publish.metrics_document import metrics_document
from reportgen.results import Report

Progress = Callable[[str], None]
MapTasks = Callable[..., list]  # as reportgen.evaluation.engine.MapTasks; `beside` runs alongside


@dataclass(frozen=True)
class Computed:
    """What the build computes before writing anything (and what the cache keeps)."""

    report: Report
    specs: dict[str, dict]  # Vega-Lite chart specs by chart id
    quantstats_pages: dict[str, str]  # quantstats' HTML tearsheet by strategy id


@dataclass(frozen=True)
class SiteSettings:
    """[site] and the files the site is made with."""

    title: str
    templates: Path
    mkdocs: Path
    pdf: bool  # also a PDF of every tearsheet


def published_site(
    computed: Computed, settings: SiteSettings, site_dir: Path, docs_dir: Path | None, map_tasks: MapTasks,
    progress: Progress = lambda stage: None, tracked: Callable = lambda items, label: items,
) -> list[str]:
    """Write the site of `computed` into `site_dir` (the caller holds its lock); mkdocs' warnings.
    `tracked(items, label)` reports progress over the files written (reportgen.compute.tracked)."""
    result, specs = computed.report, computed.specs
    links = downloads.download_paths(result, set(computed.quantstats_pages))
    chart_ids = pages.tearsheet_chart_ids(result, specs, settings.templates)
    static_tasks = static_asset_tasks(chart_ids, specs)
    attachment_job = downloads.attachment_job(result, metrics_document(result))
    document = metrics_document(result, links)
    templates = site_assets.template_sources(settings.templates)

    def files(materials: site_assets.TearsheetMaterials) -> dict:
        # tearsheets are made when written
        return {
            **site_files(document, materials.bundle),
            **downloads.download_files(result, materials.attachments),
            **site_assets.tearsheet_files(materials),
        }

    def materials(bundle: str, svgs: dict[str, str], attachments: dict[str, dict[str, bytes]]) -> site_assets.TearsheetMaterials:
        return site_assets.TearsheetMaterials(result, specs, templates, computed.quantstats_pages, attachments, bundle, svgs)

    def built_pages(staged: site.StagedSite) -> None:
        rendered = pages.rendered_pages(result, specs, settings.templates, links)
        footer = html.escape(provenance_line(result))
        site_input = site.SiteInput(rendered, settings.title, settings.mkdocs, result.build_date, copyright=footer)
        staged.build_pages(site_input, files(materials("", {}, downloads.unwritten_attachments(result))))  # the files' names: nothing is made

    recorded = WarningRecorder()
    site_log = logging.getLogger("reportgen.publish.site")
    site_log.addHandler(recorded)
    try:
        with site.staged_site(site_dir, settings.mkdocs, docs_dir) as staged:
            # the downloads first (a second a task at 500 assets): the charts' shorter tasks fill the last gaps
            work = {"downloads": attachment_job, "static charts": jobs.Job(static_assets, static_tasks, specs)}
            label = " and ".join(name for name, job in work.items() if job.tasks)
            if label:  # the pages render and mkdocs builds them while the workers draw charts and write CSVs
                progress(f"{label}; rendering pages, building site")
                made = jobs.maps_together(map_tasks, work, label, beside=functools.partial(built_pages, staged))
            else:
                progress("rendering pages, building site")
                made = {name: [] for name in work}
                built_pages(staged)
            bundle, svgs = assembled_static_assets(static_tasks, made["static charts"], chart_ids, specs)
            made_from = materials(bundle, svgs, downloads.attachments(attachment_job, made["downloads"]))
            written = functools.partial(staged.write_files, files(made_from), tracked)
            pdf_ids = site_assets.tearsheet_ids(made_from) if settings.pdf else []
            if pdf_ids:  # the workers typeset the PDFs while the other files are written
                progress("PDF tearsheets; writing tearsheets and downloads")
                pdfs = map_tasks(site_assets.pdf_tearsheet, pdf_ids, made_from, "PDF tearsheets", imports=("weasyprint",), beside=written)
                staged.write_files(site_assets.pdf_files(pdf_ids, pdfs), tracked)
            else:
                progress("writing tearsheets and downloads")
                written()
    finally:
        site_log.removeHandler(recorded)
    return recorded.messages
