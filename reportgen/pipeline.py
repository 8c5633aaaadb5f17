"""`build(config)`: the whole report as one chain of stages, each one named call.

    load_config -> read_prices / read_predictions -> signals -> sizes -> backtest -> metrics
      -> charts -> pages -> site

Everything is computed before anything is written; if a stage fails, nothing is published.
metrics.json is assembled in reportgen.report_document, the cache keys and up-to-date check
live in reportgen.build_cache, and the site's files besides its pages in reportgen.publish.files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from reportgen import __version__, robustness
from reportgen.analysis import attention, attention_tests, backtest, informativeness, metrics, overlays, signals
from reportgen.build_cache import BUILD_STAMP, computation_key, site_key, up_to_date_warnings
from reportgen.inputs import loaders
from reportgen.inputs.config import Config, ModelConfig
from reportgen.inputs.resources import build_inputs, episodes_file, mkdocs_file, templates_folder
from reportgen.model import provenance
from reportgen.publish import cache, downloads, pages, site
from reportgen.publish.files import quantstats_tearsheets, site_files, tearsheet_files
from reportgen.publish.footer import provenance_line
from reportgen.publish.logrecorder import WarningRecorder
from reportgen.publish.safe_output import build_lock
from reportgen.report_document import metrics_document
from reportgen.results import InputFile, ModelResult, Report, StrategyResult

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _strategy_results(config: Config, model: ModelConfig, output: pd.DataFrame, price: pd.Series) -> list[StrategyResult]:
    strategies = [s for s in config.strategies if s.model == model.id]
    if not strategies:
        return []
    ppy, window = config.backtest.periods_per_year, config.backtest.rolling_window_days
    positions = {
        s.id: overlays.strategy_positions(s, overlays.strategy_overlays(s), output, price, ppy) for s in strategies
    }
    wanted = {sid: signal for sid, (signal, _) in positions.items()}
    sizes = {sid: size for sid, (_, size) in positions.items()}
    simulation = backtest.simulate(
        price,
        pd.DataFrame(wanted),
        pd.DataFrame(sizes),
        [s.size_type for s in strategies],
        init_cash=config.backtest.init_cash,
        fees=config.backtest.fees,
    )
    benchmark_returns = _benchmark_returns(price)
    results = []
    for s in strategies:
        returns = simulation.returns[s.id].rename(s.id)
        results.append(
            StrategyResult(
                config=s,
                signal=wanted[s.id],
                size=sizes[s.id],
                value=simulation.value[s.id],
                returns=returns,
                exposure=simulation.exposure[s.id],
                trades=simulation.trades[simulation.trades["column"] == s.id].drop(columns="column"),
                total_trades=int(simulation.total_trades[s.id]),
                open_trades=int(simulation.open_trades[s.id]),
                total_fees=float(simulation.total_fees[s.id]),
                metrics=metrics.headline_metrics(returns, ppy),
                sharpe_vectorbt_default=metrics.sharpe_ratio(returns, 365),
                max_drawdown_from_first_close=metrics.max_drawdown(returns.iloc[1:]),
                rolling_sharpe=metrics.rolling_sharpe(returns, window, ppy),
                monthly_returns=metrics.monthly_returns(returns),
                quantstats_table=metrics.quantstats_table(returns, benchmark_returns, ppy),
            )
        )
    return results


def _benchmark_returns(price: pd.Series) -> pd.Series:
    """Buy and hold from the first aligned close, no fees: 0 on the first day."""
    return price.pct_change().fillna(0.0).rename("benchmark")


def _assessed_scores(output: pd.DataFrame, column: str, derived: pd.DataFrame | None) -> pd.DataFrame:
    """The attention score used (first), then every other score derived from the vector."""
    scores = output[["attention"]].rename(columns={"attention": column})
    if derived is not None:
        scores = scores.join(derived.drop(columns=column, errors="ignore").reindex(output.index))
    return scores


def _attention_tests(
    config: Config, output: pd.DataFrame, price: pd.Series, results: list[StrategyResult], summary: attention.AttentionSummary
) -> list[StrategyResult]:
    """Every strategy that filters or sizes by attention, with its exposure-matched control and
    placebo: the control and all shuffles of a strategy run as one columnar simulation (one
    strategy at a time, so that memory stays bounded however many strategies are tested)."""
    tested = [r for r in results if attention_tests.uses_attention(r.config)]
    if not tested:
        return results
    settings, ppy = config.attention_tests, config.backtest.periods_per_year
    shuffled = attention_tests.permuted_attention(output["attention"], settings.permutations, settings.seed)
    tests = {}
    for r in tested:
        s = r.config
        chosen = overlays.strategy_overlays(s)
        raw = signals.long_signal(output["prediction"], s.threshold)
        base = overlays.overlaid_signals(raw.to_frame(), price, chosen, ppy)[0].iloc[:, 0]
        control_size = attention_tests.exposure_matched_size(r.exposure, base)
        placebo, scale = overlays.overlaid_signals(signals.filtered_signals(raw, shuffled, s.attention_threshold), price, chosen, ppy)
        wanted = pd.concat([base.to_frame("control"), placebo], axis=1)
        placebo_sizes = signals.position_sizes(placebo, shuffled, s.sizing)
        placebo_sizes = placebo_sizes if not chosen.groups else placebo_sizes.mul(scale.to_numpy(), axis=0)
        sizes = pd.concat([(base * control_size).to_frame("control"), placebo_sizes], axis=1)
        returns = backtest.simulated_returns(
            price, wanted, sizes, ["percent"] + [s.size_type] * settings.permutations,
            config.backtest.init_cash, config.backtest.fees,
        )
        sharpe = metrics.sharpe_ratios(returns, ppy)
        facts = attention_tests.strategy_facts(
            s, summary.column, summary.degenerate, r.total_trades, r.exposure_in_market, float(output["attention"].max())
        )
        tests[r.id] = attention_tests.attention_test(
            facts,
            observed_sharpe=float(metrics.sharpe_ratios(r.returns.to_frame(), ppy).iloc[0]),
            control_size=control_size,
            control_sharpe=float(sharpe["control"]),
            null_sharpes=sharpe[list(placebo.columns)].to_numpy(),
            seed=settings.seed,
        )
    return [dataclasses.replace(r, attention_test=tests[r.id]) if r.id in tests else r for r in results]


def model_result(config: Config, model: ModelConfig, prices: pd.Series, notes: loaders.Notes | None = None) -> ModelResult:
    weights = loaders.read_attention_weights(
        model.predictions, model.attention_prefix, model.attention_order, config.data.exchange_timezone
    )
    derived = attention.attention_scores(weights) if weights is not None else None
    output = loaders.read_predictions(model.predictions, model.attention_column, derived, config.data.exchange_timezone, notes)
    training = None if model.provenance is None else provenance.checked_provenance(model.provenance, model.predictions)
    price = loaders.aligned_prices(prices, output.index, model.predictions, config.backtest.min_rows, notes)
    benchmark_returns = _benchmark_returns(price)
    steps = None if weights is None else weights.shape[1]
    scores = _assessed_scores(output, model.attention_column, derived)
    summaries = {name: attention.attention_summary(scores[name], name, steps) for name in scores.columns}
    used = summaries[model.attention_column]
    strategies = _strategy_results(config, model, output, price)
    return ModelResult(
        config=model,
        output=output,
        price=price,
        benchmark_returns=benchmark_returns,
        benchmark_metrics=metrics.headline_metrics(benchmark_returns, config.backtest.periods_per_year),
        benchmark_monthly_returns=metrics.monthly_returns(benchmark_returns),
        attention=used,
        strategies=_attention_tests(config, output, price, strategies, used),
        weights=weights,
        scores=scores,
        score_summaries=summaries,
        informativeness=informativeness.factor_informativeness(
            output["prediction"], scores, price, [name for name, s in summaries.items() if s.degenerate]
        ),
        provenance=training,
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shown_path(path: Path, base: Path) -> str:
    return path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name


def build_date(models: list[ModelResult]) -> str:
    """SOURCE_DATE_EPOCH when set, else the newest date in the inputs: never the wall clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return max(m.output.index[-1] for m in models).date().isoformat()


def report(config: Config, progress: Progress = lambda stage: None) -> Report:
    """Read every input and compute every figure of the report: nothing is written."""
    progress("reading prices")
    notes: loaders.Notes = []
    data = config.data
    prices = loaders.read_prices(data.prices, data.date_column, data.price_column, data.exchange_timezone, notes)
    episodes = episodes_file(config)
    market_episodes = loaders.read_market_episodes(episodes)
    models = []
    for model in config.models:
        progress(f"backtesting model {model.id}")
        result = model_result(config, model, prices, notes)
        progress(f"sensitivity of model {model.id}: costs, lag, sweep, bootstrap")
        models.append(dataclasses.replace(result, robustness=robustness.model_robustness(config, result, market_episodes)))
    base = config.source.parent
    files = [config.data.prices, *dict.fromkeys(m.predictions for m in config.models)]
    files += list(dict.fromkeys(m.provenance for m in config.models if m.provenance is not None))
    files.append(episodes)
    return Report(
        title=config.site.title,
        version=__version__,
        build_date=build_date(models),
        periods_per_year=config.backtest.periods_per_year,
        rolling_window_days=config.backtest.rolling_window_days,
        init_cash=config.backtest.init_cash,
        fees=config.backtest.fees,
        models=models,
        inputs=[InputFile(_shown_path(f, base), _sha256(f)) for f in files],
        config_sha256=_sha256(config.source),
        input_notes=[f"{_shown_path(path, base)}: {sentence}" for path, sentence in notes],
        episodes_file=_shown_path(episodes, base),
    )


def build(
    config: Config,
    site_dir: Path | None = None,
    progress: Progress = lambda stage: None,
    docs_dir: Path | None = None,
) -> Report:
    """Compute the report, render it, and publish it to `site_dir` (default: site/ beside the config).

    The output folder is checked and locked first, so an unsafe folder or a build already
    running into it fails at once; nothing is written unless every input is valid. With
    `docs_dir`, the generated markdown and its mkdocs.yml are kept there as well.
    """
    project = config.source.parent
    target = site.checked_site_dir(site_dir if site_dir is not None else project / "site", project, build_inputs(config))
    with build_lock(target):
        return _built(config, target, progress, docs_dir)


def _computed(config: Config, progress: Progress) -> tuple[Report, dict[str, dict], dict[str, str]]:
    """Every figure, chart spec and quantstats page of the report: what the cache keeps."""
    from reportgen.publish import views  # Altair only when something is computed

    result = report(config, progress)
    progress("drawing charts")
    specs = views.chart_specs(result)
    if config.site.tearsheet == "quantstats":
        progress("writing quantstats tearsheets")
    return result, specs, quantstats_tearsheets(config, result)


def _built(config: Config, site_dir: Path, progress: Progress, docs_dir: Path | None) -> Report:
    missed = []

    def computed():
        missed.append(True)
        return _computed(config, progress)

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
    progress("rendering pages")
    templates = templates_folder(config)
    rendered = pages.rendered_pages(result, specs, templates, links)
    progress("writing tearsheets and downloads")
    document = metrics_document(result)
    files = {
        **site_files(metrics_document(result, links)),
        **downloads.download_files(result, document),
        **tearsheet_files(result, specs, templates, quantstats_pages, document),
    }
    progress("building site")
    site_input = site.SiteInput(
        rendered, files, config.site.title, mkdocs_file(config), result.build_date,
        copyright=html.escape(provenance_line(result)),
    )
    recorded = WarningRecorder()
    site_log = logging.getLogger("reportgen.publish.site")
    site_log.addHandler(recorded)
    try:
        site.write_site(site_input, site_dir, docs_dir)
    finally:
        site_log.removeHandler(recorded)
    if stamp is not None:
        stamp_file = {"key": stamp, "warnings": recorded.messages}
        (site_dir / BUILD_STAMP).write_text(json.dumps(stamp_file, indent=1) + "\n", encoding="utf-8")
    return result
