"""A universe report end to end: figures against pandas by hand, metrics.json, pages, downloads,
and bad universe inputs as one-line user errors."""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from reportgen.inputs.config import load_config
from reportgen.pipeline import build, report

from conftest import REPO, UNIVERSE_CONFIG, in_reverse_order, write_universe


@pytest.fixture(scope="module")
def universe_site(tmp_path_factory):
    project = tmp_path_factory.mktemp("universe")
    write_universe(project)
    (project / "reportgen.toml").write_text(UNIVERSE_CONFIG)
    result = build(load_config(project / "reportgen.toml"), project / "site")
    return project, result


def _by_hand(project, weighting: str) -> float:
    """Daily rebalancing, fees 0: close t -> close t+1 earns sum_i w_{t,i} r_{t+1,i}."""
    prices = pd.read_csv(project / "universe_prices.csv", index_col="Date", parse_dates=True)
    long = pd.read_csv(project / "universe_predictions.csv", parse_dates=["date"])
    long["attention_max"] = long[[f"att_{k}" for k in range(4)]].max(axis=1)
    prediction = long.pivot(index="date", columns="asset", values="predictions")
    score = long.pivot(index="date", columns="asset", values="attention_max") if weighting == "attention" else prediction * 0 + 1
    close = prices.reindex(prediction.index)
    w = score.where(prediction > 0.5, 0.0)
    w = w.div(w.sum(axis=1), axis=0).fillna(0.0)
    return float((1 + (w.shift(1) * close.pct_change()).sum(axis=1)).prod() - 1)


@pytest.mark.parametrize("portfolio_id", ["equal", "attention"])
def test_total_return_matches_pandas_by_hand(universe_site, portfolio_id):
    project, result = universe_site
    document = json.loads((project / "site" / "metrics.json").read_text())
    expected = _by_hand(project, portfolio_id)
    assert abs(document["portfolios"][portfolio_id]["total_return"] - expected) < 1e-9
    (model, portfolio), = [(m, p) for m, p in result.portfolios if p.id == portfolio_id]
    assert abs(portfolio.contributions.sum() - expected) < 1e-9


def test_metrics_json_fields(universe_site):
    project, _ = universe_site
    document = json.loads((project / "site" / "metrics.json").read_text())
    assert "benchmark" not in document and "strategies" in document and document["strategies"] == {}
    attention = document["portfolios"]["attention"]
    for key in ("name", "model", "total_return", "cagr", "sharpe", "sortino", "max_drawdown", "turnover",
                "mean_holdings", "total_fees", "psr", "sharpe_ci"):
        assert key in attention, key
    test = attention["attention_test"]
    assert test["n_permutations"] == 50 and 0 < test["permutation_p_value"] <= 1 and test["verdict"]
    assert isinstance(test["exposure_matched_sharpe"], float)
    assert "attention_test" not in document["portfolios"]["equal"]
    model = document["models"]["uni"]
    assert model["assets"] == ["AAA", "BBB", "CCC", "DDD", "EEE"]
    assert model["benchmark"]["name"] == "Equal-weight buy & hold"
    cross = model["informativeness"]["cross_sectional"]
    assert set(cross) >= {"prediction", "attention_max"}
    assert cross["prediction"]["n_dates"] == 69  # 70 dates, the last has no next day
    assert cross["attention_mean"]["mean_ic"] is None  # constant 1/T: no ranks to correlate
    assert cross["attention_mean"]["quintile_spread"] is None and cross["attention_mean"]["undefined"] == "constant"
    assert attention["downloads"]["weights"] == "downloads/portfolios/attention/weights.csv"


def test_benchmark_is_an_equal_weight_buy_and_hold_from_the_first_prediction_date(universe_site):
    project, result = universe_site
    model = result.universe_models[0]
    prices = pd.read_csv(project / "universe_prices.csv", index_col="Date", parse_dates=True).reindex(model.dates)
    growth = (prices / prices.iloc[0]).mean(axis=1)
    np.testing.assert_allclose((1 + model.benchmark_returns).cumprod().to_numpy(), (growth / growth.iloc[0]).to_numpy(), rtol=1e-12)


def test_cross_sectional_ic_by_hand(universe_site):
    project, result = universe_site
    model = result.universe_models[0]
    forward = model.prices.shift(-1) / model.prices - 1
    date = model.dates[5]
    expected = model.prediction.loc[date].rank().corr(forward.loc[date].rank())
    assert model.cross_section.ic("prediction").daily.loc[date] == pytest.approx(expected, abs=1e-12)


def test_downloads_and_pages(universe_site):
    project, _ = universe_site
    site = project / "site"
    weights = pd.read_csv(site / "downloads/portfolios/equal/weights.csv")
    assert list(weights.columns) == ["date", "asset", "weight"] and (weights["weight"] > 0).all()
    day = weights.groupby("date")["weight"].sum()
    assert (day <= 1 + 1e-9).all()
    contributions = pd.read_csv(site / "downloads/portfolios/attention/contributions.csv")
    returns = pd.read_csv(site / "downloads/portfolios/attention/daily-returns.csv")
    assert contributions["contribution"].sum() == pytest.approx((1 + returns["return"]).prod() - 1, abs=1e-12)
    trades = pd.read_csv(site / "downloads/portfolios/attention/trades.csv")
    assert set(trades["side"]) == {"buy", "sell"} and (trades["fees"] == 0).all()
    for page in ("index.html", "universe/uni.html", "universe/uni-attention.html",
                 "portfolios/attention.html", "tearsheets/attention.html", "tearsheets/equal.html"):
        assert (site / page).is_file(), page
    text = (site / "portfolios/attention.html").read_text()
    assert "Does attention help allocate?" in text and "placebo p" in text


def _cli_build(project):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO), "REPORTGEN_CACHE_DIR": "off"}
    return subprocess.run([sys.executable, "-m", "reportgen", "build", "--config", "reportgen.toml"],
                          cwd=project, capture_output=True, text=True, env=env)


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda f: f.assign(asset=f["asset"].replace("CCC", "ZZZ")), "asset 'ZZZ' has no prices"),
        (lambda f: pd.concat([f, f.iloc[[20]]]).reset_index(drop=True), "asset 'AAA' on 2021-01-22 appears twice"),
        (lambda f: f.assign(att_0=f["att_0"].where(f.index != 33, f["att_0"] + 0.5)),
         "row 35, asset 'DDD' (2021-01-26), columns att_0 .. att_3: attention weights of a row must sum to 1"),
    ],
    ids=["asset without prices", "duplicate date-asset", "vector not summing to 1"],
)
def test_bad_universe_inputs_are_one_line_errors_and_nothing_is_written(universe_project, change, expected):
    path = universe_project / "universe_predictions.csv"
    change(pd.read_csv(path)).to_csv(path, index=False)
    result = _cli_build(universe_project)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and expected in last and "Traceback" not in result.stderr
    assert not (universe_project / "site").exists()


def test_weekly_capped_top_k_portfolio_of_inverse_volatility(universe_project):
    text = UNIVERSE_CONFIG + (
        '\n[[portfolios]]\nid = "ivol"\nname = "Inverse vol"\nmodel = "uni"\nweighting = "inverse_volatility"\n'
        'top_k = 2\nmax_weight = 0.4\nrebalance = "weekly"\nvol_window_days = 5\n'
    )
    (universe_project / "reportgen.toml").write_text(text)
    result = report(load_config(universe_project / "reportgen.toml"))
    (ivol,) = [p for _, p in result.portfolios if p.id == "ivol"]
    assert (ivol.target_weights.max(axis=1) <= 0.4 + 1e-12).all() and ((ivol.target_weights > 0).sum(axis=1) <= 2).all()
    orders_per_day = ivol.trades.groupby("date").size()
    assert all(d.weekday() == 0 or d == result.universe_models[0].dates[0] or d.isocalendar().week != (d - pd.Timedelta(days=1)).isocalendar().week
               for d in orders_per_day.index)  # orders only on the first trading day of a week
    assert ivol.attention_test is None


def test_portfolio_sharpe_is_of_returns_in_excess_of_the_risk_free_rate(universe_project):
    """[backtest] risk_free applies to portfolios as to strategies: the Sharpe is that of the
    daily returns minus (1 + r) ^ (1 / 252) - 1 on the share invested (the exposure at the
    previous close: cash earns the rate), computed here by hand from the daily returns."""
    config_path = universe_project / "reportgen.toml"
    config_path.write_text(UNIVERSE_CONFIG.replace("fees = 0.0", "fees = 0.0\nrisk_free = 0.02"))
    result = report(load_config(config_path))
    (model, portfolio), = [(m, p) for m, p in result.portfolios if p.id == "equal"]
    invested = portfolio.weights.sum(axis=1).shift(1).fillna(0.0)
    assert invested.iloc[0] == 0 and invested.max() > 0.5
    excess = portfolio.returns - ((1 + 0.02) ** (1 / 252) - 1) * invested
    by_hand = excess.mean() / excess.std(ddof=1) * np.sqrt(252)
    assert abs(portfolio.metrics["sharpe"] - by_hand) < 1e-9
    raw = portfolio.returns.mean() / portfolio.returns.std(ddof=1) * np.sqrt(252)
    assert abs(portfolio.metrics["sharpe"] - raw) > 1e-3  # the rate made a difference


def test_placebo_runs_do_not_depend_on_how_they_are_split(universe_site, monkeypatch):
    # Each placebo run is seeded from (seed, run number): split into 7 tasks (8 asked, none of a
    # single run) run in reverse order, or into 3 or 1 tasks, the null distribution is the same
    # to the last bit.
    from reportgen.compute import blocks

    project, result = universe_site
    (model, portfolio), = [(m, p) for m, p in result.portfolios if p.id == "attention"]
    null = portfolio.attention_test.null_sharpes
    assert len(null) == 50 and np.unique(null).size > 10  # the shuffles differ from each other
    from reportgen.compute import jobs
    from reportgen.evaluation import portfolio_placebo

    config = load_config(project / "reportgen.toml")
    calls = []
    reversed_order = in_reverse_order(calls)
    placebo_tasks = []

    def noting_placebo_tasks(function, tasks, shared, label="", imports=()):
        if function is jobs.job_output:  # the placebo runs share a map with the simulations and other tests
            placebo_tasks.append(sum(shared[t.job].function is portfolio_placebo.placebo_sharpes for t in tasks))
        return reversed_order(function, tasks, shared, label, imports)

    for tasks in (8, 3, 1):
        monkeypatch.setattr(blocks, "task_count", lambda runs, workers, tasks=tasks: tasks)
        again = report(config, map_tasks=noting_placebo_tasks)
        (_, twin), = [(m, p) for m, p in again.portfolios if p.id == "attention"]
        assert np.array_equal(twin.attention_test.null_sharpes, null), tasks
    assert placebo_tasks == [7, 3, 1]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_universe_site_is_identical_on_forked_workers(universe_site, tmp_path):
    from conftest import file_manifest

    project, result = universe_site
    command = [sys.executable, "-m", "reportgen", "build", "--config", "reportgen.toml", "--site-dir", str(tmp_path / "site")]
    env = {**os.environ, "REPORTGEN_CACHE_DIR": "off", "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([*command, "--scheduler", "processes", "--workers", "2"], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # the universe stages spread over the workers, in one map: a simulation a portfolio, 4 tasks
    # of cost and lag variants (2 a worker), 3 of the 50 placebo runs (blocks.task_count), a test
    # a factor; then the charts of the model and of each portfolio
    # (those the reader ranked while the build imported its libraries excepted)
    portfolios = len(result.universe_models[0].portfolios)
    factors = len(result.universe_models[0].cross_section.quintiles)
    lines = re.findall(
        rf"simulations of {portfolios} portfolios, cost and lag variants, placebo runs(?:, cross-sectional tests of (\d+) factors)?"
        r"(?: \((\d+) factors ranked as the inputs were read\))? \(2 forked worker processes\): (\d+)/(\d+) done", done.stderr,
    )
    assert lines, done.stderr
    mapped, ranked, finished, tasks = (int(group or 0) for group in lines[-1])
    assert mapped + ranked == factors and finished == tasks == portfolios + 4 + 3 + mapped
    assert f"charts (2 forked worker processes): {1 + portfolios}/{1 + portfolios} done" in done.stderr
    assert file_manifest(tmp_path / "site") == file_manifest(project / "site")


def test_factors_ranked_ahead_give_the_cross_section_the_map_gives(universe_project):
    # The reader ranks a universe's factors while the build imports (evaluation.stage.head_starts);
    # the evaluation tests those and ranks the rest: the figures are the same, to the last bit.
    from reportgen.evaluation import stage
    from reportgen.inputs.record import read_inputs
    from reportgen.analysis import attention
    from reportgen.pipeline import evaluation_settings

    config = load_config(universe_project / "reportgen.toml")
    inputs = read_inputs(config, attention.attention_scores)
    none, every = stage.head_starts(config.models, inputs, lambda: True), stage.head_starts(config.models, inputs, lambda: False)
    (model_id, started), = every.items()
    assert none[model_id].factors == {} and len(started.factors) >= 2
    calls = iter([False, True])  # the first factor ranked, then the imports end
    first = stage.head_starts(config.models, inputs, lambda: next(calls))[model_id]
    assert list(first.factors) == list(started.factors)[:1]
    sections = [
        stage.evaluated_models(evaluation_settings(config), config.models, inputs, ahead=ahead).universe_models[0].cross_section
        for ahead in (None, none, {model_id: first}, every)
    ]
    for section in sections[1:]:
        assert [ic.factor for ic in section.ics] == [ic.factor for ic in sections[0].ics]
        for ic, expected in zip(section.ics, sections[0].ics):
            assert np.array_equal([ic.mean_ic, ic.ic_ir, ic.p_value], [expected.mean_ic, expected.ic_ir, expected.p_value], equal_nan=True)
            assert (ic.n_dates, ic.lags, ic.undefined) == (expected.n_dates, expected.lags, expected.undefined)
            pd.testing.assert_series_equal(ic.daily, expected.daily)
        for name, table in section.quintiles.items():
            pd.testing.assert_frame_equal(table, sections[0].quintiles[name])


def test_the_reader_hands_over_frames_not_long_predictions_with_the_same_figures(universe_project):
    # A universe's long predictions and derived scores go into its head start's frames where
    # they are read (evaluation.stage.head_starts); the reader then hands over the frames alone
    # (303 MB against 178 MB at 500 assets x 20 years), and the figures are those of the full inputs.
    from reportgen import pipeline
    from reportgen.analysis import attention
    from reportgen.evaluation import stage
    from reportgen.inputs.record import read_inputs

    config = load_config(universe_project / "reportgen.toml")
    handed, ahead = pipeline._checked_inputs(config, lambda: True)
    (model_id, data), = handed.universe_models.items()
    assert data.predictions is None and data.derived is None and model_id in ahead
    full = read_inputs(config, attention.attention_scores)
    assert full.universe_models[model_id].predictions is not None
    settings = pipeline.evaluation_settings(config)
    from_handed = stage.evaluated_models(settings, config.models, handed, ahead=ahead).universe_models[0]
    from_full = stage.evaluated_models(settings, config.models, full).universe_models[0]
    assert [p.metrics for p in from_handed.portfolios] == [p.metrics for p in from_full.portfolios]
    pd.testing.assert_frame_equal(from_handed.prediction, from_full.prediction)
    pd.testing.assert_frame_equal(from_handed.attention_scores, from_full.attention_scores)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers are Linux only")
def test_factors_tested_beside_the_map_on_forked_workers_give_the_figures_of_the_map(universe_project, capfd):
    # With none ranked ahead (500 assets: the reader has no time to spare), forked workers test a
    # universe's factors in a process of their own, started while the build sets the portfolios
    # up; the map runs the rest. The figures are those of the tests run here, to the last bit.
    from reportgen.analysis import attention
    from reportgen.compute.shared_executor import SharedExecutor
    from reportgen.evaluation import stage
    from reportgen.inputs.record import read_inputs
    from reportgen.pipeline import evaluation_settings

    config = load_config(universe_project / "reportgen.toml")
    inputs, settings = read_inputs(config, attention.attention_scores), evaluation_settings(config)
    forked = SharedExecutor(2, "processes", 60.0)
    try:
        beside = stage.evaluated_models(settings, config.models, inputs, map_tasks=forked).universe_models[0]
    finally:
        forked.close()
    here = stage.evaluated_models(settings, config.models, inputs).universe_models[0]
    factors = len(here.cross_section.ics)
    assert factors >= 2 and f"placebo runs ({factors} factors tested beside them) (2 forked worker processes)" in capfd.readouterr().err
    assert [ic.factor for ic in beside.cross_section.ics] == [ic.factor for ic in here.cross_section.ics]
    for ic, expected in zip(beside.cross_section.ics, here.cross_section.ics):
        assert np.array_equal([ic.mean_ic, ic.ic_ir, ic.p_value], [expected.mean_ic, expected.ic_ir, expected.p_value], equal_nan=True)
        pd.testing.assert_series_equal(ic.daily, expected.daily)
    for name, table in beside.cross_section.quintiles.items():
        pd.testing.assert_frame_equal(table, here.cross_section.quintiles[name])
    assert [p.metrics for p in beside.portfolios] == [p.metrics for p in here.portfolios]


def test_a_failed_map_stops_the_factor_tests_beside_it(universe_project):
    # The build ends with the map's error; it does not wait for the process testing the factors.
    from reportgen.analysis import attention
    from reportgen.evaluation import stage
    from reportgen.inputs.record import read_inputs
    from reportgen.pipeline import evaluation_settings

    class Started:
        stopped = waited = False

        def stop(self):
            self.stopped = True

        def wait(self):
            self.waited = True

    class FailingWorkers:
        workers, imports_here = 2, True
        started = Started()

        def aside(self, work):
            return self.started

        def __call__(self, *args, **kwargs):
            raise RuntimeError("a worker was lost")

    config = load_config(universe_project / "reportgen.toml")
    inputs = read_inputs(config, attention.attention_scores)
    failing = FailingWorkers()
    with pytest.raises(RuntimeError, match="a worker was lost"):
        stage.evaluated_models(evaluation_settings(config), config.models, inputs, map_tasks=failing)
    assert failing.started.stopped and not failing.started.waited
