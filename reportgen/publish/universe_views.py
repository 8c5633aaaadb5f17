"""The universe pages' charts and ready fields: tidy frames from the results, one chart each.

Chart ids: `<model>-universe-equity`, `<model>-universe-drawdown`, `<model>-ic`,
`<model>-quintiles`, `<model>-attention-assets`; per portfolio `<portfolio>-equity`,
`<portfolio>-drawdown`, `<portfolio>-weights`, `<portfolio>-holdings`, `<portfolio>-turnover`,
`<portfolio>-contributions`, `<portfolio>-placebo`, `<portfolio>-monthly`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reportgen.analysis.metrics import drawdown, turnover
from reportgen.analysis.thresholds import HELD_WEIGHT
from reportgen.publish import charts
from reportgen.publish.series import series_registry
from reportgen.publish.views import histogram
from reportgen.results import PortfolioResult, Report, UniverseModelResult

LARGEST_HOLDINGS = 8  # the stacked weights show this many assets by mean weight, the rest as "other"
IC_WINDOW_DAYS = 63  # the IC chart shows this rolling mean of the daily ICs
OTHER = "other"


def _long(series: dict[str, pd.Series], value: str = "value") -> pd.DataFrame:
    frames = [pd.DataFrame({"date": s.index, "series": name, value: s.to_numpy()}) for name, s in series.items()]
    return pd.concat(frames, ignore_index=True).dropna()


def _growth(returns: pd.Series) -> pd.Series:
    return (1.0 + returns).cumprod() * 100.0


def largest_holdings(weights: pd.DataFrame, count: int = LARGEST_HOLDINGS) -> pd.DataFrame:
    """`weights` with the `count` assets of highest mean weight as columns and the rest summed
    as "other" (only when there is a rest): the stacked chart's series."""
    order = weights.mean().sort_values(ascending=False, kind="stable").index
    shown = weights[order[:count]]
    if len(order) > count:
        shown = shown.assign(**{OTHER: weights[order[count:]].sum(axis=1)})
    return shown


def _portfolio_charts(report: Report, model: UniverseModelResult, p: PortfolioResult) -> dict:
    pid, name = p.id, p.config.name
    built = {
        f"{pid}-equity": charts.equity_chart(_long({name: _growth(p.returns), model.benchmark_name: _growth(model.benchmark_returns)})),
        f"{pid}-drawdown": charts.drawdown_chart(
            _long({name: drawdown(p.returns), model.benchmark_name: drawdown(model.benchmark_returns)}, "drawdown")
        ),
        f"{pid}-weights": charts.weights_heatmap(
            largest_holdings(p.weights).rename_axis(index="date", columns="series").stack().rename("weight").reset_index()
        ),
        f"{pid}-holdings": charts.series_chart(
            _long({"assets held": (p.weights > HELD_WEIGHT).sum(axis=1).astype(float)}), "assets held", ",.0f"
        ),
        f"{pid}-contributions": charts.contribution_chart(p.contributions.rename_axis("asset").reset_index()),
        f"{pid}-monthly": charts.monthly_returns_chart(p.monthly_returns),
    }
    traded = p.trades.groupby("date")["value"].sum().reindex(p.value.index, fill_value=0.0)
    rolling = turnover(traded, p.value, report.periods_per_year).rolling(IC_WINDOW_DAYS, min_periods=IC_WINDOW_DAYS).mean()
    if rolling.notna().any():  # none before a full window
        built[f"{pid}-turnover"] = charts.series_chart(
            _long({f"{IC_WINDOW_DAYS}-day one-way turnover, a year": rolling}), "turnover", ".0%"
        )
    test = p.attention_test
    if test is not None and len(test.defined_sharpes):
        markers = pd.DataFrame(
            {"value": [test.exposure_matched_sharpe, test.observed_sharpe], "label": ["equal weights, same holdings", "this portfolio"]}
        ).dropna()
        built[f"{pid}-placebo"] = charts.histogram_chart(
            histogram(test.null_sharpes), f"Sharpe ({report.periods_per_year} periods a year)", ".3~f", markers
        )
    return built


def _model_charts(model: UniverseModelResult) -> dict:
    mid = model.id
    built = {
        f"{mid}-universe-equity": charts.equity_chart(
            _long({**{p.config.name: _growth(p.returns) for p in model.portfolios}, model.benchmark_name: _growth(model.benchmark_returns)})
        ),
        f"{mid}-universe-drawdown": charts.drawdown_chart(
            _long(
                {**{p.config.name: drawdown(p.returns) for p in model.portfolios}, model.benchmark_name: drawdown(model.benchmark_returns)},
                "drawdown",
            )
        ),
    }
    rolling = {
        ic.factor: ic.daily.rolling(IC_WINDOW_DAYS, min_periods=IC_WINDOW_DAYS // 2).mean()
        for ic in model.cross_section.ics if not ic.undefined
    }
    if rolling:
        built[f"{mid}-ic"] = charts.small_multiples_chart(_long(rolling), f"rank IC, {IC_WINDOW_DAYS}-day mean", ".2f", reference=0.0)
    quintiles = quintile_table(model)
    if len(quintiles):
        built[f"{mid}-quintiles"] = charts.bucket_chart(quintiles, "mean_return", "mean next-day return", ".3%", 0.0)
    if model.profile is not None:
        cells = model.profile.rename_axis(index="asset", columns="lag").stack().rename("weight").reset_index()
        built[f"{mid}-attention-assets"] = charts.asset_lag_heatmap(cells, 1.0 / model.profile.shape[1])
    return built


def quintile_table(model: UniverseModelResult) -> pd.DataFrame:
    """Columns factor, bucket, mean_return, count, low, high (the bucket chart's frame): the mean
    over dates of each quintile's mean next-day return, for every factor with a defined IC."""
    rows = []
    for ic in model.cross_section.ics:
        table = model.cross_section.quintiles[ic.factor]
        if ic.undefined or table.empty:
            continue
        for bucket in table.columns:
            rows.append({"factor": ic.factor, "bucket": int(bucket), "mean_return": float(table[bucket].mean()),
                         "count": int(table[bucket].notna().sum()), "low": np.nan, "high": np.nan})
    return pd.DataFrame(rows, columns=["factor", "bucket", "mean_return", "count", "low", "high"])


def universe_task_specs(report: Report, model_id: str, portfolio_id: str | None) -> dict[str, dict]:
    """One task of the chart stage (chart_tasks): a universe model's own charts (`portfolio_id`
    None) or one of its portfolios' (a tearsheet's), as Vega-Lite specs by id, with the market
    episodes shaded on the time-series ones."""
    model = next(m for m in report.universe_models if m.id == model_id)
    with charts.series_styles(series_registry(report)):
        if portfolio_id is None:
            built = _model_charts(model)
        else:
            built = _portfolio_charts(report, model, next(p for p in model.portfolios if p.id == portfolio_id))
        if model.episodes is not None:
            shaded = charts.episode_shader(model.episodes)
            built = {k: shaded(c) for k, c in built.items()}
        return {chart_id: charts.chart_spec(chart) for chart_id, chart in built.items()}
