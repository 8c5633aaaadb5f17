"""metrics.json: the machine-readable figures of a computed report."""

from __future__ import annotations

from reportgen.publish import metrics_fields
from reportgen.analysis.metrics import json_number as _json_number
from reportgen.results import ModelResult, Report



def metrics_document(report: Report, links: dict | None = None) -> dict:
    """The machine-readable figures of the report (site/metrics.json).

    `links` (downloads.download_paths) adds each strategy's and model's `downloads`.
    """

    def figures(values: dict[str, float]) -> dict:
        return {k: _json_number(v) for k, v in values.items()}

    document = {
        "reportgen_version": report.version,
        "build_date": report.build_date,
        "conventions": {
            "periods_per_year": report.periods_per_year,
            "risk_free_rate": report.risk_free_rate,
            **({} if report.risk_free_rate == 0.0 else {"risk_free_per_period": report.risk_free_per_period}),
            "returns": "simple daily returns of portfolio value",
            "execution": "orders fill at the close of the signal's bar",
            "fees": report.fees,
            "init_cash": report.init_cash,
            "units": "fractions (0.01 = 1 %); max_drawdown is negative",
        },
        "inputs": {f.path: {"sha256": f.sha256} for f in report.inputs},
        "config_sha256": report.config_sha256,
        **(
            {"benchmark": {"name": "Buy & hold", "model_dates": report.models[0].id, **figures(report.models[0].benchmark_metrics)}}
            if report.models else {}
        ),
        "models": {
            m.id: {
                "name": m.config.name,
                "start": m.output.index[0].date().isoformat(),
                "end": m.output.index[-1].date().isoformat(),
                "rows": len(m.output),
                "attention": {
                    "column": m.attention.column,
                    "degenerate": m.attention.degenerate,
                    "mean": m.attention.mean,
                    "std": m.attention.std,
                    **({"steps": m.attention.steps} if m.attention.steps is not None else {}),
                },
                **({"informativeness": _informativeness_document(m)} if m.informativeness is not None else {}),
                "benchmark": figures(m.benchmark_metrics),
            }
            for m in report.models
        },
        "strategies": {
            s.id: {
                "name": s.config.name,
                "model": m.id,
                **figures(s.metrics),
                "sharpe_365": _json_number(s.sharpe_vectorbt_default),
                "total_trades": s.total_trades,
                "open_trades": s.open_trades,
                "closed_trades": s.total_trades - s.open_trades,
                "total_fees": s.total_fees,
                "mean_exposure": float(s.exposure.mean()),
                "time_in_market": s.time_in_market,
                **({"attention_test": _attention_test_document(s.attention_test)} if s.attention_test else {}),
                **({"overlays": s.overlays.settings()} if s.overlays.groups else {}),
            }
            for m, s in report.strategies
        },
    }
    _add_robustness(document, report)
    if report.universe_models:
        document["models"].update({m.id: metrics_fields.universe_model_fields(m) for m in report.universe_models})
        document["portfolios"] = {p.id: metrics_fields.portfolio_fields(m, p) for m, p in report.portfolios}
    if links is not None:
        for kind in ("strategies", "models", "portfolios"):
            for entity_id, paths in links.get(kind, {}).items():
                document[kind][entity_id]["downloads"] = paths
    return document


def _add_robustness(document: dict, report: Report) -> None:
    """Statistics, cost/lag variants and episodes per strategy; `sweeps` per model."""
    conventions = document["conventions"]
    for m in report.models:
        robust = m.robustness
        if robust is None:
            continue
        conventions["bootstrap"] = {
            "method": "stationary block bootstrap (arch), paired across strategies and benchmark; percentile intervals",
            "resamples": robust.resamples, "seed": robust.seed, "confidence": robust.confidence,
        }
        conventions["psr"] = "P[true Sharpe > 0] (Bailey & Lopez de Prado 2012), per-period Sharpe, raw kurtosis"
        conventions["execution_lag_days"] = robust.execution_lag_days
        document["models"][m.id]["bootstrap_block_days"] = robust.block_days
        document["models"][m.id]["benchmark"].update(metrics_fields.benchmark_fields(robust))
        for s in m.strategies:
            document["strategies"][s.id].update(metrics_fields.strategy_fields(robust, s.id))
        if robust.sweep is not None:
            document.setdefault("sweeps", {})[m.id] = metrics_fields.sweep_fields(robust.sweep, report.periods_per_year)


def _informativeness_document(model: ModelResult) -> dict:
    info = model.informativeness
    c = info.calibration
    return {
        "forward_return": "simple return from the close of each prediction date to the next close",
        "scores": {
            name: {"mean": s.mean, "std": s.std, "degenerate": s.degenerate}
            for name, s in model.score_summaries.items()
        },
        "rank_ic": {
            ic.factor: {
                "ic": _json_number(ic.ic),
                "p_value_newey_west": _json_number(ic.p_value),
                "n": ic.n,
                "newey_west_lags": ic.lags,
                "undefined": ic.undefined or None,
            }
            for ic in info.rank_ics
        },
        "calibration": {
            "brier": c.brier,
            "brier_base_rate": c.brier_base_rate,
            "auc": _json_number(c.auc),
            "accuracy": c.accuracy,
            "always_up_accuracy": c.always_up_accuracy,
            "n": c.n,
        },
    }


def _attention_test_document(test) -> dict:
    return {
        "observed_sharpe": _json_number(test.observed_sharpe),
        "exposure_matched_size": test.exposure_matched_size,
        "exposure_matched_sharpe": _json_number(test.exposure_matched_sharpe),
        "permutation_p_value": _json_number(test.p_value),
        "n_permutations": test.n_permutations,
        "seed": test.seed,
        "placebo_sharpe_median": _json_number(test.null_quantile(0.5)),
        "placebo_sharpe_p05": _json_number(test.null_quantile(0.05)),
        "placebo_sharpe_p95": _json_number(test.null_quantile(0.95)),
        "verdict": test.verdict,
    }


