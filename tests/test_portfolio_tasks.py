"""A universe model's heavy blocks as tasks: ranges of runs, and the bootstrap split over them."""

import numpy as np
import pandas as pd

from reportgen.evaluation import portfolio_tasks
from reportgen.analysis import bootstrap, statistics

from conftest import in_reverse_order


def test_runs_are_cut_into_near_equal_ranges_none_of_a_single_run():
    assert [(r.first, r.count) for r in portfolio_tasks.run_ranges(50, 3)] == [(0, 17), (17, 17), (34, 16)]
    assert [(r.first, r.count) for r in portfolio_tasks.run_ranges(9, 4)] == [(0, 3), (3, 3), (6, 3)]
    assert [(r.first, r.count) for r in portfolio_tasks.run_ranges(7, 3)] == [(0, 3), (3, 4)]  # not 3, 3, 1
    assert [(r.first, r.count) for r in portfolio_tasks.run_ranges(1, 8)] == [(0, 1)]
    assert portfolio_tasks.Runs(125, 125).id == "runs 126-250"


def test_bootstrap_tasks_give_the_intervals_of_one_call(monkeypatch):
    # The universe's bootstrap resamples are tasks: in 8, 3 or 1 tasks run in reverse
    # order, the intervals are those of one statistics.bootstrap_intervals call on every
    # portfolio, and the benchmark's those of a call on it alone (even beside a portfolio
    # named "benchmark"), to the last bit.
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2020-01-01", periods=300)
    returns = pd.DataFrame(rng.normal(0.0005, 0.01, (300, 3)), index=dates, columns=["a", "benchmark", "c"])
    bench = pd.Series(rng.normal(0.0003, 0.01, 300), index=dates, name="SPX")
    free = pd.Series(0.0001, index=dates)
    indices = bootstrap.stationary_bootstrap_indices(300, 10, 101, 7)
    whole = statistics.bootstrap_intervals(returns, bench, indices, 252, 0.9, free)
    alone = statistics.bootstrap_intervals(bench.to_frame(), bench, indices, 252, 0.9, free).iloc[0]
    assert whole.notna().all().all()
    calls = []
    reversed_order = in_reverse_order(calls)

    for tasks in (8, 3, 1):
        monkeypatch.setattr(portfolio_tasks, "BOOTSTRAP_TASKS", tasks)
        intervals, benchmark = portfolio_tasks.bootstrap_intervals(returns, bench, indices, 252, 0.9, free, reversed_order)
        pd.testing.assert_frame_equal(intervals, whole, check_exact=True)
        assert np.array_equal(benchmark.to_numpy(), alone.to_numpy()) and list(benchmark.index) == list(alone.index)
    assert calls == [(8, "bootstrap of 3 portfolios"), (3, "bootstrap of 3 portfolios"), (1, "bootstrap of 3 portfolios")]
