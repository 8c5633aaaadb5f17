"""Stationary block bootstrap (Politis & Romano 1994); `arch` (imported here only) estimates its
block length.

Daily returns are not independent (volatility clusters), so resampling single days understates
the uncertainty of a Sharpe ratio or a drawdown. The stationary bootstrap resamples blocks of
random length (geometric, mean `block_days`) and wraps around the end. This module only draws
the row indices, a block of resamples at a time, each resample from its own seeded generator
(`run_generator`, which seeds the placebo runs too); reportgen.analysis.statistics applies them
to every series of a model at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd


def expected_block_days(returns: pd.Series) -> float:
    """Politis-White (2004; Patton, Politis & White 2009) expected block length for the stationary
    bootstrap, the larger of the estimates on the returns and on the squared returns (so that
    volatility clustering survives resampling), rounded up, at least 1."""
    from arch.bootstrap import optimal_block_length

    values = returns.to_numpy(dtype=float)
    frame = pd.DataFrame({"returns": values, "squared": values**2})
    estimates = optimal_block_length(frame)["stationary"]
    return float(max(1, math.ceil(estimates.max())))


def run_generator(seed: int, run: int) -> np.random.Generator:
    """The random generator of run number `run` (a bootstrap resample, a placebo shuffle) of a
    test seeded with `seed`: the run-th child of numpy's SeedSequence(seed), made directly, so a
    run draws the same numbers whichever block, task or worker makes it and however many runs
    there are. The one seeding scheme of every random run in reportgen."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(run,)))


def seeded_runs(
    runs: range, seed: int, run: Callable[[np.random.Generator], np.ndarray], length: int, dtype=float, as_columns: bool = False
) -> np.ndarray:
    """The (len(runs), length) array whose row i is `run` drawn with the generator of run
    number runs[i] (run_generator(seed, runs[i])), or its (length, len(runs)) transpose laid out
    by columns when `as_columns`: one block of runs, the same whichever block, task or worker
    makes it."""
    out = np.empty((length, len(runs)) if as_columns else (len(runs), length), dtype=dtype)
    for i, k in enumerate(runs):
        out[(slice(None), i) if as_columns else i] = run(run_generator(seed, k))
    return out


def stationary_resample(n_rows: int, block_days: float, rng: np.random.Generator) -> np.ndarray:
    """Row indices of one stationary-bootstrap resample (Politis & Romano 1994): each row starts a
    new block with probability 1 / block_days (the first always does) at a uniformly drawn row,
    and otherwise takes the row after the previous one, wrapping from the last row to the first."""
    starts = rng.integers(0, n_rows, n_rows)
    new_block = rng.random(n_rows) < 1.0 / block_days
    new_block[0] = True
    rows = np.arange(n_rows)
    block_start = np.maximum.accumulate(np.where(new_block, rows, 0))
    return (starts[block_start] + rows - block_start) % n_rows


@dataclass(frozen=True)
class StationaryBootstrapIndices:
    """The row indices of `resamples` stationary-bootstrap resamples of `n_rows` rows, made only
    when asked for: `indices[a:b]` is the int array (b - a, n_rows) of resamples a..b-1, each from
    its own generator (`run_generator(seed, k)`), so memory holds one block of resamples however
    many there are, and a block's resamples do not depend on how the resamples are cut."""

    n_rows: int
    block_days: float
    resamples: int
    seed: int

    def __len__(self) -> int:
        return self.resamples

    def __getitem__(self, block: slice) -> np.ndarray:
        resample = lambda rng: stationary_resample(self.n_rows, self.block_days, rng)  # noqa: E731
        return seeded_runs(range(self.resamples)[block], self.seed, resample, self.n_rows, dtype=np.int64)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:  # all of them: small cases and tests only
        return self[:] if dtype is None else self[:].astype(dtype)


def stationary_bootstrap_indices(n_rows: int, block_days: float, resamples: int, seed: int) -> StationaryBootstrapIndices:
    """The row indices of `resamples` stationary-bootstrap resamples of `n_rows` rows, as blocks
    made on demand (StationaryBootstrapIndices). The same seed gives the same indices."""
    return StationaryBootstrapIndices(n_rows, float(block_days), resamples, seed)
