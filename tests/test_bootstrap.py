import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import bootstrap


def test_same_seed_same_resamples_other_seed_other_resamples():
    first = bootstrap.stationary_bootstrap_indices(300, 10, 200, seed=7)[:]
    assert first.shape == (200, 300) and first.min() >= 0 and first.max() < 300
    assert np.array_equal(first, np.asarray(bootstrap.stationary_bootstrap_indices(300, 10, 200, seed=7)))
    assert not np.array_equal(first, bootstrap.stationary_bootstrap_indices(300, 10, 200, seed=8)[:])


def test_a_resample_depends_on_its_number_alone_not_on_the_blocks_or_the_count():
    """Each resample from its own generator (SeedSequence(seed) child k): cutting the resamples
    into other blocks, or asking for more of them, never changes resample k."""
    many = bootstrap.stationary_bootstrap_indices(250, 8, 1000, seed=3)
    whole = bootstrap.stationary_bootstrap_indices(250, 8, 40, seed=3)[:]
    assert np.array_equal(np.vstack([many[0:3], many[3:17], many[17:40]]), whole)
    child = np.random.default_rng(np.random.SeedSequence(3).spawn(40)[39])
    assert np.array_equal(many[39:40][0], bootstrap.stationary_resample(250, 8, child))
    assert len(many) == 1000


def test_a_block_of_resamples_is_all_the_memory_asked_for():
    """100,000 resamples of 7,500 rows would be 6 GB as one array; a block of 10 is 600 kB."""
    indices = bootstrap.stationary_bootstrap_indices(7500, 12, 100_000, seed=0)
    block = indices[99_990:100_000]
    assert block.shape == (10, 7500) and block.nbytes == 10 * 7500 * 8
    assert (block >= 0).all() and (block < 7500).all()


def test_resamples_are_blocks_of_mean_length_block_days():
    indices = bootstrap.stationary_bootstrap_indices(1000, 20, 300, seed=1)[:]
    continues = indices[:, 1:] == (indices[:, :-1] + 1) % 1000  # the next row of the same block (wrapping)
    mean_block = 1 / (1 - continues.mean())
    assert mean_block == pytest.approx(20, rel=0.1)
    single_days = bootstrap.stationary_bootstrap_indices(1000, 1, 50, seed=1)[:]
    assert (single_days[:, 1:] == (single_days[:, :-1] + 1) % 1000).mean() < 0.01


def test_block_length_grows_with_volatility_clustering():
    rng = np.random.default_rng(3)
    iid = pd.Series(rng.normal(0, 0.01, 2000))
    regimes = np.repeat(rng.choice([0.003, 0.03], 20), 100)  # calm and turbulent spells of 100 days
    clustered = pd.Series(rng.normal(0, 1, 2000) * regimes)
    assert bootstrap.expected_block_days(iid) < 5
    assert bootstrap.expected_block_days(clustered) > 2 * bootstrap.expected_block_days(iid)
    assert bootstrap.expected_block_days(iid) >= 1 and float(bootstrap.expected_block_days(iid)).is_integer()
