"""Every input of a build, read and checked before any computation: `read_inputs(config) -> Inputs`.

    config -> templates (parse) -> episodes -> prices -> each model's predictions, attention
      vector, sidecar, benchmark and risk-free rate (aligned to its dates) -> Inputs

Each file the config names is opened, decompressed, parsed and checked here (existence,
readability, compression, CSV shape, columns, values), and so is how the files fit together (the
predictions' dates have prices, the benchmark and the rate cover them, a sidecar describes its
predictions as they are): the first problem is a ReportgenError naming the file, and nothing has
been computed yet. The stages then take plain pandas objects from the record and never open a
file. What the loaders correct (dates sorted, prices carried forward) is in `notes`, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2
import pandas as pd

from reportgen.inputs import loaders, universe
from reportgen.inputs.config import Config, ModelConfig
from reportgen.inputs.errors import ConfigError, DataError
from reportgen.inputs.provenance import Provenance, checked_provenance
from reportgen.inputs.resources import episodes_file, input_files

# derived_scores(weights) -> the scores derived from a (dates x lags) attention vector, one column
# each (reportgen.analysis.attention.attention_scores): a predictions CSV may name one of them as
# its attention column instead of carrying it.
DerivedScores = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class ModelData:
    """A single-asset model's inputs: its predictions, attention vector and sidecar, and the
    prices and annual risk-free rate on its prediction dates."""

    output: pd.DataFrame  # columns prediction, attention; indexed by date
    weights: pd.DataFrame | None  # the attention vector (dates x lags), when the CSV carries one
    derived: pd.DataFrame | None  # the scores derived from it (DerivedScores), when it does
    provenance: Provenance | None
    price: pd.Series  # [data] prices on the prediction dates (carried forward)
    annual_risk_free: pd.Series  # on the prediction dates


@dataclass(frozen=True)
class UniverseModelData:
    """A universe model's inputs: its long-format predictions and sidecar, and the benchmark's
    prices and annual risk-free rate on its prediction dates."""

    # without the attention vectors (weights None): see below; None, and `derived` too, once a head
    # start (reportgen.evaluation.stage) made the model's frames of them
    predictions: universe.UniversePredictions | None
    provenance: Provenance | None
    dates: pd.DatetimeIndex  # its prediction dates, sorted
    benchmark: pd.Series | None  # [universe] benchmark prices on `dates` (None: equal weight)
    annual_risk_free: pd.Series  # on `dates`
    membership: pd.DataFrame | None = None  # [universe] membership spells (asset, start, end); None: a fixed universe
    # What the report uses of the attention vectors, derived as they are read, so that the vectors
    # (200 MB at 500 assets x 20 years of 10 steps) are not held through the build: the derived
    # scores per (date, asset), the mean vector of each asset and the vector's length.
    derived: pd.DataFrame | None = None
    profile: pd.DataFrame | None = None  # assets x lags
    steps: int | None = None


@dataclass(frozen=True)
class Inputs:
    """Every input of a build, checked: what the stages compute from."""

    episodes: pd.DataFrame  # market episodes (loaders.read_market_episodes)
    prices: pd.Series | None  # [data] prices, when a single-asset model reads them
    universe_prices: pd.DataFrame | None  # [universe] prices (dates x assets), when a universe model does
    models: dict[str, ModelData]  # single-asset models by id
    universe_models: dict[str, UniverseModelData]  # universe models by id
    templates: Path  # the page templates' folder, every template in it parsed
    mkdocs: Path
    notes: loaders.Notes = field(default_factory=list)  # (file, sentence): what reading corrected


def read_inputs(config: Config, derived_scores: DerivedScores) -> Inputs:
    """Every file `config` names, read and checked (see the module's docstring); the first
    problem raises a ReportgenError naming the file."""
    notes: loaders.Notes = []
    files = input_files(config)
    for path in files.data:  # first what costs nothing: each file is there, readable, and text
        if path.suffix == ".json":
            if not path.is_file():
                raise DataError(f"{path}: file not found (named by a model's provenance key)")
        else:
            loaders.checked_csv_file(path)
    checked_templates(files.templates)
    episodes = loaders.read_market_episodes(episodes_file(config))
    single = [m for m in config.models if not config.is_universe_model(m.id)]
    pooled = [m for m in config.models if config.is_universe_model(m.id)]
    prices = None
    if single:
        d = config.data
        prices = loaders.read_prices(d.prices, d.date_column, d.price_column, d.exchange_timezone, notes)
    universe_prices = benchmark = membership = None
    if pooled:
        u = config.universe
        universe_prices = universe.read_universe_prices(u.prices, u.date_column, u.exchange_timezone, notes)
        if u.membership is not None:
            membership = universe.read_membership(u.membership, universe_prices.columns, u.exchange_timezone, notes)
        if u.benchmark is not None:
            benchmark = loaders.read_prices(u.benchmark, u.date_column, u.benchmark_column, u.exchange_timezone, notes)
    return Inputs(
        episodes=episodes,
        prices=prices,
        universe_prices=universe_prices,
        models={m.id: read_model_data(config, m, prices, derived_scores, notes) for m in single},
        universe_models={
            m.id: read_universe_model_data(config, m, universe_prices, benchmark, membership, derived_scores, notes) for m in pooled
        },
        templates=files.templates,
        mkdocs=files.mkdocs,
        notes=notes,
    )


def checked_templates(folder: Path) -> None:
    """A ConfigError naming the file and line of the first template in `folder` that cannot be
    read or parsed (what a template refers to is checked when it is rendered)."""
    if not folder.is_dir():
        raise ConfigError(f"{folder}: the page templates must be a folder")
    env = jinja2.Environment()
    for template in sorted(folder.rglob("*.j2")):
        try:
            env.parse(template.read_text(encoding="utf-8"), template.name, str(template))
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{template}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise ConfigError(f"{template}: cannot read ({exc.strerror})") from None
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"{template}:{exc.lineno}: template error: {exc.message}") from None


def _sidecar(model: ModelConfig) -> Provenance | None:
    return None if model.provenance is None else checked_provenance(model.provenance, model.predictions)


def read_model_data(config: Config, model: ModelConfig, prices: pd.Series, derived_scores: DerivedScores, notes: loaders.Notes) -> ModelData:
    """A single-asset model's inputs, read and checked against the [data] `prices`."""
    timezone = config.data.exchange_timezone
    weights = loaders.read_attention_weights(model.predictions, model.attention_prefix, model.attention_order, timezone)
    derived = None if weights is None else derived_scores(weights)
    output = loaders.read_predictions(model.predictions, model.attention_column, derived, timezone, notes)
    price = loaders.aligned_prices(prices, output.index, model.predictions, config.backtest.min_rows, notes)
    return ModelData(
        output=output, weights=weights, derived=derived, provenance=_sidecar(model), price=price,
        annual_risk_free=loaders.read_risk_free(config.backtest.risk_free, price.index, timezone),
    )


def read_universe_model_data(
    config: Config, model: ModelConfig, prices: pd.DataFrame, benchmark: pd.Series | None, membership: pd.DataFrame | None,
    derived_scores: DerivedScores, notes: loaders.Notes,
) -> UniverseModelData:
    u = config.universe
    read = universe.read_universe_predictions(
        model.predictions, prices.columns, u.prices, model.attention_column, model.attention_prefix,
        model.attention_order, u.exchange_timezone, notes,
    )
    derived = None if read.weights is None else derived_scores(read.weights)
    if model.attention_column not in read.output.columns:
        derivable = [] if derived is None else list(derived.columns)
        if model.attention_column not in derivable:
            hint = (
                "; scores derived from the attention vector: " + ", ".join(derivable) if derivable
                else "; scores such as attention_max need the attention vector as columns att_0 .. att_{T-1}"
            )
            raise DataError(f"{model.predictions}: no attention column {model.attention_column!r}{hint}")
    dates = read.output.index.get_level_values("date").unique()
    overlap = int(dates.isin(prices.index).sum())
    if overlap < config.backtest.min_rows:
        raise DataError(
            f"{model.predictions}: only {overlap} prediction dates have prices; at least {config.backtest.min_rows} "
            "needed ([backtest] min_rows)"
        )
    aligned = None if benchmark is None else loaders.aligned_prices(benchmark, dates, u.benchmark, 1, notes)
    return UniverseModelData(
        predictions=replace(read, weights=None), provenance=_sidecar(model), dates=dates, benchmark=aligned,
        annual_risk_free=loaders.read_risk_free(config.backtest.risk_free, dates, u.exchange_timezone), membership=membership,
        derived=derived, profile=None if read.weights is None else read.weights.groupby(level="asset").mean(),
        steps=None if read.weights is None else read.weights.shape[1],
    )
