"""Universe models and their portfolios: wires the analysis as evaluation.strategies does for one asset.

    read_universe_predictions -> wide prediction / attention (dates x assets)
      -> target weights per portfolio -> one vectorbt simulation of all portfolios of the model
      -> figures, cost and lag variants, bootstrap intervals and PSR, episodes
      -> attention test (exposure-matched control, within-day permutations, in blocks)
      -> cross-sectional informativeness of the prediction and every attention score
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from reportgen.analysis import attention, attention_tests, informativeness, metrics, portfolios
from reportgen.evaluation import engine, portfolio_placebo, robustness
from reportgen.analysis.portfolio_backtest import block_returns, portfolio_returns, simulate_portfolios
from reportgen.compute.local import in_process
from reportgen.compute.progress import tracked
from reportgen.inputs import universe
from reportgen.inputs.config import Config, ModelConfig, PortfolioConfig
from reportgen.inputs.errors import DataError
from reportgen.inputs.record import UniverseModelData
from reportgen.results import CrossSection, PortfolioResult, UniverseModelResult

EQUAL_WEIGHT_BENCHMARK = "Equal-weight buy & hold"


def _attention_long(config: ModelConfig, read: universe.UniversePredictions) -> tuple[pd.DataFrame, int | None]:
    """Every attention score per (date, asset): the one used first, then the others derived
    from the vector; and T, the vector's length, when given."""
    column = config.attention_column
    derived = None if read.weights is None else attention.attention_scores(read.weights)
    if column in read.output.columns:
        used = read.output[[column]]
    elif derived is not None and column in derived.columns:
        used = derived[[column]]
    else:
        hint = (
            "; scores derived from the attention vector: " + ", ".join(attention.SCORES)
            if derived is not None else "; scores such as attention_max need the attention vector as columns att_0 .. att_{T-1}"
        )
        raise DataError(f"{config.predictions}: no attention column {column!r}{hint}")
    scores = used if derived is None else used.join(derived.drop(columns=column, errors="ignore"))
    return scores, None if read.weights is None else read.weights.shape[1]


def _aligned_close(prices: pd.DataFrame, dates: pd.DatetimeIndex, path, min_rows: int) -> pd.DataFrame:
    overlap = int(dates.isin(prices.index).sum())
    if overlap < min_rows:
        raise DataError(
            f"{path}: only {overlap} prediction dates have prices; at least {min_rows} needed ([backtest] min_rows)"
        )
    return prices.reindex(prices.index.union(dates)).ffill().reindex(dates)


def _benchmark(universe_config, benchmark: pd.Series | None, close: pd.DataFrame) -> tuple[str, pd.Series]:
    """The [universe] benchmark's returns from its prices on the model's dates, else an
    equal-weight buy & hold of the assets priced on the first date (fee-free; 0 on the first day)."""
    if benchmark is not None:
        return universe_config.benchmark_column, engine.benchmark_returns(benchmark)
    listed = close.columns[close.iloc[0].notna()]
    growth = (close[listed] / close[listed].iloc[0]).mean(axis=1)
    return EQUAL_WEIGHT_BENCHMARK, engine.benchmark_returns(growth)


def _targets(portfolio: PortfolioConfig, weights: pd.DataFrame, lag_days: int = 0) -> pd.DataFrame:
    return portfolios.orders(weights, portfolios.rebalance_days(weights.index, portfolio.rebalance), lag_days)


def _cost_table(
    settings: engine.Settings, init_cash: float, close, targets: dict[str, pd.DataFrame], portfolio_list, risk_free: pd.Series
) -> dict[str, pd.DataFrame]:
    """Each portfolio at every fee level, filled at the rebalance close and `execution_lag_days` later."""
    by_id = {p.id: p for p in portfolio_list}
    variants = engine.cost_lag_variants(list(by_id), settings)
    names = [f"{r.source}|{r.lag_days}|{r.fees_bps}" for r in variants.itertuples()]
    generated = ((n, _targets(by_id[r.source], targets[r.source], r.lag_days)) for n, r in zip(names, variants.itertuples()))
    simulated = portfolio_returns(close, generated, init_cash, dict(zip(names, variants["fees_bps"] / 1e4)))
    return engine.cost_lag_tables(variants, simulated.returns, simulated.invested, risk_free, settings)


def _attention_test(
    config: Config, close, portfolio: PortfolioConfig, weights, held, scores, observed_returns, used, risk_free: pd.Series,
    map_tasks: Callable = in_process, observed_invested: pd.Series | None = None,
) -> attention_tests.AttentionTest:
    """Exposure-matched equal weights and `permutations` shuffles of attention across each day's
    held assets (the shuffles as tasks of `map_tasks`, see portfolio_placebo.placebo_sharpes)."""
    settings, ppy, fees = config.attention_tests, config.backtest.periods_per_year, config.backtest.fees
    free = risk_free.reindex(weights.index).to_numpy(dtype=float)[:, None]  # per period, charged on the invested share
    on_days = portfolios.rebalance_days(weights.index, portfolio.rebalance).to_numpy()
    control_targets = _targets(portfolio, portfolios.exposure_matched_weights(weights)).to_numpy()[None]
    control, control_invested = (
        pd.Series(a[:, 0], index=weights.index) for a in block_returns(close, control_targets, config.backtest.init_cash, [fees])
    )
    shared = portfolio_placebo.PlaceboInput(
        close=close, portfolio=portfolio, on_days=on_days, score=scores.to_numpy(dtype=float)[on_days],
        held=held.to_numpy()[on_days], shape=weights.shape, free=free, init_cash=config.backtest.init_cash,
        fees=fees, periods_per_year=ppy, seed=settings.seed,
    )
    runs = engine.run_ranges(settings.permutations, portfolio_placebo.PLACEBO_TASKS)
    null = np.concatenate(map_tasks(portfolio_placebo.placebo_sharpes, runs, shared, f"placebo runs of {portfolio.id}"))
    return engine.attention_test(
        observed_returns, observed_invested, control, control_invested, float(weights.sum(axis=1).mean()), null, risk_free, ppy,
        settings.seed,
        functools.partial(attention_tests.portfolio_verdict, used.column, used.degenerate),
    )


def universe_model_result(
    config: Config, model: ModelConfig, prices: pd.DataFrame, data: UniverseModelData, market_episodes: pd.DataFrame,
    map_tasks: Callable = in_process,
) -> UniverseModelResult:
    """Every figure of a universe model's portfolios, from its inputs as reportgen.inputs.record
    read and checked them; the placebo runs of its attention tests and the bootstrap's resamples
    are tasks of `map_tasks` (here, on forked workers or on a Dask cluster: the same figures)."""
    read = data.predictions
    scores_long, steps = _attention_long(model, read)
    dates = data.dates
    assets = list(prices.columns[prices.columns.isin(read.output.index.get_level_values("asset"))])
    close = _aligned_close(prices[assets], dates, model.predictions, config.backtest.min_rows)
    tradable = close.notna()
    sim_close = close.bfill()  # before an asset's first price it is never held; any price will do
    prediction = portfolios.wide(read.output["prediction"], close.columns, dates)
    scores = {name: portfolios.wide(scores_long[name], close.columns, dates) for name in scores_long.columns}
    summaries = {name: attention.attention_summary(scores_long[name], name, steps) for name in scores_long.columns}
    used = summaries[model.attention_column]
    benchmark_name, benchmark_returns = _benchmark(config.universe, data.benchmark, close)
    ppy = config.backtest.periods_per_year
    risk_free = metrics.per_period_risk_free(data.annual_risk_free, ppy)
    listed = [p for p in config.portfolios if p.model == model.id]
    held = {
        p.id: portfolios.top_k_assets(portfolios.eligible_assets(prediction, p.threshold, tradable), prediction, p.top_k)
        for p in listed
    }
    weights = {
        p.id: portfolios.portfolio_weights(p, prediction, scores[model.attention_column], sim_close, tradable) for p in listed
    }
    simulation = simulate_portfolios(
        sim_close, {p.id: _targets(p, weights[p.id]) for p in listed}, config.backtest.init_cash, config.backtest.fees
    )
    settings = robustness.evaluation_settings(config)
    costs = _cost_table(settings, config.backtest.init_cash, sim_close, weights, listed, risk_free) if listed else {}
    returns = simulation.returns.rename(columns=str)
    invested = simulation.invested.rename(columns=str)
    trusted = engine.sharpe_statistics(returns, invested, benchmark_returns, risk_free, settings, map_tasks)
    by_episode = engine.episode_returns(returns, benchmark_returns, market_episodes)
    results = []
    for p in tracked(listed, f"universe model {model.id}: {len(listed)} portfolios"):
        r = returns[p.id].rename(p.id)
        r_invested = invested[p.id]
        w = simulation.weights.xs(p.id, axis=1, level="portfolio")
        test = None
        if p.weighting == "attention":
            test = _attention_test(
                config, sim_close, p, weights[p.id], held[p.id], scores[model.attention_column], r, used, risk_free, map_tasks,
                r_invested,
            )
        results.append(
            PortfolioResult(
                config=p,
                target_weights=weights[p.id],
                weights=w,
                value=simulation.value[p.id],
                returns=r,
                trades=simulation.trades[simulation.trades["portfolio"] == p.id].drop(columns="portfolio").reset_index(drop=True),
                contributions=simulation.contributions.loc[p.id].rename("contribution"),
                total_fees=float(simulation.total_fees[p.id]),
                metrics=metrics.headline_metrics(r, ppy, risk_free, r_invested),
                turnover=float(metrics.turnover(simulation.traded_value[p.id], simulation.value[p.id], ppy).mean()),
                mean_holdings=float(portfolios.holdings_count(w).mean()),
                herfindahl=portfolios.herfindahl(w),
                rolling_sharpe=metrics.rolling_sharpe(
                    metrics.excess_returns(r, risk_free, r_invested), config.backtest.rolling_window_days, ppy
                ),
                monthly_returns=metrics.monthly_returns(r),
                statistics=trusted.series[p.id],
                costs=costs[p.id],
                episode_returns=by_episode.returns[p.id],
                attention_test=test,
            )
        )
    forward = informativeness.next_day_returns_by_asset(close)
    factors = {informativeness.PREDICTION: prediction, **scores}
    return UniverseModelResult(
        config=model,
        assets=assets,
        provenance=data.provenance,
        dates=dates,
        prices=close,
        prediction=prediction,
        attention_scores=scores[model.attention_column],
        attention=used,
        profile=None if read.weights is None else read.weights.groupby(level="asset").mean().reindex(assets),
        benchmark_name=benchmark_name,
        benchmark_returns=benchmark_returns,
        benchmark_metrics=metrics.headline_metrics(benchmark_returns, ppy, risk_free),
        cross_section=CrossSection(
            ics=[
                informativeness.mean_ic_test(
                    informativeness.daily_rank_ic(f, forward), name, name in summaries and summaries[name].degenerate
                )
                for name, f in factors.items()
            ],
            quintiles={name: informativeness.quintile_returns(f, forward) for name, f in factors.items()},
        ),
        portfolios=results,
        benchmark_statistics=trusted.benchmark,
        benchmark_episode_returns=by_episode.benchmark,
        episodes=by_episode.episodes,
        fees_bps=list(config.sweep.fees_bps),
        execution_lag_days=config.sweep.execution_lag_days,
        confidence=settings.confidence,
        block_days=trusted.resampling.block_days,
        resamples=settings.resamples,
        seed=settings.seed,
    )
