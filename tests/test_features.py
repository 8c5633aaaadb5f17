import numpy as np
import pandas as pd
import pytest

from conftest import ohlcv

from reportgen.model.features import (
    CLIP_Z,
    next_day_up,
    price_features,
    rsi,
    scaled,
    scaling_statistics,
    warmup_rows,
)


def test_feature_columns_follow_the_columns_present():
    table = ohlcv(260)
    assert list(price_features(table[["close"]]).columns) == [
        "log_return", "volatility_10d", "volatility_21d", "volatility_63d", "volatility_ratio",
        "rsi_14", "macd_histogram", "distance_mean_50d", "distance_mean_200d",
    ]
    extra = set(price_features(table).columns) - set(price_features(table[["close"]]).columns)
    assert extra == {"volume_change", "log_range", "high_over_open", "open_over_low"}
    assert "log_range" in price_features(table[["close", "high", "low"]]).columns
    assert "high_over_open" not in price_features(table[["close", "high", "low"]]).columns


def test_warmup_is_the_200_day_mean_and_values_are_right():
    table = ohlcv(260)
    features = price_features(table)
    assert warmup_rows(features) == 199
    row = table.index[230]
    close = table["close"]
    returns = np.log(close).diff()
    assert features.loc[row, "log_return"] == pytest.approx(np.log(close.iloc[230] / close.iloc[229]))
    assert features.loc[row, "volatility_21d"] == pytest.approx(returns.iloc[210:231].std())
    assert features.loc[row, "distance_mean_200d"] == pytest.approx(close.iloc[230] / close.iloc[31:231].mean() - 1)
    assert features.loc[row, "volatility_ratio"] == pytest.approx(returns.iloc[221:231].std() / returns.iloc[168:231].std())
    assert features.loc[row, "volume_change"] == pytest.approx(np.log(table["volume"].iloc[230] / table["volume"].iloc[229]))
    assert features.loc[row, "log_range"] == pytest.approx(
        features.loc[row, "high_over_open"] + features.loc[row, "open_over_low"]
    )


def test_features_never_look_ahead():
    """Every row is the same whether the data ends there or later, and whatever comes later."""
    table = ohlcv(320)
    full = price_features(table)
    cut = price_features(table.iloc[:250])
    pd.testing.assert_frame_equal(full.iloc[:250], cut, check_exact=True)
    altered = table.copy()
    altered.iloc[250:] *= 1.7
    pd.testing.assert_frame_equal(price_features(altered).iloc[:250], cut, check_exact=True)


def test_rsi_extremes_and_wilder_smoothing():
    rising = pd.Series(np.arange(1.0, 40.0))
    assert rsi(rising).iloc[-1] == 100.0
    assert rsi(pd.Series(np.full(40, 5.0))).iloc[-1] == 50.0
    # Wilder's recursion, average = previous x (1 - 1/14) + today / 14, seeded with the first change
    closes = ohlcv(80)["close"].reset_index(drop=True)
    gain = loss = None
    for change in closes.diff().iloc[1:]:
        up, down = max(change, 0.0), max(-change, 0.0)
        gain = up if gain is None else gain * 13 / 14 + up / 14
        loss = down if loss is None else loss * 13 / 14 + down / 14
    assert rsi(closes).iloc[-1] == pytest.approx(100 * gain / (gain + loss))
    assert rsi(rising).iloc[:14].isna().all() and not np.isnan(rsi(rising).iloc[14])


def test_next_day_up_labels():
    labels = next_day_up(pd.Series([1.0, 2.0, 2.0, 1.0, 3.0]))
    assert labels.iloc[:4].tolist() == [1.0, 0.0, 0.0, 1.0] and np.isnan(labels.iloc[4])


def test_scaling_uses_the_training_rows_and_clips():
    training = np.array([[1.0, 10.0], [3.0, 10.0]])
    mean, std = scaling_statistics(training)
    assert mean.tolist() == [2.0, 10.0] and std.tolist() == [1.0, 1.0]  # a constant column keeps std 1
    z = scaled(np.array([[3.0, 11.0], [100.0, 10.0]]), mean, std)
    assert z.dtype == np.float32
    assert z.tolist() == [[1.0, 1.0], [CLIP_Z, 0.0]]
