"""The decisive tests of a strategy that filters or sizes by attention. Plain numpy and pandas.

Two questions, each answered by backtests the pipeline runs in one columnar simulation:

- Exposure-matched control: the model's plain signal with a constant size chosen so that the
  control holds, on average, as much of the index as the strategy does. Sizing down lowers
  volatility whatever drives it; only this control separates "attention helps" from "less
  exposure".
- Placebo: the same strategy with its attention score shuffled in time (seeded permutations).
  If attention carries information about when to hold more, the real ordering should beat most
  shuffles. The p-value is the share of shuffles whose Sharpe is at least the observed one.

`verdict` turns the numbers into one sentence, and says so when a test cannot show anything: a
constant score, a strategy that never trades, sizing that cash overrides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis.bootstrap import seeded_runs
from reportgen.analysis.thresholds import SIGNIFICANCE
from reportgen.inputs.config import StrategyConfig

# Sharpe ratios closer than this are the same figure (float noise of a near-constant score).
SHARPE_TIE_TOLERANCE = 1e-6
# A size in units ("amount") that leaves the strategy this invested has been capped by cash.
ALL_IN_EXPOSURE = 0.99


@dataclass(frozen=True)
class AttentionTest:
    observed_sharpe: float
    exposure_matched_size: float  # constant fraction of cash invested at each entry of the control
    exposure_matched_sharpe: float
    null_sharpes: np.ndarray  # one per permutation; NaN for a shuffle that never trades
    seed: int
    p_value: float  # NaN when the strategy never trades
    verdict: str

    @property
    def n_permutations(self) -> int:
        return len(self.null_sharpes)

    @property
    def defined_sharpes(self) -> np.ndarray:
        return self.null_sharpes[np.isfinite(self.null_sharpes)]

    def null_quantile(self, q: float) -> float:
        defined = self.defined_sharpes
        return float(np.quantile(defined, q)) if len(defined) else math.nan


def uses_attention(strategy: StrategyConfig) -> bool:
    """Whether the strategy filters or sizes by the attention score."""
    return strategy.sizing == "attention" or strategy.attention_threshold is not None


def use_of_attention(strategy: StrategyConfig) -> str:
    """'sizing', 'filtering' or 'filtering and sizing' (what the strategy does with attention)."""
    uses = [w for w, on in (("filtering", strategy.attention_threshold is not None), ("sizing", strategy.sizing == "attention")) if on]
    return " and ".join(uses)


@dataclass(frozen=True)
class AttentionPermutations:
    """`permutations` shuffles in time of an attention series, made only when asked for:
    `shuffles[a:b]` is a (dates x runs a..b-1) frame, run k the series permuted by its own
    generator (bootstrap.run_generator(seed, k)), so memory holds one block of runs however many
    there are, and run k is the same whichever block, task or worker makes it."""

    attention: pd.Series
    permutations: int
    seed: int

    def __len__(self) -> int:
        return self.permutations

    def __getitem__(self, block: slice) -> pd.DataFrame:
        runs = range(self.permutations)[block]
        values = self.attention.to_numpy(dtype=float)
        shuffled = seeded_runs(runs, self.seed, lambda rng: rng.permutation(values), len(values), as_columns=True)
        return pd.DataFrame(shuffled, index=self.attention.index, columns=pd.RangeIndex(runs.start, runs.stop), copy=False)


def permuted_attention(attention: pd.Series, permutations: int, seed: int) -> AttentionPermutations:
    """`permutations` columns, each the attention series shuffled in time, a block at a time
    (AttentionPermutations); the same seed gives the same columns."""
    return AttentionPermutations(attention, permutations, seed)


def exposure_matched_size(exposure: pd.Series, control_signal: pd.Series) -> float:
    """The constant fraction of cash that makes a control trading on `control_signal` hold the
    strategy's average exposure over the whole period: mean exposure / share of days the
    control is long (a float signal: its mean, e.g. the signal times a volatility scale), at most 1. For a strategy that only sizes by attention (same signal as the
    control) this is its mean exposure while in the market; 0 when it never holds anything.
    """
    long_share = float(control_signal.mean())
    if long_share == 0:
        return 0.0
    return min(1.0, float(exposure.mean()) / long_share)


def permutation_p_value(observed: float, null: np.ndarray) -> float:
    """One-sided p-value: (1 + shuffles at least as good) / (1 + shuffles), ties included.

    Shuffles that never trade (Sharpe NaN) are left out. NaN when the observed Sharpe is.
    """
    defined = null[np.isfinite(null)]
    if not math.isfinite(observed):
        return math.nan
    as_good = int(np.sum(defined >= observed - SHARPE_TIE_TOLERANCE))
    return (1 + as_good) / (1 + len(defined))


def _sharpe(value: float) -> str:
    """A Sharpe ratio to two decimals, without a minus sign on a value that rounds to zero."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _all_ties(observed: float, null: np.ndarray) -> bool:
    defined = null[np.isfinite(null)]
    return len(defined) > 0 and bool(np.all(np.abs(defined - observed) <= SHARPE_TIE_TOLERANCE))


@dataclass(frozen=True)
class StrategyFacts:
    """What the verdict needs to know about a strategy besides the test figures."""

    column: str  # the attention score used
    use: str  # "sizing", "filtering", "filtering and sizing"
    score_constant: bool
    never_trades: bool
    cash_capped_units: bool  # size_type "amount" sizing that cash caps to all-in
    attention_threshold: float | None
    attention_max: float


def strategy_facts(
    strategy: StrategyConfig,
    column: str,
    score_constant: bool,
    total_trades: int,
    exposure_in_market: float,
    attention_max: float,
) -> StrategyFacts:
    """The facts about a strategy that decide how its verdict reads."""
    return StrategyFacts(
        column=column,
        use=use_of_attention(strategy),
        score_constant=score_constant,
        never_trades=total_trades == 0,
        cash_capped_units=strategy.sizing == "attention"
        and strategy.size_type == "amount"
        and exposure_in_market >= ALL_IN_EXPOSURE,
        attention_threshold=strategy.attention_threshold,
        attention_max=attention_max,
    )


def verdict(facts: StrategyFacts, observed: float, control: float, null: np.ndarray, p_value: float) -> str:
    """One plain sentence (two at most) saying what the tests show, from the numbers."""
    f = facts
    capped = (
        ' Its size is read as units of the index (size_type "amount") and cash caps every '
        "entry, so the sizing is a no-op for any score."
        if f.cash_capped_units
        else ""
    )
    if f.never_trades:
        why = ""
        if f.attention_threshold is not None and f.attention_max <= f.attention_threshold:
            why = f": {f.column} never rises above its threshold {f.attention_threshold:g} (its maximum is {f.attention_max:.6g})"
        constant = f" {f.column} is constant, so filtering by it either keeps every trade or none." if f.score_constant else ""
        return f"The strategy never trades{why}, so there is nothing to test.{constant}"
    n = len(null)
    ties = _all_ties(observed, null)
    if f.score_constant:
        shuffles = (
            f"every one of the {n:,} shuffles of the score in time gives the same Sharpe (placebo p = {p_value:.2f})"
            if ties
            else f"placebo p = {p_value:.2f}"
        )
        return (
            f"{f.column} is constant, so {f.use} by it is a constant rule and the tests cannot show any "
            f"effect of attention: Sharpe {_sharpe(observed)} against {_sharpe(control)} for exposure-matched "
            f"constant sizing, and {shuffles}.{capped}"
        )
    if ties:
        effect = capped.strip() if capped else "the attention has no effect on this strategy."
        return (
            f"Shuffling {f.column} in time never changes the result (all {n:,} placebo runs give "
            f"Sharpe {_sharpe(observed)}): {effect[0].lower() + effect[1:]}"
        )
    how = f.use[0].upper() + f.use[1:]
    beaten, as_good = outcome(observed, control, null, p_value)
    figures = f"Sharpe {_sharpe(observed)} vs {_sharpe(control)}"
    return {
        "both": f"Attention {f.use} beats both tests: {figures} for exposure-matched constant sizing, "
        f"and only {as_good:,} of {n:,} shuffles of the attention in time do as well (placebo p = {p_value:.3f}).",
        "control": f"Attention {f.use} beats exposure-matched constant sizing ({figures}) but not the placebo: "
        f"shuffled attention does as well (placebo p = {p_value:.2f}), so the gain is consistent with chance.",
        "placebo": f"Attention {f.use} beats shuffled attention (placebo p = {p_value:.3f}) but not "
        f"exposure-matched constant sizing ({figures}): a constant size of the same average exposure does as well.",
        "neither": f"{how} by attention does not beat exposure-matched constant sizing ({figures}; placebo p = {p_value:.2f}).",
    }[beaten]


def outcome(observed: float, control: float, null: np.ndarray, p_value: float) -> tuple[str, int]:
    """Which of the two tests an attention rule beats ("both", "control", "placebo" or "neither"),
    and how many placebo runs do at least as well: the decision behind every verdict."""
    beats_control = math.isfinite(control) and observed > control + SHARPE_TIE_TOLERANCE
    beats_placebo = p_value < SIGNIFICANCE
    as_good = int(np.sum(null[np.isfinite(null)] >= observed - SHARPE_TIE_TOLERANCE))
    beaten = "both" if beats_control and beats_placebo else "control" if beats_control else "placebo" if beats_placebo else "neither"
    return beaten, as_good


def portfolio_verdict(column: str, score_constant: bool, observed: float, control: float, null: np.ndarray, p_value: float) -> str:
    """One sentence on an attention-weighted portfolio: does weighting by `column` beat equal
    weights on the same holdings and exposure, and attention shuffled across those holdings?"""
    n = len(null)
    if not math.isfinite(observed):
        return "The portfolio never holds anything, so there is nothing to test."
    if score_constant or _all_ties(observed, null):
        return (
            f"{column} does not vary across the assets held on a day, so weighting by it is equal weighting and the "
            f"tests cannot show any effect of attention (Sharpe {_sharpe(observed)} vs {_sharpe(control)}; "
            f"placebo p = {p_value:.2f} over {n:,} shuffles)."
        )
    figures = f"Sharpe {_sharpe(observed)} vs {_sharpe(control)} for equal weights on the same holdings and exposure"
    beaten, as_good = outcome(observed, control, null, p_value)
    return {
        "both": f"Weighting by {column} beats both tests: {figures}, and only {as_good:,} of {n:,} shuffles of "
        f"attention across the same holdings do as well (placebo p = {p_value:.3f}).",
        "control": f"Weighting by {column} beats equal weights ({figures}) but not the placebo: attention shuffled across "
        f"the same holdings does as well (placebo p = {p_value:.2f}), so the gain is consistent with chance.",
        "placebo": f"Weighting by {column} beats shuffled attention (placebo p = {p_value:.3f}) but not equal weights "
        f"({figures}): equal weights on the same holdings do as well.",
        "neither": f"Weighting by {column} does not beat equal weights on the same holdings ({figures}; placebo p = {p_value:.2f}).",
    }[beaten]
