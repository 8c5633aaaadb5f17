import numpy as np
import pandas as pd

from reportgen.attention import attention_summary, uniform_steps


def series(values):
    return pd.Series(values, pd.bdate_range("2024-01-01", periods=len(values)))


def test_constant_one_seventh_is_degenerate_and_named_as_a_softmax_mean():
    summary = attention_summary(series([0.14285715, 0.14285713] * 50), "attention_mean")
    assert summary.degenerate
    assert "1/7" in summary.reason and "carries no information" in summary.reason


def test_other_constants_are_degenerate_too():
    summary = attention_summary(series([0.3] * 10), "score")
    assert summary.degenerate and "1/" not in summary.reason


def test_varying_attention_is_not_degenerate():
    summary = attention_summary(series(np.linspace(0.1, 0.9, 20)), "attention_max")
    assert not summary.degenerate and summary.reason == ""


def test_uniform_steps():
    assert uniform_steps(1 / 28) == 28
    assert uniform_steps(0.1428) is None
