"""`reportgen train` for a universe: one walk-forward ATT-LSTM pooled across assets.

Reads `[universe] prices` (narrowed by `[training] assets`), computes every asset's features,
plans the folds on the universe's dates (anchored at its first date, as for one asset), has
`map_folds` run `pooled_fold` once per fold (in this process, or on Dask workers: the caller
decides), and writes the long-format predictions (`date, asset, predictions, attention_mean,
att_0 .. att_{T-1}`, sorted by date then asset) and the provenance sidecar with pooled and
per-asset scores. Nothing is written unless every fold trained.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from reportgen.inputs.config import TrainConfig
from reportgen.inputs.errors import ConfigError
from reportgen.inputs.universe import read_universe_prices
from reportgen.model.features import next_day_up, price_features, warmup_rows
from reportgen.model.pooled import PooledFoldFit, UniverseData, pooled_fold
from reportgen.model.provenance import (
    CONVENTION,
    AssetFoldRecord,
    UniverseFoldRecord,
    UniverseProvenance,
    provenance_path,
)
from reportgen.model.training import (
    DETERMINISM,
    TrainingRun,
    check_enough_rows,
    predictions_bytes,
    scores_record,
    sidecar_header,
    write_training_output,
)
from reportgen.model.walkforward import Fold, fold_plan

UNIVERSE_CONVENTION = CONVENTION + (
    " In the long format each (date, asset) row is that forecast for that asset; every forecast of a "
    "fold comes from one model trained on the samples of all assets pooled."
)
UNIVERSE_DETERMINISM = DETERMINISM + (
    " Each fold is one task that seeds itself and sets torch's thread count, and results are put "
    "together in fold order, so the files do not depend on the scheduler or the number of workers."
)

# map_folds(pooled_fold, folds, data) -> one PooledFoldFit per fold, in fold order
FoldMap = Callable[[Callable[[UniverseData, Fold], PooledFoldFit], list[Fold], UniverseData], list[PooledFoldFit]]


def in_this_process(function, folds, data):
    return [function(data, fold) for fold in folds]


def universe_prices(config: TrainConfig) -> pd.DataFrame:
    """The universe's prices (dates x assets), narrowed to `[training] assets` in the file's order."""
    universe = config.universe
    prices = read_universe_prices(universe.prices, universe.date_column, universe.exchange_timezone)
    chosen = config.training.assets
    if chosen is None:
        return prices
    unknown = [asset for asset in chosen if asset not in prices.columns]
    if unknown:
        raise ConfigError(
            f"{config.source}: training.assets: {', '.join(repr(a) for a in unknown)} not a column of "
            f"{universe.prices.name}; expected some of {list(prices.columns)}"
        )
    return prices[[asset for asset in prices.columns if asset in chosen]]


def universe_data(config: TrainConfig, prices: pd.DataFrame) -> tuple[UniverseData, list[str]]:
    """Every asset's features, labels and first sample row; the feature names."""
    tables = {asset: price_features(pd.DataFrame({"close": prices[asset]})) for asset in prices.columns}
    warmups = np.array([warmup_rows(table) for table in tables.values()])
    settings = config.training
    data = UniverseData(
        features=np.stack([table.to_numpy() for table in tables.values()]),
        next_day_up=np.stack([next_day_up(prices[asset]).to_numpy() for asset in prices.columns]),
        today_up=np.stack([(prices[asset].diff() > 0).to_numpy() for asset in prices.columns]),
        first_sample_rows=warmups + settings.lookback - 1,
        settings=settings,
    )
    check_enough_rows(config, config.universe.prices, len(prices), int(warmups.min()))  # the earliest asset's
    return data, list(next(iter(tables.values())).columns)


def _joined(fits: list[PooledFoldFit]) -> dict[str, np.ndarray]:
    """Every fold's forecasts, sorted by row (date), then asset."""
    keys = ("asset", "rows", "probability", "attention", "always_up", "yesterday")
    joined = {key: np.concatenate([getattr(fit, key) for fit in fits]) for key in keys}
    order = np.lexsort((joined["asset"], joined["rows"]))
    return {key: values[order] for key, values in joined.items()}


def universe_predictions_frame(dates: pd.DatetimeIndex, assets: list[str], joined: dict[str, np.ndarray]) -> pd.DataFrame:
    """date (index), asset, predictions, attention_mean, att_0 .. att_{T-1} (att_0 the newest day)."""
    attention = joined["attention"]
    frame = pd.concat(
        [
            pd.DataFrame({
                "asset": np.asarray(assets, dtype=object)[joined["asset"]],
                "predictions": joined["probability"],
                "attention_mean": attention.mean(axis=1),
            }),
            pd.DataFrame(attention, columns=[f"att_{k}" for k in range(attention.shape[1])]),
        ],
        axis=1,
    )
    frame.index = pd.Index(dates[joined["rows"]].strftime("%Y-%m-%d"), name="date")
    return frame


def _scores_where(data: UniverseData, joined: dict[str, np.ndarray], where: np.ndarray):
    asset, rows = joined["asset"][where], joined["rows"][where]
    return scores_record(
        data.next_day_up[asset, rows], joined["probability"][where], joined["always_up"][where],
        joined["yesterday"][where], data.today_up[asset, rows],
    )


def _fold_record(fit: PooledFoldFit, dates, assets: list[str], data: UniverseData, joined) -> UniverseFoldRecord:
    fold, in_fold = fit.fold, np.isin(joined["rows"], fit.fold.forecast_rows)
    return UniverseFoldRecord(
        fold=fold.number,
        seed=fit.seed,
        fitted_at=dates[fold.fit_row],
        train_start=dates[min(p.train_rows.start for p in fit.samples)],
        train_end=dates[fit.samples[0].train_rows[-1]],
        validation_start=dates[fit.samples[0].validation_rows[0]],
        validation_end=dates[fit.samples[0].validation_rows[-1]],
        forecast_start=dates[fold.forecast_rows[0]],
        forecast_end=dates[fold.forecast_rows[-1]],
        train_samples=sum(len(p.train_rows) for p in fit.samples),
        validation_samples=sum(len(p.validation_rows) for p in fit.samples),
        epochs_run=len(fit.training_loss),
        best_epoch=fit.best_epoch,
        training_loss=fit.training_loss,
        validation_loss=fit.validation_loss,
        validation_always_up_loss=fit.validation_always_up_loss,
        scores=_scores_where(data, joined, in_fold),
        assets={
            assets[p.asset]: AssetFoldRecord(
                train_samples=len(p.train_rows),
                validation_samples=len(p.validation_rows),
                scores=_scores_where(data, joined, in_fold & (joined["asset"] == p.asset)),
            )
            for p in fit.samples
        },
    )


def universe_provenance(
    config: TrainConfig, prices: pd.DataFrame, feature_names: list[str], data: UniverseData,
    fits: list[PooledFoldFit], joined: dict[str, np.ndarray], predictions_sha256: str,
) -> UniverseProvenance:
    dates = prices.index.date
    assets = list(prices.columns)
    path, base = config.universe.prices, config.source.parent
    return UniverseProvenance(
        **sidecar_header(
            path, base, hashlib.sha256(path.read_bytes()).hexdigest(), len(prices), dates, {"date": config.universe.date_column}
        ),
        convention=UNIVERSE_CONVENTION,
        predictions_sha256=predictions_sha256,
        features=feature_names,
        warmup_rows=int(data.first_sample_rows.min()) - config.training.lookback + 1,
        training=config.training.model_dump(mode="json", exclude={"output"}, exclude_none=True),
        determinism=UNIVERSE_DETERMINISM,
        folds=[_fold_record(fit, dates, assets, data, joined) for fit in fits],
        overall=_scores_where(data, joined, np.ones(len(joined["rows"]), dtype=bool)),
        assets=assets,
        overall_per_asset={asset: _scores_where(data, joined, joined["asset"] == i) for i, asset in enumerate(assets)},
    )


def run_universe_training(config: TrainConfig, output: Path | None = None, map_folds: FoldMap = in_this_process) -> TrainingRun:
    """Fit the pooled walk-forward on the universe; write the predictions (`output`, else
    `[training] output`) and the sidecar; nothing is written unless every fold trained."""
    settings = config.training
    prices = universe_prices(config)
    data, feature_names = universe_data(config, prices)
    folds = fold_plan(
        len(prices), int(data.first_sample_rows.min()), settings.min_train, settings.refit_every,
        settings.validation_days, settings.window_days,
    )
    fits = map_folds(pooled_fold, folds, data)
    joined = _joined(fits)
    predictions = universe_predictions_frame(prices.index, list(prices.columns), joined)
    csv_path = output.resolve() if output is not None else settings.output
    content = predictions_bytes(predictions, csv_path)  # formatted (and compressed) once
    predictions_sha256 = hashlib.sha256(content).hexdigest()
    run = TrainingRun(
        predictions=predictions,
        provenance=universe_provenance(config, prices, feature_names, data, fits, joined, predictions_sha256),
        csv_path=csv_path,
        provenance_path=provenance_path(csv_path),
    )
    write_training_output(run, content)
    return run
