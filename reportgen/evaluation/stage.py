"""The evaluation stage as one call: every model of the report evaluated from the checked inputs.

    inputs (reportgen.inputs.record) -> single-asset models: one task each, plus one per attention
      test and quantstats table (evaluation.strategies) -> universe models (evaluation.universe_models)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportgen.compute.local import in_process
from reportgen.evaluation import engine, strategies
from reportgen.evaluation.universe_models import universe_model_result
from reportgen.inputs.config import ModelConfig
from reportgen.inputs.record import Inputs
from reportgen.results import ModelResult, UniverseModelResult

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Evaluated:
    models: list[ModelResult]  # single-asset models, in the config's order
    universe_models: list[UniverseModelResult]


def evaluated_models(
    settings: engine.Settings, models: list[ModelConfig], inputs: Inputs, progress: Progress = lambda stage: None,
    map_tasks: engine.MapTasks = in_process,
) -> Evaluated:
    """Every figure of every model in `models` (those in `inputs.universe_models` are universe
    models); the heavy work is tasks of `map_tasks`."""
    single = [m for m in models if m.id in inputs.models]
    evaluated = []
    if single:
        progress("backtesting " + ", ".join(f"model {m.id}" for m in single) + ": strategies, attention tests, costs, lag, sweep, bootstrap")
        read = {m.id: strategies.model_inputs(settings, m, inputs.models[m.id]) for m in single}
        tasks = strategies.model_stage_tasks(settings, single, {m: len(r.price) for m, r in read.items()})
        outputs = map_tasks(strategies.model_stage_task, tasks, (settings, read, inputs.episodes), "models", imports=strategies.TASK_IMPORTS)
        evaluated = strategies.assembled_models(tasks, outputs, single)
    universe = []
    for model in (m for m in models if m.id in inputs.universe_models):
        progress(f"backtesting the portfolios of universe model {model.id}: variants, placebos, bootstrap")
        universe.append(universe_model_result(
            settings, model, inputs.universe_prices, inputs.universe_models[model.id], inputs.episodes, map_tasks,
        ))
    return Evaluated(evaluated, universe)
