"""Ready fields of the universe pages (the templates only place them). No chart library here."""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.analysis.attention_tests import SIGNIFICANCE
from reportgen.inputs.universe import delisting_dates
from reportgen.results import PortfolioResult, UniverseModelResult


@dataclass(frozen=True)
class FactorRow:
    factor: str
    mean_ic: float
    ic_ir: float
    p_value: float
    n_dates: int
    spread: float  # mean top-minus-bottom quintile next-day return
    undefined: str
    significant: bool  # p < SIGNIFICANCE


def factor_rows(model: UniverseModelResult) -> list[FactorRow]:
    rows = []
    for ic in model.cross_section.ics:
        table = model.cross_section.quintiles[ic.factor]
        spread = float((table.iloc[:, -1] - table.iloc[:, 0]).mean()) if len(table) and not ic.undefined else float("nan")
        rows.append(
            FactorRow(ic.factor, ic.mean_ic, ic.ic_ir, ic.p_value, ic.n_dates, spread, ic.undefined,
                      bool(ic.p_value < SIGNIFICANCE) if ic.p_value == ic.p_value else False)
        )
    return rows


def weighting_sentence(p: PortfolioResult) -> str:
    """What the portfolio does, in one sentence (the template only places it)."""
    c = p.config
    score = {
        "equal": "equal weights",
        "prediction": "weights proportional to the prediction",
        "attention": "weights proportional to the attention score",
        "inverse_volatility": f"weights proportional to 1 / the {c.vol_window_days}-day volatility",
    }[c.weighting]
    pick = f"the {c.top_k} eligible assets with the highest prediction" if c.top_k else "every eligible asset"
    cap = f", each capped at {c.max_weight:.0%} (the excess stays in cash)" if c.max_weight else ""
    return (
        f"Holds {pick} (prediction > {c.threshold:g}) with {score}, {c.gross:.0%} invested{cap}; "
        f"rebalanced {c.rebalance} at the close, weights drifting with prices in between."
    )


@dataclass(frozen=True)
class UniverseCaveats:
    """What the universe pages must say about which assets could be held, and when."""

    fixed_universe: bool  # no [universe] membership: today's list of assets, survivorship bias by construction
    delistings: list[tuple[str, str]]  # (asset, ISO date of its last price): sold at that price, ineligible after


def universe_caveats(model: UniverseModelResult) -> UniverseCaveats:
    return UniverseCaveats(
        fixed_universe=model.membership is None,
        delistings=[(asset, last.date().isoformat()) for asset, last in delisting_dates(model.prices).items()],
    )
