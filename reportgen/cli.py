"""The `reportgen` command. User errors end here: one `error:` line and exit code 2.

Exit codes: 0 success; 1 warnings under --strict; 2 user error (bad config, missing or
malformed input, unsafe output folder, bad command line).
"""

from __future__ import annotations

import atexit
import contextlib
import fnmatch
import gc
import logging
import signal
import sys
import threading
import time
from pathlib import Path

import click

from reportgen import __version__
from reportgen.inputs.errors import ReportgenError
from reportgen.publish.logrecorder import WarningRecorder

EXIT_STRICT_WARNINGS = 1
EXIT_USER_ERROR = 2


def _configure_logging() -> WarningRecorder:
    logging.basicConfig(level=logging.WARNING, format="warning: %(message)s", stream=sys.stderr)
    # mkdocs reports every page it builds at INFO; its warnings still come through.
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    collector = WarningRecorder()
    logging.getLogger().addHandler(collector)
    return collector


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reportgen")
def cli() -> None:
    """Backtest attention-weighted strategies and publish them as an offline report site."""


CONFIG_HELP = "reportgen TOML file (default: ./reportgen.toml, else [tool.reportgen] in ./pyproject.toml)."


def _config_or_default(config_path: Path | None) -> Path | None:
    """--config, else ./reportgen.toml (as `reportgen init` writes it), else None (./pyproject.toml)."""
    return Path("reportgen.toml") if config_path is None and Path("reportgen.toml").is_file() else config_path


def _built_what(result) -> str:
    """"6 strategies", "4 portfolios" or "6 strategies and 4 portfolios"."""
    parts = [f"{len(result.strategies)} strategies"] if result.models or not result.portfolios else []
    parts += [f"{len(result.portfolios)} portfolios"] if result.portfolios else []
    return " and ".join(parts)


@cli.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help=CONFIG_HELP)
@click.option("--site-dir", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: site/ beside the config).")
@click.option("--strict", is_flag=True,
              help="Exit with code 1 if the build logged a warning not listed in [site] expected_warnings.")
@click.option("--docs-dir", type=click.Path(path_type=Path), default=None,
              help="Also keep the generated markdown and its mkdocs.yml here (to build them with Zensical).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes for the models' backtests and charts (default: [compute] workers, else one per CPU core).")
@click.option("--scheduler", default=None,
              help='Where the models\' backtests and charts run: "processes" (worker processes forked from this one; Linux), '
              '"synchronous" (this process), "local" (a Dask LocalCluster) or "tcp://host:port" (a Dask cluster). '
              'Default: [compute] scheduler when set, else "processes" where it is available, else "synchronous".')
def build(
    config_path: Path | None, site_dir: Path | None, strict: bool, docs_dir: Path | None,
    workers: int | None, scheduler: str | None,
) -> None:
    """Run the backtests and build the report site."""
    from reportgen.inputs.config import load_config

    collector = _configure_logging()
    started = time.perf_counter()

    def progress(stage: str) -> None:
        click.echo(f"[{time.perf_counter() - started:5.1f}s] {stage}", err=True)

    config = load_config(_config_or_default(config_path))
    from reportgen.pipeline import build as build_site  # heavy imports only once the config is valid

    from reportgen.compute import ComputeError

    map_tasks, where = _build_tasks(config, workers, scheduler)
    try:
        with contextlib.closing(map_tasks):  # one executor for the whole build
            result = build_site(config, site_dir, progress, docs_dir, map_tasks)
    except ComputeError as exc:
        raise ReportgenError(f"{where}: {exc}") from None
    for warning in result.warnings:
        logging.getLogger("reportgen").warning(warning)
    out = site_dir if site_dir is not None else config.source.parent / "site"
    click.echo(
        f"[{time.perf_counter() - started:5.1f}s] built {_built_what(result)} into {out}",
        err=True,
    )
    problems = strict_problems(collector.messages, config.site.expected_warnings) if strict else []
    if problems:
        click.echo(f"error: --strict: {len(problems)} warning(s):", err=True)
        for message in problems:
            click.echo(f"  - {message}", err=True)
        sys.exit(EXIT_STRICT_WARNINGS)
    if strict and collector.messages:
        click.echo(f"--strict: {len(collector.messages)} warning(s), all listed in [site] expected_warnings", err=True)


def _build_tasks(config, workers: int | None, scheduler: str | None):
    """The map of a build's heavy tasks on the executor the options, else `[compute]`, choose, and
    where it was chosen (for messages). By default they run on worker processes forked from the
    build after its imports ("processes", one per core; Linux), which start in milliseconds; a Dask
    LocalCluster ("local") starts fresh workers that import vectorbt and quantstats again, which
    costs more than it saves on the bundled report. One executor serves the whole build (reportgen.compute.shared_executor): it
    starts only when a task runs (not on a cached build)."""
    from reportgen.compute.executor import SCHEDULERS, fork_available
    from reportgen.compute.shared_executor import SharedExecutor

    where = "--scheduler" if scheduler is not None else f"{config.source}: compute.scheduler"
    if scheduler is not None and scheduler not in SCHEDULERS and not scheduler.startswith("tcp://"):
        raise ReportgenError(f"--scheduler: unknown scheduler {scheduler!r}; expected 'local', 'processes', 'synchronous' or 'tcp://host:port'")
    workers = workers if workers is not None else config.compute.workers
    if scheduler is None:
        default = "processes" if fork_available() else "synchronous"
        scheduler = config.compute.scheduler if "scheduler" in config.compute.model_fields_set else default
    return SharedExecutor(workers, scheduler, config.compute.no_worker_seconds), where


def strict_problems(messages: list[str], expected: list[str]) -> list[str]:
    """What fails a --strict build: each warning that no pattern of `expected` matches, and each
    pattern that matched no warning (a finding that went away should leave the config too)."""

    def matches(message: str, pattern: str) -> bool:
        return fnmatch.fnmatchcase(message, pattern)

    problems = [m for m in messages if not any(matches(m, p) for p in expected)]
    problems += [
        f"expected warning did not occur: {p!r} (remove it from [site] expected_warnings)"
        for p in expected
        if not any(matches(m, p) for m in messages)
    ]
    return problems


@cli.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help=CONFIG_HELP)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
def serve(config_path: Path | None, port: int) -> None:
    """Build the report, serve it on 127.0.0.1, and rebuild when the config, a data file or a
    template changes (reload the page to see it). The site is built in a temporary folder."""
    from reportgen.preview import serve as serve_site

    _configure_logging()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())  # stop cleanly, as on Ctrl+C
    serve_site(_config_or_default(config_path), port, stop=stop, notify=lambda message: click.echo(message, err=True))


TORCH_PIN = "torch==2.13.0"


def _require_torch() -> None:
    try:
        import reportgen.model.att_lstm  # noqa: F401  (the module that imports torch)
    except ModuleNotFoundError as exc:
        if exc.name != "torch":
            raise
        raise ReportgenError(
            f"reportgen train needs PyTorch: pip install {TORCH_PIN} (or pip install 'reportgen[model]')"
        ) from None


class _EpochBar:
    """A progress bar on stderr over every epoch of every fold; a fold that stops early skips
    the rest of its epochs."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.bar = None
        self.label = ""

    def update(self, fold: int, folds: int, epoch: int, last: bool) -> None:
        if self.bar is None:
            self.bar = click.progressbar(
                length=folds * self.epochs, label="training", file=sys.stderr,
                item_show_func=lambda _: self.label, show_eta=True,
            )
            self.bar.__enter__()
        self.label = f"fold {fold + 1}/{folds}, epoch {epoch}"
        self.bar.update(1 + (self.epochs - epoch if last else 0))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command()
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="reportgen TOML file with [data] or [universe], and [training] (default: ./reportgen.toml, else [tool.reportgen] in ./pyproject.toml).")
@click.option("--out", "output", type=click.Path(path_type=Path), default=None,
              help="Predictions CSV (or .csv.gz, or .parquet) to write (default: [training] output); the provenance sidecar goes beside it as .json.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Universe training: local worker processes (default: [compute] workers, else one per CPU core).")
@click.option("--scheduler", default=None,
              help='Universe training: "local", "synchronous" or "tcp://host:port" (default: [compute] scheduler, else "local").')
def train(config_path: Path | None, output: Path | None, workers: int | None, scheduler: str | None) -> None:
    """Fit the walk-forward ATT-LSTM and write its predictions and attention (needs PyTorch).

    With a [universe] table, one model per fold is trained on every asset's samples pooled, and
    the folds run as tasks on Dask (the `dask` extra) or, with --scheduler synchronous, here."""
    _require_torch()
    from reportgen.inputs.config import load_train_config

    _configure_logging()
    started = time.perf_counter()
    config = load_train_config(_config_or_default(config_path))
    if config.universe is not None:
        run = _train_universe(config, output, workers, scheduler)
    else:
        from reportgen.model.training import run_training

        bar = _EpochBar(config.training.epochs)
        try:
            run = run_training(config, output, bar.update)
        finally:
            bar.close()
    click.echo(
        f"[{time.perf_counter() - started:5.1f}s] wrote {len(run.predictions)} forecasts from "
        f"{len(run.provenance.folds)} folds to {run.csv_path} and {run.provenance_path.name}",
        err=True,
    )


def _train_universe(config, output: Path | None, workers: int | None, scheduler: str | None):
    """Universe training with its folds on the executor the options (else [compute]) choose."""
    from reportgen.compute import ComputeError, Progress, executor
    from reportgen.model.universe_training import run_universe_training

    where = "--scheduler" if scheduler is not None else f"{config.source}: compute.scheduler"
    workers = workers if workers is not None else config.compute.workers
    scheduler = scheduler if scheduler is not None else config.compute.scheduler
    if scheduler == "processes":  # torch's thread pools are not safe to fork
        raise ReportgenError(f"{where}: scheduler 'processes' is for builds; train with 'local', 'synchronous' or 'tcp://host:port'")
    try:
        with executor(workers, scheduler, config.compute.no_worker_seconds) as pool:

            def map_folds(function, folds, data):
                progress = Progress(len(folds), f"folds ({pool.description})", workers=pool.workers)
                try:
                    return pool.map(function, folds, data, on_done=lambda index: progress.advance(f"fold {index + 1}"))
                finally:
                    progress.close()

            return run_universe_training(config, output, map_folds)
    except ComputeError as exc:
        raise ReportgenError(f"{where}: {exc}") from None


@cli.command(short_help="Start a project from a prices and a predictions CSV, or an example.")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--prices", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Prices CSV: a date column and the asset's price columns, or (a universe) one column per asset.")
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Predictions CSV: the date first, a `predictions` column, an attention column or the vector att_0 .. att_{T-1}; "
              "an `asset` column makes it a universe model.")
@click.option("--universe", is_flag=True, help="The predictions are a universe's; without files: the universe example.")
@click.option("--price-column", default=None, help="The price column, when the prices hold two candidates and no adjusted close.")
@click.option("--date-column", default=None, help="The date column of the prices, when two columns hold dates.")
def init(folder: Path, prices: Path | None, predictions: Path | None, universe: bool,
         price_column: str | None, date_column: str | None) -> None:
    """Start a project in FOLDER (default: here): a commented reportgen.toml made from what the
    prices and predictions hold, its JSON Schema, a .gitignore and a GitHub Actions workflow that
    publishes the report; without --prices and --predictions, a small synthetic example. An
    existing file is never overwritten. Then, in FOLDER: reportgen build --strict."""
    from reportgen.scaffold.project import init_project

    warned = _configure_logging()
    if (prices is None) != (predictions is None):
        raise click.UsageError("--prices and --predictions: give both, or neither for the example project")
    inputs, written = init_project(folder, prices, predictions, universe, price_column, date_column)
    what = f"a {len(inputs.predictions.assets)}-asset universe" if inputs.universe else "a single-asset"
    fails = f"\n{len(warned.messages)} warning(s) above: build --strict fails on them until the inputs are fixed or [site] expected_warnings lists them" if warned.messages else ""
    click.echo(f"wrote {what} project: {', '.join(str(p) for p in written)}{fails}\nnow: cd {folder} && reportgen build --strict", err=True)


@cli.command(short_help="Print the JSON Schema of the config.")
def schema() -> None:
    """Print the JSON Schema of the config: every table and key with its description, default, allowed values and bounds."""
    from reportgen.scaffold.schema import config_schema, schema_text

    click.echo(schema_text(config_schema()), nl=False)


def main(argv: list[str] | None = None) -> None:
    # At exit the interpreter's garbage collections walk every object left (400,000 after a
    # 500-asset build: 1.1 s of its 30); frozen, they are skipped, and the objects are still
    # freed. Registered first, so it runs after every other exit handler.
    atexit.register(gc.freeze)
    try:
        cli.main(args=argv, prog_name="reportgen", standalone_mode=False)
    except ReportgenError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USER_ERROR)
    except click.UsageError as exc:
        click.echo(f"error: {exc.format_message()} (see reportgen --help)", err=True)
        sys.exit(EXIT_USER_ERROR)
    except click.exceptions.Abort:
        click.echo("error: aborted", err=True)
        sys.exit(EXIT_USER_ERROR)
