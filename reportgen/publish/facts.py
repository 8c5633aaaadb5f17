"""Ready fields for the page templates, decided in Python where tests see them.

Templates place these values; they do not compare, convert or re-annualise. One small dataclass
per page that needs more than the results themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportgen.analysis import thresholds
from reportgen.publish.series import identical_groups
from reportgen.results import ModelResult, Report, StrategyResult


@dataclass(frozen=True)
class ReproducedFigure:
    """One row of "Does it reproduce ...?": the reference's figure against ours."""

    label: str
    kind: str  # how both are printed: a kind of reportgen.publish.formats ("count", "percent", "ratio", "money")
    reference: float
    computed: float
    matches: bool
    own: tuple[str, float] | None = None  # this report's figure of the same name by its own definition: (label, value)


@dataclass(frozen=True)
class StrategyPage:
    reproduced: list[ReproducedFigure]  # empty without [strategies.reference]
    vectorbt_days_per_year: int
    annualisation_ratio: float  # sqrt(vectorbt_days_per_year / periods_per_year)
    mean_requested_size: float  # mean size on the days a position is asked for (NaN if none)
    attention_max: float  # the model's largest attention score over the report's dates


def _figure(label: str, kind: str, reference, computed: float, own: tuple[str, float] | None = None) -> list[ReproducedFigure]:
    if reference is None:
        return []
    matches = reference == computed if kind == "count" else abs(reference - computed) < thresholds.MATCH_TOLERANCE
    return [ReproducedFigure(label, kind, reference, computed, bool(matches), own)]


def reproduced_figures(strategy: StrategyResult, periods_per_year: int) -> list[ReproducedFigure]:
    r = strategy.config.reference
    if r is None:
        return []
    return [
        *_figure("Total trades", "count", r.total_trades, strategy.total_trades),
        *_figure("Total return", "percent", r.total_return, strategy.metrics["total_return"]),
        *_figure(
            "Max drawdown, peak from the first close (vectorbt)", "percent", r.max_drawdown, strategy.max_drawdown_from_first_close,
            ("Max drawdown, peak from the starting capital (this report)", strategy.metrics["max_drawdown"]),
        ),
        *_figure(
            f"Sharpe, annualised with {thresholds.VECTORBT_DAYS_PER_YEAR} days (vectorbt's default)", "ratio", r.sharpe_365,
            strategy.sharpe_vectorbt_default,
            (f"Sharpe, annualised with {periods_per_year} periods (this report)", strategy.metrics["sharpe"]),
        ),
        *_figure("Total fees paid", "money", r.total_fees, strategy.total_fees),
    ]


def strategy_page(report: Report, model: ModelResult, strategy: StrategyResult) -> StrategyPage:
    requested = strategy.size[strategy.size > 0]
    return StrategyPage(
        reproduced=reproduced_figures(strategy, report.periods_per_year),
        vectorbt_days_per_year=thresholds.VECTORBT_DAYS_PER_YEAR,
        annualisation_ratio=math.sqrt(thresholds.VECTORBT_DAYS_PER_YEAR / report.periods_per_year),
        mean_requested_size=float(requested.mean()) if len(requested) else math.nan,
        attention_max=float(model.output["attention"].max()),
    )


def identical_strategies(strategies: list[StrategyResult]) -> dict[str, str]:
    """Strategy id -> the id of the first earlier strategy with the same daily returns (the same
    trades), decided by series.identical_groups as the charts decide it: tables list such a
    strategy once and name its twin."""
    groups = identical_groups({s.id: s.returns for s in strategies})
    return {twin: group[0] for group in groups for twin in group[1:]}
