"""Listings, delistings and point-in-time membership of a universe, end to end: nothing is held
outside an asset's listing or its spells in the index, a delisted holding is sold at its last
price, inverse volatility sees only real returns, and the figures match pandas by hand."""

import json

import numpy as np
import pandas as pd
import pytest

from conftest import UNIVERSE_ASSETS, UNIVERSE_CONFIG, reportgen_cli, write_universe
from reportgen.inputs.config import load_config
from reportgen.pipeline import build, report
from reportgen.publish.universe_fields import universe_caveats

LATE, EARLY, LEAVER = UNIVERSE_ASSETS[1], UNIVERSE_ASSETS[2], UNIVERSE_ASSETS[3]  # BBB lists late, CCC delists early
LISTS, DELISTS = 40, 70  # BBB's first price is on day 40, CCC's last on day 70

EXTRA = """
[[portfolios]]
id = "ivol"
name = "Inverse vol"
model = "uni"
weighting = "inverse_volatility"
vol_window_days = 5

[[portfolios]]
id = "monthly"
name = "Equal, monthly"
model = "uni"
weighting = "equal"
rebalance = "monthly"
"""


def listed_project(folder, fees: float = 0.0, days: int = 120):
    """The universe with BBB listing on day 40 and CCC delisting after day 70; CCC always predicted up
    (so it is held when it delists)."""
    write_universe(folder, days=days)
    prices = pd.read_csv(folder / "universe_prices.csv", dtype={"Date": str})
    prices[LATE] = prices[LATE].astype(object).where(prices.index >= LISTS, "")
    prices[EARLY] = prices[EARLY].astype(object).where(prices.index <= DELISTS, "")
    prices.to_csv(folder / "universe_prices.csv", index=False)
    predictions = pd.read_csv(folder / "universe_predictions.csv", dtype={"date": str})
    predictions.loc[predictions["asset"] == EARLY, "predictions"] = 0.9
    predictions.to_csv(folder / "universe_predictions.csv", index=False)
    config = UNIVERSE_CONFIG.replace("fees = 0.0", f"fees = {fees}") + EXTRA
    (folder / "reportgen.toml").write_text(config)
    return pd.read_csv(folder / "universe_prices.csv", index_col="Date", parse_dates=True)


def portfolio(result, pid):
    (p,) = [p for _, p in result.portfolios if p.id == pid]
    return p


def test_nothing_is_held_before_a_listing_or_after_a_delisting_and_the_sale_is_at_the_last_price(tmp_path):
    prices = listed_project(tmp_path, fees=0.001)
    result = build(load_config(tmp_path / "reportgen.toml"), tmp_path / "site")
    listed, last = prices.index[LISTS], prices.index[DELISTS]
    for pid in ("equal", "attention", "ivol", "monthly"):
        weights = portfolio(result, pid).weights
        assert (weights.loc[weights.index < listed, LATE] == 0).all(), pid
        assert (weights.loc[weights.index >= last, EARLY] == 0).all(), pid  # sold at the close of its last price
        assert weights.loc[weights.index < last, EARLY].max() > 0, pid  # it was held before
    trades = pd.read_csv(tmp_path / "site/downloads/portfolios/monthly/trades.csv", parse_dates=["date"])
    assert not (trades["date"] == last).all()
    sale = trades[(trades["asset"] == EARLY) & (trades["date"] == last)]
    assert len(sale) == 1 and sale["side"].iloc[0] == "sell"
    assert last.month == prices.index[DELISTS - 1].month  # not a rebalance day: sold because it delists
    assert sale["price"].iloc[0] == prices[EARLY].iloc[DELISTS]
    assert sale["fees"].iloc[0] == pytest.approx(0.001 * sale["value"].iloc[0], rel=1e-12)
    assert not ((trades["asset"] == EARLY) & (trades["date"] > last)).any()
    document = json.loads((tmp_path / "site/metrics.json").read_text())
    assert document["models"]["uni"]["delistings"] == {EARLY: last.date().isoformat()}
    assert document["models"]["uni"]["fixed_universe"] is True
    caveats = universe_caveats(result.universe_models[0])  # what the universe and portfolio pages place
    assert caveats.fixed_universe and caveats.delistings == [(EARLY, last.date().isoformat())]


def test_inverse_volatility_on_the_first_eligible_days_uses_only_returns_after_the_listing(tmp_path):
    prices = listed_project(tmp_path)
    result = report(load_config(tmp_path / "reportgen.toml"))
    ivol, model = portfolio(result, "ivol"), result.universe_models[0]
    weights = ivol.target_weights
    listed = prices.index[LISTS]
    first_days = weights.index[weights.index >= listed][:8]
    assert (weights.loc[first_days[:5], LATE] == 0).all()  # fewer than 5 real returns: no volatility, not held
    returns = prices.pct_change(fill_method=None)
    for day in first_days[5:]:
        held = model.prediction.loc[day] > 0.5
        held &= prices.loc[day].notna() & (day < prices.index[DELISTS])  # CCC leaves the weights on its last day
        window = returns.loc[:day].iloc[-5:]
        assert window[LATE].notna().all()  # only real returns, from the listing on
        score = (1 / window.std()).where(held, 0.0)
        assert weights.loc[day].to_numpy() == pytest.approx((score / score.sum()).reindex(weights.columns).to_numpy(), abs=1e-12)
    assert weights.loc[first_days[5]:, LATE].max() > 0


def test_total_return_of_the_equal_weight_portfolio_by_hand(tmp_path):
    """Daily rebalancing, no fees: close t -> close t+1 earns sum_i w_{t,i} r_{t+1,i}, w equal over the
    assets predicted up that are listed and not on (or past) their last price."""
    prices = listed_project(tmp_path)
    result = report(load_config(tmp_path / "reportgen.toml"))
    equal, model = portfolio(result, "equal"), result.universe_models[0]
    close = prices.reindex(model.dates)
    eligible = (model.prediction > 0.5) & close.notna()
    eligible.loc[eligible.index >= prices.index[DELISTS], EARLY] = False
    w = eligible.astype(float).div(eligible.sum(axis=1), axis=0).fillna(0.0)
    daily = (w.shift(1) * close.pct_change(fill_method=None)).fillna(0.0).sum(axis=1)
    assert equal.metrics["total_return"] == pytest.approx(float((1 + daily).prod() - 1), abs=1e-9)
    assert equal.returns.to_numpy() == pytest.approx(daily.to_numpy(), abs=1e-12)


def test_an_asset_out_of_the_index_for_a_year_is_never_held_in_that_year(tmp_path):
    write_universe(tmp_path, days=400)
    dates = pd.read_csv(tmp_path / "universe_prices.csv", index_col="Date", parse_dates=True).index
    predictions = pd.read_csv(tmp_path / "universe_predictions.csv", dtype={"date": str})
    predictions.loc[predictions["asset"] == LEAVER, "predictions"] = 0.9  # held whenever it may be
    predictions.to_csv(tmp_path / "universe_predictions.csv", index=False)
    leaves, returns = dates[100], dates[352]  # out of the index for 252 trading days
    spells = [f"{a},{dates[0].date()}," for a in UNIVERSE_ASSETS if a != LEAVER]
    spells += [f"{LEAVER},{dates[0].date()},{dates[99].date()}", f"{LEAVER},{returns.date()},"]
    (tmp_path / "members.csv").write_text("asset,start,end\n" + "\n".join(spells) + "\n")
    config = UNIVERSE_CONFIG.replace('prices = "universe_prices.csv"', 'prices = "universe_prices.csv"\nmembership = "members.csv"')
    (tmp_path / "reportgen.toml").write_text(config + EXTRA)
    result = build(load_config(tmp_path / "reportgen.toml"), tmp_path / "site")
    out = (dates >= leaves) & (dates < returns)
    for pid in ("equal", "attention", "ivol"):
        weights = portfolio(result, pid).weights
        assert (weights.loc[out[dates.isin(weights.index)], LEAVER] == 0).all(), pid
        assert weights.loc[weights.index < leaves, LEAVER].max() > 0 and weights.loc[weights.index > returns, LEAVER].max() > 0
    monthly = portfolio(result, "monthly")
    first_rebalance = next(d for d in monthly.weights.index if d >= leaves and d.month != (d - pd.offsets.BDay(1)).month)
    held_until = monthly.weights.loc[(monthly.weights.index >= leaves) & (monthly.weights.index < first_rebalance), LEAVER]
    assert (held_until > 0).all()  # leaving the index sells at the next rebalance, not before
    assert (monthly.weights.loc[first_rebalance:returns, LEAVER].iloc[:-1] == 0).all()
    sold = monthly.trades[(monthly.trades["asset"] == LEAVER) & (monthly.trades["date"] == first_rebalance)]
    assert sold["side"].tolist() == ["sell"]
    document = json.loads((tmp_path / "site/metrics.json").read_text())
    assert document["models"]["uni"]["fixed_universe"] is False


def test_a_bad_membership_file_is_one_error_line_naming_it(tmp_path):
    write_universe(tmp_path)
    (tmp_path / "members.csv").write_text("asset,start,end\nAAA,2021-01-04,\nZZZ,2021-01-04,\n")
    config = UNIVERSE_CONFIG.replace('prices = "universe_prices.csv"', 'prices = "universe_prices.csv"\nmembership = "members.csv"')
    (tmp_path / "reportgen.toml").write_text(config)
    run = reportgen_cli("build", "--config", "reportgen.toml", cwd=tmp_path)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.splitlines()[-1] == (
        f"error: {tmp_path / 'members.csv'}: row 3: asset 'ZZZ' is not a column of the universe's prices"
    )
