"""Typed configuration: `[tool.reportgen]` in pyproject.toml or a standalone TOML file.

Every option is documented once, here, in its field's description. Unknown keys are errors,
and all problems are reported together, each with where it is (`strategies[2].treshold`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reportgen.inputs.errors import ConfigError
from reportgen.inputs.universe import has_asset_column


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _known_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone; expected an IANA name such as 'America/New_York'") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_timezone)]


def _date_column_field() -> Any:
    """The `date_column` of a prices CSV ([data] and [universe])."""
    return Field("Date", description="Column of the prices CSV holding the date.")


def _train_column_field(what: str) -> Any:
    """An optional OHLCV column of [data] that only `reportgen train` reads."""
    return Field(None, description=f"Column of the {what} (used by `reportgen train`).")


def _exchange_timezone_field(description: str) -> Any:
    """The `exchange_timezone` of [data] and [universe]."""
    return Field("America/New_York", description=description)


class _Named(_Strict):
    """The fields every model, strategy and portfolio starts with: its id and display name."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$", description="Short id used in URLs and JSON.")
    name: str = Field(description="Display name.")


class _Drawn(_Named):
    """A strategy or a portfolio: a series of the report, drawn in legends by its short name
    (filled by Config when not set)."""

    short_name: str = Field(
        "",
        max_length=40,
        description="Name in chart legends and the navigation, where the full `name` would be cut; "
        "default: the whole name when at most 28 characters, else its shortest prefix cut at ':', ',', "
        "' (' or ' - ' that no other entry shares. The full name stays in page titles, tables and tooltips.",
    )


class DataConfig(_Strict):
    """The single asset every strategy trades (`[data]`): its prices CSV and columns."""

    prices: Path = Field(description="CSV of daily prices.")
    date_column: str = _date_column_field()
    price_column: str = Field("Adjusted_close", description="Column of the price traded.")
    episodes: Path | None = Field(
        None,
        description="CSV of market episodes (name, start, end, description) shaded on every "
        "time-series chart; default: the list bundled with reportgen (data/market_episodes.csv).",
    )
    open_column: str | None = _train_column_field("open")
    high_column: str | None = _train_column_field("high")
    low_column: str | None = _train_column_field("low")
    volume_column: str | None = _train_column_field("volume")
    exchange_timezone: TimeZoneName = _exchange_timezone_field(
        "IANA time zone of the exchange. Dates with a UTC offset are converted to it "
        "and their date there is the trading day; dates without an offset are taken as they are."
    )


class UniverseConfig(_Strict):
    """The assets a universe model allocates among (`[universe]`)."""

    prices: Path = Field(
        description="CSV (or .csv.gz) of daily prices, wide: a date column and one adjusted-close "
        "column per asset, named as the `asset` column of a universe model's predictions."
    )
    date_column: str = _date_column_field()
    benchmark: Path | None = Field(
        None,
        description="CSV with a date column and one price column: the benchmark of every universe "
        "model; default: an equal-weight buy & hold of the model's assets from its first date.",
    )
    benchmark_column: str | None = Field(None, description="Price column of `benchmark`; required when it is set.")
    membership: Path | None = Field(
        None,
        description="CSV of point-in-time index membership, columns asset, start, end: one row per spell of "
        "an asset in the index, both dates included, end empty while it is still a member. An asset is "
        "eligible only on the dates of its spells, and one that leaves is sold at the next rebalance. "
        "Without it the universe is the fixed list of price columns (survivorship bias by construction).",
    )
    caveats: list[str] = Field(
        [],
        description="Sentences a reader must know before trusting the universe's figures (for example how the "
        "assets were chosen), shown at the top of every page, tearsheet and PDF of the report, after [site] caveats.",
    )
    exchange_timezone: TimeZoneName = _exchange_timezone_field("IANA time zone of the exchange (as in [data]).")

    @model_validator(mode="after")
    def _benchmark_column_given(self) -> UniverseConfig:
        if self.benchmark is not None and self.benchmark_column is None:
            raise ValueError("benchmark_column: required when benchmark is set")
        if self.benchmark is None and self.benchmark_column is not None:
            raise ValueError("benchmark_column: set, but no benchmark file is given")
        return self


class BacktestConfig(_Strict):
    """How every strategy and portfolio is simulated and annualised (`[backtest]`)."""

    init_cash: float = Field(100.0, gt=0, description="Starting capital of every strategy.")
    fees: float = Field(0.001, ge=0, lt=1, description="Fee per trade as a fraction of value.")
    periods_per_year: int = Field(
        252, gt=0, description="Periods a year for every annualised figure of the report."
    )
    rolling_window_days: int = Field(63, ge=2, description="Window of the rolling Sharpe.")
    risk_free: float | Path = Field(
        0.0,
        description="Risk-free rate: a constant annual rate (0.02 = 2 %), or a CSV of daily annualised "
        "rates (columns date, rate; forward-filled to trading days; it must cover the report's dates). "
        "Sharpe, Sortino, PSR, DSR, the bootstrap intervals and the placebo tests use returns in excess "
        "of it, each day's annual rate r taken as (1 + r) ^ (1 / periods_per_year) - 1 per period. "
        "Uninvested cash earns the rate: the excess return of a day is r_t - rf_t x the share invested, "
        "0 on a day wholly in cash.",
    )
    min_rows: int = Field(
        20, ge=2, description="Fewest prediction dates a model needs; fewer is an error."
    )


class ModelConfig(_Named):
    """A model's predictions and attention (`[[models]]`): one row a date for a single asset, or one
    row per date and asset (an `asset` column) for a universe model."""

    predictions: Path = Field(
        description="CSV whose first column is the date, with a `predictions` column of "
        "probabilities that the next day closes up."
    )
    provenance: Path | None = Field(
        None,
        description="Sidecar JSON written by `reportgen train` beside the predictions; when set, "
        "the report gains a model page (models/<id>.md) with per-fold scores and training curves.",
    )
    attention_column: str = Field(
        "attention_mean",
        description="Attention score: a column of the predictions CSV, or a score derived from "
        "its attention vector: attention_max, attention_concentration, attention_last, "
        "attention_mean_lag, attention_mean. A CSV column of the same name wins.",
    )
    attention_prefix: str = Field(
        "att_",
        min_length=1,
        description="Columns <prefix>0 .. <prefix>{T-1} of the predictions CSV, when present, "
        "hold the full attention vector (T softmax weights a row).",
    )
    attention_order: Literal["newest_first", "oldest_first"] = Field(
        "newest_first",
        description='"newest_first": <prefix>0 is the weight on the most recent day of the '
        'window; "oldest_first": <prefix>0 is the oldest.',
    )


class ReferenceFigures(_Strict):
    """Published figures a strategy must reproduce; its page compares them with ours."""

    source: str = Field(description="Where the figures come from, shown on the page.")
    total_trades: int | None = Field(None, description="Trades, open ones included.")
    total_return: float | None = Field(None, description="Total return, a fraction.")
    max_drawdown: float | None = Field(
        None, description="Max drawdown as vectorbt measures it (peak from the first close)."
    )
    sharpe_365: float | None = Field(None, description="Sharpe annualised with 365 days.")
    total_fees: float | None = Field(None, description="Fees paid, in cash units.")


class StrategyConfig(_Drawn):
    """A trading rule on the single asset driven by one model (`[[strategies]]`), with optional
    overlays applied in this order: holding period, volatility target, stops."""

    model: str = Field(description="Id of the model whose predictions drive the strategy.")
    description: str = Field("", description="One sentence shown on the overview.")
    threshold: float = Field(
        0.5, ge=0, le=1, description="Long while prediction > threshold, flat otherwise."
    )
    attention_threshold: float | None = Field(
        None, description="If set, trade only while attention > this value."
    )
    sizing: Literal["full", "attention"] = Field(
        "full", description='"full": size 1; "attention": size = signal x attention.'
    )
    size_type: Literal["percent", "amount"] = Field(
        "percent",
        description='"percent": size is a fraction of available cash at entry; "amount": '
        "size is a number of units of the asset (what the notebook did; cash caps it).",
    )
    reference: ReferenceFigures | None = Field(None, description="Figures to reproduce.")
    min_hold_days: int = Field(
        1, ge=1, le=252, description="Holding period: a change of the long/flat signal holds for at "
        "least this many days; changes inside that span are ignored (1: none).",
    )
    vol_target: float | None = Field(
        None, gt=0, le=5, description="Annualised volatility aimed at: the size at entry is multiplied by "
        "min(max_leverage, vol_target / realised volatility of the last vol_window_days returns up to that day).",
    )
    vol_window_days: int = Field(21, ge=2, le=1000, description="Returns in the realised volatility of vol_target.")
    max_leverage: float = Field(
        1.0, gt=0, le=1, description="Cap of the vol_target multiplier (at most 1: reportgen does not borrow).",
    )
    stop_loss: float | None = Field(
        None, gt=0, lt=1, description="Exit at the first close this fraction below the entry close; "
        "no re-entry until the signal turns off and on again.",
    )
    trailing_stop: bool = Field(False, description="Measure stop_loss from the highest close since entry.")
    take_profit: float | None = Field(
        None, gt=0, le=100, description="Exit at the first close this fraction above the entry close; "
        "no re-entry until the signal turns off and on again.",
    )

    @model_validator(mode="after")
    def _overlay_options_used(self) -> StrategyConfig:
        problems = []
        if self.trailing_stop and self.stop_loss is None:
            problems.append("trailing_stop: needs a stop_loss")
        fields = self.model_fields_set
        for key in ("vol_window_days", "max_leverage"):
            if key in fields and self.vol_target is None:
                problems.append(f"{key}: needs a vol_target")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class PortfolioConfig(_Drawn):
    """A portfolio allocating among the assets of one universe model (`[[portfolios]]`).

    On a rebalance day t, from data known at the close of t: over the eligible assets,
    w_i = gross * s_i / sum_j s_j, then the cap; orders fill at the close of t and weights drift
    with prices until the next rebalance day.
    """

    model: str = Field(description="Id of the universe model whose predictions drive the portfolio.")
    description: str = Field("", description="One sentence shown on the overview.")
    threshold: float = Field(
        0.5, ge=0, le=1, description="An asset is eligible on a day while its prediction > threshold."
    )
    weighting: Literal["equal", "prediction", "attention", "inverse_volatility"] = Field(
        "equal",
        description='Score s_i of an eligible asset: 1 ("equal"), its prediction ("prediction"), '
        'its attention score ("attention") or 1 / trailing volatility ("inverse_volatility").',
    )
    top_k: int | None = Field(
        None, ge=1, description="Only the k eligible assets with the highest prediction (ties: asset name)."
    )
    max_weight: float | None = Field(
        None, gt=0, le=1, description="Cap on each asset's weight; what the cap removes stays in cash."
    )
    gross: float = Field(
        1.0, gt=0, le=1, description="Fraction of value invested when at least one asset is eligible."
    )
    rebalance: Literal["daily", "weekly", "monthly"] = Field(
        "daily",
        description='"daily"; "weekly": the first trading day of each week; "monthly": the first '
        "trading day of each month.",
    )
    vol_window_days: int = Field(
        63, ge=2, description='Trailing window of daily returns for "inverse_volatility".'
    )


def _default_sweep_thresholds() -> list[float]:
    return [round(0.40 + 0.01 * i, 2) for i in range(21)]


class SweepConfig(_Strict):
    """The sensitivity grid: every combination is one column of one simulation per model."""

    enabled: bool = Field(True, description="Run the grid sweep (costs, lag and statistics always run).")
    thresholds: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=_default_sweep_thresholds, min_length=1,
        description="Prediction thresholds: long while prediction > threshold (default 0.40..0.60 by 0.01).",
    )
    attention_quantiles: list[Annotated[float, Field(ge=0, lt=1)]] = Field(
        [0.0, 0.25, 0.5, 0.75], min_length=1,
        description="Attention filters: trade only while attention >= its q-quantile over the "
        "model's dates; q = 0 keeps every day (no filter).",
    )
    sizings: list[Literal["full", "attention"]] = Field(
        ["full", "attention"], min_length=1,
        description='Base size at entry: "full" (1) or "attention" (the attention score).',
    )
    size_scales: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        [0.5, 1.0], min_length=1,
        description="Fraction of available cash spent at entry = scale x base size, capped at 1.",
    )
    fees_bps: list[Annotated[float, Field(ge=0, lt=10_000)]] = Field(
        [0.0, 5.0, 10.0, 25.0, 50.0], min_length=1,
        description="Fee levels, in basis points of traded value, every strategy is re-run at.",
    )
    min_hold_days: list[Annotated[int, Field(ge=1, le=252)]] = Field(
        [1], min_length=1, description="Holding periods in days (1: none), as strategies' min_hold_days.",
    )
    vol_targets: list[Annotated[float, Field(ge=0, le=5)]] = Field(
        [0.0], min_length=1, description="Annualised volatility targets (0: none), with a "
        "vol_window_days window and no leverage, as strategies' vol_target.",
    )
    vol_window_days: int = Field(21, ge=2, le=1000, description="Returns in the realised volatility of vol_targets.")
    stop_losses: list[Annotated[float, Field(ge=0, lt=1)]] = Field(
        [0.0], min_length=1, description="Stop-losses from the entry close (0: none), as strategies' stop_loss.",
    )
    execution_lag_days: int = Field(
        1, ge=1, le=20, description="Delay of the lagged variant: a signal at close t fills at close t + lag."
    )

    @model_validator(mode="after")
    def _no_duplicates(self) -> SweepConfig:
        keys = ("thresholds", "attention_quantiles", "sizings", "size_scales", "fees_bps", "min_hold_days", "vol_targets", "stop_losses")
        repeated = [k for k in keys if len(set(getattr(self, k))) != len(getattr(self, k))]
        if repeated:
            raise ValueError("; ".join(f"{k}: a value appears twice" for k in repeated))
        return self


class StatisticsConfig(_Strict):
    """How the report tests its figures against luck."""

    bootstrap_resamples: int = Field(
        1000, ge=100, le=100_000, description="Stationary block-bootstrap resamples per model."
    )
    bootstrap_seed: int = Field(20240101, ge=0, description="Seed of the bootstrap: same seed, same intervals.")
    block_length_days: float | None = Field(
        None, ge=1, description="Expected block length of the stationary bootstrap; default: the "
        "Politis-White estimate on buy & hold's returns and squared returns, the larger.",
    )
    confidence: float = Field(0.95, gt=0.5, lt=1, description="Coverage of every confidence interval.")

class TrainingConfig(_Strict):
    """`reportgen train`: the walk-forward ATT-LSTM. Days are trading days (rows of the prices)."""

    lookback: int = Field(28, ge=2, description="T: days in the model's input window (attention steps).")
    hidden_size: int = Field(80, ge=1, description="Units of the LSTM.")
    dropout: float = Field(0.1, ge=0, lt=1, description="Dropout on the LSTM's output sequence.")
    epochs: int = Field(30, ge=1, description="Most epochs per fold (early stopping may end sooner).")
    patience: int = Field(5, ge=1, description="Epochs without a better validation loss before stopping.")
    batch_size: int = Field(64, ge=1, description="Samples per gradient step.")
    learning_rate: float = Field(0.001, gt=0, description="Adam's learning rate.")
    min_train: int = Field(1008, ge=2, description="Closes known before the first prediction.")
    refit_every: int = Field(63, ge=1, description="Days between refits; folds are anchored at the first date.")
    validation_days: int = Field(126, ge=1, description="Early-stopping slice: the last samples of each training window.")
    window_days: int | None = Field(
        None, ge=2, description="Rolling training window: each fold trains (and scales the features) on "
        "the samples of its last `window_days` days only, validation slice included; default: every "
        "sample since the first date (an expanding window anchored there).",
    )
    assets: list[str] | None = Field(
        None, min_length=1, description="Universe training only: train on these columns of `[universe] "
        "prices` (default: every one).",
    )
    seed: int = Field(0, ge=0, description="Seed of every random draw: same seed, input and machine, same output.")
    threads: int = Field(1, ge=1, description="CPU threads of torch; results depend on it, so it is fixed.")
    output: Path = Field(
        Path("predictions.csv"),
        description="Predictions CSV to write (relative to the config file), gzip-compressed when "
        "it ends in .csv.gz; the provenance sidecar goes beside it with the suffix .json.",
    )

    @model_validator(mode="after")
    def _window_holds_the_validation_slice(self) -> TrainingConfig:
        if self.window_days is not None and self.window_days <= self.validation_days:
            raise ValueError(
                f"window_days = {self.window_days} must exceed validation_days = "
                f"{self.validation_days} (the window holds the validation slice and the training samples)"
            )
        if self.assets is not None and len(set(self.assets)) != len(self.assets):
            raise ValueError("assets: an asset appears twice")
        return self


class ComputeConfig(_Strict):
    """Where coarse tasks run (the folds of `reportgen train`, the heavy blocks of a build) and
    how large a block of columns is; results do not depend on any of it."""

    workers: int | None = Field(
        None, ge=1, description="Local worker processes (scheduler \"local\"); default: the number of CPU cores."
    )
    scheduler: str = Field(
        "local",
        description='"local": a dask.distributed LocalCluster of `workers` processes; "processes": '
        '`workers` processes forked from this one (Linux; needs no Dask; builds only, and what a build uses when '
        'scheduler is not set); "synchronous": everything in this process, one '
        'task after another (needs no Dask); or the address of a running Dask scheduler, '
        '"tcp://host:8786". Dask is the `dask` extra.',
    )

    @field_validator("scheduler")
    @classmethod
    def _known_scheduler(cls, scheduler: str) -> str:
        if scheduler not in ("local", "processes", "synchronous") and not (scheduler.startswith("tcp://") and len(scheduler) > 6):
            raise ValueError("expected 'local', 'processes', 'synchronous' or a scheduler address 'tcp://host:port'")
        return scheduler

    memory_mb: int | None = Field(
        None,
        ge=16,
        description="Working memory in MB of one block of columns (sweep configurations, cost "
        "and lag variants, bootstrap resamples, placebo shuffles): each block is one vectorised "
        "computation, one after the other, so peak memory grows with the rows and this budget, "
        "not with the number of columns. Default: 64 MB. Figures are identical whatever the "
        "block size.",
    )
    no_worker_seconds: float = Field(
        60.0,
        gt=0,
        description="On a Dask cluster (scheduler \"local\" or an address): how long a build or a training "
        "run waits with no worker left (killed, preempted, out of memory) for one to join before it stops "
        "with an error. While a worker remains, the tasks of a lost one run again elsewhere; results are "
        "the same.",
    )


class AttentionTestsConfig(_Strict):
    """The placebo test of every strategy that filters or sizes by attention."""

    permutations: int = Field(
        1000, ge=1, description="Shuffles of the attention in time, one backtest each (>= 1,000 advised)."
    )
    seed: int = Field(0, ge=0, description="Seed of the shuffles: the same seed gives the same p-value.")


class SiteConfig(_Strict):
    """The published site (`[site]`): title, templates, tearsheets and the warnings --strict accepts."""

    title: str = Field("Strategy report", description="Title of the site.")
    templates: Path | None = Field(None, description="Folder of Jinja page templates.")
    mkdocs_config: Path | None = Field(None, description="mkdocs.yml to build the site with.")
    tearsheet: Literal["reportgen", "quantstats"] = Field(
        "reportgen",
        description='"reportgen": one self-contained interactive HTML tearsheet per strategy; '
        '"quantstats": also quantstats\' own HTML tearsheet of the same returns (static images, '
        "a few seconds a strategy).",
    )
    pdf: bool = Field(
        False,
        description="Also write tearsheets/<id>.pdf of each tearsheet's print layout (static SVG charts); "
        "needs the `pdf` extra (WeasyPrint): pip install 'reportgen[pdf]'.",
    )
    caveats: list[str] = Field(
        [],
        description="Sentences a reader must know before trusting the figures, shown at the top of every "
        "page, tearsheet and PDF of the report.",
    )
    expected_warnings: list[str] = Field(
        [],
        description="Warnings this report is known to produce, as glob patterns (`*` matches "
        "anything). They are still printed, but `--strict` fails only on other warnings, or "
        "when an expected one no longer occurs.",
    )


SHORT_NAME_CHARS = 28  # a legend label or nav entry longer than this is cut by the charts or the theme
_NAME_BREAKS = re.compile(r":|,| \(| - ")


def _name_prefixes(name: str) -> list[str]:
    """The whole `name` when short enough, then `name` cut before each of its breaks (':', ',',
    ' (', ' - '), shortest first: the candidate short names, in order of preference."""
    cuts = [m.start() for m in _NAME_BREAKS.finditer(name) if m.start() > 0]
    candidates = [name.strip()] if len(name.strip()) <= SHORT_NAME_CHARS else []
    return [*dict.fromkeys([*candidates, *(name[:i].strip() for i in cuts)])]


def short_names(entries: list[tuple[str, str, str | None]]) -> list[str]:
    """The short name of each (id, name, configured short name): the configured one, else the
    whole name or, for a name longer than SHORT_NAME_CHARS, its shortest prefix cut at a break
    that no other entry also gets and short enough; the id when there is none."""
    level = [0] * len(entries)
    while True:
        shown = []
        for (entry_id, name, configured), depth in zip(entries, level):
            prefixes = [p for p in _name_prefixes(name) if len(p) <= SHORT_NAME_CHARS]
            shown.append(configured or (prefixes[depth] if depth < len(prefixes) else entry_id))
        clashing = [i for i, s in enumerate(shown) if shown.count(s) > 1 and not entries[i][2] and shown[i] != entries[i][0]]
        if not clashing:
            return shown
        for i in clashing:
            level[i] += 1


class Config(_Strict):
    """A reportgen config: `reportgen.toml`, or `[tool.reportgen]` in pyproject.toml."""

    data: DataConfig | None = Field(None, description="The single asset; required unless every model is a universe model.")
    universe: UniverseConfig | None = Field(None, description="The assets of universe models; required by portfolios.")
    backtest: BacktestConfig = Field(BacktestConfig(), description="Capital, fees and annualisation of every backtest.")
    models: list[ModelConfig] = Field(min_length=1, description="The models whose predictions drive the strategies and portfolios.")
    strategies: list[StrategyConfig] = Field([], description="Trading rules on the [data] asset; a config needs strategies, portfolios or both.")
    portfolios: list[PortfolioConfig] = Field([], description="Allocations among the [universe] assets, each driven by one universe model.")
    site: SiteConfig = Field(SiteConfig(), description="The published site.")
    sweep: SweepConfig = Field(SweepConfig(), description="The parameter grid of the sensitivity page, and the fee levels and lag every strategy is re-run at.")
    statistics: StatisticsConfig = Field(StatisticsConfig(), description="Bootstrap confidence intervals.")
    training: TrainingConfig | None = Field(None, description="Read by `reportgen train` only.")
    attention_tests: AttentionTestsConfig = Field(AttentionTestsConfig(), description="Placebo tests of every strategy or portfolio that uses attention.")
    compute: ComputeConfig = Field(ComputeConfig(), description="Workers, scheduler and memory blocks of a build (and of `reportgen train`).")
    source: Path = Field(Path("."), exclude=True, description="File the config was read from.")
    universe_models: tuple[str, ...] = Field(
        (), exclude=True, description="Ids of the models whose predictions have an `asset` column (set on loading)."
    )

    @model_validator(mode="before")
    @classmethod
    def _short_names_filled(cls, table: Any) -> Any:
        """Every strategy and portfolio without a `short_name` gets one (see short_names)."""
        if not isinstance(table, dict):
            return table
        filled = dict(table)
        for kind in ("strategies", "portfolios"):
            entries = table.get(kind)
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                continue
            names = short_names([(str(e.get("id", "")), str(e.get("name", "")), e.get("short_name") or None) for e in entries])
            filled[kind] = [{**e, "short_name": short} for e, short in zip(entries, names)]
        return filled

    @property
    def caveats(self) -> list[str]:
        """What every page of the report says first: [site] caveats, then [universe] caveats."""
        return [*self.site.caveats, *(self.universe.caveats if self.universe is not None else [])]

    @model_validator(mode="after")
    def _references_resolve(self) -> Config:
        problems = []
        model_ids = [m.id for m in self.models]
        kinds = (("models", model_ids), ("strategies", [s.id for s in self.strategies]), ("portfolios", [p.id for p in self.portfolios]))
        for kind, ids in kinds:
            for dup in sorted({i for i in ids if ids.count(i) > 1}):
                problems.append(f"{kind}: duplicate id {dup!r}")
        for kind, entries in (("strategies", self.strategies), ("portfolios", self.portfolios)):
            for i, entry in enumerate(entries):
                if entry.model not in model_ids:
                    problems.append(f"{kind}[{i}].model: unknown model {entry.model!r}; expected one of {model_ids}")
        for i, portfolio in enumerate(self.portfolios):
            if portfolio.id in kinds[1][1]:
                problems.append(f"portfolios[{i}].id: {portfolio.id!r} is also a strategy id; ids must differ")
        if self.portfolios and self.universe is None:
            problems.append("universe: required key missing (portfolios allocate among the assets of a [universe] table)")
        if self.strategies and self.data is None:
            problems.append("data: required key missing (strategies trade the single asset of a [data] table)")
        if not self.strategies and not self.portfolios:
            problems.append("strategies: required key missing (a config needs [[strategies]], [[portfolios]] or both)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def model(self, model_id: str) -> ModelConfig:
        return next(m for m in self.models if m.id == model_id)

    def is_universe_model(self, model_id: str) -> bool:
        return model_id in self.universe_models


class TrainConfig(_Strict):
    """What `reportgen train` reads: `[data]` or `[universe]`, `[training]` and `[compute]`. With a
    `[universe]` table it trains one model pooled across the universe's assets, else one on `[data]`.
    A file may also hold the tables of `reportgen build` (so one pyproject serves both); train
    leaves them to build."""

    data: DataConfig | None = None
    universe: UniverseConfig | None = None
    training: TrainingConfig = TrainingConfig()
    compute: ComputeConfig = ComputeConfig()
    source: Path = Field(Path("."), exclude=True, description="File the config was read from.")

    @model_validator(mode="after")
    def _something_to_train_on(self) -> TrainConfig:
        if self.data is None and self.universe is None:
            raise ValueError("data: required key missing (reportgen train needs a [data] or a [universe] table)")
        if self.universe is None and self.training.assets is not None:
            raise ValueError("training.assets: set, but there is no [universe] table to choose assets from")
        return self

    @model_validator(mode="before")
    @classmethod
    def _leave_build_tables_to_build(cls, table: Any) -> Any:
        """Tables that only `reportgen build` reads are checked by build, not here."""
        if not isinstance(table, dict):
            return table
        build_only = set(Config.model_fields) - set(cls.model_fields)
        return {key: value for key, value in table.items() if key not in build_only}


def _keys_of(model: type[BaseModel], loc: tuple) -> list[str]:
    """The known keys of the table at `loc` (for did-you-mean hints)."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            return []
        model = inner
    return list(model.model_fields)


def _location(loc: tuple) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(error: dict) -> str:
    loc = tuple(error["loc"])
    where = _location(loc)
    if error["type"] == "extra_forbidden":
        hint = difflib.get_close_matches(str(loc[-1]), _keys_of(Config, loc), n=1)
        return f"{where}: unknown key" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    if error["type"] == "missing":
        return f"{where}: required key missing"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "value_error" and not loc:
        return message
    received = error.get("input")
    if isinstance(received, (str, int, float, bool)):
        return f"{where}: {message} (received {received!r})"
    return f"{where}: {message}"


def _resolved(config: Config, base: Path) -> Config:
    def rebase(path: Path | None) -> Path | None:
        return None if path is None else (base / path).resolve()

    universe = config.universe
    return config.model_copy(
        update={
            "data": None if config.data is None else config.data.model_copy(
                update={"prices": rebase(config.data.prices), "episodes": rebase(config.data.episodes)}
            ),
            "backtest": config.backtest.model_copy(
                update={"risk_free": rebase(config.backtest.risk_free) if isinstance(config.backtest.risk_free, Path) else config.backtest.risk_free}
            ),
            "universe": None if universe is None else universe.model_copy(
                update={
                    "prices": rebase(universe.prices), "benchmark": rebase(universe.benchmark),
                    "membership": rebase(universe.membership),
                }
            ),
            "models": [
                m.model_copy(update={"predictions": rebase(m.predictions), "provenance": rebase(m.provenance)})
                for m in config.models
            ],
            "site": config.site.model_copy(
                update={
                    "templates": rebase(config.site.templates),
                    "mkdocs_config": rebase(config.site.mkdocs_config),
                }
            ),
        }
    )


def config_from_mapping(table: dict[str, Any], source: Path) -> Config:
    """Validate a parsed TOML table; paths in it are relative to `source`'s folder.

    A model is a universe model when its predictions CSV has an `asset` column: the header of
    every readable predictions file is read here, so that a universe model named by a strategy,
    or a single-asset model named by a portfolio, is a config error (a missing file is left to
    the loaders to report)."""
    config = _resolved(_validated(Config, table, source), source.parent)
    universe = tuple(m.id for m in config.models if has_asset_column(m.predictions))
    config = config.model_copy(update={"universe_models": universe})
    problems = []
    for kind, entries, wanted in (("strategies", config.strategies, False), ("portfolios", config.portfolios, True)):
        for i, entry in enumerate(entries):
            model = config.model(entry.model)
            if config.is_universe_model(model.id) != wanted and model.predictions.is_file():
                what = "a universe model (its predictions have an `asset` column)" if not wanted else (
                    "a single-asset model (its predictions have no `asset` column)"
                )
                use = "[[portfolios]]" if not wanted else "[[strategies]]"
                problems.append(f"{kind}[{i}].model: {model.id!r} is {what}; name it from {use}")
    if config.data is None:
        for i, model in enumerate(config.models):
            if model.predictions.is_file() and not config.is_universe_model(model.id):
                problems.append(f"models[{i}]: {model.id!r} is a single-asset model and needs a [data] table")
    if problems:
        raise ConfigError(f"{source}: {'; '.join(problems)}")
    return config


def _validated(schema: type[BaseModel], table: dict[str, Any], source: Path):
    try:
        return schema.model_validate({**table, "source": source})
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise ConfigError(f"{source}: {problems}") from None


def train_config_from_mapping(table: dict[str, Any], source: Path) -> TrainConfig:
    """Validate the tables `reportgen train` reads; paths in them are relative to `source`'s folder."""
    config = _validated(TrainConfig, table, source)
    base = source.parent
    data, universe = config.data, config.universe
    return config.model_copy(
        update={
            "data": data and data.model_copy(update={"prices": (base / data.prices).resolve()}),
            "universe": universe and universe.model_copy(update={"prices": (base / universe.prices).resolve()}),
            "training": config.training.model_copy(update={"output": (base / config.training.output).resolve()}),
        }
    )


def load_config(path: Path | None = None) -> Config:
    """Read `path` (a reportgen TOML file) or, without it, `[tool.reportgen]` of ./pyproject.toml.

    A file named pyproject.toml is always read from its `[tool.reportgen]` table.
    """
    return config_from_mapping(*config_table(path))


def load_train_config(path: Path | None = None) -> TrainConfig:
    """The `[data]` and `[training]` tables of `path`, or of `[tool.reportgen]` in ./pyproject.toml."""
    return train_config_from_mapping(*config_table(path))


def config_table(path: Path | None = None) -> tuple[dict[str, Any], Path]:
    """The parsed reportgen table of `path` (or ./pyproject.toml) and the resolved file it came from."""
    source = Path(path) if path is not None else Path("pyproject.toml")
    if not source.is_file():
        what = "config file not found" if path is not None else (
            "no --config given and no reportgen.toml or pyproject.toml in the current folder"
        )
        raise ConfigError(f"{source}: {what}")
    try:
        document = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not a UTF-8 text file") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read ({exc.strerror})") from None
    if source.name == "pyproject.toml":
        document = document.get("tool", {}).get("reportgen")
        if document is None:
            raise ConfigError(f"{source}: no [tool.reportgen] table; pass --config FILE")
    return document, source.resolve()
