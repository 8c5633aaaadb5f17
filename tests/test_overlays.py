"""The overlays on hand-made signals and prices: holding period, volatility target, stops."""

import math

import numpy as np
import pandas as pd
import pytest

from reportgen.analysis import overlays
from reportgen.analysis.overlays import Overlays

DATES = pd.bdate_range("2024-01-01", periods=12)


def frame(*columns: str) -> pd.DataFrame:
    """Signals written as strings of 0/1, one column each."""
    return pd.DataFrame({i: [c == "1" for c in col] for i, col in enumerate(columns)}, index=DATES[: len(columns[0])])


def as_text(signal: pd.DataFrame) -> list[str]:
    return ["".join("1" if v else "0" for v in signal[c]) for c in signal.columns]


def research_min_hold(raw: list[int], min_hold: int) -> list[int]:
    """The research's rule written as a plain loop: a change is taken only when at least
    `min_hold` days have passed since the last change; otherwise the position is kept."""
    held, last_change, state = [], -min_hold, 0
    for t, want in enumerate(raw):
        if want != state and t - last_change >= min_hold:
            state, last_change = want, t
        held.append(state)
    return held


def test_min_hold_ignores_changes_inside_the_span():
    held = overlays.held_signals(frame("110100001011", "011111000000", "101010101010"), 3)
    assert as_text(held) == ["111100001111", "011111000000", "111000111000"]


def test_min_hold_matches_the_research_loop_on_random_signals():
    rng = np.random.default_rng(3)
    raw = rng.random((200, 6)) < 0.5
    for hold in (1, 2, 3, 5, 10):
        held = overlays.held_signals(pd.DataFrame(raw), hold).to_numpy()
        for c in range(raw.shape[1]):
            assert held[:, c].astype(int).tolist() == research_min_hold(raw[:, c].astype(int).tolist(), hold)


def test_min_hold_of_one_is_the_signal_itself():
    signal = frame("0110100111")
    assert overlays.held_signals(signal, 1).equals(signal)


def test_volatility_scale_is_the_capped_ratio_of_trailing_volatility():
    price = pd.Series(100 * np.cumprod(1 + np.random.default_rng(1).normal(0, 0.01, 60)), index=pd.bdate_range("2024-01-01", periods=60))
    scale = overlays.volatility_scale(price, 0.10, 5, 1.0, 252)
    assert scale.iloc[:5].isna().all() and scale.iloc[5:].notna().all()
    for t in (5, 17, 59):
        returns = [price.iloc[i] / price.iloc[i - 1] - 1 for i in range(t - 4, t + 1)]
        sigma = np.std(returns, ddof=1) * math.sqrt(252)
        assert scale.iloc[t] == pytest.approx(min(1.0, 0.10 / sigma), rel=1e-12)
    flat = overlays.volatility_scale(pd.Series(100.0, index=price.index), 0.10, 5, 0.8, 252)
    assert (flat.iloc[5:] == 0.8).all()


def test_volatility_target_uses_no_later_prices():
    rng = np.random.default_rng(2)
    index = pd.bdate_range("2024-01-01", periods=80)
    price = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, 80)), index=index)
    signal = pd.DataFrame({0: rng.random(80) < 0.6}, index=index)
    chosen = Overlays(vol_target=0.12, vol_window_days=10)
    before_signal, before_scale = overlays.overlaid_signals(signal, price, chosen, 252)
    for t in (10, 30, 60):
        changed = price.copy()
        changed.iloc[t + 1 :] *= rng.uniform(0.5, 1.5, len(price) - t - 1)
        after_signal, after_scale = overlays.overlaid_signals(signal, changed, chosen, 252)
        assert after_scale.iloc[: t + 1].equals(before_scale.iloc[: t + 1])
        assert after_signal.iloc[: t + 1].equals(before_signal.iloc[: t + 1])
        assert not after_scale.iloc[t + 1 :].equals(before_scale.iloc[t + 1 :])  # the change did reach later days


def test_volatility_target_keeps_the_strategy_flat_until_the_window_is_full():
    price = pd.Series(np.linspace(100, 111, 12), index=DATES)
    signal, scale = overlays.overlaid_signals(frame("111111111111"), price, Overlays(vol_target=0.1, vol_window_days=4), 252)
    assert as_text(signal) == ["000011111111"]
    assert (scale.iloc[:4] == 0).all() and (scale.iloc[4:] > 0).all()


def test_stop_loss_exits_on_the_first_close_beyond_it_and_waits_for_the_signal_to_turn():
    price = pd.Series([100, 101, 99, 96, 94.9, 90, 97, 99, 98, 100, 101, 95], index=DATES, dtype=float)
    # entry at 101 (day 1); 5% below is 95.95: day 4 (94.9) is the first close at or below it
    signal = frame("011111111011")
    stopped = overlays.stopped_signals(signal, price, 0.05, False, None)
    assert as_text(stopped) == ["011100000010"]  # flat from day 4; back in only after day 9's off
    # the second run enters at 101 (day 10); 95 at day 11 is 5.9 % below: out at 5 %, in at 6 %
    # (6 %: the first run's stop is 94.94, and day 4's 94.9 is still the first close beyond it)
    assert as_text(overlays.stopped_signals(signal, price, 0.06, False, None)) == ["011100000011"]


def test_a_close_exactly_at_the_stop_exits():
    price = pd.Series([100, 100, 95, 90], index=DATES[:4], dtype=float)
    assert as_text(overlays.stopped_signals(frame("1111"), price, 0.05, False, None)) == ["1100"]


def test_trailing_stop_is_measured_from_the_highest_close_since_entry():
    price = pd.Series([100, 110, 120, 113, 111, 130, 125], index=DATES[:7], dtype=float)
    signal = frame("1111111")
    assert as_text(overlays.stopped_signals(signal, price, 0.07, False, None)) == ["1111111"]  # never 7 % below 100
    assert as_text(overlays.stopped_signals(signal, price, 0.07, True, None)) == ["1111000"]  # day 4: 111 <= 120 x 0.93 = 111.6


def test_take_profit_exits_at_the_first_close_above_it():
    price = pd.Series([100, 104, 109, 111, 120, 100, 103], index=DATES[:7], dtype=float)
    assert as_text(overlays.stopped_signals(frame("1111101"), price, None, False, 0.10)) == ["1110001"]


def test_stops_override_the_holding_period():
    price = pd.Series([100, 90, 91, 92, 93, 94], index=DATES[:6], dtype=float)
    signal, _ = overlays.overlaid_signals(frame("100000"), price, Overlays(min_hold_days=5, stop_loss=0.05), 252)
    assert as_text(signal) == ["100000"]  # held on for 5 days, but stopped at day 1 and not re-entered


def test_ablation_variants_base_each_alone_then_cumulative():
    full = Overlays(min_hold_days=3, vol_target=0.15, stop_loss=0.05, take_profit=0.2)
    variants = overlays.ablation_variants(full)
    assert list(variants) == [
        "base", "holding_period", "vol_target", "stops", "holding_period+vol_target", "holding_period+vol_target+stops"
    ]
    assert variants["base"] == Overlays(vol_window_days=21) and variants["holding_period+vol_target+stops"] == full
    assert variants["stops"] == Overlays(stop_loss=0.05, take_profit=0.2)
    assert list(overlays.ablation_variants(Overlays(stop_loss=0.1))) == ["base", "stops"]
    assert list(overlays.ablation_variants(Overlays(min_hold_days=2, stop_loss=0.1))) == [
        "base", "holding_period", "stops", "holding_period+stops"
    ]


def test_the_control_of_a_vol_targeted_attention_strategy_keeps_its_vol_scale_and_holding_period():
    """The exposure-matched control replaces attention and nothing else: on every day it is long
    its size is one constant times the strategy's own volatility scale, its signal is the
    prediction's signal after the same holding period and warm-up, and it holds as much on
    average as the strategy."""
    from reportgen.inputs.config import StrategyConfig

    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2024-01-01", periods=120)
    price = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.012, len(dates))), index=dates)
    output = pd.DataFrame({"prediction": rng.random(len(dates)), "attention": rng.random(len(dates))}, index=dates)
    strategy = StrategyConfig(
        id="s", name="S", model="m", threshold=0.4, sizing="attention", attention_threshold=0.2,
        min_hold_days=3, vol_target=0.10, vol_window_days=10,
    )
    chosen = overlays.strategy_overlays(strategy)
    _, strategy_size = overlays.strategy_positions(strategy, chosen, output, price, 252)
    exposure = strategy_size.clip(upper=1.0) * 0.9  # any exposure: the constant follows its mean
    signal, size, constant = overlays.control_positions(strategy, chosen, output, price, exposure, 252)
    scale = overlays.volatility_scale(price, 0.10, 10, 1.0, 252)
    expected_signal = overlays.held_signals((output["prediction"] > 0.4).to_frame(), 3).iloc[:, 0] & scale.notna()
    assert signal.tolist() == expected_signal.tolist()
    assert signal.iloc[:10].eq(False).all()  # the volatility window's warm-up, as for the strategy
    long = signal.to_numpy()
    assert 0 < constant < 1
    assert np.allclose(size.to_numpy()[long], constant * scale.to_numpy()[long], rtol=0, atol=1e-12)
    assert size.to_numpy()[long].std() > 0  # the scale varies: a constant size would not
    assert (size[~signal] == 0).all()
    assert constant == pytest.approx(exposure.mean() / (signal * scale.fillna(0.0)).mean(), rel=1e-12)
