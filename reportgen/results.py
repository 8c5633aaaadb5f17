"""The plain data that passes between stages: small frozen dataclasses of pandas objects."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reportgen.analysis.attention import AttentionSummary
from reportgen.analysis.attention_tests import AttentionTest
from reportgen.inputs.config import ModelConfig, PortfolioConfig, StrategyConfig
from reportgen.model.provenance import Provenance
from reportgen.analysis.informativeness import CrossSectionalIC, Informativeness
from reportgen.analysis.overlays import Overlays, grid_overlays, strategy_overlays, variant_label
from reportgen.analysis.thresholds import HELD_WEIGHT


class Identified:
    """A record named by its config's id."""

    config: StrategyConfig | ModelConfig | PortfolioConfig

    @property
    def id(self) -> str:
        return self.config.id


@dataclass(frozen=True)
class StrategyResult(Identified):
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
    def overlays(self) -> Overlays:
        return strategy_overlays(self.config)

    @property
    def time_in_market(self) -> float:
        """Share of dates with a position."""
        return float((self.exposure > HELD_WEIGHT).mean())

    @property
    def exposure_in_market(self) -> float:
        """Mean exposure over the dates with a position (NaN when never in the market)."""
        return float(self.exposure[self.exposure > HELD_WEIGHT].mean())  # NaN when never in the market

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
        return grid_overlays(self.table)

    @property
    def never_trading(self) -> int:
        """Configurations whose Sharpe ratio is undefined (they never trade)."""
        return int(self.table["sharpe"].isna().sum())

    def share_below(self, row: int) -> float:
        """Share of the configurations with a defined Sharpe whose Sharpe is below that of `row`."""
        sharpe = self.table["sharpe"].dropna()
        value = self.table.loc[row, "sharpe"]
        return float((sharpe < value).mean()) if len(sharpe) and value == value else float("nan")


# The figures of each variant in an ablation table (ModelRobustness.ablations), besides sharpe_diff and its interval.
ABLATION_FIGURES = ("sharpe", "total_return", "max_drawdown", "time_in_market", "turnover", "total_trades")


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
    ablations: dict[str, pd.DataFrame] = field(default_factory=dict)  # by strategy id, see evaluation.ablation.ablation_tables
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
class ModelResult(Identified):
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
    risk_free: pd.Series | None = None  # per-period risk-free return on each date (None: 0)
    informativeness: Informativeness | None = None
    robustness: ModelRobustness | None = None


@dataclass(frozen=True)
class PortfolioResult(Identified):
    """One portfolio of a universe model: its simulation, figures and tests."""

    config: PortfolioConfig
    target_weights: pd.DataFrame  # dates x assets: the weights wanted on each date (sent on rebalance days)
    weights: pd.DataFrame  # dates x assets: asset value / portfolio value at the close, after the orders
    value: pd.Series  # cash units
    returns: pd.Series  # simple daily returns
    trades: pd.DataFrame  # one row an order: date, asset, side, size, price, value, fees
    contributions: pd.Series  # by asset: profit (fees included) / initial cash; sums to the total return
    total_fees: float
    metrics: dict[str, float]  # headline figures, see metrics.headline_metrics
    turnover: float  # one-way, a year
    mean_holdings: float  # assets held at the close, mean over dates
    herfindahl: pd.Series  # concentration of the holdings per date (NaN when nothing is held)
    rolling_sharpe: pd.DataFrame
    monthly_returns: pd.DataFrame
    statistics: SeriesStatistics | None = None
    costs: pd.DataFrame | None = None  # one row a (lag_days, fees_bps) variant and its figures
    episode_returns: pd.Series | None = None  # one row a market episode
    attention_test: AttentionTest | None = None  # for attention-weighted portfolios

    @property
    def exposure(self) -> pd.Series:
        return self.weights.sum(axis=1)


@dataclass(frozen=True)
class CrossSection:
    """How well a universe model's factors rank the assets' next-day returns (alphalens-style)."""

    ics: list[CrossSectionalIC]  # the prediction first, then each attention score
    quintiles: dict[str, pd.DataFrame]  # factor -> dates x buckets of mean next-day returns

    def ic(self, factor: str) -> CrossSectionalIC:
        return next(i for i in self.ics if i.factor == factor)


@dataclass(frozen=True)
class UniverseModelResult(Identified):
    """A universe model: predictions and attention per asset and day, and its portfolios."""

    config: ModelConfig
    assets: list[str]
    dates: pd.DatetimeIndex  # the prediction dates
    prices: pd.DataFrame  # dates x assets, close on the prediction dates (NaN before an asset's first and after its last price)
    prediction: pd.DataFrame  # dates x assets (NaN: no prediction)
    attention_scores: pd.DataFrame  # dates x assets: the attention score used by portfolios
    attention: AttentionSummary  # of the score used, pooled over assets and dates
    profile: pd.DataFrame | None  # assets x lags: the mean attention vector of each asset, if given
    benchmark_name: str
    benchmark_returns: pd.Series
    benchmark_metrics: dict[str, float]
    cross_section: CrossSection
    portfolios: list[PortfolioResult]
    benchmark_statistics: SeriesStatistics | None = None
    benchmark_episode_returns: pd.Series | None = None
    episodes: pd.DataFrame | None = None
    fees_bps: list[float] = field(default_factory=list)
    execution_lag_days: int = 1
    confidence: float = 0.95  # coverage of the bootstrap intervals
    provenance: Provenance | None = None  # how `reportgen train` made the predictions, when known
    block_days: float | None = None  # expected block length of the stationary bootstrap
    resamples: int = 0  # of the bootstrap
    seed: int = 0  # of the bootstrap
    membership: pd.DataFrame | None = None  # spells (asset, start, end) of [universe] membership; None: a fixed universe


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
    universe_models: list[UniverseModelResult] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)  # [site] and [universe] caveats, shown atop every page
    risk_free_rate: float | str = 0.0  # [backtest] risk_free: the constant annual rate, or the CSV as shown

    @property
    def risk_free_per_period(self) -> str:
        """How an annual rate r becomes the risk-free return of one period (metrics.per_period_risk_free)."""
        return f"(1 + r) ^ (1 / {self.periods_per_year}) - 1"

    @property
    def risk_free_note(self) -> str:
        """The risk-free rate in a few words, for the tearsheet's note."""
        if self.risk_free_rate == 0.0:
            return "risk-free rate 0"
        rate = self.risk_free_rate if isinstance(self.risk_free_rate, str) else f"{self.risk_free_rate * 100:g} % a year"
        return f"Sharpe, Sortino and the tests of returns in excess of a risk-free rate of {rate} ({self.risk_free_per_period} per period)"

    @property
    def risk_free_sentence(self) -> str:
        """The risk-free rate in one sentence, for the methodology page and the tearsheet."""
        if self.risk_free_rate == 0.0:
            return "The risk-free rate is 0."
        rate = (f"the daily annualised rates of {self.risk_free_rate} (forward-filled to trading days)"
                if isinstance(self.risk_free_rate, str) else f"{self.risk_free_rate * 100:g} % a year")
        return (
            f"Sharpe, Sortino, PSR, DSR, the bootstrap intervals and the placebo tests use returns in excess of "
            f"a risk-free rate of {rate}, each annual rate r taken as {self.risk_free_per_period} per period; uninvested cash "
            "earns the rate, so a day out of the market has an excess return of 0 (a strategy that never trades has no Sharpe)."
        )

    @property
    def fees_bps(self) -> float:
        """The fee rate in basis points, as the cost tables list it."""
        return self.fees * 1e4

    @property
    def strategies(self) -> list[tuple[ModelResult, StrategyResult]]:
        return [(model, strategy) for model in self.models for strategy in model.strategies]

    @property
    def portfolios(self) -> list[tuple[UniverseModelResult, PortfolioResult]]:
        return [(model, portfolio) for model in self.universe_models for portfolio in model.portfolios]

    @property
    def warnings(self) -> list[str]:
        notes = [
            f"model {m.id!r}: {m.attention.reason}" for m in self.models if m.attention.degenerate
        ]
        notes += [
            f"universe model {m.id!r}: {m.attention.reason}" for m in self.universe_models if m.attention.degenerate
        ]
        return notes + [w for _, s in self.strategies for w in s.warnings]
