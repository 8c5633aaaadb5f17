"""One model's figures: its strategies simulated a block of strategies at a time, its attention
scores and their informativeness, and the attention tests (control and placebo) of every strategy
that filters or sizes by attention, the placebo's shuffles a block of columns at a time. Run by
evaluation/stage.py; the sensitivity of each model is evaluation/robustness.py.

In a build, model_inputs takes each model's data from the inputs record (read and checked
before); model_stage_tasks makes each model's figures and sensitivity one task and each
attention test another (model_stage_task runs either, here or on
a worker); assembled_models puts the tests back on their strategies.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from reportgen.evaluation import engine, robustness
from reportgen.analysis import attention, attention_tests, backtest, informativeness, metrics, overlays, signals, thresholds
from reportgen.compute import blocks
from reportgen.compute.progress import tracked
from reportgen.inputs.config import ModelConfig, StrategyConfig
from reportgen.inputs.record import ModelData
from reportgen.model import provenance
from reportgen.results import ModelResult, StrategyResult


def _strategy_results(
    settings: engine.Settings, model: ModelConfig, output: pd.DataFrame, price: pd.Series, risk_free: pd.Series, tables: bool = True
) -> list[StrategyResult]:
    """Every strategy of the model, simulated a block of strategies at a time."""
    strategies = [s for s in settings.strategies if s.model == model.id]
    per_block = settings.block_columns(len(price), backtest.SIMULATION_BYTES_PER_CELL)
    return [
        result
        for block in blocks.column_blocks(len(strategies), per_block)
        for result in _strategy_block(settings, strategies[block], output, price, risk_free, tables)
    ]


def _strategy_block(
    settings: engine.Settings, strategies: list[StrategyConfig], output: pd.DataFrame, price: pd.Series, risk_free: pd.Series,
    tables: bool = True,
) -> list[StrategyResult]:
    ppy, window = settings.periods_per_year, settings.rolling_window_days
    positions = {
        s.id: overlays.strategy_positions(s, overlays.strategy_overlays(s), output, price, ppy) for s in strategies
    }
    wanted = {sid: signal for sid, (signal, _) in positions.items()}
    sizes = {sid: size for sid, (_, size) in positions.items()}
    simulation = backtest.simulate(backtest.Orders(
        price, pd.DataFrame(wanted), pd.DataFrame(sizes), [s.size_type for s in strategies], settings.init_cash, settings.fees
    ))
    benchmark_returns = engine.benchmark_returns(price)
    results = []
    for s in strategies:
        returns = simulation.returns[s.id].rename(s.id)
        invested = metrics.invested_shares(simulation.exposure[s.id])
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
                metrics=metrics.headline_metrics(returns, ppy, risk_free, invested),
                sharpe_vectorbt_default=metrics.sharpe_ratio(returns, thresholds.VECTORBT_DAYS_PER_YEAR),
                max_drawdown_from_first_close=metrics.max_drawdown(returns.iloc[1:]),
                rolling_sharpe=metrics.rolling_sharpe(metrics.excess_returns(returns, risk_free, invested), window, ppy),
                monthly_returns=metrics.monthly_returns(returns),
                quantstats_table=metrics.quantstats_table(returns, benchmark_returns, ppy, risk_free, invested) if tables else None,
            )
        )
    return results


def _assessed_scores(output: pd.DataFrame, column: str, derived: pd.DataFrame | None) -> pd.DataFrame:
    """The attention score used (first), then every other score derived from the vector."""
    scores = output[["attention"]].rename(columns={"attention": column})
    if derived is not None:
        scores = scores.join(derived.drop(columns=column, errors="ignore").reindex(output.index))
    return scores


def _attention_tests(
    settings: engine.Settings, output: pd.DataFrame, price: pd.Series, results: list[StrategyResult], summary: attention.AttentionSummary,
    risk_free: pd.Series,
) -> list[StrategyResult]:
    """Every strategy that filters or sizes by attention, with its exposure-matched control and
    placebo: one strategy at a time, its shuffles simulated a block of columns at a time, so that
    memory stays bounded however many strategies and shuffles are tested."""
    tested = [r for r in results if attention_tests.uses_attention(r.config)]
    if not tested:
        return results
    shuffled = attention_tests.permuted_attention(output["attention"], settings.permutations, settings.placebo_seed)
    tests = {r.id: _attention_test(settings, output, price, r, summary, risk_free, shuffled) for r in tested}
    return [dataclasses.replace(r, attention_test=tests[r.id]) if r.id in tests else r for r in results]


def _attention_test(
    settings: engine.Settings, output: pd.DataFrame, price: pd.Series, r: StrategyResult, summary: attention.AttentionSummary,
    risk_free: pd.Series, shuffled: attention_tests.AttentionPermutations,
) -> attention_tests.AttentionTest:
    """One strategy's control and placebo (`shuffled`: the model's permutations of attention)."""
    ppy = settings.periods_per_year
    per_block = settings.block_columns(len(price), backtest.RETURNS_BYTES_PER_CELL)
    s = r.config
    raw = signals.long_signal(output["prediction"], s.threshold)
    control_signal, control_sizes, control_size = overlays.control_positions(
        s, overlays.strategy_overlays(s), output, price, r.exposure, ppy
    )
    control = _simulated_returns(settings, price, control_signal.to_frame("control"), control_sizes.to_frame("control"), "percent")
    runs = tracked(blocks.column_blocks(settings.permutations, per_block), f"strategy {s.id}: {settings.permutations:,} placebo runs")
    placebos = (_placebo_returns(settings, price, raw, shuffled[block], s) for block in runs)  # a block at a time
    null_sharpes = np.concatenate([engine.excess_sharpes(p.returns, risk_free, ppy, p.invested) for p in placebos])
    facts = attention_tests.strategy_facts(
        s, summary.column, summary.degenerate, r.total_trades, r.exposure_in_market, float(output["attention"].max())
    )
    return engine.attention_test(
        r.returns, metrics.invested_shares(r.exposure), control.returns["control"], control.invested["control"], control_size,
        null_sharpes, risk_free, ppy, settings.placebo_seed, functools.partial(attention_tests.verdict, facts),
    )


def _placebo_returns(settings: engine.Settings, price: pd.Series, base: pd.Series, shuffled: pd.DataFrame, strategy: StrategyConfig
) -> backtest.ColumnReturns:
    """Daily returns of the strategy's rules, its overlays included, run on each column of
    shuffled attention (`base`: the prediction's signal before the attention filter and overlays)."""
    chosen, ppy = overlays.strategy_overlays(strategy), settings.periods_per_year
    placebo, scale = overlays.overlaid_signals(
        signals.filtered_signals(base, shuffled, strategy.attention_threshold), price, chosen, ppy
    )
    sizes = signals.position_sizes(placebo, shuffled, strategy.sizing)
    sizes = sizes if not chosen.groups else sizes.mul(scale.to_numpy(), axis=0)
    return _simulated_returns(settings, price, placebo, sizes, strategy.size_type)


def _simulated_returns(
    settings: engine.Settings, price: pd.Series, wanted: pd.DataFrame, sizes: pd.DataFrame, size_type: str
) -> backtest.ColumnReturns:
    return backtest.simulated_returns(backtest.Orders(price, wanted, sizes, size_type, settings.init_cash, settings.fees))


@dataclass(frozen=True)
class ModelInputs:
    """What every task of a model reads: its predictions and attention, the prices aligned to
    them, the risk-free rate and the attention scores. Read once, by the build."""

    model: ModelConfig
    weights: pd.DataFrame | None  # the attention vector, when the CSV carries one
    output: pd.DataFrame  # columns prediction, attention
    training: provenance.Provenance | None
    price: pd.Series
    risk_free: pd.Series
    scores: pd.DataFrame
    summaries: dict[str, attention.AttentionSummary]

    @property
    def used(self) -> attention.AttentionSummary:
        return self.summaries[self.model.attention_column]


def model_inputs(settings: engine.Settings, model: ModelConfig, read: ModelData) -> ModelInputs:
    """A model's inputs (read and checked by reportgen.inputs.record) with its attention scores."""
    weights, output, derived = read.weights, read.output, read.derived
    steps = None if weights is None else weights.shape[1]
    scores = _assessed_scores(output, model.attention_column, derived)
    return ModelInputs(
        model=model, weights=weights, output=output, training=read.provenance, price=read.price,
        risk_free=metrics.per_period_risk_free(read.annual_risk_free, settings.periods_per_year), scores=scores,
        summaries={name: attention.attention_summary(scores[name], name, steps) for name in scores.columns},
    )


def _model_result(settings: engine.Settings, inputs: ModelInputs, test_attention: bool, tables: bool = True) -> ModelResult:
    output, price, risk_free, scores, summaries = inputs.output, inputs.price, inputs.risk_free, inputs.scores, inputs.summaries
    benchmark_returns = engine.benchmark_returns(price)
    strategies = _strategy_results(settings, inputs.model, output, price, risk_free, tables)
    return ModelResult(
        config=inputs.model,
        output=output,
        price=price,
        benchmark_returns=benchmark_returns,
        benchmark_metrics=metrics.headline_metrics(benchmark_returns, settings.periods_per_year, risk_free),
        benchmark_monthly_returns=metrics.monthly_returns(benchmark_returns),
        attention=inputs.used,
        strategies=_attention_tests(settings, output, price, strategies, inputs.used, risk_free) if test_attention else strategies,
        weights=inputs.weights,
        scores=scores,
        score_summaries=summaries,
        informativeness=informativeness.factor_informativeness(
            output["prediction"], scores, price, [name for name, s in summaries.items() if s.degenerate]
        ),
        provenance=inputs.training,
        risk_free=risk_free,
    )


@dataclass(frozen=True)
class ModelTask:
    """One task of the model stage: a model's figures and sensitivity (`strategy_id` None; its
    attention tests and quantstats tables left out), or, for one of its strategies, its attention
    test (the placebo runs dominate a large report) or its quantstats table (half a second each,
    the largest part of a model's own figures): so that they spread over the workers."""

    model_id: str
    strategy_id: str | None = None
    part: Literal["model", "attention test", "quantstats table"] = "model"

    @property
    def id(self) -> str:  # progress lines name the task
        return self.model_id if self.strategy_id is None else f"{self.model_id}: {self.part} of {self.strategy_id}"


# The heavy libraries model_stage_task imports (vectorbt brings quantstats with it; arch, for the
# bootstrap's block length, brings statsmodels and matplotlib): forked workers import them once, in
# one leader process (reportgen.compute.executor.ForkExecutor), and share them: imported by each
# worker at its first bootstrap, arch took 0.3 s and 30 MB of its own memory in each.
TASK_IMPORTS = ("vectorbt", "quantstats", "arch.bootstrap")


def model_stage_tasks(settings: engine.Settings, models: list[ModelConfig], rows: dict[str, int] | None = None) -> list[ModelTask]:
    """Each model's own task first (the longest; the model of most rows first, by `rows`), then
    each attention test and each quantstats table, those of the longest models first: the tasks
    that end a stage are then short ones, and no worker waits long for the other."""
    rows = rows or {}
    by_rows = sorted(models, key=lambda m: -rows.get(m.id, 0))  # stable: config order among equals
    own = [ModelTask(m.id) for m in by_rows]
    parts = [
        ModelTask(m.id, s.id, part)
        for m in by_rows
        for part in ("attention test", "quantstats table")
        for s in settings.strategies
        if s.model == m.id and (part == "quantstats table" or attention_tests.uses_attention(s))
    ]
    return own + parts


def model_stage_task(
    shared: tuple[engine.Settings, dict[str, ModelInputs], pd.DataFrame], task: ModelTask
) -> ModelResult | attention_tests.AttentionTest | pd.DataFrame | None:
    """One task of a build (shared = the settings, each model's inputs, market episodes), run here or
    on a worker: a model's result with its sensitivity, or one strategy's attention test or
    quantstats table (its simulation run again, alone: the same figures, column by column)."""
    settings, inputs, market_episodes = shared
    model = inputs[task.model_id]
    if task.strategy_id is None:
        result = _model_result(settings, model, test_attention=False, tables=False)
        return dataclasses.replace(result, robustness=robustness.model_robustness(settings, result, market_episodes))
    [strategy] = [s for s in settings.strategies if s.id == task.strategy_id]
    [simulated] = _strategy_block(settings, [strategy], model.output, model.price, model.risk_free, tables=False)
    if task.part == "quantstats table":
        return metrics.quantstats_table(
            simulated.returns, engine.benchmark_returns(model.price), settings.periods_per_year, model.risk_free,
            metrics.invested_shares(simulated.exposure),
        )
    [tested] = _attention_tests(settings, model.output, model.price, [simulated], model.used, model.risk_free)
    return tested.attention_test


def assembled_models(tasks: list[ModelTask], outputs: list, models: list[ModelConfig]) -> list[ModelResult]:
    """The stage's outputs as `models` (in that order), each strategy with its attention test and
    quantstats table."""
    parts = {(t.model_id, t.strategy_id, t.part): out for t, out in zip(tasks, outputs, strict=True) if t.strategy_id is not None}
    order = {m.id: i for i, m in enumerate(models)}
    own = sorted(((t, out) for t, out in zip(tasks, outputs, strict=True) if t.strategy_id is None), key=lambda pair: order[pair[0].model_id])
    return [
        dataclasses.replace(
            out,
            strategies=[
                dataclasses.replace(
                    s,
                    attention_test=parts.get((out.id, s.id, "attention test"), s.attention_test),
                    quantstats_table=parts.get((out.id, s.id, "quantstats table"), s.quantstats_table),
                )
                for s in out.strategies
            ],
        )
        for t, out in own
    ]
