"""The chart stage's tasks, named without Altair: the build process lists them, and only the
processes that draw them import Altair (0.4 s and about 60 MB), so the build never holds it
while its workers draw static charts.

    chart_tasks(report)        each model's own charts, then each strategy's and portfolio's
    task_specs(report, task)   one task's Vega-Lite specs by chart id (views.chart_task_specs)
    spec_text(spec)            a spec's JSON text (keys sorted, compact): made once, by the task
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from reportgen.results import Report

# What task_specs imports: forked workers import it once, in their leader (compute.executor).
TASK_IMPORTS = ("reportgen.publish.views", "reportgen.publish.universe_views")


@dataclass(frozen=True)
class ChartTask:
    """One task of the chart stage: a model's own charts (`part_id` None), or the charts of one
    of its strategies (a single-asset model) or portfolios (a universe model)."""

    model_id: str
    part_id: str | None = None
    universe: bool = False

    @property
    def id(self) -> str:  # progress lines name the task
        return self.model_id if self.part_id is None else f"{self.model_id}: {self.part_id}"


class ChartSpec(dict):
    """A Vega-Lite spec with its JSON text, made where the spec is made (a chart task, on a
    worker). The pages and the tearsheets place that text and the static charts' cache keys hash
    it: each spec was serialised three times, twice in the build process while a core waited
    (0.5 s of the bundled report). Never changed once made (the text would no longer match)."""

    def __init__(self, spec: dict) -> None:
        super().__init__(spec)
        self.text = json.dumps(self, separators=(",", ":"), sort_keys=True, allow_nan=False)


def spec_text(spec: dict) -> str:
    """The JSON text of `spec`, keys sorted and compact: its own for a ChartSpec."""
    text = getattr(spec, "text", None)
    return text if text is not None else json.dumps(spec, separators=(",", ":"), sort_keys=True, allow_nan=False)


def chart_tasks(report: Report) -> list[ChartTask]:
    """Each single-asset model's own charts (the longest tasks, first), then each strategy's;
    then each universe model's and its portfolios'."""
    return (
        [ChartTask(m.id) for m in report.models]
        + [ChartTask(m.id, s.id) for m in report.models for s in m.strategies]
        + [ChartTask(m.id, universe=True) for m in report.universe_models]
        + [ChartTask(m.id, p.id, universe=True) for m in report.universe_models for p in m.portfolios]
    )


def task_specs(report: Report, task: ChartTask) -> dict[str, ChartSpec]:
    """The charts of one task as Vega-Lite specs by chart id, each with its JSON text: one task
    of a build (shared = the report), run here or on a worker."""
    from reportgen.publish import charts, universe_views, views
    from reportgen.publish.series import series_registry

    if task.universe:
        specs = {} if task.part_id is not None else views.universe_model_chart_specs(report, task.model_id)  # training
        specs.update(universe_views.universe_task_specs(report, task.model_id, task.part_id))
    else:
        with charts.series_styles(series_registry(report)):
            specs = views.chart_task_specs(report, task.model_id, task.part_id)
    return {chart_id: ChartSpec(spec) for chart_id, spec in specs.items()}
