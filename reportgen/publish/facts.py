"""Ready fields for the page templates, decided in Python where tests see them.

Templates place these values; they do not compare, convert or re-annualise. One small dataclass
per page that needs more than the results themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportgen.analysis import thresholds
from reportgen.publish import formats
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
    # vectorbt's Sharpe over this report's is annualisation_ratio only without a risk-free rate:
    # vectorbt's is of the raw returns, this report's of the excess returns
    annualisation_only: bool
    mean_requested_size: float  # mean size on the days a position is asked for (NaN if none)
    attention_max: float  # the model's largest attention score over the report's dates
    threshold_never_reached: bool  # an attention filter above every attention score: why it never trades
    closed_trades: int
    price_mean: float  # the asset's mean price over the report's dates
    has_raw_rolling_sharpe: bool  # the rolling Sharpe is defined somewhere (the returns change)
    lagged: tuple[float, float] | None  # total return and Sharpe filled execution_lag_days later, if run
    lag_shift: str  # "1 trading day"
    quantstats_rows: list[tuple[str, str, str]]  # quantstats' own table: metric, strategy, buy & hold


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
    robust = model.robustness
    lagged = robust.cost_row(strategy.id, robust.execution_lag_days, report.fees_bps) if robust is not None else None
    threshold = strategy.config.attention_threshold
    attention_max = float(model.output["attention"].max())
    table = strategy.quantstats_table
    return StrategyPage(
        reproduced=reproduced_figures(strategy, report.periods_per_year),
        vectorbt_days_per_year=thresholds.VECTORBT_DAYS_PER_YEAR,
        annualisation_ratio=math.sqrt(thresholds.VECTORBT_DAYS_PER_YEAR / report.periods_per_year),
        annualisation_only=report.risk_free_rate == 0.0,
        mean_requested_size=float(requested.mean()) if len(requested) else math.nan,
        attention_max=attention_max,
        threshold_never_reached=threshold is not None and attention_max <= threshold,
        closed_trades=strategy.total_trades - strategy.open_trades,
        price_mean=float(model.price.mean()),
        has_raw_rolling_sharpe=bool(strategy.rolling_sharpe["raw"].notna().any()),
        lagged=(float(lagged.total_return), float(lagged.sharpe)) if lagged is not None else None,
        lag_shift=formats.count_of(robust.execution_lag_days, "trading day") if robust is not None else "",
        quantstats_rows=[(str(m), str(row["Strategy"]), str(row["Benchmark"])) for m, row in table.iterrows()] if table is not None else [],
    )


def identical_strategies(strategies: list[StrategyResult]) -> dict[str, str]:
    """Strategy id -> the id of the first earlier strategy with the same daily returns (the same
    trades), decided by series.identical_groups as the charts decide it: tables list such a
    strategy once and name its twin."""
    groups = identical_groups({s.id: s.returns for s in strategies})
    return {twin: group[0] for group in groups for twin in group[1:]}


def shown_strategies(strategies: list[StrategyResult]) -> list[tuple[StrategyResult, list[str]]]:
    """The strategies a table lists, each with the names of the later strategies identical to it
    (listed on its row instead of a row of their own)."""
    same = identical_strategies(strategies)
    return [(s, [t.config.name for t in strategies if same.get(t.id) == s.id]) for s in strategies if s.id not in same]


@dataclass(frozen=True)
class TrainingPage:
    """What a model's training page decides: how often and whether the model beats always up."""

    folds_scored: int  # folds with a known outcome
    folds_better: int  # of those, folds where the model's log loss is below always up's
    pooled_better: bool  # the pooled log loss is below always up's
    input_digest: str  # the first characters of the input's sha256, as shown
    window: str  # "a rolling window of the last 500 days" or "an expanding window"
    pooling: str  # ", each time one model on the samples of all 20 assets pooled" for a universe model, else ""


def training_page(training) -> TrainingPage:
    """`training`: a model's Provenance (the sidecar of `reportgen train`)."""
    scored = [f for f in training.folds if f.scores]
    overall = training.overall
    return TrainingPage(
        folds_scored=len(scored),
        folds_better=sum(1 for f in scored if f.scores.model.log_loss < f.scores.always_up.log_loss),
        pooled_better=bool(overall) and overall.model.log_loss < overall.always_up.log_loss,
        input_digest=training.input.sha256[:16] + "…",
        window=(f"a rolling window of the last {formats.count_of(training.training['window_days'], 'day')}"
                if training.training.get("window_days") else "an expanding window"),
        pooling=f", each time one model on the samples of all {len(training.assets)} assets pooled" if getattr(training, "assets", None) else "",
    )
