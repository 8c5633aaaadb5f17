import numpy as np
import pandas as pd
import pytest

from reportgen.publish import charts, static_svg
from reportgen.publish.views import MAX_HEATMAP_CELLS, constant_value, distribution_chart, histogram, lag_cells


def weights(days: int, steps: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    raw = rng.uniform(size=(days, steps))
    return pd.DataFrame(raw / raw.sum(axis=1, keepdims=True), index=pd.bdate_range("2020-01-01", periods=days))


def test_lag_cells_are_daily_while_small_and_reach_the_next_date():
    cells, resolution = lag_cells(weights(30, 5))
    assert resolution == "daily" and len(cells) == 150
    lag0 = cells[cells["lag"] == 0].reset_index(drop=True)
    assert (lag0["date_end"].iloc[:-1].to_numpy() == lag0["date"].iloc[1:].to_numpy()).all()  # no weekend gaps
    assert cells.groupby("date")["weight"].sum().to_numpy() == pytest.approx(np.ones(30))


def test_lag_cells_are_thinned_to_weekly_then_monthly_means():
    frame = weights(746, 28)  # 20,888 daily cells
    cells, resolution = lag_cells(frame)
    assert resolution == "weekly mean" and len(cells) <= MAX_HEATMAP_CELLS
    first_week = frame.loc[: "2020-01-05"].mean()  # Wed 1 .. Fri 3 January 2020
    assert cells[(cells["date"] == "2019-12-30")].sort_values("lag")["weight"].to_numpy() == pytest.approx(first_week.to_numpy())
    cells, resolution = lag_cells(weights(2000, 28))
    assert resolution == "monthly mean" and len(cells) <= MAX_HEATMAP_CELLS
    assert ((cells["date_end"] - cells["date"]).dt.days >= 28).all()


def test_histogram_counts_every_value():
    counts = histogram(np.array([0.0, 0.1, 0.2, 0.9, np.nan]), bins=3)
    assert counts["count"].to_list() == [3, 0, 1] and counts["bin_start"].iloc[0] == 0.0


def test_a_nearly_constant_score_is_one_labelled_bar_with_a_sentence():
    values = np.array([1 / 7 + 1e-9, 1 / 7 - 1e-9] * 10 + [np.nan])
    assert constant_value(values) == pytest.approx(1 / 7) and constant_value(np.array([0.1, 0.2])) is None
    spec = charts.chart_spec(distribution_chart(values, "attention_mean", ".3~g", "days", kind="setting"))
    rows = next(iter(spec["datasets"].values()))
    assert rows == [{"value": "0.142857", "count": 20}]  # one bar, named by its value (a band axis: one tick)
    assert spec["layer"][0]["encoding"]["x"]["type"] == "nominal"
    assert spec["title"]["text"] == "All 20 days are 0.142857 (equal up to float noise): nothing to spread over."
    svg = static_svg.chart_svg(spec)
    assert svg.count(">0.142857</text>") == 1 and ">20</text>" in svg and "All 20 days are 0.142857" in svg
    markers = pd.DataFrame({"value": [0.5, 0.25], "label": ["exposure-matched constant size", "this strategy"]})
    placebo = charts.chart_spec(distribution_chart(np.full(50, 0.3), "Sharpe", ".3~f", "runs", markers))
    # Sharpe ratios read as ratios, as in every table: two decimals
    assert placebo["title"]["text"] == (
        "All 50 runs are 0.30 (equal up to float noise): nothing to spread over. exposure-matched constant size: 0.50; this strategy: 0.25."
    )


def test_chart_tasks_draw_each_chart_once_the_model_first(tiny_project):
    # The chart stage's tasks: each model's own charts, then one task per strategy; no chart id
    # comes from two tasks, and a strategy's charts come from its own task.
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import report
    from reportgen.publish.chart_tasks import ChartTask, chart_tasks, task_specs as chart_task_specs

    result = report(load_config(tiny_project / "reportgen.toml"))
    tasks = chart_tasks(result)
    [model] = result.models
    assert tasks == [ChartTask(model.id)] + [ChartTask(model.id, s.id) for s in model.strategies]
    drawn = [chart_task_specs(result, task) for task in tasks]
    ids = [chart_id for specs in drawn for chart_id in specs]
    assert len(ids) == len(set(ids))
    for task, specs in zip(tasks[1:], drawn[1:]):
        assert f"{task.part_id}-equity" in specs and all(chart_id.startswith(task.part_id) for chart_id in specs)
    assert f"{model.id}-equity-all" in drawn[0]


def test_a_tasks_specs_carry_their_json_text_made_once_and_kept_through_pickling(tiny_project):
    # The pages, the tearsheets and the static charts' cache keys use the text the task made: it
    # is the spec's own JSON (keys sorted, compact), and it travels with the spec to the build.
    import json
    import pickle

    from reportgen.inputs.config import load_config
    from reportgen.pipeline import report
    from reportgen.publish.chart_tasks import ChartSpec, chart_tasks, spec_text, task_specs

    result = report(load_config(tiny_project / "reportgen.toml"))
    specs = task_specs(result, chart_tasks(result)[0])
    chart_id, spec = next(iter(specs.items()))
    assert isinstance(spec, ChartSpec) and spec["datasets"]
    plain = json.dumps(dict(spec), separators=(",", ":"), sort_keys=True, allow_nan=False)
    assert spec.text == plain and spec_text(spec) == plain and spec_text(dict(spec)) == plain
    received = pickle.loads(pickle.dumps(specs))[chart_id]
    assert received == spec and received.text == plain
    with pytest.raises(ValueError):
        ChartSpec({"data": {"values": [{"y": float("nan")}]}})  # no NaN reaches a page
