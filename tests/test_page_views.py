"""The ready fields of the sensitivity and attention pages: decided in Python, placed by templates."""

import math
from types import SimpleNamespace

from reportgen.publish.attention_page import calibration_sentence, largest_weight_sentence, reading
from reportgen.publish.formats import NBSP
from reportgen.publish.sensitivity_page import lag_label, never_trading_sentence, verdict_against_benchmark

NAN = math.nan


def test_the_verdict_against_buy_and_hold_follows_the_interval_of_the_difference():
    assert verdict_against_benchmark((-1.27, -0.38), True) == "below"
    assert verdict_against_benchmark((0.16, 0.62), True) == "above"
    assert verdict_against_benchmark((-0.81, 0.23), True) == "cannot tell"
    assert verdict_against_benchmark((NAN, NAN), True) == "cannot tell"
    assert verdict_against_benchmark((NAN, NAN), False) == "never trades"


def test_strategies_that_never_trade_get_a_sentence_instead_of_a_table_of_zeros():
    assert never_trading_sentence([]) == ""
    assert never_trading_sentence(["Attention-filtered"]) == "Attention-filtered never trades: its return is 0 at every fee and fill, so it is left out."
    assert never_trading_sentence(["A", "B"]).startswith("A, B never trade: their return")
    assert (lag_label(1), lag_label(3)) == ("at the next close", "3 closes later")


def test_a_rank_ic_is_read_with_the_significance_cutoff():
    ic = SimpleNamespace(undefined="", ic=0.03, p_value=0.01)
    assert reading(ic) == f"significant at 5{NBSP}%: higher values, higher returns"
    assert reading(SimpleNamespace(undefined="", ic=-0.03, p_value=0.049)).endswith("higher values, lower returns")
    assert reading(SimpleNamespace(undefined="", ic=0.03, p_value=0.05)) == "no evidence of a relation"
    assert reading(SimpleNamespace(undefined="constant", ic=NAN, p_value=NAN)).startswith("undefined: constant")


def test_attention_is_almost_even_below_one_and_a_half_times_the_even_weight():
    assert largest_weight_sentence(0.05, 28).endswith("the model spreads its attention almost evenly, so every score derived from it moves little.")
    assert "0.0500, against 0.0357 (1/28)" in largest_weight_sentence(0.05, 28)
    assert largest_weight_sentence(0.06, 28).endswith("the model singles out some days of the window.")  # 0.06 > 1.5 / 28


def test_the_calibration_sentence_compares_with_always_up_and_the_base_rate():
    worse = SimpleNamespace(n=745, accuracy=0.4872, always_up_accuracy=0.5168, brier=0.2515, brier_base_rate=0.2497)
    assert calibration_sentence(worse) == (
        "The prediction does not beat always saying \"up\". Its Brier score is no better than the baseline's. Measured on 745 days."
    )
    better = SimpleNamespace(n=1000, accuracy=0.56, always_up_accuracy=0.52, brier=0.24, brier_base_rate=0.25)
    assert calibration_sentence(better).startswith(f"The prediction beats always saying \"up\" by 4.00{NBSP}%. Its Brier score beats")
    assert calibration_sentence(SimpleNamespace(n=0)) == ""
