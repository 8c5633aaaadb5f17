"""The cross-sectional tests of a universe model: how well its prediction and each attention score
rank the assets' next-day returns (daily rank IC, its test, quintile returns), as tasks.

    frames -> factor_job (evaluation.universe_models): FactorInput, one task a factor
      -> factor_ranks (where the inputs are read, while the build imports: stage.head_starts),
         factor_informativeness (a task of the map), or tests_aside (beside the map, forked)
      -> cross_section: the record (reportgen.results.CrossSection)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from reportgen.analysis import informativeness
from reportgen.compute import jobs
from reportgen.evaluation import engine
from reportgen.results import CrossSection


@dataclass(frozen=True)
class FactorInput:
    """What every cross-sectional task shares: next-day returns and the factors that rank them."""

    forward: pd.DataFrame  # dates x assets
    factors: dict[str, pd.DataFrame]  # the prediction and every attention score
    degenerate: set[str]  # the scores that are constant (no test)


def factor_informativeness(shared: FactorInput, name: str) -> tuple[informativeness.CrossSectionalIC, pd.DataFrame]:
    """One factor's daily rank IC test and quintile returns (a task)."""
    return factor_test(shared, name, factor_ranks(shared, name))


def factor_ranks(shared: FactorInput, name: str) -> tuple[pd.Series, pd.DataFrame]:
    """One factor's daily rank ICs and quintile returns: all its test costs but one regression."""
    factor = shared.factors[name]
    return informativeness.daily_rank_ic(factor, shared.forward), informativeness.quintile_returns(factor, shared.forward)


def factor_test(shared: FactorInput, name: str, ranks: tuple[pd.Series, pd.DataFrame]) -> tuple[informativeness.CrossSectionalIC, pd.DataFrame]:
    """One factor's test and quintile returns from its ranks (factor_ranks)."""
    daily, quintiles = ranks
    return informativeness.mean_ic_test(daily, name, name in shared.degenerate), quintiles


def tests_aside(map_tasks: Callable, job: jobs.Job):
    """The tests of `job`'s factors started in a process forked for them (its wait() gives their
    outputs in the job's order, stop() ends it), where the map's workers are forked; else None (the map
    runs them). The build sets the portfolios up meanwhile (0.5 s at 500 assets x 20 years, a core
    otherwise idle), then they run beside the map's tasks. On Dask the map spreads them instead."""
    if not job.tasks or engine.workers_of(map_tasks) < 2 or not getattr(map_tasks, "imports_here", False) or not hasattr(map_tasks, "aside"):
        return None
    return map_tasks.aside(functools.partial(_factor_outputs, job))


def _factor_outputs(job: jobs.Job) -> list:
    return [job.function(job.shared, name) for name in job.tasks]


def cross_section(job: jobs.Job, outputs: dict[str, tuple]) -> CrossSection:
    """From every factor's output by name, in the job's order of factors."""
    return CrossSection(ics=[outputs[name][0] for name in job.tasks], quintiles={name: outputs[name][1] for name in job.tasks})

