"""`build(config)`: the whole report as one chain of stages, each one named call.

    load_config -> read_prices / read_predictions -> signals -> sizes -> backtest -> metrics
      -> charts -> pages -> site

Everything is computed before anything is written; if a stage fails, nothing is published.
metrics.json is assembled in reportgen.report_document, the cache keys and up-to-date check
live in reportgen.build_cache, and the site's files besides its pages in reportgen.publish.files.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from reportgen import __version__, backtests, portfolio_report
from reportgen.build_cache import BUILD_STAMP, computation_key, site_key, up_to_date_warnings
from reportgen.compute.progress import tracked
from reportgen.inputs import loaders
from reportgen.inputs.config import Config
from reportgen.inputs.resources import episodes_file, input_files
from reportgen.inputs.universe import read_universe_prices
from reportgen.portfolio_report import universe_model_result
from reportgen.publish import cache, chart_tasks, downloads, pages, pdf, site
from reportgen.publish.files import (
    assembled_static_assets, quantstats_tearsheets, site_files, static_asset_tasks, static_assets, tearsheet_files,
)
from reportgen.publish.footer import provenance_line
from reportgen.publish.logrecorder import WarningRecorder
from reportgen.publish.safe_output import build_lock
from reportgen.report_document import metrics_document
from reportgen.results import InputFile, ModelResult, Report, UniverseModelResult

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
# map_tasks(function, tasks, shared, label, imports, beside) -> [function(shared, task) for task in
# tasks], in task order, wherever it runs them (reportgen.compute's executors; the CLI chooses one);
# `label` names the tasks in progress lines, `imports` the heavy libraries the tasks import,
# `beside` the build's own work that may run meanwhile (reportgen.compute.executor.Executor.map).
MapTasks = Callable[..., list]


in_process = portfolio_report.in_process  # every task here, one after another


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shown_path(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name


def build_date(models: list[ModelResult], universe_models: list[UniverseModelResult] = ()) -> str:
    """SOURCE_DATE_EPOCH when set, else the newest date in the inputs: never the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return max([m.output.index[-1] for m in models] + [m.dates[-1] for m in universe_models]).date().isoformat()


def report(config: Config, progress: Progress = lambda stage: None, map_tasks: MapTasks = in_process) -> Report:
    """Read every input and compute every figure of the report: nothing is written. Each model
    is one task of `map_tasks` (its backtests, attention tests and sensitivity)."""
    progress("reading prices")
    notes: loaders.Notes = []
    data = config.data
    single_asset = [m for m in config.models if not config.is_universe_model(m.id)]
    if single_asset:
        prices = loaders.read_prices(data.prices, data.date_column, data.price_column, data.exchange_timezone, notes)
    inputs = input_files(config)
    episodes = episodes_file(config)
    market_episodes = loaders.read_market_episodes(episodes)
    models = []
    if single_asset:
        progress("backtesting " + ", ".join(f"model {m.id}" for m in single_asset) + ": strategies, attention tests, costs, lag, sweep, bootstrap")
        read = {m.id: backtests.model_inputs(config, m, prices, notes) for m in single_asset}
        tasks = backtests.model_stage_tasks(config, single_asset, {m: len(r.price) for m, r in read.items()})
        outputs = map_tasks(backtests.model_stage_task, tasks, (config, read, market_episodes), "models", imports=backtests.TASK_IMPORTS)
        models = backtests.assembled_models(tasks, outputs, single_asset)
    universe_models = []
    if config.universe_models:
        u = config.universe
        universe_prices = read_universe_prices(u.prices, u.date_column, u.exchange_timezone, notes)
        for model in config.models:
            if config.is_universe_model(model.id):
                progress(f"backtesting the portfolios of universe model {model.id}: variants, placebos, bootstrap")
                universe_models.append(universe_model_result(config, model, universe_prices, market_episodes, notes, map_tasks))
    base = config.source.parent
    return Report(
        title=config.site.title,
        version=__version__,
        build_date=build_date(models, universe_models),
        periods_per_year=config.backtest.periods_per_year,
        rolling_window_days=config.backtest.rolling_window_days,
        init_cash=config.backtest.init_cash,
        fees=config.backtest.fees,
        models=models,
        inputs=[InputFile(_shown_path(f, base), _sha256(f)) for f in inputs.data],
        config_sha256=_sha256(config.source),
        input_notes=[f"{_shown_path(path, base)}: {sentence}" for path, sentence in notes],
        episodes_file=_shown_path(episodes, base),
        risk_free_rate=(
            _shown_path(config.backtest.risk_free, base) if isinstance(config.backtest.risk_free, Path) else float(config.backtest.risk_free)
        ),
        universe_models=universe_models,
        caveats=config.caveats,
    )


def build(
    config: Config,
    site_dir: Path | None = None,
    progress: Progress = lambda stage: None,
    docs_dir: Path | None = None,
    map_tasks: MapTasks = in_process,
) -> Report:
    """Compute the report, render it, and publish it to `site_dir` (default: site/ beside the config).

    The output folder is checked and locked first, so an unsafe folder or a build already
    running into it fails at once; nothing is written unless every input is valid. With
    `docs_dir`, the generated markdown and its mkdocs.yml are kept there as well. The heavy
    tasks (one per model) run through `map_tasks`: the site is the same byte for byte wherever.
    """
    project = config.source.parent
    if config.site.pdf:
        pdf.check_available(config.source)
    target = site.checked_site_dir(site_dir if site_dir is not None else project / "site", project, input_files(config).guarded())
    with build_lock(target):
        return _built(config, target, progress, docs_dir, map_tasks)


def _computed(config: Config, progress: Progress, map_tasks: MapTasks) -> tuple[Report, dict[str, dict], dict[str, str]]:
    """Every figure, chart spec and quantstats page of the report: what the cache keeps."""
    result = report(config, progress, map_tasks)
    progress("drawing charts")
    specs = {}
    for task_specs in map_tasks(chart_tasks.task_specs, chart_tasks.chart_tasks(result), result, "charts", imports=chart_tasks.TASK_IMPORTS):
        specs.update(task_specs)
    if result.universe_models:
        from reportgen.publish import universe_views, views  # Altair, here only for universe models

        specs.update(views.universe_model_chart_specs(result))
        specs.update(universe_views.universe_chart_specs(result))
    if config.site.tearsheet == "quantstats":
        progress("writing quantstats tearsheets")
    return result, specs, quantstats_tearsheets(config, result)


def _built(config: Config, site_dir: Path, progress: Progress, docs_dir: Path | None, map_tasks: MapTasks) -> Report:
    missed = []

    def computed():
        missed.append(True)
        return _computed(config, progress, map_tasks)

    key = computation_key(config)
    result, specs, quantstats_pages = computed() if key is None else cache.cached_object("report", key, computed)
    if not missed:
        progress("figures and charts unchanged: taken from the cache")
        for note in result.input_notes:  # logged again, so --strict sees them on every build
            log.warning("%s", note)
    stamp = None if key is None or docs_dir is not None or cache.cache_folder() is None else site_key(config, key, docs_dir)
    if stamp is not None and not missed:
        previous = up_to_date_warnings(site_dir, stamp)
        if previous is not None:
            progress("templates and mkdocs.yml unchanged: the site is up to date")
            for warning in previous:
                logging.getLogger("reportgen.publish.site").warning("%s", warning)
            return result
    links = downloads.download_paths(result, set(quantstats_pages))
    inputs = input_files(config)
    templates = inputs.templates
    chart_ids = pages.tearsheet_chart_ids(result, specs, templates)
    static_tasks = static_asset_tasks(chart_ids, specs)
    attachments = downloads.attachments(result, metrics_document(result))
    document = metrics_document(result, links)

    def files(bundle: str, svgs: dict[str, str]) -> dict:  # tearsheets and PDFs are made when written
        return {
            **site_files(document, bundle),
            **downloads.download_files(result, attachments),
            **tearsheet_files(result, specs, templates, quantstats_pages, attachments, bundle, svgs, config.site.pdf),
        }

    def built_pages(staged: site.StagedSite) -> None:
        rendered = pages.rendered_pages(result, specs, templates, links)
        site_input = site.SiteInput(rendered, config.site.title, inputs.mkdocs, result.build_date, copyright=html.escape(provenance_line(result)))
        staged.build_pages(site_input, files("", {}))  # the files' names: nothing is made

    recorded = WarningRecorder()
    site_log = logging.getLogger("reportgen.publish.site")
    site_log.addHandler(recorded)
    try:
        with site.staged_site(site_dir, inputs.mkdocs, docs_dir) as staged:
            if static_tasks:  # the pages render and mkdocs builds them while the workers draw
                progress("drawing static charts for the tearsheets; rendering pages, building site")
                made = map_tasks(static_assets, static_tasks, specs, "static charts", beside=functools.partial(built_pages, staged))
            else:
                progress("rendering pages, building site")
                made = []
                built_pages(staged)
            bundle, svgs = assembled_static_assets(static_tasks, made, chart_ids, specs)
            progress("writing tearsheets and downloads")
            staged.write_files(files(bundle, svgs), tracked)
    finally:
        site_log.removeHandler(recorded)
    if stamp is not None:
        stamp_file = {"key": stamp, "warnings": recorded.messages}
        (site_dir / BUILD_STAMP).write_text(json.dumps(stamp_file, indent=1) + "\n", encoding="utf-8")
    return result
