"""Bad input of a universe report, run through the command line, beside tests/test_corpus.py's
single-asset corpus: each case ends in exactly one `error:` line naming the file and what is
wrong, exit code 2, no traceback, and nothing written (the previous site byte for byte).

Every input is read and checked before any computation (reportgen.inputs.record.read_inputs),
so a problem in a file the build would reach last (a sidecar, the rate, the benchmark) stops
it as early as one in the prices. The base project names every kind of file a universe build
reads: prices, predictions (gzip-compressed), benchmark, risk-free rates, market episodes;
the cases add a provenance sidecar, a membership file and templates of their own.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import UNIVERSE_CONFIG, write_universe
from test_corpus import Case, Outcome, assert_one_error_line_and_nothing_written, outcomes_of, replace_in, write

C, P, Q, B, R, E = (
    "reportgen.toml", "universe_prices.csv", "universe_predictions.csv.gz", "benchmark.csv", "rates.csv",
    "data/market_episodes.csv",
)
CONFIG = (
    UNIVERSE_CONFIG.replace('prices = "universe_prices.csv"\n', 'prices = "universe_prices.csv"\nbenchmark = "benchmark.csv"\nbenchmark_column = "Index"\n')
    .replace('predictions = "universe_predictions.csv"', f'predictions = "{Q}"')
    .replace("fees = 0.0\n", 'fees = 0.0\nrisk_free = "rates.csv"\n')
)


def base_files(project: Path) -> None:
    write_universe(project)
    predictions = project / "universe_predictions.csv"
    (project / Q).write_bytes(gzip.compress(predictions.read_bytes(), mtime=0))
    predictions.unlink()
    dates = pd.read_csv(project / P)["Date"]
    index = 1000 * np.exp(np.cumsum(np.random.default_rng(11).normal(0.0003, 0.01, len(dates))))
    pd.DataFrame({"Date": dates, "Index": np.round(index, 4)}).to_csv(project / B, index=False)
    pd.DataFrame({"date": dates, "rate": 0.02}).to_csv(project / R, index=False)
    (project / "data").mkdir()
    (project / E).write_text(
        "name,start,end,description\nEarly 2021,2021-01-04,2021-02-26,The first two months\n"
    )
    (project / C).write_text(CONFIG)


def predictions_edit(change) -> callable:
    """Edit the gzip-compressed predictions as a DataFrame of strings."""

    def edit(project: Path) -> None:
        path = project / Q
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame = change(frame)
        path.write_bytes(gzip.compress(frame.to_csv(index=False).encode(), mtime=0))

    return edit


def set_prediction(row: int, column: str, value: str):
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return predictions_edit(change)


def truncated(project: Path) -> None:
    path = project / Q
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def benchmark_in_2030(project: Path) -> None:
    frame = pd.read_csv(project / B)
    frame["Date"] = pd.bdate_range("2030-01-01", periods=len(frame)).strftime("%Y-%m-%d")
    frame.to_csv(project / B, index=False)


def rates_until(last: str):
    def edit(project: Path) -> None:
        frame = pd.read_csv(project / R)
        frame[frame["date"] <= last].to_csv(project / R, index=False)

    return edit


def sidecar(document) -> callable:
    def edit(project: Path) -> None:
        text = document if isinstance(document, str) else json.dumps(document(project))
        (project / "universe_predictions.json").write_text(text)
        replace_in(C, f'predictions = "{Q}"\n', f'predictions = "{Q}"\nprovenance = "universe_predictions.json"\n')(project)

    return edit


def template_with_a_syntax_error(project: Path) -> None:
    from conftest import REPO

    shutil.copytree(REPO / "templates", project / "templates")
    replace_in("templates/universe.md.j2", "{{", "{{ {{", )(project)


def error(name: str, message: str):
    return lambda project: f"error: {project / name}: {message}"


def _set_price(project: Path, row: int, asset: str, value: str) -> None:
    frame = pd.read_csv(project / P, dtype=str, keep_default_na=False)
    frame.loc[row, asset] = value
    frame.to_csv(project / P, index=False)


def _duplicate_price_row(project: Path, row: int) -> None:
    frame = pd.read_csv(project / P, dtype=str, keep_default_na=False)
    frame.loc[row + 1, "Date"] = frame.loc[row, "Date"]
    frame.to_csv(project / P, index=False)


def _softmax_message(project: Path) -> str:
    frame = pd.read_csv(project / Q)
    total = frame.loc[10, ["att_0", "att_1", "att_2", "att_3"]].sum()
    return (f"error: {project / Q}: {ROW12}, columns att_0 .. att_3: attention weights of a row must sum to 1 "
            f"(a softmax), got {total:g}")


def _other_sidecar() -> dict:
    from conftest import REPO

    document = json.loads((REPO / "examples/universe/data/sp20_att_lstm.json").read_text())
    return document


def _stale_message(project: Path) -> str:
    import hashlib

    from conftest import REPO

    described = json.loads((REPO / "examples/universe/data/sp20_att_lstm.json").read_text())["predictions_sha256"]
    actual = hashlib.sha256((project / Q).read_bytes()).hexdigest()
    return (f"error: {project / 'universe_predictions.json'}: describes a predictions file with sha256 {described[:12]}..., "
            f"but {Q} has {actual[:12]}...; rerun reportgen train, or remove the provenance key")


def _template_message(project: Path) -> str:
    lines = (project / "templates/universe.md.j2").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "{{ {{" in text)
    return f"error: {project / 'templates/universe.md.j2'}:{line}: template error: expected token ':', got '}}'"


def _sidecar_missing(project: Path) -> None:
    sidecar("{}")(project)
    (project / "universe_predictions.json").unlink()


def membership(content: str | None):
    """Name a membership file in [universe] and write it (None: leave it missing)."""

    def edit(project: Path) -> None:
        if content is not None:
            (project / "membership.csv").write_text(content)
        replace_in(C, 'benchmark_column = "Index"\n', 'benchmark_column = "Index"\nmembership = "membership.csv"\n')(project)

    return edit


ROW12 = "row 12, asset 'AAA' (2021-01-20)"  # data row 10 of the predictions: the third date's first asset
CASES = [
    # missing, truncated, binary, empty
    Case("u-prices-missing", lambda p: (p / P).unlink(), error(P, "file not found")),
    Case("u-predictions-missing", lambda p: (p / Q).unlink(), error(Q, "file not found")),
    Case("u-benchmark-missing", lambda p: (p / B).unlink(), error(B, "file not found")),
    Case("u-rates-missing", lambda p: (p / R).unlink(), error(R, "file not found")),
    Case("u-predictions-truncated", truncated, error(Q, "compressed data ends early (the file is truncated)")),
    Case("u-predictions-not-gzip", write(Q, "date,asset,predictions\n2021-01-04,AAA,0.5\n"),
         error(Q, "is not gzip-compressed, though its name ends in .gz")),
    Case("u-predictions-binary", write(Q, gzip.compress(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", mtime=0)),
         error(Q, "is not a CSV: it holds binary data (a NUL byte at byte 8)")),
    Case("u-prices-binary", write(P, b"\x7fELF\x02\x01\x01\x00\x00\x00"), error(P, "is not a CSV: it holds binary data (a NUL byte at byte 7)")),
    Case("u-prices-empty", write(P, ""), error(P, "file is empty")),
    Case("u-benchmark-header-only", write(B, "Date,Index\n"), error(B, "no data rows (header only)")),
    # wrong columns
    Case("u-prices-no-date-column", replace_in(P, "Date,", "When,"),
         error(P, "no date column 'Date'; columns found: 'When', 'AAA', 'BBB', 'CCC', 'DDD', 'EEE'")),
    Case("u-predictions-no-asset-column",
         predictions_edit(lambda f: f.rename(columns={"asset": "ticker"})),
         lambda p: f"error: {p / C}: portfolios[0].model: 'uni' is a single-asset model (its predictions have no "
                   "`asset` column); name it from [[strategies]]; portfolios[1].model: 'uni' is a single-asset model "
                   "(its predictions have no `asset` column); name it from [[strategies]]; models[0]: 'uni' is a "
                   "single-asset model and needs a [data] table"),
    Case("u-predictions-no-predictions-column", predictions_edit(lambda f: f.rename(columns={"predictions": "p"})),
         error(Q, "no predictions column 'predictions'; columns found: 'date', 'asset', 'p', 'att_0', 'att_1', 'att_2', 'att_3'")),
    Case("u-predictions-no-attention", predictions_edit(lambda f: f.drop(columns=["att_0", "att_1", "att_2", "att_3"])),
         error(Q, "no attention column 'attention_max'; scores such as attention_max need the attention vector as columns att_0 .. att_{T-1}")),
    Case("u-benchmark-wrong-column", replace_in(B, "Index", "SPX"),
         error(B, "no price column 'Index'; columns found: 'Date', 'SPX'")),
    Case("u-rates-wrong-columns", replace_in(R, "rate", "yield"),
         error(R, "no risk-free column 'rate'; columns found: 'date', 'yield'")),
    Case("u-episodes-wrong-columns", replace_in(E, "description", "notes"),
         error(E, "no episode column 'description'; columns found: 'name', 'start', 'end', 'notes'")),
    # NaN, negative attention, duplicates, values
    Case("u-prediction-nan", set_prediction(10, "predictions", "NaN"),
         error(Q, f"{ROW12}, column 'predictions': expected a finite number, got 'NaN'")),
    Case("u-price-nan", lambda p: _set_price(p, 2, "AAA", "NaN"),
         error(P, "row 4 (2021-01-06), asset 'AAA': expected a finite number, got 'NaN'")),
    Case("u-attention-negative", set_prediction(10, "att_2", "-0.1"),
         error(Q, f"{ROW12}, column 'att_2': attention weights must be >= 0, got -0.1")),
    Case("u-attention-not-a-softmax", set_prediction(10, "att_2", "0.9"), lambda p: _softmax_message(p)),
    Case("u-predictions-duplicate", predictions_edit(lambda f: pd.concat([f.iloc[:11], f.iloc[10:11], f.iloc[11:]])),
         error(Q, "rows 12 and 13: asset 'AAA' on 2021-01-20 appears twice (one row per date and asset)")),
    Case("u-prices-duplicate-date", lambda p: _duplicate_price_row(p, 3),
         error(P, "rows 5 and 6, column 'Date': duplicate date 2021-01-07")),
    Case("u-predictions-unknown-asset", set_prediction(10, "asset", "ZZZ"),
         error(Q, "row 12, asset 'ZZZ' (2021-01-20): asset 'ZZZ' has no prices: it is not a column of "
                  "universe_prices.csv (columns: 'AAA', 'BBB', 'CCC', 'DDD', 'EEE')")),
    # how the files fit together
    Case("u-benchmark-disjoint", benchmark_in_2030,
         error(B, "no prediction date (2021-01-18..2021-04-23) has a price (2030-01-01..2030-04-22)")),
    Case("u-rates-stop-early", rates_until("2021-03-31"),
         error(R, "risk-free rates stops on 2021-03-31, but the report runs from 2021-01-18 to 2021-04-23; "
                  "extend the file to cover those dates")),
    Case("u-fewer-rows-than-min-rows", replace_in(C, "fees = 0.0\n", "fees = 0.0\nmin_rows = 500\n"),
         error(Q, "only 70 prediction dates have prices; at least 500 needed ([backtest] min_rows)")),
    Case("u-sidecar-missing", _sidecar_missing, error("universe_predictions.json", "file not found (named by a model's provenance key)")),
    Case("u-sidecar-not-json", sidecar("{not json"),
         error("universe_predictions.json", "not a JSON file (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))")),
    Case("u-sidecar-of-other-predictions", sidecar(lambda p: _other_sidecar()), lambda p: _stale_message(p)),
    Case("u-template-syntax-error", template_with_a_syntax_error, lambda p: _template_message(p)),
    Case("u-membership-missing", membership(None), error("membership.csv", "file not found")),
    Case("u-membership-wrong-columns", membership("asset,from,end\nAAA,2021-01-04,\n"),
         error("membership.csv", "no start column 'start'; columns found: 'asset', 'from', 'end'")),
    Case("u-membership-unknown-asset", membership("asset,start,end\nAAA,2021-01-04,\nZZZ,2021-01-04,\n"),
         error("membership.csv", "row 3: asset 'ZZZ' is not a column of the universe's prices")),
    Case("u-membership-binary", membership("asset\x00start"),
         error("membership.csv", "is not a CSV: it holds binary data (a NUL byte at byte 5)")),
    # bad config values
    Case("u-top-k-zero", replace_in(C, 'weighting = "equal"\n', 'weighting = "equal"\ntop_k = 0\n'),
         error(C, "portfolios[0].top_k: Input should be greater than or equal to 1 (received 0)")),
    Case("u-unknown-weighting", replace_in(C, 'weighting = "equal"\n', 'weighting = "equals"\n'),
         error(C, "portfolios[0].weighting: Input should be 'equal', 'prediction', 'attention' or 'inverse_volatility' (received 'equals')")),
    Case("u-benchmark-without-column", replace_in(C, 'benchmark_column = "Index"\n', ""),
         error(C, "universe: benchmark_column: required when benchmark is set")),
    Case("u-permutations-zero", replace_in(C, "permutations = 50", "permutations = 0"),
         error(C, "attention_tests.permutations: Input should be greater than or equal to 1 (received 0)")),
]


@pytest.fixture(scope="module")
def base_project(tmp_path_factory) -> Path:
    """The universe project with a site built by a previous run."""
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import build

    project = tmp_path_factory.mktemp("universe-base")
    base_files(project)
    build(load_config(project / C), project / "site")
    return project


@pytest.fixture(scope="module")
def outcomes(base_project: Path, tmp_path_factory) -> dict[str, Outcome]:
    return outcomes_of(CASES, base_project, tmp_path_factory.mktemp("universe-corpus"))


def test_the_corpus_covers_every_kind_of_bad_input():
    ids = {c.id for c in CASES}
    assert len(ids) == len(CASES) >= 30
    for kind in ("missing", "truncated", "binary", "empty", "column", "nan", "negative", "duplicate", "disjoint"):
        assert any(kind in i for i in ids), kind


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_universe_input_is_one_error_line_and_writes_nothing(case: Case, outcomes):
    outcome = outcomes[case.id]
    assert_one_error_line_and_nothing_written(case, outcome)
    assert "backtesting" not in outcome.stderr  # stopped before any computation
