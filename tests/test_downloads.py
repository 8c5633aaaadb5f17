"""The CSV downloads of the built bundled report: they exist where metrics.json says, and the
figures recomputed from them are the figures of metrics.json."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.publish.downloads import metrics_frame, strategy_download_paths


@pytest.fixture(scope="module")
def document(bundled_site: Path) -> dict:
    return json.loads((bundled_site / "metrics.json").read_text())


def read(site: Path, path: str) -> pd.DataFrame:
    return pd.read_csv(site / path, parse_dates=[0])


def test_every_listed_download_exists_and_is_linked(bundled_site: Path, document: dict):
    assert set(document["strategies"]) == {
        "notebook_replica", "att_lstm_signal", "attention_sized", "attention_filtered", "hybrid", "hybrid_attention_sized",
        "att_lstm_wf_signal", "att_lstm_wf_attention_sized", "att_lstm_wf_hybrid", "att_lstm_wf_hybrid_attention_sized",
    }
    for sid, figures in document["strategies"].items():
        paths = figures["downloads"]
        assert set(paths) == {"daily_returns", "positions", "trades", "metrics", "tearsheet"}
        page = (bundled_site / "strategies" / f"{sid}.html").read_text()
        for path in paths.values():
            assert (bundled_site / path).is_file(), path
            assert f'href="../{path}"' in page, (sid, path)
    methodology = (bundled_site / "methodology.html").read_text()
    for model in document["models"].values():
        path = model["downloads"]["aligned_inputs"]
        assert (bundled_site / path).is_file() and f'href="{path}"' in methodology


def test_daily_returns_reproduce_the_headline_figures(bundled_site: Path, document: dict):
    ppy = document["conventions"]["periods_per_year"]
    init_cash = document["conventions"]["init_cash"]
    for sid, figures in document["strategies"].items():
        daily = read(bundled_site, figures["downloads"]["daily_returns"])
        assert list(daily.columns) == ["date", "return", "value", "benchmark_return"]
        model = document["models"][figures["model"]]
        assert len(daily) == model["rows"]
        assert daily["date"].iloc[0].date().isoformat() == model["start"]
        assert daily["date"].iloc[-1].date().isoformat() == model["end"]
        returns = daily["return"]
        assert np.prod(1 + returns) - 1 == pytest.approx(figures["total_return"], rel=1e-9, abs=1e-12)
        assert daily["value"].iloc[-1] / init_cash - 1 == pytest.approx(figures["total_return"], rel=1e-9, abs=1e-12)
        wealth = np.cumprod(1 + returns)
        assert (wealth / np.maximum.accumulate(np.maximum(wealth, 1.0)) - 1).min() == pytest.approx(figures["max_drawdown"], abs=1e-12)
        if figures["sharpe"] is None:
            assert returns.std() == 0
        else:
            assert returns.mean() / returns.std() * math.sqrt(ppy) == pytest.approx(figures["sharpe"], rel=1e-9)
        assert np.prod(1 + daily["benchmark_return"]) - 1 == pytest.approx(model["benchmark"]["total_return"], rel=1e-9)


def test_positions_and_trades_match_the_counts(bundled_site: Path, document: dict):
    for sid, figures in document["strategies"].items():
        positions = read(bundled_site, figures["downloads"]["positions"])
        assert list(positions.columns) == ["date", "price", "signal", "requested_size", "exposure"]
        assert positions["exposure"].mean() == pytest.approx(figures["mean_exposure"], rel=1e-12)
        assert (positions["exposure"] > 0).mean() == pytest.approx(figures["time_in_market"], rel=1e-12)
        assert set(positions["signal"].unique()) <= {0, 1}
        trades = read(bundled_site, figures["downloads"]["trades"])
        assert len(trades) == figures["total_trades"]
        assert (trades["status"] == "open").sum() == figures["open_trades"]
        assert (trades["status"] == "closed").sum() == figures["closed_trades"]
        # each trade enters on a day the signal turns on
        entries = positions.set_index("date")["signal"].diff().fillna(positions["signal"].iloc[0])
        assert set(pd.to_datetime(trades["entry_date"])) == set(entries[entries == 1].index)


def test_metrics_csv_is_metrics_json(bundled_site: Path, document: dict):
    for sid, figures in document["strategies"].items():
        table = pd.read_csv(bundled_site / figures["downloads"]["metrics"]).set_index("metric")
        benchmark = document["models"][figures["model"]]["benchmark"]
        for name in ("total_return", "cagr", "sharpe", "sortino", "volatility", "max_drawdown", "calmar",
                     "sharpe_365", "total_trades", "open_trades", "total_fees", "mean_exposure", "time_in_market"):
            expected = figures[name]
            if expected is None:
                assert math.isnan(table.loc[name, "strategy"]), (sid, name)
            else:
                assert table.loc[name, "strategy"] == expected, (sid, name)  # written at full precision
        assert table.loc["sharpe", "benchmark"] == benchmark["sharpe"]
        assert math.isnan(table.loc["total_trades", "benchmark"])


def test_aligned_inputs_are_the_model_rows(bundled_site: Path, document: dict):
    for mid, model in document["models"].items():
        inputs = read(bundled_site, model["downloads"]["aligned_inputs"])
        assert list(inputs.columns) == ["date", "prediction", "attention", "price"]
        assert len(inputs) == model["rows"]
        assert inputs["attention"].mean() == pytest.approx(model["attention"]["mean"], rel=1e-9)
        first = next(s for s in document["strategies"].values() if s["model"] == mid)
        positions = read(bundled_site, first["downloads"]["positions"])
        assert np.allclose(inputs["price"], positions["price"])


def test_metrics_frame_keeps_figures_and_counts_apart_from_text():
    frame = metrics_frame({"name": "x", "sharpe": None, "total_trades": 3, "degenerate": True}, {"sharpe": 0.5})
    assert frame["metric"].tolist() == ["sharpe", "total_trades"]
    assert math.isnan(frame.loc[0, "strategy"]) and frame.loc[0, "benchmark"] == 0.5
    assert frame.loc[1, "strategy"] == 3 and isinstance(frame.loc[1, "strategy"], int)


def test_paths_name_the_quantstats_tearsheet_only_when_made():
    assert "quantstats_tearsheet" not in strategy_download_paths("s")
    assert strategy_download_paths("s", quantstats=True)["quantstats_tearsheet"] == "tearsheets/s-quantstats.html"
