"""Which figure goes in which chart: tidy frames from the results, then one chart function each.

Returns Vega-Lite specs keyed by chart id; the page templates place them by id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen.publish import charts, formats
from reportgen.publish.sensitivity_views import BENCHMARK, sensitivity_charts
from reportgen.publish.series import series_registry
from reportgen.analysis.attention import lag_profile
from reportgen.analysis.metrics import drawdown
from reportgen.model.provenance import Provenance
from reportgen.results import ModelResult, Report, StrategyResult, UniverseModelResult

# Above this many date x lag cells the attention heatmap shows weekly (then monthly) means.
MAX_HEATMAP_CELLS = 6_000
HISTOGRAM_BINS = 30


def _long(series: dict[str, pd.Series], value: str) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"date": s.index, "series": name, value: s.to_numpy()}) for name, s in series.items()
    ]
    return pd.concat(frames, ignore_index=True).dropna()


def _equity(strategy: StrategyResult, init_cash: float) -> pd.Series:
    return strategy.value / init_cash * 100.0


def _benchmark_equity(model: ModelResult) -> pd.Series:
    return model.price / model.price.iloc[0] * 100.0


def _strategy_charts(report: Report, model: ModelResult, strategy: StrategyResult) -> dict[str, dict]:
    sid, name = strategy.id, strategy.config.name
    window = report.rolling_window_days
    rolling = strategy.rolling_sharpe
    size_label = "requested size (units)" if strategy.config.size_type == "amount" else "requested size"
    specs = {
        f"{sid}-equity": charts.equity_chart(
            _long({name: _equity(strategy, report.init_cash), BENCHMARK: _benchmark_equity(model)}, "value")
        ),
        f"{sid}-drawdown": charts.drawdown_chart(
            _long({name: drawdown(strategy.returns), BENCHMARK: drawdown(model.benchmark_returns)}, "drawdown")
        ),
        f"{sid}-size": charts.position_size_chart(
            _long({size_label: strategy.size, "realised exposure": strategy.exposure}, "value")
        ),
        f"{sid}-monthly": charts.monthly_returns_chart(strategy.monthly_returns),
    }
    if rolling["raw"].notna().any():  # undefined throughout for returns that never change
        specs[f"{sid}-rolling-sharpe"] = charts.rolling_sharpe_chart(
            _long({name: rolling["annualised"]}, "sharpe"), f"{window}-day Sharpe (annualised)"
        )
        specs[f"{sid}-rolling-sharpe-raw"] = charts.rolling_sharpe_chart(
            _long({"raw (per day)": rolling["raw"], "annualised": rolling["annualised"]}, "sharpe"),
            f"{window}-day Sharpe",
        )
    return specs


FORECASTS = {"model": "ATT-LSTM", "always_up": "always up", "yesterday": "yesterday's direction"}


def fold_scores(training: Provenance, metric: str, forecasts: tuple[str, ...] = tuple(FORECASTS)) -> pd.DataFrame:
    """One row per fold with scores and forecast: columns date (first forecast day), series, value."""
    rows = [
        {"date": pd.Timestamp(f.forecast_start), "series": FORECASTS[key], "value": getattr(getattr(f.scores, key), metric)}
        for f in training.folds
        if f.scores is not None
        for key in forecasts
    ]
    return pd.DataFrame(rows, columns=["date", "series", "value"]).dropna()


def loss_curves(training: Provenance, split: str) -> pd.DataFrame:
    """Per fold and epoch: the training loss (`split` "training") or the validation loss minus
    the always-up baseline's on the same slice ("validation_excess"). Columns fold, fitted,
    epoch, loss, best."""
    rows = []
    for f in training.folds:
        losses = f.training_loss if split == "training" else [v - f.validation_always_up_loss for v in f.validation_loss]
        for epoch, loss in enumerate(losses, start=1):
            rows.append({"fold": f.fold, "fitted": f.fitted_at.isoformat(), "epoch": epoch, "loss": loss, "best": epoch == f.best_epoch})
    return pd.DataFrame(rows, columns=["fold", "fitted", "epoch", "loss", "best"])


def _model_charts(model: ModelResult | UniverseModelResult) -> dict:
    """The model page's charts; a chart with nothing to draw (no fold with a known outcome) is left out."""
    training, mid = model.provenance, model.id
    specs = {
        f"{mid}-training-loss": charts.loss_curves_chart(loss_curves(training, "training"), "training loss"),
        f"{mid}-validation-loss": charts.loss_curves_chart(
            loss_curves(training, "validation_excess"), "validation loss - always up's", reference=0.0
        ),
    }
    auc = fold_scores(training, "auc", ("model", "yesterday"))
    if len(auc):
        specs[f"{mid}-fold-auc"] = charts.fold_scores_chart(auc, "AUC", ".2f", reference=0.5)
        specs[f"{mid}-fold-accuracy"] = charts.fold_scores_chart(fold_scores(training, "accuracy"), "accuracy", ".0%")
        specs[f"{mid}-fold-log-loss"] = charts.fold_scores_chart(fold_scores(training, "log_loss"), "log loss", ".3f")
    return specs
def constant_value(values: np.ndarray) -> float | None:
    """The mean of `values` (NaN left out) when they differ by less than a millionth of their
    size (a constant up to float noise), else None."""
    values = values[np.isfinite(values)]
    low, high = float(values.min()), float(values.max())
    return float(values.mean()) if high - low <= 1e-6 * max(1.0, abs(low), abs(high)) else None


def histogram(values: np.ndarray, bins: int = HISTOGRAM_BINS) -> pd.DataFrame:
    """Counts of `values` (NaN left out) in equal-width bins: columns bin_start, bin_end, count."""
    counts, edges = np.histogram(values[np.isfinite(values)], bins=bins)
    return pd.DataFrame({"bin_start": edges[:-1], "bin_end": edges[1:], "count": counts})


def distribution_chart(values: np.ndarray, title: str, value_format: str, unit: str, markers: pd.DataFrame | None = None, kind: str = "ratio"):
    """The histogram of `values`; for a (nearly) constant series one labelled bar and a sentence
    saying so, instead of a full-width band over an axis of repeated ticks. The constant and the
    markers are printed as figures of `kind` (formats.py), like everywhere else; "setting" keeps six
    significant digits (a score's exact value, as the attention summary states it)."""
    constant = constant_value(values)
    if constant is None:
        return charts.histogram_chart(histogram(values), title, value_format, markers)
    count = int(np.isfinite(values).sum())
    shown = formats.setting(float(f"{constant:.6g}")) if kind == "setting" else formats.formatted(constant, kind)
    sentence = f"All {formats.count(count)} {unit} are {shown} (equal up to float noise): nothing to spread over."
    if markers is not None and len(markers):
        sentence += " " + "; ".join(f"{label}: {formats.formatted(value, kind)}" for label, value in zip(markers["label"], markers["value"])) + "."
    return charts.constant_histogram_chart(shown, count, title, unit, sentence)


def lag_cells(weights: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The heatmap cells of an attention vector (columns date, date_end, lag, weight) and the
    resolution shown: daily, or weekly / monthly means when there are too many cells."""
    for resolution, freq in (("daily", None), ("weekly mean", "W-MON"), ("monthly mean", "MS")):
        if freq is None:
            shown = weights
            # each day's cell reaches the next date, so weekends and holidays leave no gaps
            starts = shown.index
            ends = starts[1:].append(pd.DatetimeIndex([starts[-1] + pd.Timedelta(days=1)]))
        else:
            shown = weights.groupby(pd.Grouper(freq=freq, label="left", closed="left")).mean().dropna()
            starts = shown.index
            ends = starts + (pd.Timedelta(days=7) if freq == "W-MON" else pd.offsets.MonthBegin(1))
        if shown.size <= MAX_HEATMAP_CELLS or freq == "MS":
            break
    cells = shown.set_axis(starts).rename_axis("date").reset_index().assign(date_end=ends)
    cells = cells.melt(id_vars=["date", "date_end"], var_name="lag", value_name="weight")
    return cells, resolution


def _attention_charts(report: Report, model: ModelResult) -> dict:
    """The attention page's charts of one model; a chart with nothing to show is left out."""
    mid, built = model.id, {}
    if model.weights is not None:
        cells, resolution = lag_cells(model.weights)
        built[f"{mid}-attention-lags"] = charts.attention_lags_chart(cells, f"weight ({resolution})")
        profile = lag_profile(model.weights).rename_axis("lag").reset_index()
        built[f"{mid}-attention-profile"] = charts.attention_profile_chart(profile, 1.0 / model.weights.shape[1])
    for name in [model.attention.column] if model.scores is not None and not model.attention.degenerate else []:  # the score used, if it varies
        built[f"{mid}-distribution-{name}"] = distribution_chart(model.scores[name].to_numpy(dtype=float), name, ".3~g", "days", kind="setting")
    info = model.informativeness
    if info is not None:
        if len(info.buckets):
            built[f"{mid}-buckets-return"] = charts.bucket_chart(info.buckets, "mean_return", "mean next-day return", ".2%", 0.0)
        if len(info.calibration.bins):
            built[f"{mid}-calibration"] = charts.calibration_chart(info.calibration.bins)
    for strategy in model.strategies:
        test = strategy.attention_test
        if test is not None and len(test.defined_sharpes):
            markers = pd.DataFrame(
                {
                    "value": [test.exposure_matched_sharpe, test.observed_sharpe],  # the strategy drawn on top
                    "label": ["exposure-matched constant size", "this strategy"],
                }
            ).dropna()
            built[f"{strategy.id}-placebo"] = distribution_chart(
                test.null_sharpes, f"Sharpe ({report.periods_per_year} periods a year)", ".3~f", "runs", markers
            )
    return built


def chart_task_specs(report: Report, model_id: str, strategy_id: str | None) -> dict[str, dict]:
    """The charts of a single-asset model (`strategy_id` None) or of one of its strategies, as
    Vega-Lite specs keyed by chart id (one task of the chart stage, see chart_tasks).

    A chart with nothing to draw (the rolling Sharpe of a strategy that never trades) is left
    out; its page says so in its place.
    """
    [model] = [m for m in report.models if m.id == model_id]
    if strategy_id is not None:
        [strategy] = [s for s in model.strategies if s.id == strategy_id]
        built = _strategy_charts(report, model, strategy)
    else:
        built = _model_own_charts(report, model)
    if model.robustness is not None:  # market episodes shaded on every time-series chart
        shaded = charts.episode_shader(model.robustness.episodes)
        built = {chart_id: shaded(chart) for chart_id, chart in built.items()}
    return {chart_id: charts.chart_spec(chart) for chart_id, chart in built.items()}


def _model_own_charts(report: Report, model: ModelResult) -> dict:
    """A single-asset model's charts besides its strategies' own."""
    mid = model.id
    built = {
        f"{mid}-equity-all": charts.equity_chart(
            _long(
                {
                    **{s.config.name: _equity(s, report.init_cash) for s in model.strategies},
                    BENCHMARK: _benchmark_equity(model),
                },
                "value",
            )
        ),
        f"{mid}-drawdown-all": charts.drawdown_chart(
            _long(
                {**{s.config.name: drawdown(s.returns) for s in model.strategies}, BENCHMARK: drawdown(model.benchmark_returns)},
                "drawdown",
            )
        ),
        f"{mid}-attention": charts.attention_chart(
            pd.DataFrame(
                {
                    "date": model.output.index,
                    "attention": model.output["attention"].to_numpy(),
                    "signal": (model.output["prediction"] > 0.5).map({True: "long", False: "flat"}).to_numpy(),
                }
            ),
            constant=model.attention.degenerate,
        ),
    }
    built.update(_attention_charts(report, model))
    if model.provenance is not None:
        built.update(_model_charts(model))
    built.update(sensitivity_charts(model))
    return built


def universe_model_chart_specs(report: Report, model_id: str) -> dict[str, dict]:
    """The training charts of a universe model, when it carries a provenance sidecar."""
    built: dict = {}
    with charts.series_styles(series_registry(report)):
        for model in report.universe_models:
            if model.id == model_id and model.provenance is not None:
                built.update(_model_charts(model))
    return {chart_id: charts.chart_spec(chart) for chart_id, chart in built.items()}
