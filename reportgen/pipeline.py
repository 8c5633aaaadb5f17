"""`build(config)`: the whole report as one chain of stages, each one named call.

    read_inputs (every file read and checked; a universe's head start made beside them)
      -> evaluated_models (strategies and portfolios)
      -> Report -> chart specs -> metrics.json, pages, tearsheets, downloads -> site

Everything is computed before anything is written; if a stage fails, nothing is published. The
config stops here: the stages receive the checked inputs and small settings (evaluation_settings,
site_settings). What was computed is cached (publish.build_cache) and a site built from the same
inputs, templates and mkdocs.yml is left as it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

from reportgen import __version__
from reportgen.analysis import attention
from reportgen.compute import allocator, blocks, preload
from reportgen.compute.local import Here, in_process
from reportgen.compute.progress import tracked
from reportgen.evaluation import engine, universe_models
from reportgen.evaluation.stage import Evaluated, HeadStart, evaluated_models, head_starts
from reportgen.inputs.config import Config
from reportgen.inputs.record import Inputs, read_inputs
from reportgen.inputs.resources import episodes_file, input_files
from reportgen.publish import cache, chart_tasks, pdf, site
from reportgen.publish.build_cache import cached_report, computation_key, site_key, up_to_date_warnings, write_build_stamp
from reportgen.publish.files import quantstats_tearsheets
from reportgen.publish.publication import Computed, SiteSettings, published_site
from reportgen.publish.safe_output import build_lock
from reportgen.results import InputFile, ModelResult, Report, UniverseModelResult

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
MapTasks = engine.MapTasks  # where the heavy tasks run (reportgen.compute's executors; the CLI chooses one)


def build(
    config: Config, site_dir: Path | None = None, progress: Progress = lambda stage: None, docs_dir: Path | None = None,
    map_tasks: MapTasks = in_process,
) -> Report:
    """Compute the report, render it, and publish it to `site_dir` (default: site/ beside the config).

    The output folder is checked and locked first, so an unsafe folder or a build already
    running into it fails at once; nothing is written unless every input is valid. With
    `docs_dir`, the generated markdown and its mkdocs.yml are kept there as well. The heavy
    tasks run through `map_tasks`: the site is the same byte for byte wherever.
    """
    project = config.source.parent
    if config.site.pdf:
        pdf.check_available(config.source)
    target = site.checked_site_dir(site_dir if site_dir is not None else project / "site", project, input_files(config).guarded())
    files = input_files(config)
    with build_lock(target):
        key = computation_key(config.source, files.data)
        computed, fresh = cached_report(key, lambda: computed_report(config, progress, map_tasks))
        if not fresh:
            progress("figures and charts unchanged: taken from the cache")
            for note in computed.report.input_notes:  # logged again, so --strict sees them on every build
                log.warning("%s", note)
        stamp = None if key is None or docs_dir is not None or cache.cache_folder() is None else site_key(key, docs_dir, files.templates, files.mkdocs)
        previous = None if stamp is None or fresh else up_to_date_warnings(target, stamp)
        if previous is not None:
            progress("templates and mkdocs.yml unchanged: the site is up to date")
            for warning in previous:
                logging.getLogger("reportgen.publish.site").warning("%s", warning)
            return computed.report
        warnings = published_site(computed, site_settings(config), target, docs_dir, map_tasks, progress, tracked)
        if stamp is not None:
            write_build_stamp(target, stamp, warnings)
    return computed.report


def computed_report(config: Config, progress: Progress, map_tasks: MapTasks) -> Computed:
    """Every figure, chart spec and quantstats page of the report: what the cache keeps."""
    result = report(config, progress, map_tasks)
    progress("drawing charts")
    specs = {}
    for task_specs in map_tasks(chart_tasks.task_specs, chart_tasks.chart_tasks(result), result, "charts", imports=chart_tasks.TASK_IMPORTS):
        specs.update(task_specs)
    quantstats = config.site.tearsheet == "quantstats"
    if quantstats:
        progress("writing quantstats tearsheets")
    return Computed(result, specs, quantstats_tearsheets(result) if quantstats else {})


def report(config: Config, progress: Progress = lambda stage: None, map_tasks: MapTasks = in_process) -> Report:
    """Read and check every input, then compute every figure of the report: nothing is written."""
    progress("reading and checking every input")
    imports = _imported_while_reading(config, map_tasks)
    imported = multiprocessing.Event()  # set once the imports end: the reader sees it
    read = functools.partial(_checked_inputs, config, imported.is_set)
    reading = map_tasks.aside(read) if imports and hasattr(map_tasks, "aside") else Here(read)  # forked before the imports start
    with preload.importing_meanwhile(imports, imported):
        inputs, ahead = reading.wait()
    allocator.release_freed_memory()  # what parsing and checking freed (half a GB at 500 assets)
    if imports and hasattr(map_tasks, "import_during_next_map"):
        # a universe's chart libraries, while the first map's workers run (not a single-asset
        # report's: 0.3 s sooner, but 50 MB more at the peak of the bundled report's 600 MB)
        map_tasks.import_during_next_map(chart_tasks.TASK_IMPORTS)
    evaluated = evaluated_models(evaluation_settings(config), config.models, inputs, progress, map_tasks, ahead)
    return report_record(config, inputs, evaluated)


def _checked_inputs(config: Config, imported: Callable[[], bool]) -> tuple[Inputs, dict[str, HeadStart]]:
    """The checked inputs, and each universe model's head start: its frames, and the ranks of as
    many of its factors as end before `imported()` (the build's imports: at 100 assets the inputs
    take half as long, and the reader's core would idle while the build's is importing)."""
    inputs = read_inputs(config, attention.attention_scores)
    ahead = head_starts(config.models, inputs, imported)
    inputs = _without_long_predictions(inputs, ahead)
    allocator.release_freed_memory()  # before a forked reader sends them: its memory is counted until it ends
    return inputs, ahead


def _without_long_predictions(inputs: Inputs, ahead: dict[str, HeadStart]) -> Inputs:
    """`inputs` without the long predictions and derived scores of each universe model whose
    frames `ahead` holds: the evaluation reads those frames only, and at 500 assets x 20 years the
    long ones are 145 MB more for a forked reader to hand over."""
    kept = {
        model: dataclasses.replace(data, predictions=None, derived=None) if model in ahead else data
        for model, data in inputs.universe_models.items()
    }
    return dataclasses.replace(inputs, universe_models=kept)


def _imported_while_reading(config: Config, map_tasks: MapTasks) -> tuple[str, ...]:
    """What the universe stages import, imported while a universe's inputs are read when the
    tasks run here or in processes forked from here: then no core waits for vectorbt (about 2.3 s)
    once the simulations start. With forked workers the inputs are read in a process forked for
    it (the imports take this one's GIL, and the other core is free): 500 assets' inputs take
    2.8 s and the imports 2.6 s, against 4 s one beside the other on threads. Not for a
    single-asset report, whose inputs take a fraction of a second."""
    if config.universe is None or not getattr(map_tasks, "imports_here", True):
        return ()
    return universe_models.TASK_IMPORTS


def evaluation_settings(config: Config) -> engine.Settings:
    b, s, sweep, tests = config.backtest, config.statistics, config.sweep, config.attention_tests
    return engine.Settings(
        periods_per_year=b.periods_per_year, init_cash=b.init_cash, fees=b.fees, rolling_window_days=b.rolling_window_days,
        confidence=s.confidence, resamples=s.bootstrap_resamples, bootstrap_seed=s.bootstrap_seed, block_days=s.block_length_days,
        fees_bps=tuple(sweep.fees_bps), execution_lag_days=sweep.execution_lag_days,
        memory_mb=config.compute.memory_mb or blocks.DEFAULT_MEMORY_MB, permutations=tests.permutations, placebo_seed=tests.seed,
        sweep=sweep if sweep.enabled else None, strategies=tuple(config.strategies), portfolios=tuple(config.portfolios),
        benchmark_column=config.universe.benchmark_column if config.universe is not None else None,
    )


def site_settings(config: Config) -> SiteSettings:
    files = input_files(config)
    return SiteSettings(title=config.site.title, templates=files.templates, mkdocs=files.mkdocs, pdf=config.site.pdf)


def report_record(config: Config, inputs: Inputs, evaluated: Evaluated) -> Report:
    """The computed models with what the report says about its inputs (paths as shown, hashes)."""
    base, b = config.source.parent, config.backtest
    return Report(
        title=config.site.title,
        version=__version__,
        build_date=build_date(evaluated.models, evaluated.universe_models),
        periods_per_year=b.periods_per_year,
        rolling_window_days=b.rolling_window_days,
        init_cash=b.init_cash,
        fees=b.fees,
        models=evaluated.models,
        inputs=[InputFile(_shown_path(f, base), _sha256(f)) for f in input_files(config).data],
        config_sha256=_sha256(config.source),
        input_notes=[f"{_shown_path(path, base)}: {sentence}" for path, sentence in inputs.notes],
        episodes_file=_shown_path(episodes_file(config), base),
        risk_free_rate=_shown_path(b.risk_free, base) if isinstance(b.risk_free, Path) else float(b.risk_free),
        universe_models=evaluated.universe_models,
        caveats=config.caveats,
    )


def build_date(models: list[ModelResult], universe_models: list[UniverseModelResult] = ()) -> str:
    """SOURCE_DATE_EPOCH when set, else the newest date in the inputs: never the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return max([m.output.index[-1] for m in models] + [m.dates[-1] for m in universe_models]).date().isoformat()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shown_path(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
