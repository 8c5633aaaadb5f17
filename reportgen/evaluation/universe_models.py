"""Universe models and their portfolios: wires the analysis as evaluation.strategies does for one asset.

    the model's inputs (reportgen.inputs.record) -> wide prediction / attention (dates x assets)
      -> target weights per portfolio -> a vectorbt simulation of each (tasks, side by side)
      -> figures, cost and lag variants, bootstrap intervals and PSR, episodes
      -> attention test (exposure-matched control, within-day permutations, in blocks)
      -> cross-sectional informativeness of the prediction and every attention score
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from reportgen.analysis import attention, attention_tests, informativeness, metrics, portfolios
from reportgen.analysis.portfolio_backtest import (
    PortfolioSimulation, combined_simulations, portfolio_returns, simulate_portfolio,
)
from reportgen.evaluation import cross_section, engine, portfolio_placebo
from reportgen.compute import blocks, jobs
from reportgen.compute.local import in_process
from reportgen.inputs import universe
from reportgen.inputs.config import ModelConfig, PortfolioConfig
from reportgen.inputs.record import UniverseModelData
from reportgen.results import PortfolioResult, UniverseModelResult

EQUAL_WEIGHT_BENCHMARK = "Equal-weight buy & hold"
SIMULATION_IMPORTS = ("vectorbt",)  # what the simulations' tasks import
FACTOR_IMPORTS = ("statsmodels.regression.linear_model",)  # what the cross-sectional tests import
# What a universe's stages import: the simulations' tasks, the bootstrap's block length (arch)
# and the cross-sectional tests' regressions (statsmodels), which the build also runs itself; and
# the simulation kernel made ready (its first call: 0.25 s at 500 assets, in the build process
# before the first map, while a core waited; the build imports these while the inputs are read).
TASK_IMPORTS = (*SIMULATION_IMPORTS, "arch.bootstrap", *FACTOR_IMPORTS, "reportgen.analysis.portfolio_backtest:loaded_kernel")


@dataclass(frozen=True)
class Frames:
    """A universe model's inputs as wide frames (dates x assets) on its prediction dates."""

    assets: list[str]
    close: pd.DataFrame  # NaN before an asset's first price and after its last
    ended: pd.DataFrame  # bool: from a delisted asset's last price on (sold then)
    tradable: pd.DataFrame  # bool: the asset has a price, is a member and is not delisted
    prediction: pd.DataFrame  # NaN: no prediction
    scores: dict[str, pd.DataFrame]  # every attention score, the one used first
    summaries: dict[str, attention.AttentionSummary]  # of each score, pooled over assets and dates

    @property
    def simulated_close(self) -> pd.DataFrame:
        """Outside its listing an asset is never held; any price will do."""
        return self.close.ffill().bfill()


def _scores_long(attention_column: str, output: pd.DataFrame, derived: pd.DataFrame | None) -> pd.DataFrame:
    """Every attention score per (date, asset): the one used first (read, or derived from the
    vector: reportgen.inputs.record checked that one of them has it), then the others derived."""
    used = output[[attention_column]] if attention_column in output.columns else derived[[attention_column]]
    return used if derived is None else used.join(derived.drop(columns=attention_column, errors="ignore"))


def frames(prices: pd.DataFrame, data: UniverseModelData, attention_column: str) -> Frames:
    read, dates, steps = data.predictions, data.dates, data.steps
    scores_long = _scores_long(attention_column, read.output, data.derived)
    assets = list(prices.columns[prices.columns.isin(read.output.index.unique(level="asset"))])  # not one name a row: 2.5M at 500 assets
    close = universe.prices_on(prices[assets], dates)  # within each asset's listing only
    member = True if data.membership is None else universe.member_dates(data.membership, dates, close.columns)
    ended = portfolios.delisted_dates(dates, close.columns, universe.delisting_dates(close))  # sold at the last price
    prediction, *scores = portfolios.wide_frames([read.output["prediction"], *(scores_long[n] for n in scores_long.columns)], close.columns, dates)
    return Frames(
        assets=assets,
        close=close,
        ended=ended,
        tradable=close.notna() & member & ~ended,
        prediction=prediction,
        scores=dict(zip(scores_long.columns, scores)),
        summaries={name: attention.attention_summary(scores_long[name], name, steps) for name in scores_long.columns},
    )


def _benchmark(benchmark_column: str | None, benchmark: pd.Series | None, close: pd.DataFrame) -> tuple[str, pd.Series]:
    """The [universe] benchmark's returns from its prices on the model's dates, else an
    equal-weight buy & hold of the assets priced on the first date (fee-free; 0 on the first day)."""
    if benchmark is not None:
        return benchmark_column, engine.benchmark_returns(benchmark)
    listed = close.columns[close.iloc[0].notna()]
    growth = (close[listed].ffill() / close[listed].iloc[0]).mean(axis=1)  # a delisted asset: cash at its last price
    return EQUAL_WEIGHT_BENCHMARK, engine.benchmark_returns(growth)


def _targets(portfolio: PortfolioConfig, weights: pd.DataFrame, ended: pd.DataFrame, lag_days: int = 0) -> pd.DataFrame:
    return portfolios.orders(weights, portfolios.rebalance_days(weights.index, portfolio.rebalance), lag_days, ended)


@dataclass(frozen=True)
class SimulationInput:
    """What every portfolio simulation task shares: the prices and every portfolio's orders."""

    close: pd.DataFrame
    targets: dict[str, pd.DataFrame]
    init_cash: float
    fees: float


def portfolio_simulation(shared: SimulationInput, name: str) -> PortfolioSimulation:
    """One portfolio's vectorbt simulation (a task: the portfolios of a model run side by side)."""
    return simulate_portfolio(shared.close, name, shared.targets[name], shared.init_cash, shared.fees)


@dataclass(frozen=True)
class VariantInput:
    """What every task of the cost x lag variants shares (scattered to workers once): the
    portfolios' weights, not each variant's orders, which a task makes as it simulates them."""

    close: pd.DataFrame
    weights: dict[str, pd.DataFrame]
    portfolios: dict[str, PortfolioConfig]
    ended: pd.DataFrame
    names: list[str]  # one a variant: source|lag|fees
    variants: pd.DataFrame  # engine.cost_lag_variants
    init_cash: float


def variant_returns(shared: VariantInput, runs: engine.Runs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily returns and invested shares of variants [first, first + count): each portfolio is
    simulated on its own (portfolio_kernel), so a variant's figures do not depend on its task."""
    rows = list(shared.variants.iloc[runs.first:runs.first + runs.count].itertuples())
    names = shared.names[runs.first:runs.first + runs.count]
    generated = ((n, _targets(shared.portfolios[r.source], shared.weights[r.source], shared.ended, r.lag_days)) for n, r in zip(names, rows))
    simulated = portfolio_returns(shared.close, generated, shared.init_cash, {n: r.fees_bps / 1e4 for n, r in zip(names, rows)})
    return simulated.returns, simulated.invested


def _variant_job(settings: engine.Settings, close, weights: dict[str, pd.DataFrame], portfolio_list, ended: pd.DataFrame, workers: int) -> jobs.Job:
    """The cost x lag variants of every portfolio, as tasks (two a worker)."""
    by_id = {p.id: p for p in portfolio_list}
    variants = engine.cost_lag_variants(list(by_id), settings)
    names = [f"{r.source}|{r.lag_days}|{r.fees_bps}" for r in variants.itertuples()]
    runs = engine.run_ranges(len(names), 1 if workers <= 1 else blocks.TASKS_PER_WORKER * workers)
    return jobs.Job(variant_returns, runs, VariantInput(close, weights, by_id, ended, names, variants, settings.init_cash))


def _cost_table(settings: engine.Settings, job: jobs.Job, parts: list, risk_free: pd.Series) -> dict[str, pd.DataFrame]:
    """Each portfolio at every fee level, filled at the rebalance close and `execution_lag_days`
    later, from the outputs of `job` (_variant_job)."""
    returns, invested = pd.concat([r for r, _ in parts], axis=1), pd.concat([i for _, i in parts], axis=1)
    return engine.cost_lag_tables(job.shared.variants, returns, invested, risk_free, settings)


@dataclass(frozen=True)
class HeadStart:
    """What the evaluation computes from the inputs alone, made where they were read (evaluation.stage.head_starts)."""

    frames: Frames
    factor_job: jobs.Job  # factor_job(frames): its next-day returns are not computed again
    factors: dict[str, tuple]  # factor_ranks of the first factors, by name: those done before the build's imports ended


def universe_model_result(
    settings: engine.Settings, model: ModelConfig, prices: pd.DataFrame, data: UniverseModelData, market_episodes: pd.DataFrame,
    map_tasks: Callable = in_process, ahead: HeadStart | None = None,
) -> UniverseModelResult:
    """Every figure of a universe model's portfolios, from its inputs as reportgen.inputs.record
    read and checked them. The heavy work is tasks of `map_tasks` (here, on forked workers or on
    a Dask cluster: the same figures), in two maps: the portfolios' simulations, their cost and
    lag variants, the attention tests' placebo runs and the cross-sectional tests together (none
    needs another's results; on forked workers the cross-sectional tests run beside that map, in a
    process of their own: cross_section.tests_aside), then the bootstrap of the simulated returns. `ahead`:
    its HeadStart, when the process that read the inputs made one (the same figures)."""
    wide = ahead.frames if ahead is not None else frames(prices, data, model.attention_column)
    ranked = {} if ahead is None else ahead.factors
    factors = ahead.factor_job if ahead is not None else factor_job(wide)
    left = jobs.Job(factors.function, [name for name in factors.tasks if name not in ranked], factors.shared)
    testing = cross_section.tests_aside(map_tasks, left)  # started before the portfolios are set up: a core would wait meanwhile
    try:
        used = wide.summaries[model.attention_column]
        benchmark_name, benchmark_returns = _benchmark(settings.benchmark_column, data.benchmark, wide.close)
        risk_free = metrics.per_period_risk_free(data.annual_risk_free, settings.periods_per_year)
        listed = [p for p in settings.portfolios if p.model == model.id]
        close = wide.simulated_close
        rules = {(p.threshold, p.top_k): p for p in listed}  # what decides the held assets
        held = {rule: portfolios.held_assets(p, wide.prediction, wide.tradable) for rule, p in rules.items()}
        weights = {
            p.id: portfolios.portfolio_weights(
                p, wide.prediction, wide.scores[model.attention_column], wide.close, wide.tradable, held[p.threshold, p.top_k],
            )
            for p in listed
        }
        targets = {p.id: _targets(p, weights[p.id], wide.ended) for p in listed}
        workers = engine.workers_of(map_tasks)
        tested = {}
        for p in (p for p in listed if p.weighting == "attention"):
            tested[p.id] = portfolio_placebo.placebo_job(
                settings, close, p, weights[p.id], held[p.threshold, p.top_k], wide.scores[model.attention_column], risk_free, wide.ended, workers,
            )
        variants = _variant_job(settings, close, weights, listed, wide.ended, workers) if listed else None
        work = {  # the longest tasks first: the short ones fill the workers' last gaps
            "simulations": jobs.Job(portfolio_simulation, list(targets), SimulationInput(close, targets, settings.init_cash, settings.fees)),
            **{f"placebo {pid}": job for pid, (job, _) in tested.items()},
            **({"variants": variants} if variants is not None else {}),
            **({"factors": left} if left.tasks and testing is None else {}),
        }
        label = f"simulations of {len(targets)} portfolios, cost and lag variants, placebo runs"
        label += f", cross-sectional tests of {len(left.tasks)} factors" if "factors" in work else ""
        label += f" ({len(ranked)} factors ranked as the inputs were read)" if ranked else ""
        label += f" ({len(left.tasks)} factors tested beside them)" if testing is not None else ""
        outputs = jobs.maps_together(map_tasks, work, label, imports=SIMULATION_IMPORTS + FACTOR_IMPORTS)
    except BaseException:
        if testing is not None:
            testing.stop()  # the build ends with this error: the factors' tests are not waited for
        raise
    tested_factors = testing.wait() if testing is not None else outputs.get("factors", [])
    simulation = combined_simulations(outputs["simulations"])
    returns, invested = simulation.returns.rename(columns=str), simulation.invested.rename(columns=str)
    trusted = engine.sharpe_statistics(returns, invested, benchmark_returns, risk_free, settings, map_tasks)
    by_episode = engine.episode_returns(returns, benchmark_returns, market_episodes)
    costs = _cost_table(settings, variants, outputs["variants"], risk_free) if variants is not None else {}
    results = []
    for p in listed:
        test = None
        if p.id in tested:
            test = portfolio_placebo.attention_test(
                settings, weights[p.id], tested[p.id][1], outputs[f"placebo {p.id}"], returns[p.id], invested[p.id], used, risk_free,
            )
        results.append(_portfolio_result(
            settings, p, simulation, weights[p.id], risk_free, trusted.series[p.id], costs[p.id], by_episode.returns[p.id], test,
        ))
    return UniverseModelResult(
        config=model,
        assets=wide.assets,
        provenance=data.provenance,
        dates=data.dates,
        prices=wide.close,
        prediction=wide.prediction,
        attention_scores=wide.scores[model.attention_column],
        attention=used,
        profile=None if data.profile is None else data.profile.reindex(wide.assets),
        benchmark_name=benchmark_name,
        benchmark_returns=benchmark_returns,
        benchmark_metrics=metrics.headline_metrics(benchmark_returns, settings.periods_per_year, risk_free),
        cross_section=cross_section.cross_section(factors, {
            **{name: cross_section.factor_test(factors.shared, name, ranks) for name, ranks in ranked.items()}, **dict(zip(left.tasks, tested_factors)),
        }),
        portfolios=results,
        benchmark_statistics=trusted.benchmark,
        benchmark_episode_returns=by_episode.benchmark,
        episodes=by_episode.episodes,
        fees_bps=list(settings.fees_bps),
        execution_lag_days=settings.execution_lag_days,
        confidence=settings.confidence,
        block_days=trusted.resampling.block_days,
        resamples=settings.resamples,
        seed=settings.bootstrap_seed,
        membership=data.membership,
    )


def _portfolio_result(
    settings: engine.Settings, p: PortfolioConfig, simulation: PortfolioSimulation, target_weights: pd.DataFrame,
    risk_free: pd.Series, statistics, costs: pd.DataFrame, episode_returns: pd.Series, test: attention_tests.AttentionTest | None,
) -> PortfolioResult:
    """One portfolio's record from the simulation of all portfolios of its model and its evaluation."""
    ppy = settings.periods_per_year
    r = simulation.returns[p.id].rename(p.id)
    invested = simulation.invested[p.id]
    w = simulation.weights.xs(p.id, axis=1, level="portfolio")
    return PortfolioResult(
        config=p,
        target_weights=target_weights,
        weights=w,
        value=simulation.value[p.id],
        returns=r,
        trades=simulation.trades[simulation.trades["portfolio"] == p.id].drop(columns="portfolio").reset_index(drop=True),
        contributions=simulation.contributions.loc[p.id].rename("contribution"),
        total_fees=float(simulation.total_fees[p.id]),
        metrics=metrics.headline_metrics(r, ppy, risk_free, invested),
        turnover=float(metrics.turnover(simulation.traded_value[p.id], simulation.value[p.id], ppy).mean()),
        mean_holdings=float(portfolios.holdings_count(w).mean()),
        herfindahl=portfolios.herfindahl(w),
        rolling_sharpe=metrics.rolling_sharpe(metrics.excess_returns(r, risk_free, invested), settings.rolling_window_days, ppy),
        monthly_returns=metrics.monthly_returns(r),
        statistics=statistics,
        costs=costs,
        episode_returns=episode_returns,
        attention_test=test,
    )


def factor_job(wide: Frames) -> jobs.Job:
    """How well the prediction and each attention score rank the assets' next-day returns, as
    tasks (one a factor: each ranks 500 assets on every date)."""
    factors = {informativeness.PREDICTION: wide.prediction, **wide.scores}
    shared = cross_section.FactorInput(
        informativeness.next_day_returns_by_asset(wide.close), factors, {name for name, s in wide.summaries.items() if s.degenerate}
    )
    return jobs.Job(cross_section.factor_informativeness, list(factors), shared)
