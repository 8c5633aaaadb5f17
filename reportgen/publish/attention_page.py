"""The attention page's ready fields, per single-asset model: what varies, what the scores and
the prediction say about the next day, and one comparison of the attention tests across
strategies; decided here, placed by attention.md.j2. No chart library here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reportgen.analysis.thresholds import SIGNIFICANCE
from reportgen.publish import formats
from reportgen.results import ModelResult, Report

EVEN_SPREAD = 1.5  # a largest weight below this many times 1/T is "almost even" attention
NULL_BAND = (0.05, 0.5, 0.95)  # quantiles of the placebo Sharpe ratios shown: low, median, high


@dataclass(frozen=True)
class ScoreRow:
    name: str
    used: bool
    mean: float
    std: float
    low: float
    high: float
    degenerate: bool


@dataclass(frozen=True)
class FactorReading:
    factor: str
    ic: float  # NaN when undefined
    p_value: float
    days: int
    reading: str  # what the IC says, in words


@dataclass(frozen=True)
class TestRow:
    """One strategy's attention tests: against its exposure-matched control and its placebo."""

    id: str
    name: str
    use: str  # "attention sizing", "attention filter", ...
    exposure_in_market: float
    sharpe: float
    control_size: float
    control_sharpe: float
    placebo: tuple[float, float, float]  # 5 %, median, 95 % of the placebo Sharpe ratios
    p_value: float
    verdict: str
    placebo_chart: bool  # the shuffles differ: their histogram is drawn (else a sentence says why not)


@dataclass(frozen=True)
class AttentionModel:
    id: str
    name: str
    column: str
    steps: int | None
    degenerate_reason: str  # "" when the score varies
    vector_missing: bool  # no attention vector in the predictions: the derived scores cannot be made
    has_weights: bool
    largest_weight: str  # the sentence on how concentrated the weights are, "" without a vector
    scores: list[ScoreRow]
    distribution: str  # the score whose distribution is drawn (the one used), "" when it is constant (the table says so)
    factors: list[FactorReading]
    brier: float
    brier_base_rate: float
    auc: float
    accuracy: float
    always_up_accuracy: float
    calibration_days: int
    calibration_sentence: str  # "" when no day has a known outcome
    tests: list[TestRow]
    permutations: int
    seed: int
    flat_placebos: str  # why some strategies show no placebo chart, or ""


def reading(ic) -> str:
    """What a rank IC says, in words."""
    if ic.undefined == "constant":
        return "undefined: constant (a score that never changes cannot rank days)"
    if ic.undefined:
        return f"undefined: {ic.undefined}"
    if ic.p_value < SIGNIFICANCE:
        direction = "higher values, higher returns" if ic.ic > 0 else "higher values, lower returns"
        return f"significant at {formats.probability(SIGNIFICANCE)}: {direction}"
    return "no evidence of a relation"


def largest_weight_sentence(largest: float, steps: int) -> str:
    """How the mean largest weight of the attention vector compares with the even weight 1/T."""
    even = 1.0 / steps
    verdict = (
        "the model spreads its attention almost evenly, so every score derived from it moves little."
        if largest < EVEN_SPREAD * even else "the model singles out some days of the window."
    )
    return f"On an average day the largest weight is {formats.score(largest)}, against {formats.score(even)} (1/{steps}) if every day weighed the same: {verdict}"


def calibration_sentence(c) -> str:
    if not c.n:
        return ""
    accuracy = (
        "The prediction does not beat always saying \"up\"." if c.accuracy <= c.always_up_accuracy
        else f"The prediction beats always saying \"up\" by {formats.percent(c.accuracy - c.always_up_accuracy)}."
    )
    brier = "Its Brier score is no better than the baseline's." if c.brier >= c.brier_base_rate else "Its Brier score beats the baseline's."
    return f"{accuracy} {brier} Measured on {formats.count(c.n)} days."


def _test_row(s) -> TestRow:
    t = s.attention_test
    defined = t.defined_sharpes
    spread = float(np.ptp(defined)) if len(defined) else 0.0
    use = ", ".join(u for u, on in (("attention sizing", s.config.sizing == "attention"), ("attention filter", s.config.attention_threshold is not None)) if on)
    return TestRow(
        id=s.id, name=s.config.name, use=use, exposure_in_market=s.exposure_in_market, sharpe=t.observed_sharpe,
        control_size=t.exposure_matched_size, control_sharpe=t.exposure_matched_sharpe,
        placebo=tuple(t.null_quantile(q) for q in NULL_BAND), p_value=t.p_value, verdict=t.verdict,
        placebo_chart=spread > 1e-6 * max(1.0, abs(t.observed_sharpe) if not math.isnan(t.observed_sharpe) else 1.0),
    )


def attention_model(model: ModelResult) -> AttentionModel:
    a, info = model.attention, model.informativeness
    c = info.calibration
    tests = [_test_row(s) for s in model.strategies if s.attention_test is not None]
    flat = [t.name for t in tests if not t.placebo_chart]
    largest = model.score_summaries.get("attention_max")
    steps = model.weights.shape[1] if model.weights is not None else None
    first = next((s.attention_test for s in model.strategies if s.attention_test is not None), None)
    return AttentionModel(
        id=model.id, name=model.config.name, column=a.column, steps=a.steps, degenerate_reason=a.reason if a.degenerate else "",
        vector_missing=model.weights is None, has_weights=model.weights is not None,
        largest_weight=largest_weight_sentence(largest.mean, steps) if largest is not None and steps else "",
        scores=[
            ScoreRow(name, name == a.column, summary.mean, summary.std, float(model.scores[name].min()), float(model.scores[name].max()),
                     summary.degenerate)
            for name, summary in model.score_summaries.items()
        ],
        distribution="" if a.degenerate else a.column,
        factors=[FactorReading(ic.factor, ic.ic, ic.p_value, ic.n, reading(ic)) for ic in info.rank_ics],
        brier=c.brier, brier_base_rate=c.brier_base_rate, auc=c.auc, accuracy=c.accuracy, always_up_accuracy=c.always_up_accuracy,
        calibration_days=c.n, calibration_sentence=calibration_sentence(c),
        tests=tests, permutations=first.n_permutations if first else 0, seed=first.seed if first else 0,
        flat_placebos=(
            f"No placebo chart for {', '.join(flat)}: every shuffle gives the same Sharpe ratio (or none trades), "
            "so there is no spread to draw." if flat else ""
        ),
    )


def attention_models(report: Report) -> list[AttentionModel]:
    return [attention_model(m) for m in report.models]
