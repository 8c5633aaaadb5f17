"""The committed output of `reportgen train` agrees with its sidecar and with pyproject's settings."""

import hashlib
import tomllib

import numpy as np
import pandas as pd

from conftest import REPO
from reportgen.model.provenance import read_provenance

CSV = REPO / "data" / "att_lstm_predictions.csv"


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_bundled_predictions_match_their_sidecar_and_settings():
    provenance = read_provenance(CSV.with_suffix(".json"))
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["reportgen"]["training"]
    assert provenance.predictions_sha256 == sha256(CSV)
    assert provenance.input.sha256 == sha256(REPO / provenance.input.path)
    assert provenance.training == {k: v for k, v in settings.items() if k != "output"}
    assert str(REPO / settings["output"]) == str(CSV)
    frame = pd.read_csv(CSV, index_col=0)
    lookback = settings["lookback"]
    assert list(frame.columns[2:]) == [f"att_{k}" for k in range(lookback)]
    assert frame.index[0] == provenance.folds[0].forecast_start.isoformat()
    assert frame.index[-1] == provenance.input.last_date.isoformat()
    assert len(provenance.folds) == -(-(provenance.input.rows - settings["min_train"] + 1) // settings["refit_every"])
    weights = frame.filter(like="att_").to_numpy()
    largest = weights.max(axis=1)
    assert largest.std() / largest.mean() > 0.01  # the attention varies from day to day
    assert np.allclose(weights.sum(axis=1), 1, atol=1e-6)
