import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import bootstrap


def test_same_seed_same_resamples_other_seed_other_resamples():
    first = bootstrap.stationary_bootstrap_indices(300, 10, 200, seed=7)
    assert first.shape == (200, 300) and first.min() >= 0 and first.max() < 300
    assert np.array_equal(first, bootstrap.stationary_bootstrap_indices(300, 10, 200, seed=7))
    assert not np.array_equal(first, bootstrap.stationary_bootstrap_indices(300, 10, 200, seed=8))


def test_resamples_are_blocks_of_mean_length_block_days():
    indices = bootstrap.stationary_bootstrap_indices(1000, 20, 300, seed=1)
    continues = indices[:, 1:] == (indices[:, :-1] + 1) % 1000  # the next row of the same block (wrapping)
    mean_block = 1 / (1 - continues.mean())
    assert mean_block == pytest.approx(20, rel=0.1)
    single_days = bootstrap.stationary_bootstrap_indices(1000, 1, 50, seed=1)
    assert (single_days[:, 1:] == (single_days[:, :-1] + 1) % 1000).mean() < 0.01


def test_block_length_grows_with_volatility_clustering():
    rng = np.random.default_rng(3)
    iid = pd.Series(rng.normal(0, 0.01, 2000))
    regimes = np.repeat(rng.choice([0.003, 0.03], 20), 100)  # calm and turbulent spells of 100 days
    clustered = pd.Series(rng.normal(0, 1, 2000) * regimes)
    assert bootstrap.expected_block_days(iid) < 5
    assert bootstrap.expected_block_days(clustered) > 2 * bootstrap.expected_block_days(iid)
    assert bootstrap.expected_block_days(iid) >= 1 and float(bootstrap.expected_block_days(iid)).is_integer()
