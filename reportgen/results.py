"""The plain data that passes between stages: small frozen dataclasses of pandas objects."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reportgen.attention import AttentionSummary
from reportgen.attention_tests import AttentionTest
from reportgen.config import ModelConfig, StrategyConfig
from reportgen.provenance import Provenance
from reportgen.informativeness import Informativeness


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

    @property
    def strategies(self) -> list[tuple[ModelResult, StrategyResult]]:
        return [(model, strategy) for model in self.models for strategy in model.strategies]

    @property
    def warnings(self) -> list[str]:
        notes = [
            f"model {m.id!r}: {m.attention.reason}" for m in self.models if m.attention.degenerate
        ]
        return notes + [w for _, s in self.strategies for w in s.warnings]
