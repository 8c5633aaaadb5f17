import pandas as pd
import pytest

from reportgen.analysis.backtest import Orders, simulate

DATES = pd.bdate_range("2024-01-01", periods=5)
PRICE = pd.Series([100.0, 110.0, 121.0, 110.0, 99.0], DATES)
ON_TWO_DAYS = [True, True, False, False, False]


def run(signals: dict, sizes: dict, size_types, fees=0.001):
    return simulate(Orders(
        PRICE, pd.DataFrame(signals, index=DATES), pd.DataFrame(sizes, index=DATES), size_types, 1000.0, fees
    ))


def test_full_percent_size_invests_all_cash_net_of_fees_and_exits_at_the_close():
    sim = run({"a": ON_TWO_DAYS}, {"a": [1.0, 1, 0, 0, 0]}, ["percent"])
    units = 1000 / (100 * 1.001)  # all cash, the fee included
    assert sim.value["a"].iloc[0] == pytest.approx(units * 100)
    assert sim.value["a"].iloc[1] == pytest.approx(units * 110)
    assert sim.value["a"].iloc[-1] == pytest.approx(units * 121 * 0.999)
    assert sim.total_fees["a"] == pytest.approx(units * 100 * 0.001 + units * 121 * 0.001)
    assert sim.total_trades["a"] == 1 and sim.open_trades["a"] == 0
    assert sim.exposure["a"].to_list() == pytest.approx([1, 1, 0, 0, 0])
    assert sim.returns["a"].iloc[0] == pytest.approx(units * 100 / 1000 - 1)


def test_percent_size_is_a_fraction_of_cash_and_amount_is_units():
    sim = run({"p": ON_TWO_DAYS, "u": ON_TWO_DAYS}, {"p": [0.25, 0.25, 0, 0, 0], "u": [0.5, 0.5, 0, 0, 0]}, ["percent", "amount"])
    units = 250 / (100 * 1.001)
    assert sim.value["p"].iloc[0] == pytest.approx(750 + units * 100)
    assert sim.value["u"].iloc[0] == pytest.approx(1000 - 0.5 * 100 * 0.001)
    assert sim.exposure["u"].iloc[0] == pytest.approx(50 / sim.value["u"].iloc[0])


def test_amount_larger_than_cash_is_capped_to_all_in():
    sim = run({"u": ON_TWO_DAYS, "p": ON_TWO_DAYS}, {"u": [0.14, 0.14, 0, 0, 0], "p": [1.0, 1, 0, 0, 0]}, ["amount", "percent"])
    # 0.14 units of a 100 asset is 14 of 1000 cash: not capped here; scale the price instead
    big = simulate(Orders(PRICE * 100_000, pd.DataFrame({"u": ON_TWO_DAYS}, index=DATES),
                          pd.DataFrame({"u": [0.14, 0.14, 0, 0, 0]}, index=DATES), ["amount"], 1000.0, 0.001))
    assert big.exposure["u"].iloc[0] == pytest.approx(1.0)
    assert big.value["u"].iloc[-1] == pytest.approx(sim.value["p"].iloc[-1])


def test_no_signal_no_trade_and_open_trades_are_counted():
    sim = run({"none": [False] * 5, "open": [False, False, False, True, True]}, {"none": [0.0] * 5, "open": [1.0] * 5}, ["percent", "percent"])
    assert sim.total_trades["none"] == 0 and sim.total_fees["none"] == 0
    assert (sim.value["none"] == 1000).all() and (sim.returns["none"] == 0).all()
    assert sim.total_trades["open"] == 1 and sim.open_trades["open"] == 1
    assert sim.trades.loc[sim.trades["column"] == "open", "status"].to_list() == ["open"]


def test_zero_size_entry_takes_no_position():
    sim = run({"z": ON_TWO_DAYS}, {"z": [0.0] * 5}, ["percent"])
    assert (sim.exposure["z"] == 0).all() and sim.total_fees["z"] == 0
