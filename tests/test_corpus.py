"""Bad input, run through the command line: each case must end in exactly one `error:` line
naming the file (and the row, date and column where they apply), exit code 2, no traceback,
and nothing written: the site a previous build made stays byte for byte as it was, and no
temporary folder or lock file is left beside it.

Each case edits a copy of a tiny project whose site was built before; the cases run as
concurrent processes, each one `python -m reportgen build` forked from a process that has
imported the CLI already (conftest.reportgen_cli_preloaded: 0.3 s a case, not 1.2 s).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from reportgen.publish.safe_output import build_lock

from conftest import REPO, file_manifest, make_tiny_project, reportgen_cli_preloaded, stop_preloaded_cli

Edit = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    id: str
    edit: Edit
    expected: Callable[[Path], str]  # the error line, from the project folder
    args: tuple[str, ...] = ()
    holds_lock: bool = False  # the test process holds the site's lock while the build runs
    env: dict[str, str] = field(default_factory=dict)


def set_cell(name: str, index: int, column: int, value: str) -> Edit:
    """Set one cell (data row `index`, 0-based; column number) of a CSV of the project."""

    def edit(project: Path) -> None:
        path = project / name
        lines = path.read_text().splitlines()
        cells = lines[index + 1].split(",")
        cells[column] = value
        lines[index + 1] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n")

    return edit


def write(name: str, content: str | bytes) -> Edit:
    def edit(project: Path) -> None:
        path = project / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)

    return edit


def replace_in(name: str, old: str, new: str) -> Edit:
    def edit(project: Path) -> None:
        path = project / name
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1))

    return edit


def both(*edits: Edit) -> Edit:
    def edit(project: Path) -> None:
        for step in edits:
            step(project)

    return edit


def no_edit(project: Path) -> None:
    pass


def prediction_dates_moved_to_2030(project: Path) -> None:
    frame = pd.read_csv(project / "predictions.csv", index_col=0)
    frame.index = pd.bdate_range("2030-01-01", periods=len(frame)).strftime("%Y-%m-%d")
    frame.to_csv(project / "predictions.csv")


def title_line() -> int:
    """The line of the bundled overview template that prints the report's title."""
    lines = (REPO / "templates/index.md.j2").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if "report.title" in line)


def user_templates_with_a_typo(project: Path) -> None:
    shutil.copytree(REPO / "templates", project / "templates")
    replace_in("templates/index.md.j2", "report.title", "report.titel")(project)


def mkdocs_config_with_a_missing_extension(project: Path) -> None:
    text = (REPO / "mkdocs.yml").read_text().replace("  - tables\n", "  - tables\n  - no_such_extension\n")
    (project / "mkdocs.yml").write_text(text)


def prices_moved_to_a_data_folder(project: Path) -> None:
    (project / "data").mkdir()
    (project / "prices.csv").rename(project / "data" / "prices.csv")
    replace_in("reportgen.toml", 'prices = "prices.csv"', 'prices = "data/prices.csv"')(project)


def a_folder_of_the_users_files(project: Path) -> None:
    (project / "mine").mkdir()
    (project / "mine" / "thesis.tex").write_text("years of work")


def a_home_folder(project: Path) -> None:
    (project.parent / "home").mkdir()
    (project.parent / "home" / ".bashrc").write_text("export PS1='$ '")


def a_link_to_the_project(project: Path) -> None:
    (project.parent / "out").symlink_to(project)


P, Q, C = "prices.csv", "predictions.csv", "reportgen.toml"
ROW5_PRICE, ROW5_PREDICTION = "2021-01-07", "2021-02-04"  # the dates on line 5 of each file


def error(name: str, message: str) -> Callable[[Path], str]:
    return lambda project: f"error: {project / name}: {message}"


CASES = [
    # prices
    Case("prices-missing", lambda p: (p / P).unlink(), error(P, "file not found")),
    Case("prices-empty", write(P, ""), error(P, "file is empty")),
    Case("prices-header-only", write(P, "Date,Adjusted_close\n"), error(P, "no data rows (header only)")),
    Case("prices-no-date-column", replace_in(P, "Date,", "When,"),
         error(P, "no date column 'Date'; columns found: 'When', 'Adjusted_close'")),
    Case("prices-no-price-column", replace_in(P, "Adjusted_close", "Close"),
         error(P, "no price column 'Adjusted_close'; columns found: 'Date', 'Close'")),
    Case("price-not-a-number", set_cell(P, 3, 1, "abc"),
         error(P, f"row 5 ({ROW5_PRICE}), column 'Adjusted_close': expected a finite number, got 'abc'")),
    Case("price-empty-cell", set_cell(P, 3, 1, ""),
         error(P, f"row 5 ({ROW5_PRICE}), column 'Adjusted_close': expected a finite number, got ''")),
    Case("price-nan", set_cell(P, 3, 1, "NaN"),
         error(P, f"row 5 ({ROW5_PRICE}), column 'Adjusted_close': expected a finite number, got 'NaN'")),
    Case("price-zero", set_cell(P, 3, 1, "0"),
         error(P, f"row 5 ({ROW5_PRICE}), column 'Adjusted_close': prices must be positive, got 0")),
    Case("price-negative", set_cell(P, 3, 1, "-5.5"),
         error(P, f"row 5 ({ROW5_PRICE}), column 'Adjusted_close': prices must be positive, got -5.5")),
    Case("prices-duplicate-date", set_cell(P, 4, 0, ROW5_PRICE),
         error(P, f"rows 5 and 6, column 'Date': duplicate date {ROW5_PRICE}")),
    Case("prices-unparseable-date", set_cell(P, 3, 0, "yesterday"),
         error(P, "row 5, column 'Date': cannot parse date 'yesterday' (expected ISO 8601, such as 2024-01-31)")),
    Case("prices-day-first-date", set_cell(P, 3, 0, "07/01/2021"),
         error(P, "row 5, column 'Date': cannot parse date '07/01/2021' (expected ISO 8601, such as 2024-01-31)")),
    Case("prices-mixed-offsets", set_cell(P, 0, 0, "2021-01-04T16:00:00-05:00"),
         error(P, "row 3, column 'Date': date '2021-01-05' has no UTC offset but row 2 "
                  "('2021-01-04T16:00:00-05:00') does; give every date an offset or none")),
    Case("prices-semicolons", write(P, "Date;Adjusted_close\n2021-01-04;100\n"),
         error(P, "looks semicolon-delimited; reportgen reads comma-separated CSV")),
    Case("prices-tabs", write(P, "Date\tAdjusted_close\n2021-01-04\t100\n"),
         error(P, "looks tab-delimited; reportgen reads comma-separated CSV")),
    Case("prices-ragged-row", set_cell(P, 3, 1, "100,7"),
         error(P, "not a readable CSV (Error tokenizing data. C error: Expected 2 fields in line 5, saw 3)")),
    Case("prices-not-utf8", write(P, b"Date,Adjusted_close\n2021-01-04,\xff\n"),
         error(P, "not a readable CSV ('utf-8' codec can't decode byte 0xff in position 31: invalid start byte)")),
    # predictions
    Case("predictions-missing", lambda p: (p / Q).unlink(), error(Q, "file not found")),
    Case("predictions-a-folder", replace_in(C, 'predictions = "predictions.csv"', 'predictions = "."'),
         lambda p: f"error: {p}: is a folder, not a CSV file"),
    Case("predictions-no-predictions-column", replace_in(Q, ",predictions,", ",prediction,"),
         error(Q, "no predictions column 'predictions'; columns found: 'Unnamed: 0', 'prediction', 'attention_mean'")),
    Case("predictions-no-attention-column", replace_in(Q, "attention_mean", "attn"),
         error(Q, "no attention column 'attention_mean'; columns found: 'Unnamed: 0', 'predictions', 'attn'; "
                  "scores such as attention_max need the attention vector as columns att_0 .. att_{T-1}")),
    Case("prediction-nan", set_cell(Q, 3, 1, "nan"),
         error(Q, f"row 5 ({ROW5_PREDICTION}), column 'predictions': expected a finite number, got 'nan'")),
    Case("prediction-above-one", set_cell(Q, 3, 1, "1.5"),
         error(Q, f"row 5 ({ROW5_PREDICTION}), column 'predictions': probabilities must be in [0, 1], got 1.5")),
    Case("prediction-negative", set_cell(Q, 3, 1, "-0.1"),
         error(Q, f"row 5 ({ROW5_PREDICTION}), column 'predictions': probabilities must be in [0, 1], got -0.1")),
    Case("attention-nan", set_cell(Q, 3, 2, "NaN"),
         error(Q, f"row 5 ({ROW5_PREDICTION}), column 'attention_mean': expected a finite number, got 'NaN'")),
    Case("attention-infinite", set_cell(Q, 3, 2, "inf"),
         error(Q, f"row 5 ({ROW5_PREDICTION}), column 'attention_mean': expected a finite number, got 'inf'")),
    Case("attention-negative", set_cell(Q, 3, 2, "-0.2"),
         error(Q, f"row 5 ({ROW5_PREDICTION}), column 'attention_mean': attention must be >= 0, got -0.2")),
    Case("no-overlap-with-prices", prediction_dates_moved_to_2030,
         error(Q, "no prediction date (2030-01-01..2031-01-27) has a price (2021-01-04..2022-02-25)")),
    Case("fewer-rows-than-min-rows", replace_in(C, "fees = 0.001", "fees = 0.001\nmin_rows = 500"),
         error(Q, "only 280 prediction dates have a price; at least 500 needed ([backtest] min_rows)")),
    Case("prediction-before-the-first-price", set_cell(Q, 0, 0, "2020-12-31"),
         error(Q, "2020-12-31: prediction dated before the first price")),
    # config
    Case("config-missing", no_edit, lambda p: "error: nope.toml: config file not found", ("--config", "nope.toml")),
    Case("toml-syntax-error", replace_in(C, "fees = 0.001", "fees = "),
         lambda p: "error: reportgen.toml: invalid TOML: Invalid value (at line 10, column 8)"),
    Case("unknown-key", replace_in(C, 'sizing = "attention"', 'sizing = "attention"\ntreshold = 0.6'),
         error(C, "strategies[1].treshold: unknown key (did you mean 'threshold'?)")),
    Case("unknown-table", replace_in(C, "[backtest]", "[backtests]"),
         error(C, "backtests: unknown key (did you mean 'backtest'?)")),
    Case("unknown-model", replace_in(C, 'model = "tiny"\nsizing', 'model = "tiny2"\nsizing'),
         error(C, "strategies[1].model: unknown model 'tiny2'; expected one of ['tiny']")),
    Case("duplicate-strategy-ids", replace_in(C, 'id = "sized"', 'id = "signal"'),
         error(C, "strategies: duplicate id 'signal'")),
    Case("negative-fees", replace_in(C, "fees = 0.001", "fees = -0.01"),
         error(C, "backtest.fees: Input should be greater than or equal to 0 (received -0.01)")),
    Case("negative-init-cash", replace_in(C, "init_cash = 1000", "init_cash = -100"),
         error(C, "backtest.init_cash: Input should be greater than 0 (received -100)")),
    Case("infinite-init-cash", replace_in(C, "init_cash = 1000", "init_cash = inf"),
         error(C, "backtest.init_cash: Input should be a finite number (received inf)")),
    Case("threshold-above-one", replace_in(C, 'model = "tiny"\n', 'model = "tiny"\nthreshold = 1.5\n'),
         error(C, "strategies[0].threshold: Input should be less than or equal to 1 (received 1.5)")),
    Case("threshold-negative", replace_in(C, 'model = "tiny"\n', 'model = "tiny"\nthreshold = -0.5\n'),
         error(C, "strategies[0].threshold: Input should be greater than or equal to 0 (received -0.5)")),
    Case("stop-loss-negative", replace_in(C, 'model = "tiny"\n', 'model = "tiny"\nstop_loss = -0.05\n'),
         error(C, "strategies[0].stop_loss: Input should be greater than 0 (received -0.05)")),
    Case("stop-loss-of-one", replace_in(C, 'model = "tiny"\n', 'model = "tiny"\nstop_loss = 1.0\n'),
         error(C, "strategies[0].stop_loss: Input should be less than 1 (received 1.0)")),
    Case("vol-window-zero", replace_in(C, 'model = "tiny"\n', 'model = "tiny"\nvol_target = 0.15\nvol_window_days = 0\n'),
         error(C, "strategies[0].vol_window_days: Input should be greater than or equal to 2 (received 0)")),
    Case("vol-target-negative", replace_in(C, 'model = "tiny"\n', 'model = "tiny"\nvol_target = -0.15\n'),
         error(C, "strategies[0].vol_target: Input should be greater than 0 (received -0.15)")),
    Case("min-hold-zero", replace_in(C, 'model = "tiny"\n', 'model = "tiny"\nmin_hold_days = 0\n'),
         error(C, "strategies[0].min_hold_days: Input should be greater than or equal to 1 (received 0)")),
    Case("take-profit-negative", replace_in(C, 'model = "tiny"\n', 'model = "tiny"\ntake_profit = -0.1\n'),
         error(C, "strategies[0].take_profit: Input should be greater than 0 (received -0.1)")),
    Case("trailing-stop-without-a-stop", replace_in(C, 'model = "tiny"\n', 'model = "tiny"\ntrailing_stop = true\n'),
         error(C, "strategies[0]: trailing_stop: needs a stop_loss")),
    Case("sweep-stop-loss-of-one", replace_in(C, "[backtest]", "[sweep]\nstop_losses = [0, 1]\n\n[backtest]"),
         error(C, "sweep.stop_losses[1]: Input should be less than 1 (received 1)")),
    Case("unknown-time-zone", replace_in(C, 'prices = "prices.csv"', 'prices = "prices.csv"\nexchange_timezone = "Mars/Olympus"'),
         error(C, "data.exchange_timezone: unknown time zone; expected an IANA name such as 'America/New_York' "
                  "(received 'Mars/Olympus')")),
    Case("user-template-error", user_templates_with_a_typo,
         lambda p: f"error: {p / 'templates/index.md.j2'}:{title_line()}: template error: "
                   "'reportgen.results.Report object' has no attribute 'titel'"),
    # output folder
    Case("site-dir-current-folder", no_edit,
         lambda p: f"error: .: refusing to replace {p}: it is the current folder; choose another --site-dir",
         ("--site-dir", ".")),
    Case("site-dir-project-folder", no_edit,
         lambda p: f"error: {p}: refusing to replace {p}: it is the project folder; choose another --site-dir",
         ("--site-dir", "{project}", "--config", "{project}/reportgen.toml", "--cwd-parent")),
    Case("site-dir-holds-the-data", prices_moved_to_a_data_folder,
         lambda p: f"error: data: refusing to replace {p / 'data'}: it contains an input of this build "
                   f"({p / 'data' / 'prices.csv'}); choose another --site-dir",
         ("--site-dir", "data")),
    Case("site-dir-home", a_home_folder,
         lambda p: f"error: ../home: refusing to replace {p.parent / 'home'}: it is the home folder; choose another --site-dir",
         ("--site-dir", "../home"), env={"HOME": "{project}/../home"}),
    Case("site-dir-users-folder", a_folder_of_the_users_files,
         lambda p: f"error: mine: folder is not empty and was not made by reportgen (no .reportgen-site); "
                   "choose another --site-dir or empty it",
         ("--site-dir", "mine")),
    Case("site-dir-link-to-the-project", a_link_to_the_project,
         lambda p: f"error: ../out: refusing to replace {p}: it is the current folder; choose another --site-dir",
         ("--site-dir", "../out")),
    Case("mkdocs-config-error", mkdocs_config_with_a_missing_extension,
         error("mkdocs.yml", "mkdocs: Config value 'markdown_extensions': Failed to load extension "
                             "'no_such_extension'. ModuleNotFoundError: No module named 'no_such_extension'; "
                             "Aborted with a configuration error!")),
    Case("second-build-while-one-runs", no_edit,
         lambda p: f"error: {p / 'site'}: another reportgen build (pid {os.getpid()}) is writing this site "
                   f"(lock {p / '.site.reportgen-lock'}); wait for it to finish",
         holds_lock=True),
]


@dataclass(frozen=True)
class Outcome:
    project: Path
    returncode: int
    stderr: str
    written: dict  # entries of the case's folder that the build added, removed or changed


@pytest.fixture(scope="module")
def base_project(tmp_path_factory) -> Path:
    """The tiny project with a site built by a previous run."""
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import build

    project = make_tiny_project(tmp_path_factory.mktemp("base"))
    build(load_config(project / "reportgen.toml"), project / "site")
    return project


def _run(case: Case, base: Path, folder: Path) -> Outcome:
    project = folder / "project"
    shutil.copytree(base, project, symlinks=True)
    case.edit(project)
    project = project.resolve()
    args = [a.replace("{project}", str(project)) for a in case.args if a != "--cwd-parent"]
    cwd = project.parent if "--cwd-parent" in case.args else project
    if "--config" not in args:
        args += ["--config", "reportgen.toml"]
    env = {k: v.replace("{project}", str(project)) for k, v in case.env.items()}
    before = file_manifest(folder)
    lock = build_lock(project / "site") if case.holds_lock else contextlib.nullcontext()
    with lock:
        result = reportgen_cli_preloaded("build", *args, cwd=cwd, **env)
    after = file_manifest(folder)
    written = {k: after.get(k) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    return Outcome(project, result.returncode, result.stderr, written)


def outcomes_of(cases: list[Case], base: Path, root: Path) -> dict[str, Outcome]:
    """Each case run on its own copy of `base`, as concurrent processes (reportgen_cli_preloaded)."""
    try:
        with ThreadPoolExecutor(max_workers=(os.cpu_count() or 2) + 2) as pool:
            futures = {c.id: pool.submit(_run, c, base, root / c.id) for c in cases}
            return {case_id: future.result() for case_id, future in futures.items()}
    finally:
        stop_preloaded_cli()  # no process of these builds outlives them


def assert_one_error_line_and_nothing_written(case: Case, outcome: Outcome) -> None:
    assert "Traceback" not in outcome.stderr
    assert outcome.returncode == 2, outcome.stderr
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("error:")]
    assert errors == [case.expected(outcome.project)], outcome.stderr
    assert outcome.stderr.splitlines()[-1] == errors[0]
    assert outcome.written == {}  # the previous site byte for byte; no temporary folder, no lock file


@pytest.fixture(scope="module")
def outcomes(base_project: Path, tmp_path_factory) -> dict[str, Outcome]:
    return outcomes_of(CASES, base_project, tmp_path_factory.mktemp("corpus"))


def test_the_corpus_is_large_enough():
    assert len({c.id for c in CASES}) == len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_error_line_and_writes_nothing(case: Case, outcomes):
    assert_one_error_line_and_nothing_written(case, outcomes[case.id])
