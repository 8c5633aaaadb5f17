"""`build(config)`: the whole report as one chain of stages, each one named call.

    load_config -> read_prices / read_predictions -> signals -> sizes -> backtest -> metrics
      -> charts -> pages -> site

Everything is computed before anything is written; if a stage fails, nothing is published.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
import logging
import math
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from reportgen import (
    __version__, attention, attention_tests, backtest, cache, downloads, informativeness, loaders, metrics, pages,
    provenance, signals, site,
)
from reportgen.footer import provenance_line
from reportgen.logrecorder import WarningRecorder
from reportgen import robustness
from reportgen.config import Config, ModelConfig
from reportgen.errors import ConfigError
from reportgen.results import InputFile, ModelResult, Report, StrategyResult
from reportgen.safe_output import build_lock

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _strategy_results(config: Config, model: ModelConfig, output: pd.DataFrame, price: pd.Series) -> list[StrategyResult]:
    strategies = [s for s in config.strategies if s.model == model.id]
    if not strategies:
        return []
    wanted = {
        s.id: signals.filtered_signal(
            signals.long_signal(output["prediction"], s.threshold), output["attention"], s.attention_threshold
        )
        for s in strategies
    }
    sizes = {s.id: signals.position_size(wanted[s.id], output["attention"], s.sizing) for s in strategies}
    simulation = backtest.simulate(
        price,
        pd.DataFrame(wanted),
        pd.DataFrame(sizes),
        [s.size_type for s in strategies],
        init_cash=config.backtest.init_cash,
        fees=config.backtest.fees,
    )
    ppy, window = config.backtest.periods_per_year, config.backtest.rolling_window_days
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
        base = signals.long_signal(output["prediction"], s.threshold)
        control_size = attention_tests.exposure_matched_size(r.exposure, base)
        placebo = signals.filtered_signals(base, shuffled, s.attention_threshold)
        wanted = pd.concat([base.to_frame("control"), placebo], axis=1)
        sizes = pd.concat([(base * control_size).to_frame("control"), signals.position_sizes(placebo, shuffled, s.sizing)], axis=1)
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


def _json_number(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def metrics_document(report: Report, links: dict | None = None) -> dict:
    """The machine-readable figures of the report (site/metrics.json).

    `links` (downloads.download_paths) adds each strategy's and model's `downloads`.
    """

    def figures(values: dict[str, float]) -> dict:
        return {k: _json_number(v) for k, v in values.items()}

    first = report.models[0]
    document = {
        "reportgen_version": report.version,
        "build_date": report.build_date,
        "conventions": {
            "periods_per_year": report.periods_per_year,
            "risk_free_rate": 0.0,
            "returns": "simple daily returns of portfolio value",
            "execution": "orders fill at the close of the signal's bar",
            "fees": report.fees,
            "init_cash": report.init_cash,
            "units": "fractions (0.01 = 1 %); max_drawdown is negative",
        },
        "inputs": {f.path: {"sha256": f.sha256} for f in report.inputs},
        "config_sha256": report.config_sha256,
        "benchmark": {"name": "Buy & hold", "model_dates": first.id, **figures(first.benchmark_metrics)},
        "models": {
            m.id: {
                "name": m.config.name,
                "start": m.output.index[0].date().isoformat(),
                "end": m.output.index[-1].date().isoformat(),
                "rows": len(m.output),
                "attention": {
                    "column": m.attention.column,
                    "degenerate": m.attention.degenerate,
                    "mean": m.attention.mean,
                    "std": m.attention.std,
                    **({"steps": m.attention.steps} if m.attention.steps is not None else {}),
                },
                **({"informativeness": _informativeness_document(m)} if m.informativeness is not None else {}),
                "benchmark": figures(m.benchmark_metrics),
            }
            for m in report.models
        },
        "strategies": {
            s.id: {
                "name": s.config.name,
                "model": m.id,
                **figures(s.metrics),
                "sharpe_365": _json_number(s.sharpe_vectorbt_default),
                "total_trades": s.total_trades,
                "open_trades": s.open_trades,
                "closed_trades": s.total_trades - s.open_trades,
                "total_fees": s.total_fees,
                "mean_exposure": float(s.exposure.mean()),
                "time_in_market": float((s.exposure > 0).mean()),
                **({"attention_test": _attention_test_document(s.attention_test)} if s.attention_test else {}),
            }
            for m, s in report.strategies
        },
    }
    _add_robustness(document, report)
    if links is not None:
        for kind in ("strategies", "models"):
            for entity_id, paths in links[kind].items():
                document[kind][entity_id]["downloads"] = paths
    return document


def _add_robustness(document: dict, report: Report) -> None:
    """Statistics, cost/lag variants and episodes per strategy; `sweeps` per model."""
    conventions = document["conventions"]
    for m in report.models:
        robust = m.robustness
        if robust is None:
            continue
        conventions["bootstrap"] = {
            "method": "stationary block bootstrap (arch), paired across strategies and benchmark; percentile intervals",
            "resamples": robust.resamples, "seed": robust.seed, "confidence": robust.confidence,
        }
        conventions["psr"] = "P[true Sharpe > 0] (Bailey & Lopez de Prado 2012), per-period Sharpe, raw kurtosis"
        conventions["execution_lag_days"] = robust.execution_lag_days
        document["models"][m.id]["bootstrap_block_days"] = robust.block_days
        document["models"][m.id]["benchmark"].update(robustness.benchmark_fields(robust))
        for s in m.strategies:
            document["strategies"][s.id].update(robustness.strategy_fields(robust, s.id))
        if robust.sweep is not None:
            document.setdefault("sweeps", {})[m.id] = robustness.sweep_fields(robust.sweep, report.periods_per_year)


def _informativeness_document(model: ModelResult) -> dict:
    info = model.informativeness
    c = info.calibration
    return {
        "forward_return": "simple return from the close of each prediction date to the next close",
        "scores": {
            name: {"mean": s.mean, "std": s.std, "degenerate": s.degenerate}
            for name, s in model.score_summaries.items()
        },
        "rank_ic": {
            ic.factor: {
                "ic": _json_number(ic.ic),
                "p_value_newey_west": _json_number(ic.p_value),
                "n": ic.n,
                "newey_west_lags": ic.lags,
                "undefined": ic.undefined or None,
            }
            for ic in info.rank_ics
        },
        "calibration": {
            "brier": c.brier,
            "brier_base_rate": c.brier_base_rate,
            "auc": _json_number(c.auc),
            "accuracy": c.accuracy,
            "always_up_accuracy": c.always_up_accuracy,
            "n": c.n,
        },
    }


def _attention_test_document(test) -> dict:
    return {
        "observed_sharpe": _json_number(test.observed_sharpe),
        "exposure_matched_size": test.exposure_matched_size,
        "exposure_matched_sharpe": _json_number(test.exposure_matched_sharpe),
        "permutation_p_value": _json_number(test.p_value),
        "n_permutations": test.n_permutations,
        "seed": test.seed,
        "placebo_sharpe_median": _json_number(test.null_quantile(0.5)),
        "placebo_sharpe_p05": _json_number(test.null_quantile(0.05)),
        "placebo_sharpe_p95": _json_number(test.null_quantile(0.95)),
        "verdict": test.verdict,
    }


_PACKAGE = Path(__file__).resolve().parent


def bundled_resource(name: str) -> Path:
    """A file shipped with reportgen: inside the wheel, or at the top of a source checkout."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"reportgen installation is missing {name}")


def _resource(configured: Path | None, beside_config: Path, name: str) -> Path:
    if configured is not None:
        if not configured.exists():
            raise ConfigError(f"{configured}: not found (named in the [site] table)")
        return configured
    return beside_config if beside_config.exists() else bundled_resource(name)


def vega_bundle() -> str:
    """The vega/vega-lite/vega-embed script, made once per reportgen and library versions."""

    def made() -> str:
        from reportgen import charts  # Altair and vl-convert only on a miss

        return charts.vega_bundle()

    return cache.cached_text("vega-bundle", cache.code_fingerprint(), made)


def chart_svg(spec: dict) -> str:
    """A chart as static SVG, made once per spec."""

    def made() -> str:
        from reportgen import charts

        return charts.chart_svg(spec)

    key = cache.fingerprint([cache.code_fingerprint(), json.dumps(spec, sort_keys=True, separators=(",", ":"))])
    return cache.cached_text("svg", key, made)


def site_files(report: Report, links: dict | None = None) -> dict[str, bytes]:
    """Files copied into the site besides the pages: figures as JSON, scripts, styles."""
    assets = _PACKAGE / "assets"
    document = json.dumps(metrics_document(report, links), indent=2, sort_keys=True, allow_nan=False)
    return {
        "metrics.json": (document + "\n").encode(),
        "assets/javascripts/vega-bundle.js": vega_bundle().encode(),
        "assets/javascripts/reportgen-charts.js": (assets / "reportgen-charts.js").read_bytes(),
        "assets/stylesheets/reportgen.css": (assets / "reportgen.css").read_bytes(),
    }


def episodes_file(config: Config) -> Path:
    """The market episodes: [data] episodes, else data/market_episodes.csv beside the config, else reportgen's own."""
    name = "data/market_episodes.csv"
    return config.data.episodes or _resource(None, config.source.parent / name, name)


def templates_folder(config: Config) -> Path:
    """The page templates: [site] templates, else templates/ beside the config, else reportgen's own."""
    return _resource(config.site.templates, config.source.parent / "templates", "templates")


def mkdocs_file(config: Config) -> Path:
    """The mkdocs.yml: [site] mkdocs_config, else mkdocs.yml beside the config, else reportgen's own."""
    return _resource(config.site.mkdocs_config, config.source.parent / "mkdocs.yml", "mkdocs.yml")


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


def tearsheet_files(
    report: Report, specs: dict[str, dict], templates: Path, quantstats_pages: dict[str, str]
) -> dict[str, bytes]:
    """Each strategy's one-file tearsheet (and quantstats' one when made), by site path."""
    assets = _PACKAGE / "assets"
    sheet = pages.TearsheetInput(
        scripts=vega_bundle() + "\n" + (assets / "reportgen-charts.js").read_text(encoding="utf-8"),
        static_svg=lambda chart_id: chart_svg(specs[chart_id]),
        attachments=downloads.strategy_downloads(report, metrics_document(report)),
        provenance=provenance_line(report),
        quantstats_files={sid: Path(downloads.quantstats_tearsheet_path(sid)).name for sid in quantstats_pages},
    )
    files = {
        downloads.tearsheet_path(sid): page.encode()
        for sid, page in pages.rendered_tearsheets(report, specs, templates, sheet).items()
    }
    files.update({downloads.quantstats_tearsheet_path(sid): page.encode() for sid, page in quantstats_pages.items()})
    return files


def build_inputs(config: Config) -> list[Path]:
    """Every file and folder the build reads: an output folder must not contain any of them."""
    project = config.source.parent
    paths = [config.source, config.data.prices, *(m.predictions for m in config.models)]
    paths += [m.provenance for m in config.models if m.provenance is not None]
    paths += [config.data.episodes] if config.data.episodes is not None else []
    paths += [config.site.templates or project / "templates", config.site.mkdocs_config or project / "mkdocs.yml"]
    return paths


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
    from reportgen import views  # Altair only when something is computed

    result = report(config, progress)
    progress("drawing charts")
    specs = views.chart_specs(result)
    if config.site.tearsheet == "quantstats":
        progress("writing quantstats tearsheets")
    return result, specs, quantstats_tearsheets(config, result)


def computation_key(config: Config) -> str | None:
    """What the computed report depends on: reportgen's code and libraries, the config (and where
    it is, since the report shows paths), every input's bytes, and SOURCE_DATE_EPOCH. None when
    an input is not a readable file: the loaders then say what is wrong, and nothing is cached."""
    files = [config.data.prices, episodes_file(config)]
    for model in config.models:
        files += [model.predictions] + ([model.provenance] if model.provenance is not None else [])
    if not all(f.is_file() and os.access(f, os.R_OK) for f in files):
        return None
    parts: list[bytes | str] = [cache.code_fingerprint(), str(config.source.resolve()), config.source.read_bytes()]
    parts += [os.environ.get("SOURCE_DATE_EPOCH", "")]
    parts += [f.read_bytes() for f in files]
    return cache.fingerprint(parts)


BUILD_STAMP = ".reportgen-build.json"  # in the site: what it was built from, and mkdocs' warnings


def site_key(config: Config, key: str, docs_dir: Path | None) -> str:
    """What the published site depends on beyond the computed report: templates and mkdocs.yml."""
    templates = templates_folder(config)
    parts: list[bytes | str] = [key, str(docs_dir), mkdocs_file(config).read_bytes()]
    for path in sorted(p for p in templates.rglob("*") if p.is_file()):
        parts += [str(path.relative_to(templates)), path.read_bytes()]
    return cache.fingerprint(parts)


def _up_to_date_warnings(site_dir: Path, stamp: str) -> list[str] | None:
    """mkdocs' warnings of the site already in `site_dir` if it was built from `stamp`, else None."""
    try:
        recorded = json.loads((site_dir / BUILD_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if recorded.get("key") != stamp or not (site_dir / "index.html").is_file():
        return None
    return list(recorded.get("warnings", []))


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
        previous = _up_to_date_warnings(site_dir, stamp)
        if previous is not None:
            progress("templates and mkdocs.yml unchanged: the site is up to date")
            for warning in previous:
                logging.getLogger("reportgen.site").warning("%s", warning)
            return result
    links = downloads.download_paths(result, set(quantstats_pages))
    progress("rendering pages")
    templates = templates_folder(config)
    rendered = pages.rendered_pages(result, specs, templates, links)
    progress("writing tearsheets and downloads")
    files = {
        **site_files(result, links),
        **downloads.download_files(result, metrics_document(result)),
        **tearsheet_files(result, specs, templates, quantstats_pages),
    }
    progress("building site")
    site_input = site.SiteInput(
        rendered, files, config.site.title, mkdocs_file(config), result.build_date,
        copyright=html.escape(provenance_line(result)),
    )
    recorded = WarningRecorder()
    site_log = logging.getLogger("reportgen.site")
    site_log.addHandler(recorded)
    try:
        site.write_site(site_input, site_dir, docs_dir)
    finally:
        site_log.removeHandler(recorded)
    if stamp is not None:
        stamp_file = {"key": stamp, "warnings": recorded.messages}
        (site_dir / BUILD_STAMP).write_text(json.dumps(stamp_file, indent=1) + "\n", encoding="utf-8")
    return result
