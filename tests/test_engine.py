"""The one evaluation of return series (reportgen.evaluation.engine): bootstrap tasks, costs x
lags, benchmark returns, the attention test."""

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import bootstrap, statistics
from reportgen.compute import blocks
from reportgen.evaluation import engine

from conftest import in_reverse_order

SETTINGS = engine.Settings(
    periods_per_year=252, init_cash=10_000.0, fees=0.001, rolling_window_days=63, confidence=0.9, resamples=101,
    bootstrap_seed=7, block_days=10.0, fees_bps=(0.0, 10.0), execution_lag_days=1, memory_mb=512, permutations=10,
    placebo_seed=3,
)


def test_runs_are_cut_into_near_equal_ranges_none_of_a_single_run():
    assert [(r.first, r.count) for r in engine.run_ranges(50, 3)] == [(0, 17), (17, 17), (34, 16)]
    assert [(r.first, r.count) for r in engine.run_ranges(9, 4)] == [(0, 3), (3, 3), (6, 3)]
    assert [(r.first, r.count) for r in engine.run_ranges(7, 3)] == [(0, 3), (3, 4)]  # not 3, 3, 1
    assert [(r.first, r.count) for r in engine.run_ranges(1, 8)] == [(0, 1)]
    assert engine.Runs(125, 125).id == "runs 126-250"


def _series():
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2020-01-01", periods=300)
    returns = pd.DataFrame(rng.normal(0.0005, 0.01, (300, 3)), index=dates, columns=["a", "benchmark", "c"])
    bench = pd.Series(rng.normal(0.0003, 0.01, 300), index=dates, name="SPX")
    return returns, bench, pd.Series(0.0001, index=dates)


def test_runs_are_cut_into_tasks_by_workers_and_work():
    assert blocks.task_count(1000, 1) == 1  # one worker: one task
    assert blocks.task_count(1000, 2) == 4 and blocks.task_count(1000, 8) == 16  # two a worker
    assert blocks.task_count(40, 8) == 2 and blocks.task_count(10, 4) == 1  # no task under 16 runs
    assert engine.workers_of(lambda *a: []) == 1

    class Pool:
        workers = 3
    assert engine.workers_of(Pool()) == 3


def test_bootstrap_tasks_and_blocks_give_the_intervals_of_one_call(monkeypatch):
    # In 8, 3 or 1 tasks run in reverse order, and in blocks of 2 or of every resample, the
    # intervals are those of one bootstrap_draws call on every resample, to the last bit (even
    # beside a series named "benchmark"); the benchmark's own are those of it alone.
    returns, bench, free = _series()
    indices = bootstrap.stationary_bootstrap_indices(300, 10, 101, 7)
    whole = statistics.draw_intervals(statistics.bootstrap_draws(returns, bench, indices, 252, free), returns.columns, 0.9)
    assert whole.notna().all().all()
    calls = []
    for tasks, memory_mb in ((8, 512), (3, 512), (1, 512), (3, 0)):  # 0 MB: blocks of 2 resamples
        monkeypatch.setattr(blocks, "task_count", lambda runs, workers, tasks=tasks: tasks)
        settings = engine.Settings(**{**SETTINGS.__dict__, "memory_mb": memory_mb})
        intervals = engine.bootstrap_intervals(returns, bench, indices, settings, free, in_reverse_order(calls))
        pd.testing.assert_frame_equal(intervals, whole, check_exact=True)
    assert [n for n, _ in calls] == [8, 3, 1, 3] and calls[0][1] == "bootstrap: 101 resamples of 3 series"


def test_sharpe_statistics_of_the_benchmark_are_those_of_it_alone():
    returns, bench, free = _series()
    invested = pd.DataFrame(1.0, index=returns.index, columns=returns.columns)
    trusted = engine.sharpe_statistics(returns, invested, bench, free, SETTINGS)
    alone = statistics.draw_intervals(
        statistics.bootstrap_draws(bench.to_frame(), bench, trusted.resampling.indices, 252, free), [0], 0.9
    ).iloc[0]
    assert trusted.benchmark.intervals["sharpe"] == (alone["sharpe_low"], alone["sharpe_high"])
    assert np.isnan(trusted.benchmark.intervals["sharpe_diff"]).all() and np.isnan(trusted.benchmark.psr_vs_benchmark)
    assert trusted.resampling.block_days == 10.0 and not trusted.resampling.block_days_estimated
    assert list(trusted.series) == ["a", "benchmark", "c"]
    moments = statistics.sharpe_moments(returns["a"] - free)
    assert trusted.series["a"].sharpe_per_period == moments.sharpe
    assert trusted.series["a"].psr == statistics.probabilistic_sharpe_ratio(
        moments.sharpe, 0.0, moments.skewness, moments.kurtosis, moments.n_observations
    )


def test_cost_lag_variants_and_tables():
    variants = engine.cost_lag_variants(["x", "y"], SETTINGS)
    assert variants.to_dict("list") == {
        "source": ["x", "y"] * 4, "lag_days": [0, 0, 0, 0, 1, 1, 1, 1], "fees_bps": [0.0, 0.0, 10.0, 10.0] * 2,
    }
    dates = pd.bdate_range("2021-01-01", periods=4)
    returns = pd.DataFrame(np.full((4, 8), 0.01) * np.arange(1, 9), index=dates)
    tables = engine.cost_lag_tables(variants, returns, returns * 0 + 1, None, SETTINGS, {"total_trades": np.arange(8)})
    assert list(tables) == ["x", "y"]
    y = tables["y"]
    assert list(y.columns) == ["lag_days", "fees_bps", "total_return", "cagr", "sharpe", "max_drawdown", "total_trades"]
    assert y["total_trades"].tolist() == [1, 3, 5, 7]
    assert y["total_return"].tolist() == pytest.approx([1.02**4 - 1, 1.04**4 - 1, 1.06**4 - 1, 1.08**4 - 1])


def test_benchmark_returns_start_at_zero():
    close = pd.Series([100.0, 110.0, 99.0], index=pd.bdate_range("2021-01-01", periods=3))
    assert engine.benchmark_returns(close).tolist() == pytest.approx([0.0, 0.1, -0.1])
    assert engine.benchmark_returns(close).name == "benchmark"


def test_attention_test_compares_with_control_and_placebos():
    rng = np.random.default_rng(1)
    dates = pd.bdate_range("2021-01-01", periods=250)
    observed = pd.Series(rng.normal(0.002, 0.01, 250), index=dates)
    control = pd.Series(rng.normal(0.0, 0.01, 250), index=dates)
    null = np.array([0.0, 1.0, np.nan, 100.0])
    seen = []
    ones = pd.Series(1.0, index=dates)
    test = engine.attention_test(observed, ones, control, ones, 0.5, null, None, 252, 11, lambda *args: seen.append(args) or "said")
    assert test.observed_sharpe == pytest.approx(observed.mean() / observed.std() * np.sqrt(252))
    assert test.exposure_matched_sharpe == pytest.approx(control.mean() / control.std() * np.sqrt(252))
    assert test.p_value == pytest.approx(2 / 4)  # (1 + the one placebo at least as good) / (1 + 3 defined)
    assert (test.exposure_matched_size, test.seed, test.verdict, test.n_permutations) == (0.5, 11, "said", 4)
    assert seen[0][:2] == (test.observed_sharpe, test.exposure_matched_sharpe) and seen[0][3] == test.p_value


def test_cash_earns_the_rate_and_a_never_invested_series_has_no_sharpe():
    # metrics.excess_returns' convention: the rate is charged on the invested share only
    dates = pd.bdate_range("2021-01-01", periods=250)
    rng = np.random.default_rng(4)
    returns = pd.DataFrame({"half": rng.normal(0.001, 0.01, 250), "cash": 0.0}, index=dates)
    invested = pd.DataFrame({"half": 0.5, "cash": 0.0}, index=dates)
    free = pd.Series(0.0002, index=dates)
    sharpes = engine.excess_sharpes(returns, free, 252, invested)
    excess = returns["half"] - 0.0001
    assert sharpes[0] == pytest.approx(excess.mean() / excess.std() * np.sqrt(252)) and np.isnan(sharpes[1])
