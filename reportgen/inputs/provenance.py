"""The provenance sidecar of a predictions CSV made by `reportgen train`: its schema and reader.

`reportgen train` writes it beside the CSV (same name, suffix .json); `reportgen build` reads it
for a model's page when the model's `provenance` key names it. pydantic only, no torch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from reportgen.inputs.errors import DataError

CONVENTION = (
    "The row dated t holds the probability that the close of the next trading day (t+1) is above "
    "the close of day t, computed from data up to and including the close of day t; entering at "
    "the close of t uses nothing from the future. att_0 is the attention weight on day t itself "
    "(the newest day of the window), att_k the weight on k trading days earlier; the weights of a "
    "row are positive and sum to 1, so attention_mean is always 1/T (kept for compatibility)."
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scores(_Record):
    days: int  # days with a known outcome
    auc: float | None  # None when only one outcome occurred
    accuracy: float
    log_loss: float  # nats


    @property
    def accuracy_standard_error(self) -> float:
        """Binomial standard error of the accuracy over `days` independent days."""
        return (self.accuracy * (1 - self.accuracy) / self.days) ** 0.5 if self.days else float("nan")


class ScoresAgainstBaselines(_Record):
    model: Scores
    always_up: Scores  # the training share of up days, every day
    yesterday: Scores  # the training frequency of an up day after a day like today


class FoldRecord(_Record):
    fold: int  # 0-based
    seed: int
    fitted_at: dt.date  # the last close known when the fold was fitted
    train_start: dt.date  # dates of the first and last training samples (the windows' last days)
    train_end: dt.date
    validation_start: dt.date
    validation_end: dt.date
    forecast_start: dt.date  # the fold's forecast rows (out of sample)
    forecast_end: dt.date
    train_samples: int
    validation_samples: int
    epochs_run: int
    best_epoch: int  # 1-based; the weights kept
    training_loss: list[float]  # per epoch: mean loss of its batches, dropout on
    validation_loss: list[float]  # per epoch: loss on the validation slice, dropout off
    validation_always_up_loss: float  # the always-up baseline's loss on the validation slice
    scores: ScoresAgainstBaselines | None  # None when no forecast day has a known outcome yet


class InputRecord(_Record):
    path: str  # relative to the config's folder
    sha256: str
    rows: int
    first_date: dt.date
    last_date: dt.date
    columns: dict[str, str]  # role (close, open, high, low, volume) -> column of the CSV


class Provenance(_Record):
    created_by: str
    reportgen_version: str
    torch_version: str
    convention: str
    input: InputRecord
    predictions_sha256: str  # of the predictions CSV this sidecar describes
    features: list[str]
    warmup_rows: int  # rows before every feature is defined
    training: dict  # the [training] settings used
    determinism: str
    folds: list[FoldRecord]
    overall: ScoresAgainstBaselines | None  # every forecast day with a known outcome, pooled

    @property
    def seed(self) -> int:
        return int(self.training["seed"])

    def mean_fold_score(self, forecast: str, metric: str) -> float:
        """The mean over folds of one score (`forecast` model/always_up/yesterday); NaN if none."""
        values = [getattr(getattr(f.scores, forecast), metric) for f in self.folds if f.scores is not None]
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else float("nan")


class AssetFoldRecord(_Record):
    """One asset in one fold of a universe walk-forward."""

    train_samples: int
    validation_samples: int
    scores: ScoresAgainstBaselines | None  # its forecast days with a known outcome (baselines fitted on its own days)


class UniverseFoldRecord(FoldRecord):
    """A fold of one model pooled across assets: the dates are the fold's, the samples and scores
    the pooled ones (all assets' days together); `assets` breaks them down."""

    assets: dict[str, AssetFoldRecord]  # only the assets the fold trained on and forecast


class UniverseProvenance(Provenance):
    assets: list[str]  # the columns of the universe prices trained on, in their order
    folds: list[UniverseFoldRecord]
    overall_per_asset: dict[str, ScoresAgainstBaselines | None]

    def assets_beating(self, baseline: str) -> list[str]:
        """The assets whose forecasts (all folds) have a lower log loss than `baseline`'s."""
        return [
            asset for asset, s in self.overall_per_asset.items()
            if s is not None and s.model.log_loss < getattr(s, baseline).log_loss
        ]


def provenance_path(predictions: Path) -> Path:
    """Where the sidecar of a predictions CSV goes: beside it, suffix .json (x.csv.gz -> x.json)."""
    return (predictions.with_suffix("") if predictions.suffix == ".gz" else predictions).with_suffix(".json")


def checked_provenance(path: Path, predictions: Path) -> Provenance:
    """The sidecar at `path`, refused unless it describes the predictions file as it is now."""
    document = read_provenance(path)
    actual = hashlib.sha256(predictions.read_bytes()).hexdigest()
    if document.predictions_sha256 != actual:
        raise DataError(
            f"{path}: describes a predictions file with sha256 {document.predictions_sha256[:12]}..., "
            f"but {predictions.name} has {actual[:12]}...; rerun reportgen train, or remove the provenance key"
        )
    return document


def read_provenance(path: Path) -> Provenance:
    """The sidecar at `path` (a UniverseProvenance when it lists assets); a DataError names the
    file and the first problem."""
    if not path.is_file():
        raise DataError(f"{path}: file not found (named by a model's provenance key)")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a JSON file ({exc})") from None
    schema = UniverseProvenance if isinstance(document, dict) and "assets" in document else Provenance
    try:
        return schema.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise DataError(
            f"{path}: not a reportgen train sidecar: {where}: {first['msg']} "
            f"({exc.error_count()} problem(s))"
        ) from None
