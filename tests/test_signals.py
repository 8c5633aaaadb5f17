import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from reportgen.analysis.signals import filtered_signal, filtered_signals, long_signal, position_size, position_sizes

DATES = pd.bdate_range("2024-01-01", periods=4)


def test_long_while_prediction_strictly_above_threshold():
    prediction = pd.Series([0.4, 0.5, 0.51, 0.9], DATES)
    assert long_signal(prediction, 0.5).to_list() == [False, False, True, True]


def test_filter_keeps_signal_only_while_attention_above_threshold():
    signal = pd.Series([True, True, False, True], DATES)
    attention = pd.Series([0.2, 0.1, 0.3, 0.15], DATES)
    assert filtered_signal(signal, attention, 0.15).to_list() == [True, False, False, False]
    assert filtered_signal(signal, attention, None).to_list() == signal.to_list()


def test_full_sizing_is_one_while_long():
    signal = pd.Series([True, False, True, False], DATES)
    assert position_size(signal, pd.Series([0.3] * 4, DATES), "full").to_list() == [1, 0, 1, 0]


# Attention scores are not all weights in [0, 1]: attention_mean_lag reaches T - 1 (days), so
# the property is drawn over [0, 60] and states what holds there.
scores = st.lists(st.floats(0, 60, allow_nan=False), min_size=1, max_size=50)


@given(scores, st.data())
def test_attention_sizing_invariants(attention_values, data):
    n = len(attention_values)
    dates = pd.bdate_range("2024-01-01", periods=n)
    attention = pd.Series(attention_values, dates)
    signal = pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dates)
    size = position_size(signal, attention, "attention")
    assert (size[~signal] == 0).all()  # flat -> no position
    assert (size[attention == 0] == 0).all()  # zero attention -> zero position
    held = signal.to_numpy()
    assert (size[held] == attention[held]).all()  # long -> the score itself, uncapped (a size above 1 is warned about)
    assert (size >= 0).all() and (size <= attention.max()).all()
    order = np.argsort(attention.to_numpy()[held], kind="stable")
    assert (np.diff(size.to_numpy()[held][order]) >= 0).all()  # monotone in attention


def test_frame_versions_match_the_series_versions_column_by_column():
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2024-01-01", periods=40)
    signal = pd.Series(rng.uniform(size=40) > 0.5, dates)
    attention = pd.DataFrame(rng.uniform(0, 0.4, (40, 3)), index=dates)
    wanted = filtered_signals(signal, attention, 0.2)
    sizes = position_sizes(wanted, attention, "attention")
    for k in attention:
        expected = filtered_signal(signal, attention[k], 0.2)
        assert wanted[k].to_list() == expected.to_list()
        assert sizes[k].to_list() == position_size(expected, attention[k], "attention").to_list()
    assert filtered_signals(signal, attention, None)[1].to_list() == signal.to_list()
    assert position_sizes(wanted, attention, "full").equals(wanted.astype(float))
