"""The evaluation stage as one call: every model of the report evaluated from the checked inputs.

    inputs (reportgen.inputs.record) -> single-asset models: one task each, plus one per attention
      test and quantstats table (evaluation.strategies) -> universe models (evaluation.universe_models)
    head_starts: what a universe model's evaluation computes from its inputs alone, made where
      they were read (reportgen.pipeline)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportgen.compute.local import in_process
from reportgen.evaluation import engine, strategies
from reportgen.evaluation.cross_section import factor_ranks
from reportgen.evaluation.universe_models import HeadStart, factor_job, frames, universe_model_result
from reportgen.inputs.config import ModelConfig
from reportgen.inputs.record import Inputs
from reportgen.results import ModelResult, UniverseModelResult

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Evaluated:
    models: list[ModelResult]  # single-asset models, in the config's order
    universe_models: list[UniverseModelResult]


# Past this many (dates x assets) cells, a factor's ranks take longer than a head start can gain:
# 0.15-0.18 s a factor at 100 assets x 30 years (0.76 million cells), 0.7 s at 500 x 20 (2.5 million),
# whose inputs take as long to read as the build's imports (about 3 s): ranking a factor when the
# imports are about to end would hold the build back for most of that.
HEAD_START_CELLS = 1_000_000


def head_starts(models: list[ModelConfig], inputs: Inputs, until: Callable[[], bool]) -> dict[str, HeadStart]:
    """Each universe model's frames, by id, then the ranks of its factors one at a time until
    `until()` (below HEAD_START_CELLS; the evaluation ranks the others)."""
    started = {}
    for m in (m for m in models if m.id in inputs.universe_models):
        wide = frames(inputs.universe_prices, inputs.universe_models[m.id], m.attention_column)
        job, ranked = factor_job(wide), {}
        for name in job.tasks if wide.close.size <= HEAD_START_CELLS else ():
            if until():
                break
            ranked[name] = factor_ranks(job.shared, name)
        started[m.id] = HeadStart(wide, job, ranked)
    return started


def evaluated_models(
    settings: engine.Settings, models: list[ModelConfig], inputs: Inputs, progress: Progress = lambda stage: None,
    map_tasks: engine.MapTasks = in_process, ahead: dict[str, HeadStart] | None = None,
) -> Evaluated:
    """Every figure of every model in `models` (those in `inputs.universe_models` are universe
    models); the heavy work is tasks of `map_tasks`. `ahead`: head_starts, when made already."""
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
            settings, model, inputs.universe_prices, inputs.universe_models[model.id], inputs.episodes, map_tasks, (ahead or {}).get(model.id),
        ))
    return Evaluated(evaluated, universe)
