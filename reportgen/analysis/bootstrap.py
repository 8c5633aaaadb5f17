"""Stationary block bootstrap (Politis & Romano 1994) with `arch`: the only module that imports it.

Daily returns are not independent (volatility clusters), so resampling single days understates
the uncertainty of a Sharpe ratio or a drawdown. The stationary bootstrap resamples blocks of
random length (geometric, mean `block_days`) and wraps around the end. This module only draws
the row indices; reportgen.analysis.statistics applies them to every series of a model at once.
"""

from __future__ import annotations

import math

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


def stationary_bootstrap_indices(n_rows: int, block_days: float, resamples: int, seed: int) -> np.ndarray:
    """Row indices of `resamples` stationary-bootstrap resamples of `n_rows` rows: an int array of
    shape (resamples, n_rows). The same seed gives the same indices."""
    from arch.bootstrap import StationaryBootstrap

    sampler = StationaryBootstrap(block_days, np.arange(n_rows), seed=seed)
    return np.stack([sampler.update_indices() for _ in range(resamples)])
