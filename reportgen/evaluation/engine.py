"""The one evaluation of a set of return series, for strategies and portfolios alike.

    returns (+ benchmark, risk-free rate) -> headline figures of every column
      -> paired stationary bootstrap: intervals and PSR of each series and of the benchmark
      -> cost x lag table from the variants' returns
      -> returns over the market episodes
      -> attention test from an observed, a control and placebo Sharpe ratios

The callers (evaluation.strategies, evaluation.universe_models) simulate: single assets with
vectorbt, portfolios with the portfolio kernel. What they hand in are plain return series, and
what comes back are the records of reportgen.results, the same for both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis import attention_tests, bootstrap, metrics, statistics
from reportgen.compute import blocks
from reportgen.compute.local import in_process
from reportgen.inputs import episodes
from reportgen.inputs.config import PortfolioConfig, StrategyConfig, SweepConfig
from reportgen.results import SeriesStatistics

BOOTSTRAP_TASKS = 8  # the bootstrap's resamples are split into this many tasks of map_tasks

# map_tasks(function, tasks, shared, label) -> [function(shared, task) for task in tasks], in order
# (reportgen.compute's executors; in_process runs them here).
MapTasks = Callable[..., list]


@dataclass(frozen=True)
class Settings:
    """What the evaluation needs of the config ([backtest], [statistics], [sweep],
    [attention_tests], [compute]) and the strategies and portfolios it evaluates: made once by the
    pipeline, so that no stage below it sees the config."""

    periods_per_year: int
    init_cash: float
    fees: float  # fraction of traded value
    rolling_window_days: int
    confidence: float  # coverage of the bootstrap intervals
    resamples: int
    bootstrap_seed: int
    block_days: float | None  # expected block length of the stationary bootstrap; None: estimated
    fees_bps: tuple[float, ...]  # the cost variants' fee levels
    execution_lag_days: int  # the lag variants fill this many closes after the signal
    memory_mb: int  # a block of columns stays within this
    permutations: int  # placebo runs of an attention test
    placebo_seed: int
    sweep: SweepConfig | None = None  # the parameter grid of single-asset models (None: no sweep)
    strategies: tuple[StrategyConfig, ...] = ()
    portfolios: tuple[PortfolioConfig, ...] = ()
    benchmark_column: str | None = None  # [universe] benchmark's price column (None: equal-weight benchmark)

    @property
    def lags(self) -> list[int]:
        """The execution lags of the cost x lag table: at the signal's close, then late."""
        return [0, self.execution_lag_days]

    def block_columns(self, n_rows: int, bytes_per_cell: float) -> int:
        """How many columns of `n_rows` rows one block holds within `memory_mb`."""
        return blocks.columns_per_block(n_rows, bytes_per_cell, self.memory_mb)


def benchmark_returns(close: pd.Series) -> pd.Series:
    """Buy and hold of `close` from its first value, fee-free: 0 on the first day."""
    return close.pct_change().fillna(0.0).rename("benchmark")


def excess_sharpes(
    returns: pd.DataFrame, risk_free: pd.Series | None, periods_per_year: int, invested: pd.DataFrame | np.ndarray | None = None
) -> np.ndarray:
    """Annualised Sharpe ratio of each column's returns in excess of the risk-free rate, under
    metrics.excess_returns' cash convention (`invested`: the share held in assets each day, of
    the shape of `returns`; None: fully invested). NaN for a column never invested.

    numpy sums a single column pairwise but several row by row, so a column's last digits depend
    on whether it is computed alone: each figure of the report is computed the way it always was."""
    excess = metrics.excess_returns(returns, risk_free, invested).to_numpy(dtype=float)
    return metrics.sharpe_ratios(excess, periods_per_year, invested)


def column_figures(
    returns: pd.DataFrame, periods_per_year: int, risk_free: pd.Series | None, invested: pd.DataFrame | np.ndarray | None = None
) -> pd.DataFrame:
    """Headline figures of every column at once: one row a column (Sharpe of the excess returns,
    `invested` as for excess_sharpes)."""
    values = returns.to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "total_return": metrics.total_returns(values),
            "cagr": metrics.cagrs(values, periods_per_year),
            "sharpe": excess_sharpes(returns, risk_free, periods_per_year, invested),
            "max_drawdown": metrics.max_drawdowns(values),
        },
        index=returns.columns,
    )


# ---------------------------------------------------------------- bootstrap

@dataclass(frozen=True)
class Resampling:
    """The paired stationary bootstrap's rows, the same for every series of a model."""

    indices: bootstrap.StationaryBootstrapIndices  # resamples x rows, a block made when asked for
    block_days: float
    block_days_estimated: bool  # True: Politis-White estimate on the benchmark; False: set


def resampling(benchmark: pd.Series, settings: Settings) -> Resampling:
    block_days = settings.block_days or bootstrap.expected_block_days(benchmark)
    indices = bootstrap.stationary_bootstrap_indices(len(benchmark), block_days, settings.resamples, settings.bootstrap_seed)
    return Resampling(indices, block_days, settings.block_days is None)


@dataclass(frozen=True)
class Runs:
    """Runs [first, first + count) of a placebo, or resamples of the bootstrap: one task of a build."""

    first: int
    count: int

    @property
    def id(self) -> str:  # progress lines name the runs
        return f"runs {self.first + 1}-{self.first + self.count}"


def run_ranges(runs: int, tasks: int) -> list[Runs]:
    """The runs 0..runs-1 in at most `tasks` consecutive ranges of near-equal size, none of a
    single run (one joins the range before it: numpy sums one column pairwise but several row by
    row, so a run's figure would depend on its task)."""
    size = max(2, -(-runs // max(1, tasks)))
    return [Runs(part.start, part.stop - part.start) for part in blocks.column_blocks(runs, size, smallest=2)]


@dataclass(frozen=True)
class BootstrapInput:
    """What every bootstrap task shares (scattered to workers once)."""

    returns: pd.DataFrame
    benchmark: pd.Series
    indices: bootstrap.StationaryBootstrapIndices  # resamples x rows, a block made when asked for
    periods_per_year: int
    risk_free: pd.Series | None
    resamples_per_block: int  # at least 2
    invested: pd.DataFrame | None  # columns of `returns`: the share held in assets each day (None: fully invested)
    benchmark_invested: pd.Series | None


def bootstrap_draws(shared: BootstrapInput, runs: Runs) -> np.ndarray:
    """statistics.bootstrap_draws of resamples [first, first + count), a block of resamples at a
    time (their row indices made per block, bootstrap.StationaryBootstrapIndices): each resample's
    figures depend on that resample alone, and a block holds at least two."""
    def picked(part: slice) -> np.ndarray:
        return shared.indices[runs.first + part.start:runs.first + part.stop]

    return np.concatenate([
        statistics.bootstrap_draws(
            shared.returns, shared.benchmark, shared.indices[runs.first + part.start:runs.first + part.stop],
            shared.periods_per_year, shared.risk_free, shared.invested, shared.benchmark_invested,
        )
        for part in blocks.column_blocks(runs.count, shared.resamples_per_block, smallest=2)
    ], axis=2)


def bootstrap_intervals(
    returns: pd.DataFrame, benchmark: pd.Series, indices: bootstrap.StationaryBootstrapIndices, settings: Settings,
    risk_free: pd.Series | None, map_tasks: MapTasks = in_process, invested: pd.DataFrame | None = None, benchmark_invested: pd.Series | None = None,
) -> pd.DataFrame:
    """Paired bootstrap intervals (statistics.INTERVAL_FIGURES) of every column of `returns`, the
    Sharpe difference against `benchmark`: one row a column (`invested`, `benchmark_invested`: the
    shares held in assets each day, metrics.excess_returns; None: fully invested). The resamples are BOOTSTRAP_TASKS
    tasks of `map_tasks`, each in blocks within [compute] memory_mb; the figures do not depend on
    how the resamples are split or where they run."""
    per_block = max(2, settings.block_columns(len(benchmark), statistics.BOOTSTRAP_BYTES_PER_CELL))
    series = returns.set_axis(range(returns.shape[1]), axis=1)
    held = None if invested is None else invested[returns.columns].set_axis(series.columns, axis=1)
    shared = BootstrapInput(series, benchmark, indices, settings.periods_per_year, risk_free, per_block, held, benchmark_invested)
    label = f"bootstrap: {len(indices):,} resamples of {returns.shape[1]} series"
    draws = np.concatenate(map_tasks(bootstrap_draws, run_ranges(len(indices), BOOTSTRAP_TASKS), shared, label), axis=2)
    return statistics.draw_intervals(draws, series.columns, settings.confidence).set_axis(returns.columns)


def series_statistics(
    returns: pd.Series, benchmark_sharpe: float, intervals: pd.Series, is_benchmark: bool = False
) -> SeriesStatistics:
    """PSR (against 0 and against the benchmark's Sharpe) and the bootstrap intervals of one
    series of excess returns."""
    moments = statistics.sharpe_moments(returns)
    psr = statistics.probabilistic_sharpe_ratio
    return SeriesStatistics(
        sharpe_per_period=moments.sharpe,
        skewness=moments.skewness,
        kurtosis=moments.kurtosis,
        n_observations=moments.n_observations,
        psr=psr(moments.sharpe, 0.0, moments.skewness, moments.kurtosis, moments.n_observations),
        psr_vs_benchmark=float("nan") if is_benchmark else psr(
            moments.sharpe, benchmark_sharpe, moments.skewness, moments.kurtosis, moments.n_observations
        ),
        intervals={
            figure: (float("nan"), float("nan")) if is_benchmark and figure == "sharpe_diff"
            else (float(intervals[f"{figure}_low"]), float(intervals[f"{figure}_high"]))
            for figure in statistics.INTERVAL_FIGURES
        },
    )


@dataclass(frozen=True)
class Statistics:
    """How far each series' figures, and the benchmark's, can be trusted."""

    series: dict[str, SeriesStatistics]  # by column
    benchmark: SeriesStatistics
    resampling: Resampling


def sharpe_statistics(
    returns: pd.DataFrame, invested: pd.DataFrame, benchmark: pd.Series, risk_free: pd.Series | None, settings: Settings,
    map_tasks: MapTasks = in_process,
) -> Statistics:
    """The PSR and bootstrap intervals of every column of `returns` (`invested`: the share each
    holds in assets each day) and of the benchmark, fully invested (one paired bootstrap: the
    benchmark is one more series of it)."""
    sampled = resampling(benchmark, settings)
    together = pd.concat([returns, benchmark], axis=1, ignore_index=True)
    held = pd.concat([invested[returns.columns], pd.Series(1.0, index=returns.index)], axis=1, ignore_index=True)
    intervals = bootstrap_intervals(together, benchmark, sampled.indices, settings, risk_free, map_tasks, held)
    excess = metrics.excess_returns(returns, risk_free, invested[returns.columns])
    benchmark_excess = metrics.excess_returns(benchmark, risk_free)
    benchmark_sharpe = statistics.sharpe_moments(benchmark_excess).sharpe
    return Statistics(
        series={c: series_statistics(excess[c], benchmark_sharpe, intervals.iloc[i]) for i, c in enumerate(returns.columns)},
        benchmark=series_statistics(benchmark_excess, benchmark_sharpe, intervals.iloc[-1], is_benchmark=True),
        resampling=sampled,
    )


# ---------------------------------------------------------------- costs and lags

def cost_lag_variants(sources: Sequence[str], settings: Settings) -> pd.DataFrame:
    """One row a variant: `source` (a series), `lag_days` and `fees_bps`; for each lag, each fee
    level, each source (the order of a variant's table rows: lag, then fees)."""
    return pd.DataFrame(
        [{"source": s, "lag_days": lag, "fees_bps": float(bps)} for lag in settings.lags for bps in settings.fees_bps for s in sources],
        columns=["source", "lag_days", "fees_bps"],
    )


def cost_lag_tables(
    variants: pd.DataFrame, returns: pd.DataFrame, invested: pd.DataFrame, risk_free: pd.Series | None, settings: Settings,
    totals: dict[str, np.ndarray] | None = None,
) -> dict[str, pd.DataFrame]:
    """By source, its cost x lag table: one row a variant (`variants`' rows, whose daily returns
    and invested shares are the columns of `returns` and `invested` in the same order), its lag,
    fees and figures (and `totals`' columns)."""
    figures = column_figures(returns, settings.periods_per_year, risk_free, invested).reset_index(drop=True)
    table = variants.reset_index(drop=True).join(figures).assign(**(totals or {}))
    return {
        source: rows.drop(columns="source").reset_index(drop=True)
        for source, rows in table.groupby("source", sort=False)
    }


# ---------------------------------------------------------------- market episodes

@dataclass(frozen=True)
class EpisodeReturns:
    episodes: pd.DataFrame  # the market episodes overlapping the dates (inputs.episodes.episodes_within)
    returns: pd.DataFrame  # one row an episode, one column a series
    benchmark: pd.Series  # one row an episode


def episode_returns(returns: pd.DataFrame, benchmark: pd.Series, market_episodes: pd.DataFrame) -> EpisodeReturns:
    overlapping = episodes.episodes_within(market_episodes, returns.index)
    return EpisodeReturns(
        episodes=overlapping,
        returns=episodes.episode_returns(returns, overlapping),
        benchmark=episodes.episode_returns(benchmark.to_frame("benchmark"), overlapping)["benchmark"],
    )


# ---------------------------------------------------------------- attention test

# verdict(observed, control, null, p_value) -> one sentence on what the test shows
Verdict = Callable[[float, float, np.ndarray, float], str]


def attention_test(
    observed: pd.Series, observed_invested: pd.Series, control: pd.Series, control_invested: pd.Series, control_size: float,
    null_sharpes: np.ndarray, risk_free: pd.Series | None, periods_per_year: int, seed: int, verdict: Verdict,
) -> attention_tests.AttentionTest:
    """The attention test of one series: its Sharpe ratio against an exposure-matched control's
    (of constant size `control_size`) and against placebo runs (`null_sharpes`, Sharpe ratios of
    the excess returns of runs on shuffled attention, seeded from `seed`); each series with the
    share it holds in assets each day (`*_invested`)."""
    observed_sharpe, control_sharpe = (
        float(excess_sharpes(returns.to_frame(), risk_free, periods_per_year, invested.to_frame().to_numpy())[0])  # each alone
        for returns, invested in ((observed, observed_invested), (control, control_invested))
    )
    null = np.asarray(null_sharpes, dtype=float)
    p_value = attention_tests.permutation_p_value(observed_sharpe, null)
    return attention_tests.AttentionTest(
        observed_sharpe=observed_sharpe,
        exposure_matched_size=control_size,
        exposure_matched_sharpe=control_sharpe,
        null_sharpes=null,
        seed=seed,
        p_value=p_value,
        verdict=verdict(observed_sharpe, control_sharpe, null, p_value),
    )
