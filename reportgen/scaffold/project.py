"""The files `reportgen init` writes: the config's JSON Schema beside the config (for the
`#:schema` line editors read), a .gitignore and a GitHub Actions workflow, with the config of
config_file.py. Every input is read and checked, and the config validated, before a file is
written; an existing file is never overwritten.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path

from reportgen import __version__
from reportgen.inputs.config import BacktestConfig, config_from_mapping
from reportgen.inputs.errors import DataError, ReportgenError
from reportgen.inputs.loaders import aligned_prices, read_attention_weights, read_predictions, read_prices
from reportgen.inputs.universe import read_universe_predictions, read_universe_prices
from reportgen.scaffold import example
from reportgen.scaffold.config_file import CONFIG_FILE, config_text
from reportgen.scaffold.detect import Inputs, read_predictions_layout, read_prices_layout
from reportgen.scaffold.schema import SCHEMA_FILE, config_schema, schema_text

WORKFLOW_FILE = ".github/workflows/report.yml"


def _reference(path: Path, folder: Path) -> str:
    """`path` as the config names it: relative to the project folder when it is inside it or
    beside it (`data/x.csv`, `../x.csv`), else absolute (a far-away relative path is unreadable)."""
    try:
        relative = Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive
        return path.resolve().as_posix()
    return path.resolve().as_posix() if relative.startswith("../../") else relative


def inspect_inputs(
    folder: Path, prices: Path, predictions: Path, universe: bool = False,
    price_column: str | None = None, date_column: str | None = None,
) -> Inputs:
    """Read both files, decide the columns, and check them with reportgen's own loaders."""
    found = read_predictions_layout(predictions)
    if universe and not found.assets:
        raise DataError(f"{predictions}: --universe: the predictions have no 'asset' column (one row per date and asset)")
    layout = read_prices_layout(prices, date_column, price_column, universe=bool(found.assets))
    if found.assets:
        missing = [a for a in found.assets if a not in layout.columns]
        if missing:
            raise DataError(
                f"{prices}: no price column for {len(missing)} asset(s) of {predictions.name}: "
                f"{', '.join(repr(a) for a in missing[:10])}; a universe's prices are wide: a date column and one column per asset"
            )
    inputs = Inputs(layout, found, _reference(prices, folder), _reference(predictions, folder))
    _check_with_loaders(inputs)
    return inputs


def _check_with_loaders(inputs: Inputs) -> None:
    """What `reportgen build` will read, read now: an input it would refuse fails init instead."""
    prices, predictions = inputs.prices, inputs.predictions
    if inputs.universe:
        table = read_universe_prices(prices.path, prices.date_column)
        read_universe_predictions(
            predictions.path, list(table.columns), prices.path, predictions.attention_column or "attention_mean",
            predictions.attention_prefix or "att_",
        )
        return
    closes = read_prices(prices.path, prices.date_column, prices.price_column)
    column = predictions.attention_column
    if predictions.attention_prefix is not None:
        read_attention_weights(predictions.path, predictions.attention_prefix)
        column = f"{predictions.attention_prefix}0"  # a CSV column: the derived scores are the analysis' to make
    dates = read_predictions(predictions.path, column).index
    aligned_prices(closes, dates, predictions.path, BacktestConfig().min_rows)


def example_inputs(universe: bool) -> tuple[Inputs, dict[str, str]]:
    """The synthetic example's files and what init finds in them (read from a scratch folder)."""
    files = example.universe_files() if universe else example.single_asset_files()
    with tempfile.TemporaryDirectory(prefix="reportgen-init-") as scratch:
        for name, text in files.items():
            (Path(scratch) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(scratch) / name).write_text(text, encoding="utf-8")
        found = inspect_inputs(Path(scratch), Path(scratch) / "data/prices.csv", Path(scratch) / "data/predictions.csv", universe)
    return Inputs(found.prices, found.predictions, "data/prices.csv", "data/predictions.csv", example=True), files


GITIGNORE = """\
# The report reportgen builds (reportgen build), and its lock file.
site/
.site.reportgen-lock
"""


def workflow_text(config_name: str = CONFIG_FILE) -> str:
    """A GitHub Actions workflow: build with --strict on every push, publish from the default branch."""
    return f"""\
# Build the report on every push with --strict (a new warning fails it) and, from the default
# branch, publish site/ to GitHub Pages. Written by `reportgen init`. Once: in the repository's
# Settings > Pages choose "Source: GitHub Actions". GitHub reads workflows from the repository
# root's .github/workflows/, so keep this project at the root (or move this file there and add
# `working-directory:` to the steps).
name: report

on:
  push:
  workflow_dispatch:

permissions:
  contents: read

concurrency:
  group: pages-${{{{ github.ref }}}}
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    env:
      NO_MKDOCS_2_WARNING: "1"
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install reportgen
        # The version that wrote this project. From its repository instead:
        # pip install "reportgen @ git+https://github.com/OWNER/reportgen@TAG"
        run: pip install "reportgen=={__version__}"
      - name: Build the report
        # The last commit's time dates the build, so the same commit builds the same site.
        run: |
          export SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"
          reportgen build --strict --config {config_name}
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site/

  deploy:
    needs: build
    if: github.ref == format('refs/heads/{{0}}', github.event.repository.default_branch)
    runs-on: ubuntu-latest
    permissions:
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def project_files(inputs: Inputs, data_files: dict[str, str] | None = None) -> dict[str, str]:
    """Every file of the project, by path relative to its folder; the config is validated first."""
    text = config_text(inputs)
    return {
        **(data_files or {}),
        CONFIG_FILE: text,
        SCHEMA_FILE: schema_text(config_schema()),
        ".gitignore": GITIGNORE,
        WORKFLOW_FILE: workflow_text(),
    }


def validate_config(folder: Path, text: str) -> None:
    """The config as `reportgen build` will read it, in `folder`: a bug of init if it fails."""
    config_from_mapping(tomllib.loads(text), folder.resolve() / CONFIG_FILE)


def write_project(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write `files` under `folder`, all or none: an existing file is an error, before any write."""
    for name in files:
        if (folder / name).exists():
            raise ReportgenError(f"{folder / name}: already exists; reportgen init never overwrites a file (choose another folder)")
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def init_project(
    folder: Path, prices: Path | None, predictions: Path | None, universe: bool = False,
    price_column: str | None = None, date_column: str | None = None,
) -> tuple[Inputs, list[Path]]:
    """`reportgen init`: inspect the inputs (or make the example), validate the config, then write
    every file of the project; nothing is written when anything fails."""
    if prices is None:
        inputs, data = example_inputs(universe)
    else:
        inputs, data = inspect_inputs(folder, prices, predictions, universe, price_column, date_column), {}
    files = project_files(inputs, data)
    validate_config(folder, files[CONFIG_FILE])
    return inputs, write_project(folder, files)

