"""The sensitivity page's ready fields: one comparison across a model's strategies, each strategy's
detail (its fee table) to fold, the sweep and the episodes; decided here, placed by
sensitivity.md.j2. No chart library here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportgen.analysis.thresholds import CONFIDENT
from reportgen.publish import formats
from reportgen.publish.facts import identical_strategies
from reportgen.results import ModelResult, ModelRobustness, Report, StrategyResult


@dataclass(frozen=True)
class ComparisonRow:
    """One strategy in the comparison table (a strategy identical to an earlier one has none)."""

    id: str
    name: str
    twins: list[str]  # names of later strategies with the same daily returns, tabulated here
    sharpe: float
    sharpe_interval: tuple[float, float]
    psr: float
    psr_vs_benchmark: float
    sharpe_diff: float  # Sharpe minus buy & hold's
    diff_interval: tuple[float, float]
    verdict: str  # against buy & hold, beyond luck: "below", "above", "cannot tell", "never trades"
    cagr: float
    cagr_interval: tuple[float, float]
    max_drawdown: float
    max_drawdown_interval: tuple[float, float]
    skewness: float
    kurtosis: float
    total_return: float
    lagged_total_return: float  # filled execution_lag_days later, at the report's fee
    lagged_sharpe: float


@dataclass(frozen=True)
class CostRow:
    fees_bps: float
    report_fee: bool  # the report's own fee level
    total_return: float  # filled at the signal's close
    sharpe: float
    lagged_total_return: float  # filled execution_lag_days later
    lagged_sharpe: float
    total_fees: float


@dataclass(frozen=True)
class CostComparison:
    """A strategy's total return at each fee level (one row of the costs table) and its full table."""

    id: str
    name: str
    twins: list[str]
    total_returns: list[float]  # by fee level, filled at the signal's close
    lagged_total_return: float  # at the report's fee, filled later
    rows: list[CostRow]


@dataclass(frozen=True)
class SweepFacts:
    configurations: int
    thresholds: int
    threshold_low: float
    threshold_high: float
    attention_filters: int
    sizings: int
    scales: int
    overlay_grid: str
    never_trading: int
    trials: int
    extra_trials: int
    best: str  # the best configuration's rules in words, "" when none trades
    best_sharpe: float
    best_cagr: float
    best_max_drawdown: float
    best_trades: int
    spread_annualised: float  # standard deviation of the trials' Sharpe ratios, annualised
    expected_max_annualised: float  # the best Sharpe N unskilled trials would show, annualised
    deflated_sharpe: float
    deflated_verdict: str
    placements: list[tuple[str, str]]  # (strategy name, where it sits on the grid or why it is not on it)
    summary: str  # the sweep in one sentence (the overview's)


@dataclass(frozen=True)
class EpisodeRow:
    name: str
    dates: str
    partial: bool
    benchmark_return: float
    returns: list[float]  # by shown strategy
    description: str


@dataclass(frozen=True)
class SensitivityModel:
    id: str
    name: str
    level: str  # the intervals' coverage, "95 %"
    rows: list[ComparisonRow]
    identical: list[str]  # "X is identical to Y (same trades): tabulated once."
    benchmark: ComparisonRow  # buy & hold (no difference to itself, no verdict)
    benchmark_sharpe_per_period: float
    observations: int
    resamples: int
    block_days: float
    percentiles: tuple[str, str]  # the interval's percentiles, ("2.5th", "97.5th")
    seed: int
    fee_levels: list[tuple[float, bool]]  # (basis points, whether it is the report's fee)
    report_fee_bps: float
    lag_shift: str  # "1 trading day", "2 trading days"
    fee_range: str  # "0 bp to 50 bp"
    lag_later: str  # "a day later", "2 days later"
    lag_label: str  # "at the next close", "2 closes later"
    variants: int  # cost and lag variants simulated
    costs: list[CostComparison]
    never_trading: str  # the sentence on strategies that never trade (fees change nothing), or ""
    degenerate_attention: str  # why the attention score carries no information, or ""
    ablations: list[tuple[str, str, str]]  # (strategy id, name, sentence) of strategies with overlays
    sweep: SweepFacts | None
    episodes: list[EpisodeRow]
    episode_names: list[str]  # column heads: the shown strategies' short names


def verdict_against_benchmark(diff_interval: tuple[float, float], defined: bool) -> str:
    """Whether a Sharpe ratio differs from buy & hold's by more than luck explains."""
    low, high = diff_interval
    if not defined:
        return "never trades"
    if not math.isnan(high) and high < 0:
        return "below"
    if not math.isnan(low) and low > 0:
        return "above"
    return "cannot tell"


def lag_label(lag_days: int) -> str:
    return "at the next close" if lag_days == 1 else f"{lag_days} closes later"


def never_trading_sentence(names: list[str]) -> str:
    """Why strategies that never trade have no row in the costs table ("" when there are none)."""
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} never trades: its return is 0 at every fee and fill, so it is left out."
    return f"{', '.join(names)} never trade: their return is 0 at every fee and fill, so they are left out."


def _percentile(share: float) -> str:
    return f"{formats.setting(round(share * 100, 4))}th"


def _comparison_row(robust: ModelRobustness, model: ModelResult, s: StrategyResult, twins: list[str], fees_bps: float) -> ComparisonRow:
    st = robust.statistics[s.id]
    lagged = robust.cost_row(s.id, robust.execution_lag_days, fees_bps)
    sharpe = s.metrics["sharpe"]
    return ComparisonRow(
        id=s.id, name=s.config.name, twins=twins, sharpe=sharpe, sharpe_interval=st.intervals["sharpe"], psr=st.psr,
        psr_vs_benchmark=st.psr_vs_benchmark, sharpe_diff=sharpe - model.benchmark_metrics["sharpe"],
        diff_interval=st.intervals["sharpe_diff"], verdict=verdict_against_benchmark(st.intervals["sharpe_diff"], not math.isnan(sharpe)),
        cagr=s.metrics["cagr"], cagr_interval=st.intervals["cagr"], max_drawdown=s.metrics["max_drawdown"],
        max_drawdown_interval=st.intervals["max_drawdown"], skewness=st.skewness, kurtosis=st.kurtosis,
        total_return=s.metrics["total_return"], lagged_total_return=float(lagged.total_return) if lagged is not None else math.nan,
        lagged_sharpe=float(lagged.sharpe) if lagged is not None else math.nan,
    )


def _costs(robust: ModelRobustness, s: StrategyResult, twins: list[str], report_fee_bps: float) -> CostComparison:
    rows = []
    for bps in robust.fees_bps:
        base, late = robust.cost_row(s.id, 0, bps), robust.cost_row(s.id, robust.execution_lag_days, bps)
        rows.append(CostRow(bps, abs(bps - report_fee_bps) < 1e-9, float(base.total_return), float(base.sharpe),
                            float(late.total_return), float(late.sharpe), float(base.total_fees)))
    lagged = robust.cost_row(s.id, robust.execution_lag_days, report_fee_bps)
    return CostComparison(s.id, s.config.name, twins, [r.total_return for r in rows],
                          float(lagged.total_return) if lagged is not None else math.nan, rows)


def _sweep(robust: ModelRobustness, model: ModelResult, periods_per_year: int) -> SweepFacts | None:
    sw = robust.sweep
    if sw is None:
        return None
    t = sw.table
    best = int(sw.best)
    scale = math.sqrt(periods_per_year)
    if best >= 0:
        quantile = float(t.attention_quantile[best])
        filtered = "no attention filter" if quantile == 0 else f"attention ≥ q{formats.setting(round(quantile * 100, 4))}"
        rules = f"threshold {formats.setting(t.threshold[best])}, {filtered}, size {t.sizing[best]} × {formats.setting(t.size_scale[best])}"
    placements = [
        (s.config.name, f"on the grid (marked): its Sharpe ratio is above that of {formats.probability(sw.share_below(sw.configured[s.id]))} of the configurations")
        if s.id in sw.configured else (s.config.name, f"not on the grid: it uses {sw.off_grid[s.id]}")
        for s in model.strategies if s.id in sw.configured or s.id in sw.off_grid
    ]
    confident = sw.deflated_sharpe >= CONFIDENT
    return SweepFacts(
        configurations=len(t), thresholds=int(t.threshold.nunique()), threshold_low=float(t.threshold.min()),
        threshold_high=float(t.threshold.max()), attention_filters=int(t.attention_quantile.nunique()), sizings=int(t.sizing.nunique()),
        scales=int(t.size_scale.nunique()), overlay_grid=sw.overlay_grid, never_trading=sw.never_trading, trials=sw.n_trials,
        extra_trials=sw.n_extra_trials, best=rules if best >= 0 else "",
        best_sharpe=float(t.sharpe[best]) if best >= 0 else math.nan, best_cagr=float(t.cagr[best]) if best >= 0 else math.nan,
        best_max_drawdown=float(t.max_drawdown[best]) if best >= 0 else math.nan, best_trades=int(t.total_trades[best]) if best >= 0 else 0,
        spread_annualised=math.sqrt(sw.sharpe_variance) * scale, expected_max_annualised=sw.expected_max_sharpe * scale,
        deflated_sharpe=sw.deflated_sharpe,
        deflated_verdict=(
            "distinguishable from the best of that many tries by luck alone" if confident
            else f"below {formats.probability(CONFIDENT)}: not distinguishable from the best of that many tries by luck alone"
        ),
        placements=placements,
        summary=(
            f"Of {formats.count(len(t))} configurations swept, the best has a Sharpe ratio of {formats.ratio(t.sharpe[best])} "
            f"(threshold {formats.setting(t.threshold[best])}); its deflated Sharpe ratio, which accounts for the "
            f"{formats.count(sw.n_trials)} distinct variants tried, is {formats.probability(sw.deflated_sharpe)}"
            + ("." if confident else ": not distinguishable from the luck of the search.")
            if best >= 0 else ""
        ),
    )


def sensitivity_model(report: Report, model: ModelResult) -> SensitivityModel:
    """The sensitivity section of one model (which has robustness results)."""
    robust, bench = model.robustness, model.robustness.benchmark_statistics
    same = identical_strategies(model.strategies)
    shown = [s for s in model.strategies if s.id not in same]
    twins = {s.id: [t.config.name for t in model.strategies if same.get(t.id) == s.id] for s in shown}
    by_id = {s.id: s for s in model.strategies}
    tail = (1 - robust.confidence) / 2
    trading = [s for s in shown if s.total_trades > 0]
    return SensitivityModel(
        id=model.id, name=model.config.name, level=formats.probability(robust.confidence),
        rows=[_comparison_row(robust, model, s, twins[s.id], report.fees_bps) for s in shown],
        identical=[f"{s.config.name} is identical to {by_id[same[s.id]].config.name} (same trades): tabulated once."
                   for s in model.strategies if s.id in same],
        benchmark=ComparisonRow(
            id="", name="Buy & hold", twins=[], sharpe=model.benchmark_metrics["sharpe"], sharpe_interval=bench.intervals["sharpe"],
            psr=bench.psr, psr_vs_benchmark=math.nan, sharpe_diff=math.nan, diff_interval=(math.nan, math.nan), verdict="",
            cagr=model.benchmark_metrics["cagr"], cagr_interval=bench.intervals["cagr"], max_drawdown=model.benchmark_metrics["max_drawdown"],
            max_drawdown_interval=bench.intervals["max_drawdown"], skewness=bench.skewness, kurtosis=bench.kurtosis,
            total_return=model.benchmark_metrics["total_return"], lagged_total_return=math.nan, lagged_sharpe=math.nan,
        ),
        benchmark_sharpe_per_period=bench.sharpe_per_period,
        observations=bench.n_observations, resamples=robust.resamples, block_days=robust.block_days,
        percentiles=(_percentile(tail), _percentile(1 - tail)), seed=robust.seed,
        fee_levels=[(bps, abs(bps - report.fees_bps) < 1e-9) for bps in robust.fees_bps], report_fee_bps=report.fees_bps,
        lag_shift=f"{robust.execution_lag_days} trading day{'' if robust.execution_lag_days == 1 else 's'}",
        lag_label=lag_label(robust.execution_lag_days),
        lag_later="a day later" if robust.execution_lag_days == 1 else f"{robust.execution_lag_days} days later",
        fee_range=f"{formats.basis_points(min(robust.fees_bps))} to {formats.basis_points(max(robust.fees_bps))}",
        variants=len(robust.fees_bps) * 2 * len(model.strategies),
        costs=[_costs(robust, s, twins[s.id], report.fees_bps) for s in trading],
        never_trading=never_trading_sentence([s.config.name for s in shown if s.total_trades == 0]),
        degenerate_attention=model.attention.reason if model.attention.degenerate else "",
        ablations=[(s.id, s.config.name, robust.ablation_sentences[s.id]) for s in shown if s.id in robust.ablations],
        sweep=_sweep(robust, model, report.periods_per_year),
        episodes=[
            EpisodeRow(e.name, f"{e.first.date()} to {e.last.date()}", bool(e.clipped), float(robust.benchmark_episode_returns[e.name]),
                       [float(robust.episode_returns[s.id][e.name]) for s in shown], f"{e.description} ({e.start.date()} to {e.end.date()})")
            for e in robust.episodes.itertuples()
        ],
        episode_names=[s.config.short_name for s in shown],
    )


def sensitivity_models(report: Report) -> list[SensitivityModel]:
    return [sensitivity_model(report, m) for m in report.models if m.robustness is not None]
