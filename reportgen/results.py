"""The plain data that passes between stages: small frozen dataclasses of pandas objects."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reportgen.analysis.attention import AttentionSummary
from reportgen.analysis.attention_tests import AttentionTest
from reportgen.inputs.config import ModelConfig, StrategyConfig
from reportgen.model.provenance import Provenance
from reportgen.analysis.informativeness import Informativeness
from reportgen.analysis.overlays import Overlays, strategy_overlays, variant_label


@dataclass(frozen=True)
class StrategyResult:
    config: StrategyConfig
    signal: pd.Series  # bool: long wanted on this date
    size: pd.Series  # requested size (fraction of cash, or units for size_type "amount")
    value: pd.Series  # portfolio value in cash units
    returns: pd.Series  # simple daily returns
    exposure: pd.Series  # realised asset value / portfolio value
    trades: pd.DataFrame
    total_trades: int
    open_trades: int
    total_fees: float
    metrics: dict[str, float]  # headline figures, see metrics.headline_metrics
    sharpe_vectorbt_default: float  # the same Sharpe annualised with 365 days, as vectorbt's stats()
    max_drawdown_from_first_close: float  # peak measured from the first close, as vectorbt does
    rolling_sharpe: pd.DataFrame  # columns raw, annualised
    monthly_returns: pd.DataFrame  # columns year, month, return
    quantstats_table: pd.DataFrame | None
    attention_test: AttentionTest | None = None  # for strategies that filter or size by attention

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def overlays(self) -> Overlays:
        return strategy_overlays(self.config)

    @property
    def time_in_market(self) -> float:
        """Share of dates with a position."""
        return float((self.exposure > 0).mean())

    @property
    def exposure_in_market(self) -> float:
        """Mean exposure over the dates with a position (NaN when never in the market)."""
        held = self.exposure[self.exposure > 0]
        return float(held.mean()) if len(held) else float("nan")

    @property
    def warnings(self) -> list[str]:
        notes = []
        if self.total_trades == 0:
            notes.append(f"strategy {self.id!r} never trades")
        c = self.config
        if c.sizing == "attention" and c.size_type == "percent" and self.size.max() > 1:
            notes.append(
                f"strategy {self.id!r} sizes by an attention score above 1 (max {self.size.max():.4g}): "
                "vectorbt caps a percent size at all available cash"
            )
        return notes


@dataclass(frozen=True)
class SeriesStatistics:
    """How far one return series' figures can be trusted (see reportgen.analysis.statistics)."""

    sharpe_per_period: float  # mean / std (ddof 1) of daily returns, not annualised
    skewness: float
    kurtosis: float  # raw (3 for a normal distribution)
    n_observations: int
    psr: float  # probabilistic Sharpe ratio: P[true Sharpe > 0]
    psr_vs_benchmark: float  # P[true Sharpe > buy & hold's measured Sharpe]; NaN for buy & hold
    intervals: dict[str, tuple[float, float]]  # sharpe, cagr, max_drawdown, sharpe_diff -> (low, high)


@dataclass(frozen=True)
class SweepResult:
    """The sensitivity grid of one model and the deflated Sharpe ratio of its best configuration."""

    table: pd.DataFrame  # one row a configuration: its parameters, figures, and `trial` (counted in N)
    n_trials: int  # distinct return series with a defined Sharpe ratio
    sharpe_variance: float  # variance of the trials' per-period Sharpe ratios
    expected_max_sharpe: float  # per period: the best Sharpe N unskilled trials would be expected to show
    best: int  # row of `table` with the highest Sharpe ratio (-1 when none is defined)
    deflated_sharpe: float  # P[the best configuration's true Sharpe > expected_max_sharpe]
    configured: dict[str, int]  # strategy id -> row of `table` running the same rules
    off_grid: dict[str, str]  # strategy id -> why no row of the grid runs its rules
    n_extra_trials: int = 0  # of n_trials: overlay ablation variants run besides the grid

    @property
    def overlay_grid(self) -> str:
        """The overlay values the grid runs, when it runs more than none ("" otherwise)."""
        parts = []
        for key, what, none in (("min_hold_days", "holding periods in days", 1), ("vol_target", "volatility targets", 0), ("stop_loss", "stop-losses", 0)):
            values = sorted(set(self.table[key]))
            if values != [none]:
                parts.append(f"{what} {', '.join(f'{v:g}' for v in values)} ({none}: none)")
        return "; ".join(parts)

    def share_below(self, row: int) -> float:
        """Share of the configurations with a defined Sharpe whose Sharpe is below that of `row`."""
        sharpe = self.table["sharpe"].dropna()
        value = self.table.loc[row, "sharpe"]
        return float((sharpe < value).mean()) if len(sharpe) and value == value else float("nan")


@dataclass(frozen=True)
class ModelRobustness:
    """Sensitivity of a model's strategies to costs, timing and parameters, and their statistics."""

    statistics: dict[str, SeriesStatistics]  # by strategy id
    benchmark_statistics: SeriesStatistics
    costs: dict[str, pd.DataFrame]  # by strategy id: one row a (lag_days, fees_bps) variant and its figures
    episodes: pd.DataFrame  # episodes overlapping the dates: name, start, end, description, first, last, clipped
    episode_returns: pd.DataFrame  # one row an episode, one column a strategy id
    benchmark_episode_returns: pd.Series  # one row an episode
    sweep: SweepResult | None
    block_days: float  # expected block length of the stationary bootstrap
    block_days_estimated: bool  # True: Politis-White estimate; False: set in the config
    resamples: int
    seed: int
    confidence: float
    fees_bps: list[float]
    execution_lag_days: int
    ablations: dict[str, pd.DataFrame] = field(default_factory=dict)  # by strategy id, see ablation.ablation_tables
    ablation_sentences: dict[str, str] = field(default_factory=dict)  # by strategy id: which overlays beat luck

    def ablation_rows(self, strategy_id: str) -> list[dict]:
        """The ablation of a strategy as rows for a page (empty when it has no overlays)."""
        table = self.ablations.get(strategy_id)
        if table is None:
            return []
        return [{**row, "label": variant_label(row["variant"])} for row in table.to_dict("records")]

    def cost_row(self, strategy_id: str, lag_days: int, fees_bps: float) -> pd.Series | None:
        """A strategy's figures filled `lag_days` late at `fees_bps`, if that variant was run."""
        table = self.costs[strategy_id]
        rows = table[(table["lag_days"] == lag_days) & ((table["fees_bps"] - fees_bps).abs() < 1e-9)]
        return rows.iloc[0] if len(rows) else None


@dataclass(frozen=True)
class ModelResult:
    config: ModelConfig
    output: pd.DataFrame  # columns prediction, attention
    price: pd.Series  # aligned to the prediction dates
    benchmark_returns: pd.Series  # buy and hold, fee-free
    benchmark_metrics: dict[str, float]
    benchmark_monthly_returns: pd.DataFrame
    attention: AttentionSummary
    strategies: list[StrategyResult] = field(default_factory=list)
    provenance: Provenance | None = None  # how `reportgen train` made the predictions, when known
    weights: pd.DataFrame | None = None  # the attention vector (dates x lags, lag 0 = newest) if given
    scores: pd.DataFrame | None = None  # every attention score assessed (the one used first), by date
    score_summaries: dict[str, AttentionSummary] = field(default_factory=dict)  # the same, by name
    informativeness: Informativeness | None = None
    robustness: ModelRobustness | None = None

    @property
    def id(self) -> str:
        return self.config.id


@dataclass(frozen=True)
class InputFile:
    path: str  # as shown in the report: relative to the config's folder when inside it
    sha256: str


@dataclass(frozen=True)
class Report:
    title: str
    version: str
    build_date: str  # ISO date
    periods_per_year: int
    rolling_window_days: int
    init_cash: float
    fees: float
    models: list[ModelResult]
    inputs: list[InputFile]
    config_sha256: str
    input_notes: list[str] = field(default_factory=list)  # what reportgen corrected in the inputs
    episodes_file: str = ""  # the market episodes CSV, as shown in the report

    @property
    def strategies(self) -> list[tuple[ModelResult, StrategyResult]]:
        return [(model, strategy) for model in self.models for strategy in model.strategies]

    @property
    def warnings(self) -> list[str]:
        notes = [
            f"model {m.id!r}: {m.attention.reason}" for m in self.models if m.attention.degenerate
        ]
        return notes + [w for _, s in self.strategies for w in s.warnings]
