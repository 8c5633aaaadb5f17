"""Which figure goes in which chart: tidy frames from the results, then one chart function each.

Returns Vega-Lite specs keyed by chart id; the page templates place them by id.
"""

from __future__ import annotations

import pandas as pd

from reportgen import charts
from reportgen.metrics import drawdown
from reportgen.results import ModelResult, Report, StrategyResult

BENCHMARK = "Buy & hold"


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


def chart_specs(report: Report) -> dict[str, dict]:
    """Every chart of the site, as Vega-Lite specs keyed by chart id.

    A chart with nothing to draw (the rolling Sharpe of a strategy that never trades) is left
    out; its page says so in its place.
    """
    built: dict = {}
    for model in report.models:
        mid = model.id
        built[f"{mid}-equity-all"] = charts.equity_chart(
            _long(
                {
                    **{s.config.name: _equity(s, report.init_cash) for s in model.strategies},
                    BENCHMARK: _benchmark_equity(model),
                },
                "value",
            )
        )
        built[f"{mid}-drawdown-all"] = charts.drawdown_chart(
            _long(
                {**{s.config.name: drawdown(s.returns) for s in model.strategies}, BENCHMARK: drawdown(model.benchmark_returns)},
                "drawdown",
            )
        )
        built[f"{mid}-attention"] = charts.attention_chart(
            pd.DataFrame(
                {
                    "date": model.output.index,
                    "attention": model.output["attention"].to_numpy(),
                    "signal": (model.output["prediction"] > 0.5).map({True: "long", False: "flat"}).to_numpy(),
                }
            )
        )
        for strategy in model.strategies:
            built.update(_strategy_charts(report, model, strategy))
    return {chart_id: charts.chart_spec(chart) for chart_id, chart in built.items()}
