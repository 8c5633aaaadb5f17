"""The model page: a tiny project whose model names a hand-made training sidecar."""

import copy
import hashlib
import json
import re
from pathlib import Path

import pytest

from reportgen.inputs.config import load_config
from reportgen.inputs.errors import DataError
from reportgen.pipeline import build, report
from reportgen.model.provenance import read_provenance
from reportgen.publish.views import fold_scores, loss_curves


def scores(auc, accuracy, log_loss, days=40):
    return {"days": days, "auc": auc, "accuracy": accuracy, "log_loss": log_loss}


def fold(number, fitted, forecast_end, model, always_up, yesterday, training, validation, best):
    return {
        "fold": number, "seed": 100 + number, "fitted_at": fitted,
        "train_start": "2021-02-01", "train_end": "2021-05-03",
        "validation_start": "2021-05-04", "validation_end": "2021-05-31",
        "forecast_start": fitted, "forecast_end": forecast_end,
        "train_samples": 66 + 20 * number, "validation_samples": 20,
        "epochs_run": len(training), "best_epoch": best,
        "training_loss": training, "validation_loss": validation, "validation_always_up_loss": 0.69,
        "scores": None if model is None else {"model": model, "always_up": always_up, "yesterday": yesterday},
    }


SIDECAR = {
    "created_by": "reportgen train", "reportgen_version": "0.1.0", "torch_version": "2.13.0+cpu",
    "convention": "The row dated t holds the probability that close t+1 is above close t.",
    "input": {
        "path": "prices.csv", "sha256": "ab" * 32, "rows": 300, "first_date": "2021-01-04",
        "last_date": "2022-02-18", "columns": {"date": "Date", "close": "Adjusted_close"},
    },
    "predictions_sha256": "",
    "features": ["log_return", "rsi_14"],
    "warmup_rows": 199,
    "training": {"lookback": 5, "epochs": 3, "patience": 2, "seed": 7},
    "determinism": "Same seed, same bytes.",
    "folds": [
        fold(0, "2021-06-01", "2021-07-26", scores(0.612, 0.55, 0.6850), scores(0.5, 0.525, 0.6900), scores(0.48, 0.45, 0.6950),
             [0.70, 0.68, 0.66], [0.700, 0.695, 0.697], 2),
        fold(1, "2021-07-27", "2021-09-20", scores(0.433, 0.475, 0.7012), scores(0.5, 0.6, 0.6800), scores(0.52, 0.5, 0.6900),
             [0.69, 0.67], [0.680, 0.690], 1),
        fold(2, "2021-09-21", "2021-09-21", None, None, None, [0.69], [0.691], 1),
    ],
    "overall": {"model": scores(0.52, 0.5125, 0.6931, 80), "always_up": scores(0.5, 0.5625, 0.6850, 80),
                "yesterday": scores(0.5, 0.475, 0.6925, 80)},
}


@pytest.fixture
def trained_project(tiny_project: Path) -> Path:
    sidecar = copy.deepcopy(SIDECAR)
    sidecar["predictions_sha256"] = hashlib.sha256((tiny_project / "predictions.csv").read_bytes()).hexdigest()
    (tiny_project / "predictions.json").write_text(json.dumps(sidecar))
    config = tiny_project / "reportgen.toml"
    config.write_text(config.read_text().replace('predictions = "predictions.csv"', 'predictions = "predictions.csv"\nprovenance = "predictions.json"'))
    return tiny_project


def test_tidy_frames_of_the_model_page(trained_project):
    training = read_provenance(trained_project / "predictions.json")
    auc = fold_scores(training, "auc", ("model", "yesterday"))
    assert auc["value"].tolist() == [0.612, 0.48, 0.433, 0.52]  # the fold without outcomes is left out
    assert list(auc["series"].unique()) == ["ATT-LSTM", "yesterday's direction"]
    curves = loss_curves(training, "validation_excess")
    assert curves["loss"].round(6).tolist() == [0.01, 0.005, 0.007, -0.01, 0.0, 0.001]
    assert curves.loc[curves["best"], ["fold", "epoch"]].values.tolist() == [[0, 2], [1, 1], [2, 1]]
    assert loss_curves(training, "training")["loss"].tolist() == [0.70, 0.68, 0.66, 0.69, 0.67, 0.69]


def test_model_page_is_built_with_its_tables_and_charts(trained_project):
    site = trained_project / "site"
    build(load_config(trained_project / "reportgen.toml"), site)
    html = (site / "models/tiny.html").read_text()
    assert re.findall(r'<div class="reportgen-chart" id="([^"]+)"', html) == [
        "chart-tiny-fold-auc", "chart-tiny-fold-accuracy", "chart-tiny-fold-log-loss",
        "chart-tiny-training-loss", "chart-tiny-validation-loss",
    ]
    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "below always up's in 1 of 2 folds" in text
    assert "not below it pooled (0.6931 vs 0.6850)" in text
    assert "ATT-LSTM 80 0.5200 51.25 % ± 5.59 % 0.6931" in text  # sqrt(0.5125 x 0.4875 / 80) = 5.59 %
    assert "0 2021-06-01 2021-07-26 66 + 20 3 (2) 0.6120 55.00 % 0.6850 0.6900 0.6950" in text  # kept epoch 2 of 3
    assert "1 (1) n/a n/a n/a n/a n/a" in text  # the last fold has no known outcome yet
    assert "close t+1 is above close t" in text
    assert "Mean AUC over the folds: 0.5225 for the model, 0.5000 for yesterday" in text  # (0.612 + 0.433) / 2
    index = (site / "index.html").read_text()
    assert 'href="models/tiny.html"' in index  # in the navigation
    methodology = (site / "methodology.html").read_text()
    assert "predictions.json" in methodology and "trained walk-forward by reportgen" in methodology


def test_a_sidecar_for_other_predictions_is_refused(trained_project):
    (trained_project / "predictions.csv").write_text((trained_project / "predictions.csv").read_text() + "\n")
    with pytest.raises(DataError, match=r"predictions.json: describes a predictions file with sha256 .*, but predictions.csv has"):
        report(load_config(trained_project / "reportgen.toml"))


def test_a_malformed_sidecar_is_a_data_error(trained_project):
    document = json.loads((trained_project / "predictions.json").read_text())
    del document["folds"][0]["best_epoch"]
    (trained_project / "predictions.json").write_text(json.dumps(document))
    with pytest.raises(DataError, match=r"not a reportgen train sidecar: folds.0.best_epoch: Field required"):
        report(load_config(trained_project / "reportgen.toml"))


def test_model_page_draws_every_chart_in_a_browser(trained_project):
    from test_browser import ARGS, CHROMIUM, _chromium_or_skip, chart_states, serving

    playwright_api = _chromium_or_skip()
    site = trained_project / "site"
    build(load_config(trained_project / "reportgen.toml"), site)
    with serving(site) as base, playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        errors, states = chart_states(browser, f"{base}/models/tiny.html", "svg g.mark-line path, svg g.mark-symbol path")
        browser.close()
    assert errors == []
    assert len(states) == 5 and all(state == "yes" and marks > 0 for _, state, marks in states), states
