"""The files a reader takes away: a CSV behind every figure, and where the tearsheets go. pandas only.

Per strategy: its daily returns, its positions and exposure, its trades and its table of
figures; per model: the aligned input data the strategies were run on. Paths are relative to
the site root; metrics.json lists them (`downloads`) and the pages link them. Numbers are
written at full precision (pandas' shortest round-trip repr), dates as YYYY-MM-DD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from reportgen.analysis.thresholds import HELD_WEIGHT
from reportgen.compute.jobs import Job
from reportgen.results import ModelResult, PortfolioResult, Report, StrategyResult, UniverseModelResult

STRATEGY_FILES = {
    "daily_returns": "daily-returns.csv",
    "positions": "positions.csv",
    "trades": "trades.csv",
    "metrics": "metrics.csv",
}


def tearsheet_path(strategy_id: str) -> str:
    return f"tearsheets/{strategy_id}.html"


def quantstats_tearsheet_path(strategy_id: str) -> str:
    return f"tearsheets/{strategy_id}-quantstats.html"


def strategy_download_paths(strategy_id: str, quantstats: bool = False) -> dict[str, str]:
    """Site-relative paths of one strategy's downloads, by kind."""
    paths = {kind: f"downloads/strategies/{strategy_id}/{name}" for kind, name in STRATEGY_FILES.items()}
    paths["tearsheet"] = tearsheet_path(strategy_id)
    if quantstats:
        paths["quantstats_tearsheet"] = quantstats_tearsheet_path(strategy_id)
    return paths


def model_download_paths(model_id: str) -> dict[str, str]:
    return {"aligned_inputs": f"downloads/models/{model_id}/aligned-inputs.csv"}


PORTFOLIO_FILES = {
    "daily_returns": "daily-returns.csv",
    "weights": "weights.csv",
    "trades": "trades.csv",
    "contributions": "contributions.csv",
    "metrics": "metrics.csv",
}


# What a tearsheet carries inside it: its CSVs, the smallest first, up to 4 MiB in all. The rest (a
# 500-asset portfolio's weights and trades, 9 MB each) are links to the site's copies, so that the
# file stays small enough to mail (a 500-asset tearsheet: 3.9 MB, against 27.6 MB carrying all).
CARRIED_CSV_BYTES = 4 * 2**20


def _carried(files: dict[str, bytes]) -> set[str]:
    """The names of the CSVs a tearsheet carries: the smallest first, while they fit CARRIED_CSV_BYTES."""
    carried, total = set(), 0
    for name in sorted(files, key=lambda n: (len(files[n]), n)):
        total += len(files[name])
        if total > CARRIED_CSV_BYTES:
            break
        carried.add(name)
    return carried


def tearsheet_links(report: Report, attachments: dict[str, dict[str, bytes]]) -> dict[str, dict[str, str]]:
    """The CSVs a tearsheet (tearsheets/<id>.html) does not carry (see CARRIED_CSV_BYTES), by
    strategy or portfolio id and file name: each the link to the site's copy."""
    paths = {
        **{p.id: {name: portfolio_download_paths(p.id)[kind] for kind, name in PORTFOLIO_FILES.items()} for _, p in report.portfolios},
        **{s.id: {name: strategy_download_paths(s.id)[kind] for kind, name in STRATEGY_FILES.items()} for _, s in report.strategies},
    }
    links = {}
    for sheet, files in attachments.items():
        carried = _carried(files)
        links[sheet] = {name: f"../{paths[sheet][name]}" for name in files if name not in carried}
    return links


def portfolio_download_paths(portfolio_id: str) -> dict[str, str]:
    """Site-relative paths of one portfolio's downloads and tearsheet, by kind."""
    paths = {kind: f"downloads/portfolios/{portfolio_id}/{name}" for kind, name in PORTFOLIO_FILES.items()}
    paths["tearsheet"] = tearsheet_path(portfolio_id)  # portfolio ids never equal strategy ids (config)
    return paths


def download_paths(report: Report, quantstats_strategies: set[str] = frozenset()) -> dict[str, dict[str, dict[str, str]]]:
    """Every download of the report: {"strategies": {id: {kind: path}}, "models": {id: {kind: path}},
    "portfolios": {id: {kind: path}}}."""
    return {
        "strategies": {s.id: strategy_download_paths(s.id, s.id in quantstats_strategies) for _, s in report.strategies},
        "models": {m.id: model_download_paths(m.id) for m in report.models},
        "portfolios": {p.id: portfolio_download_paths(p.id) for _, p in report.portfolios},
    }


def daily_returns_frame(model: ModelResult, strategy: StrategyResult) -> pd.DataFrame:
    """date, return (simple, daily), value (portfolio value in cash), benchmark_return."""
    return pd.DataFrame(
        {
            "date": strategy.returns.index,
            "return": strategy.returns.to_numpy(),
            "value": strategy.value.to_numpy(),
            "benchmark_return": model.benchmark_returns.reindex(strategy.returns.index).to_numpy(),
        }
    )


def positions_frame(model: ModelResult, strategy: StrategyResult) -> pd.DataFrame:
    """date, price, signal (1 long wanted, 0 flat), requested_size, exposure (asset value / portfolio value)."""
    index = strategy.exposure.index
    return pd.DataFrame(
        {
            "date": index,
            "price": model.price.reindex(index).to_numpy(),
            "signal": strategy.signal.reindex(index).astype(int).to_numpy(),
            "requested_size": strategy.size.reindex(index).to_numpy(),
            "exposure": strategy.exposure.to_numpy(),
        }
    )


def trades_frame(strategy: StrategyResult) -> pd.DataFrame:
    """One row a trade: entry/exit date and price, size (units), pnl (cash), return, status."""
    return strategy.trades.reset_index(drop=True)


def _is_figure(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def metrics_frame(figures: dict, benchmark: dict, entity: str = "strategy") -> pd.DataFrame:
    """metric, <entity>, benchmark: the numeric entries of a strategy (or portfolio) in metrics.json, as they are there."""
    rows = [
        {
            "metric": name,
            entity: math.nan if value is None else value,
            "benchmark": math.nan if benchmark.get(name) is None else benchmark[name],
        }
        for name, value in figures.items()
        if _is_figure(value)
    ]
    return pd.DataFrame(rows, columns=["metric", entity, "benchmark"], dtype=object)  # counts stay integers


def aligned_inputs_frame(model: ModelResult) -> pd.DataFrame:
    """date, the model's output columns (prediction, attention, ...) and the price aligned to them."""
    frame = model.output.assign(price=model.price.reindex(model.output.index))
    return frame.rename_axis("date").reset_index()


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n").encode()


def strategy_frames(model: ModelResult, strategy, document: dict) -> dict[str, pd.DataFrame]:
    """A strategy's downloads by kind; figures from metrics.json."""
    return {
        "daily_returns": daily_returns_frame(model, strategy),
        "positions": positions_frame(model, strategy),
        "trades": trades_frame(strategy),
        "metrics": metrics_frame(document["strategies"][strategy.id], document["models"][model.id]["benchmark"]),
    }


def portfolio_frames(model: UniverseModelResult, portfolio: PortfolioResult, document: dict) -> dict[str, pd.DataFrame]:
    """A portfolio's downloads by kind: daily returns (date, return, value, exposure,
    benchmark_return); weights (date, asset, weight at the close after the day's orders, held
    assets only); orders (date, asset, side, size in units, price, value, fees); contributions
    (asset, profit / initial cash, fees included); figures as in metrics.json."""
    p = portfolio
    held = p.weights.rename_axis(index="date", columns="asset").stack().rename("weight").reset_index()
    return {
        "daily_returns": pd.DataFrame(
            {
                "date": p.returns.index,
                "return": p.returns.to_numpy(),
                "value": p.value.to_numpy(),
                "exposure": p.exposure.to_numpy(),
                "benchmark_return": model.benchmark_returns.reindex(p.returns.index).to_numpy(),
            }
        ),
        "weights": held[held["weight"].abs() > HELD_WEIGHT].reset_index(drop=True),
        "trades": p.trades,
        "contributions": p.contributions.rename_axis("asset").reset_index(),
        "metrics": metrics_frame(document["portfolios"][p.id], document["models"][model.id]["benchmark"], "portfolio"),
    }


@dataclass(frozen=True)
class AttachmentInput:
    """What every download task shares: the report and its metrics.json document."""

    report: Report
    document: dict


def attachment_files(shared: AttachmentInput, part_id: str) -> dict[str, bytes]:
    """One strategy's or portfolio's CSVs by file name (a task: 500-asset weights and orders are
    CSVs of a few hundred thousand rows)."""
    report, document = shared.report, shared.document
    for model, strategy in report.strategies:
        if strategy.id == part_id:
            return {STRATEGY_FILES[kind]: csv_bytes(frame) for kind, frame in strategy_frames(model, strategy, document).items()}
    model, portfolio = next((m, p) for m, p in report.portfolios if p.id == part_id)
    return {PORTFOLIO_FILES[kind]: csv_bytes(frame) for kind, frame in portfolio_frames(model, portfolio, document).items()}


def attachment_job(report: Report, document: dict) -> Job:
    """Every strategy's and portfolio's CSVs (the site's download files and the tearsheets'
    attachments) as a job of tasks, one a strategy or portfolio; attachments() takes its outputs."""
    ids = [s.id for _, s in report.strategies] + [p.id for _, p in report.portfolios]
    return Job(attachment_files, ids, AttachmentInput(report, document))


def attachments(job: Job, outputs: list[dict[str, bytes]]) -> dict[str, dict[str, bytes]]:
    """The CSVs by strategy or portfolio id and file name, from attachment_job's outputs."""
    return dict(zip(job.tasks, outputs, strict=True))


def unwritten_attachments(report: Report) -> dict[str, dict[str, bytes]]:
    """The attachments' names, each with no bytes: the files the pages link to, before they are made."""
    return {
        **{s.id: dict.fromkeys(STRATEGY_FILES.values(), b"") for _, s in report.strategies},
        **{p.id: dict.fromkeys(PORTFOLIO_FILES.values(), b"") for _, p in report.portfolios},
    }


def download_files(report: Report, made: dict[str, dict[str, bytes]]) -> dict[str, bytes]:
    """Every CSV of the report by its site-relative path (`made`: the attachments)."""
    paths = download_paths(report)
    files = {}
    for _, p in report.portfolios:
        for kind, name in PORTFOLIO_FILES.items():
            files[paths["portfolios"][p.id][kind]] = made[p.id][name]
    for _, s in report.strategies:
        for kind, name in STRATEGY_FILES.items():
            files[paths["strategies"][s.id][kind]] = made[s.id][name]
    for model in report.models:
        files[paths["models"][model.id]["aligned_inputs"]] = csv_bytes(aligned_inputs_frame(model))
    return files
