import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import sweeps

DATES = pd.bdate_range("2024-01-01", periods=6)
PREDICTION = pd.Series([0.30, 0.45, 0.55, 0.65, 0.50, 0.52], DATES)
ATTENTION = pd.Series([0.10, 0.20, 0.30, 0.40, 0.50, 0.60], DATES)
GRID = dict(thresholds=[0.4, 0.5], attention_quantiles=[0.0, 0.5], sizings=["full", "attention"], size_scales=[0.5, 1.0])


def _whole_grid(prediction, attention, thresholds, attention_quantiles, sizings, size_scales):
    """The whole grid (no overlays) as one block of sweep_block."""
    return sweeps.sweep_block(prediction, attention, sweeps.sweep_grid(attention, thresholds, attention_quantiles, sizings, size_scales))


def test_every_combination_is_one_column_in_documented_order():
    columns = _whole_grid(PREDICTION, ATTENTION, **GRID)
    assert columns.signal.shape == columns.size.shape == (6, 16)
    assert columns.params[["threshold", "attention_quantile", "sizing", "size_scale"]].iloc[:3].to_dict("records") == [
        {"threshold": 0.4, "attention_quantile": 0.0, "sizing": "full", "size_scale": 0.5},
        {"threshold": 0.4, "attention_quantile": 0.0, "sizing": "full", "size_scale": 1.0},
        {"threshold": 0.4, "attention_quantile": 0.0, "sizing": "attention", "size_scale": 0.5},
    ]
    assert not columns.params.duplicated(["threshold", "attention_quantile", "sizing", "size_scale"]).any()


def test_each_column_runs_its_own_rules():
    columns = _whole_grid(PREDICTION, ATTENTION, **GRID)
    median = ATTENTION.quantile(0.5)
    for i, p in columns.params.iterrows():
        want = (PREDICTION > p.threshold) & (ATTENTION >= (median if p.attention_quantile else ATTENTION.min()))
        base = 1.0 if p.sizing == "full" else ATTENTION
        assert columns.signal[i].to_list() == want.to_list(), p.to_dict()
        assert columns.size[i].to_numpy() == pytest.approx((np.minimum(1.0, base * p.size_scale) * want).to_numpy())
    assert columns.params["attention_level"].tolist()[:8] == [ATTENTION.min()] * 4 + [median] * 4


def test_quantile_zero_is_no_filter_and_sizes_never_exceed_all_cash():
    columns = _whole_grid(PREDICTION, ATTENTION * 5, [0.4], [0.0], ["attention"], [1.0])
    assert columns.signal[0].to_list() == (PREDICTION > 0.4).to_list()
    assert columns.size.to_numpy().max() == 1.0  # attention x 5 is capped at all available cash


def test_delayed_signals_start_flat_and_keep_their_sizes():
    signal = pd.DataFrame({"a": [True, True, False, True]})
    size = pd.DataFrame({"a": [0.5, 0.5, 0.0, 0.7]})
    assert sweeps.delayed(signal, 1, False)["a"].to_list() == [False, True, True, False]
    assert sweeps.delayed(size, 1, 0.0)["a"].to_list() == [0.0, 0.5, 0.5, 0.0]
    assert sweeps.delayed(signal, 0, False) is signal


def test_cost_timing_columns_cover_every_fee_and_lag_per_strategy():
    signal = pd.DataFrame({"x": [True, False, True], "y": [False, True, True]})
    size = signal.astype(float)
    columns = sweeps.cost_timing_columns(signal, size, [0.0, 10.0], [0, 1])
    assert len(columns.params) == 8
    assert columns.params.groupby(["source", "lag_days"]).size().eq(2).all()
    lagged_y = columns.params.index[(columns.params.source == "y") & (columns.params.lag_days == 1)]
    for i in lagged_y:
        assert columns.signal[i].to_list() == [False, False, True]


def test_a_configured_strategy_is_found_on_the_grid_or_told_why_not():
    params = _whole_grid(PREDICTION, ATTENTION, **GRID).params
    row, _ = sweeps.grid_position(params, 0.5, None, "attention", "percent")
    assert params.loc[row, ["threshold", "attention_quantile", "sizing", "size_scale"]].tolist() == [0.5, 0.0, "attention", 1.0]
    assert sweeps.grid_position(params, 0.5, None, "full", "amount") == (None, 'size_type "amount" (the grid sizes as a fraction of cash)')
    assert sweeps.grid_position(params, 0.5, 0.15, "full", "percent")[0] is None
    assert sweeps.grid_position(params, 0.55, None, "full", "percent")[0] is None


def test_distinct_columns_count_identical_returns_once():
    returns = np.array([[0.1, 0.2, 0.1, 0.0, -0.0], [0.0, 0.1, 0.0, 0.0, 0.0]])
    assert sweeps.distinct_columns(sweeps.column_keys(returns)).tolist() == [0, 1, 3]
    # block by block: the keys of two blocks, joined, find the same columns
    keys = sweeps.column_keys(returns[:, :2]) + sweeps.column_keys(returns[:, 2:])
    assert sweeps.distinct_columns(keys).tolist() == [0, 1, 3]


def test_a_block_of_the_grid_is_the_same_columns_as_the_whole_grid():
    whole = _whole_grid(PREDICTION, ATTENTION, **GRID)
    grid = sweeps.sweep_grid(ATTENTION, **GRID)
    block = sweeps.sweep_block(PREDICTION, ATTENTION, grid.iloc[3:7])
    assert block.signal.columns.tolist() == [3, 4, 5, 6]
    pd.testing.assert_frame_equal(block.signal, whole.signal.iloc[:, 3:7], check_exact=True)
    pd.testing.assert_frame_equal(block.size, whole.size.iloc[:, 3:7], check_exact=True)


def test_overlay_blocks_of_the_grid_are_the_plain_grid_through_the_overlays_in_any_block():
    from reportgen.analysis import overlays

    price = pd.Series([100.0, 99.0, 101.0, 97.0, 98.0, 103.0], DATES)
    grid = sweeps.sweep_grid(ATTENTION, **GRID, min_hold_days=[1, 3], vol_targets=[0, 0.15], stop_losses=[0, 0.02])
    assert len(grid) == 16 * 8
    assert (grid.loc[:15, ["min_hold_days", "vol_target", "stop_loss"]].to_numpy() == [1, 0.0, 0.0]).all()  # none first
    whole = sweeps.sweep_block(PREDICTION, ATTENTION, grid, price, 2, 252)
    part = sweeps.sweep_block(PREDICTION, ATTENTION, grid.iloc[10:70], price, 2, 252)
    pd.testing.assert_frame_equal(part.signal, whole.signal.iloc[:, 10:70], check_exact=True)
    pd.testing.assert_frame_equal(part.size, whole.size.iloc[:, 10:70], check_exact=True)
    plain = _whole_grid(PREDICTION, ATTENTION, **GRID)
    pd.testing.assert_frame_equal(whole.signal.iloc[:, :16], plain.signal, check_exact=True)
    chosen = overlays.Overlays(min_hold_days=3, vol_target=0.15, vol_window_days=2, stop_loss=0.02)
    held, scale = overlays.overlaid_signals(plain.signal, price, chosen, 252)
    rows = grid.index[(grid["min_hold_days"] == 3) & (grid["vol_target"] == 0.15) & (grid["stop_loss"] == 0.02)]
    np.testing.assert_array_equal(whole.signal[rows].to_numpy(), held.to_numpy())
    expected = plain.entry_size.to_numpy() * held.to_numpy() * scale.to_numpy()[:, None]
    np.testing.assert_array_equal(whole.size[rows].to_numpy(), expected)
    assert not held.iloc[:2].to_numpy().any()  # flat until 2 returns exist (the vol window)
