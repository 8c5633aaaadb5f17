"""`reportgen init`: on files reportgen has never seen, the project it writes builds with
--strict at once; what it cannot tell is one `error:` line; it never overwrites a file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import reportgen_cli as reportgen


def softmax(rng: np.random.Generator, rows: int, steps: int) -> np.ndarray:
    logits = rng.normal(0, 1, (rows, steps)) * rng.uniform(0.2, 2.0, (rows, 1))
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)


def single_asset_files(folder: Path, rows: int = 90) -> tuple[Path, Path]:
    """OHLCV in lower case with an adjusted close (dividends make it differ from the close), and
    predictions whose date column is `day` and whose attention vector is w_0 .. w_4."""
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2022-03-01", periods=rows).strftime("%Y-%m-%d")
    adjusted = 50 * np.exp(np.cumsum(rng.normal(0.0005, 0.012, rows)))
    close = adjusted * np.linspace(1.10, 1.0, rows)
    prices = pd.DataFrame({
        "timestamp": dates, "open": close * 0.999, "high": close * 1.01, "low": close * 0.99, "close": close,
        "adj_close": adjusted, "volume": rng.integers(1_000, 9_000, rows),
    })
    prices.round(6).to_csv(folder / "px.csv", index=False)
    predicted = pd.DataFrame({"day": dates[15:], "predictions": rng.uniform(0.3, 0.7, rows - 15).round(5)})
    weights = softmax(rng, rows - 15, 5)
    for k in range(5):
        predicted[f"w_{k}"] = weights[:, k].round(6)
    predicted.to_csv(folder / "model_out.csv", index=False)
    return folder / "px.csv", folder / "model_out.csv"


def universe_files(folder: Path, rows: int = 90) -> tuple[Path, Path]:
    """Wide prices under `trade_date`, long predictions under `when` with one attention column `attn`."""
    rng = np.random.default_rng(5)
    dates = pd.bdate_range("2022-03-01", periods=rows).strftime("%Y-%m-%d")
    assets = ["AAA", "BBB", "CCC", "DDD"]
    prices = pd.DataFrame({"trade_date": dates})
    for asset in assets:
        prices[asset] = (20 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, rows)))).round(4)
    prices.to_csv(folder / "basket.csv", index=False)
    long = pd.MultiIndex.from_product([dates[10:], assets], names=["when", "asset"]).to_frame(index=False)
    long["predictions"] = rng.uniform(0.3, 0.7, len(long)).round(5)
    long["attn"] = rng.uniform(0.1, 0.9, len(long)).round(5)
    long.to_csv(folder / "signals.csv", index=False)
    return folder / "basket.csv", folder / "signals.csv"


def built_strictly(project: Path) -> dict:
    result = reportgen("build", "--strict", cwd=project)  # no --config: ./reportgen.toml
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "index.html").is_file()
    return json.loads((project / "site" / "metrics.json").read_text())


def test_single_asset_files_never_seen_build_strictly_with_the_adjusted_close(tmp_path):
    prices, predictions = single_asset_files(tmp_path)
    result = reportgen("init", "project", "--prices", str(prices), "--predictions", str(predictions), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "project"
    text = (project / "reportgen.toml").read_text()
    assert text.splitlines()[0] == "#:schema ./reportgen.schema.json"
    config = tomllib.loads(text)
    assert config["data"] == {"prices": "../px.csv", "date_column": "timestamp", "price_column": "adj_close"}
    assert config["models"][0]["attention_prefix"] == "w_" and config["models"][0]["attention_column"] == "attention_max"
    assert [s["sizing"] for s in config["strategies"]] == ["full", "attention"]
    assert "not 'close'" in text  # says which close it passed over

    metrics = built_strictly(project)
    assert sorted(metrics["strategies"]) == ["attention_sized", "signal"]
    # buy & hold over the prediction dates is the adjusted close's return, not the close's
    frame = pd.read_csv(prices, index_col="timestamp")
    span = frame.loc[pd.read_csv(predictions)["day"].iloc[0]:]
    adjusted, close = (span[c].iloc[-1] / span[c].iloc[0] - 1 for c in ("adj_close", "close"))
    assert metrics["benchmark"]["total_return"] == pytest.approx(adjusted, rel=1e-9)
    assert abs(adjusted - close) > 0.05


def test_a_universe_never_seen_builds_strictly_with_four_portfolios(tmp_path):
    prices, predictions = universe_files(tmp_path)
    project = tmp_path / "project"
    result = reportgen("init", str(project), "--prices", str(prices), "--predictions", str(predictions), "--universe", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = tomllib.loads((project / "reportgen.toml").read_text())
    assert config["universe"]["date_column"] == "trade_date" and "data" not in config
    assert config["models"][0]["attention_column"] == "attn"
    metrics = built_strictly(project)
    assert sorted(metrics["portfolios"]) == ["attention_weighted", "equal_weight", "inverse_volatility", "prediction_weighted"]


def test_constant_attention_and_one_sided_predictions_still_build_strictly(tmp_path):
    """Attention that is 1/4 every day carries no information: no rule uses it and the config
    lists the warning; predictions that are all above 0.5 get their median as the threshold."""
    prices, _ = single_asset_files(tmp_path, rows=60)
    rng = np.random.default_rng(9)
    dates = pd.read_csv(prices)["timestamp"].iloc[5:]
    predicted = pd.DataFrame({"date": dates, "predictions": rng.uniform(0.55, 0.8, len(dates)).round(4), "attention_mean": 0.25})
    predicted.to_csv(tmp_path / "flat.csv", index=False)
    result = reportgen("init", "p", "--prices", str(prices), "--predictions", "flat.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    config = tomllib.loads((tmp_path / "p" / "reportgen.toml").read_text())
    median = float(np.floor(np.median(predicted["predictions"]) * 100) / 100)
    assert [(s["sizing"], s["threshold"]) for s in config["strategies"]] == [("full", median)]
    assert config["site"]["expected_warnings"] == ["model 'flat': *carries no information*"]
    metrics = built_strictly(tmp_path / "p")
    assert metrics["strategies"]["signal"]["time_in_market"] == pytest.approx(0.5, abs=0.1)


def test_the_example_project_builds_strictly(tmp_path):
    result = reportgen("init", "example", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    project = tmp_path / "example"
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()) == [
        ".github/workflows/report.yml", ".gitignore", "data/predictions.csv", "data/prices.csv",
        "reportgen.schema.json", "reportgen.toml",
    ]
    assert tomllib.loads((project / "reportgen.toml").read_text())["data"]["price_column"] == "Adj Close"
    metrics = built_strictly(project)
    assert sorted(metrics["strategies"]) == ["attention_sized", "signal"]


def test_the_universe_example_is_a_valid_universe_project(tmp_path):
    from reportgen.inputs.config import load_config

    assert reportgen("init", "u", "--universe", cwd=tmp_path).returncode == 0
    config = load_config(tmp_path / "u" / "reportgen.toml")
    assert config.universe_models == ("predictions",) and config.data is None
    assert [p.weighting for p in config.portfolios] == ["equal", "prediction", "attention", "inverse_volatility"]


def test_two_candidate_prices_and_no_adjusted_close_is_one_error_line_naming_them(tmp_path):
    dates = pd.bdate_range("2022-03-01", periods=60).strftime("%Y-%m-%d")
    pd.DataFrame({"Date": dates, "Close": 10.0, "Last": 10.5, "Volume": 100}).to_csv(tmp_path / "p.csv", index=False)
    _, predictions = single_asset_files(tmp_path, rows=60)
    result = reportgen("init", "out", "--prices", "p.csv", "--predictions", str(predictions), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "error: p.csv: 2 columns could be the price and none is an adjusted close: 'Close', 'Last'; "
        "choose one with --price-column\n"
    )
    assert not (tmp_path / "out").exists()
    settled = reportgen("init", "out", "--prices", "p.csv", "--predictions", str(predictions), "--price-column", "Last", cwd=tmp_path)
    assert settled.returncode == 0, settled.stderr
    assert tomllib.loads((tmp_path / "out" / "reportgen.toml").read_text())["data"]["price_column"] == "Last"


def test_it_never_overwrites_a_file_and_writes_nothing_then(tmp_path):
    (tmp_path / "p" / ".github").mkdir(parents=True)
    (tmp_path / "p" / ".gitignore").write_text("mine\n")
    result = reportgen("init", "p", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"error: {Path('p') / '.gitignore'}: already exists; reportgen init never overwrites a file (choose another folder)\n"
    assert (tmp_path / "p" / ".gitignore").read_text() == "mine\n"
    assert sorted(p.name for p in (tmp_path / "p").rglob("*")) == [".github", ".gitignore"]


def test_predictions_without_a_predictions_column_are_refused_with_the_columns_found(tmp_path):
    prices, _ = single_asset_files(tmp_path, rows=30)
    pd.DataFrame({"date": ["2022-03-01"], "prob_up": [0.6], "attention": [0.3]}).to_csv(tmp_path / "q.csv", index=False)
    result = reportgen("init", "out", "--prices", str(prices), "--predictions", "q.csv", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: q.csv: no 'predictions' column") and "'prob_up'" in result.stderr


def test_the_workflow_it_writes_builds_strictly_and_publishes_the_site(tmp_path):
    assert reportgen("init", "w", cwd=tmp_path).returncode == 0
    workflow = yaml.safe_load((tmp_path / "w" / ".github/workflows/report.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    runs = [line.strip() for step in steps for line in step.get("run", "").splitlines()]
    assert "reportgen build --strict --config reportgen.toml" in runs
    assert any(r.startswith('pip install "reportgen==') for r in runs)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site/"
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "site/" in (tmp_path / "w" / ".gitignore").read_text().splitlines()
    schema = reportgen("schema", cwd=tmp_path)
    assert (tmp_path / "w" / "reportgen.schema.json").read_text() == schema.stdout


def test_predictions_that_share_too_few_dates_with_the_prices_are_refused_before_writing(tmp_path):
    prices, _ = single_asset_files(tmp_path, rows=40)
    later = pd.DataFrame({"date": pd.bdate_range("2030-01-01", periods=30).strftime("%Y-%m-%d"), "predictions": 0.6, "attention": 0.3})
    later.to_csv(tmp_path / "later.csv", index=False)
    result = reportgen("init", "out", "--prices", str(prices), "--predictions", "later.csv", cwd=tmp_path)
    assert result.returncode == 2 and not (tmp_path / "out").exists()
    assert result.stderr == "error: later.csv: no prediction date (2030-01-01..2030-02-11) has a price (2022-03-01..2022-04-25)\n"


@pytest.mark.parametrize(
    "columns, price, adjusted",
    [
        (["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"], "Adj Close", True),  # Yahoo
        (["Date", "Open", "High", "Low", "Close", "Volume", "Dividends", "Stock Splits"], "Close", False),
        (["ticker_price", "Date"], "ticker_price", False),  # the date need not come first
        (["Date", "close", "Adjusted_close", "ret"], "Adjusted_close", True),
    ],
)
def test_the_price_column_is_the_one_a_user_would_choose(tmp_path, columns, price, adjusted):
    from reportgen.scaffold.detect import read_prices_layout

    frame = pd.DataFrame({c: ["2024-01-02", "2024-01-03"] if c == "Date" else [1.5, 1.6] for c in columns})
    frame.to_csv(tmp_path / "p.csv", index=False)
    layout = read_prices_layout(tmp_path / "p.csv")
    assert (layout.date_column, layout.price_column, layout.adjusted) == ("Date", price, adjusted)


def test_inputs_reportgen_would_correct_are_warned_about_at_init(tmp_path):
    prices, predictions = single_asset_files(tmp_path, rows=60)
    shuffled = pd.read_csv(predictions).sample(frac=1.0, random_state=1)
    shuffled.to_csv(tmp_path / "shuffled.csv", index=False)
    result = reportgen("init", "out", "--prices", str(prices), "--predictions", "shuffled.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "warning: shuffled.csv: dates were not in order; sorted them"
    assert "1 warning(s) above: build --strict fails on them until the inputs are fixed or [site] expected_warnings lists them" in lines
