"""Ready fields of the universe pages (the templates only place them). No chart library here."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reportgen.analysis.attention_tests import SIGNIFICANCE
from reportgen.inputs.universe import delisting_dates
from reportgen.publish import findings, formats
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
                      bool(ic.p_value < SIGNIFICANCE))  # False for NaN
        )
    return rows


NAMED_ASSETS = 20  # more assets than this: the opening sentence names the first and last only


@dataclass(frozen=True)
class AssetList:
    """How a universe page names its assets: inline when few, else the count, the first and last
    names in the sentence and the whole list folded under a note (500 names would open the page)."""

    names: list[str]

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def inline(self) -> bool:
        return self.count <= NAMED_ASSETS

    @property
    def first(self) -> str:
        return self.names[0] if self.names else ""

    @property
    def last(self) -> str:
        return self.names[-1] if self.names else ""


def asset_list(model: UniverseModelResult) -> AssetList:
    return AssetList([str(a) for a in model.assets])


def _configured_share(value: float) -> str:
    """A configured fraction as the percentage it was meant as: 0.25 -> '25 %' (no wrap)."""
    return f"{formats.setting(round(value * 100, 6))}{formats.NBSP}%"


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
    cap = f", each capped at {_configured_share(c.max_weight)} (the excess stays in cash)" if c.max_weight else ""
    return (
        f"Holds {pick} (prediction > {formats.setting(c.threshold)}) with {score}, {_configured_share(c.gross)} invested{cap}; "
        f"rebalanced {c.rebalance} at the close, weights drifting with prices in between."
    )


@dataclass(frozen=True)
class UniverseCaveats:
    """What the universe pages must say about which assets could be held, and when."""

    fixed_universe: bool  # no [universe] membership: today's list of assets, survivorship bias by construction
    delistings: list[tuple[str, str]]  # (asset, ISO date of its last price): sold at that price, ineligible after

    @property
    def sentence(self) -> str:
        """Which assets could be held when, in words: fixed or point-in-time, and the delistings."""
        eligible = (
            "Fixed universe: no membership file is given, so every asset of the prices file is eligible on every "
            "date it has a price, including dates before it joined or after it left any index."
            if self.fixed_universe
            else "Point-in-time universe: an asset is eligible only on the dates of its membership, and one that leaves "
            "is sold at the next rebalance."
        )
        if not self.delistings:
            return eligible + " No asset stops trading during the period."
        delisted = ", ".join(f"{asset} ({date})" for asset, date in self.delistings)
        return f"{eligible} Delisted during the period, each sold at its last price and not held after: {delisted}."


def universe_caveats(model: UniverseModelResult) -> UniverseCaveats:
    return UniverseCaveats(
        fixed_universe=model.membership is None,
        delistings=[(asset, last.date().isoformat()) for asset, last in delisting_dates(model.prices).items()],
    )


@dataclass(frozen=True)
class AttentionAcrossAssets:
    """The ready sentences of a universe model's cross-sectional page."""

    verdict: str  # whether any factor ranks the assets (findings.ranking_finding), "" when none is defined
    starred: bool  # some p-value is starred: the footnote explains the star
    oldest_day: str  # what a peak of attention on the window's oldest day means, "" when there is none
    uniform_weight: str  # "1/28": the weight of every day if attention were even


def oldest_day_sentence(profile: pd.DataFrame) -> str:
    """When most assets put their largest mean attention weight on the oldest day of the window
    (the last lag), how large that peak is against the uniform weight, and what it means; "" when
    they do not."""
    steps = profile.shape[1]
    uniform = 1.0 / steps
    peaks = profile.to_numpy().argmax(axis=1)
    at_oldest = int((peaks == steps - 1).sum())
    if at_oldest * 2 <= len(profile):
        return ""
    excess = (profile.max(axis=1) - uniform) / uniform
    who = "Every asset puts its" if at_oldest == len(profile) else f"{at_oldest} of the {len(profile)} assets put their"
    return (
        f"{who} largest mean attention weight on the oldest day of the window ({steps - 1} days back), but only "
        f"{formats.percent(excess.mean())} above the even weight 1/{steps} on average (at most {formats.percent(excess.max())}). "
        "The peak is too small to matter: the model spreads its attention almost evenly over the window and gives the "
        "most recent days no extra weight, so the peak at the window's edge is an artefact of where the window starts, "
        "not a sign that the model reads old prices, and the scores derived from the weights have little to rank the assets by."
    )


def attention_across_assets(model: UniverseModelResult) -> AttentionAcrossAssets:
    ranking = findings.ranking_finding(model)
    rows = factor_rows(model)
    return AttentionAcrossAssets(
        verdict=ranking.sentence if ranking is not None else "",
        starred=any(row.significant for row in rows),
        oldest_day=oldest_day_sentence(model.profile) if model.profile is not None else "",
        uniform_weight=f"1/{model.profile.shape[1]}" if model.profile is not None else "",
    )


@dataclass(frozen=True)
class PortfolioFigures:
    """A portfolio page's figures that are summaries of its daily series."""

    herfindahl_mean: float
    herfindahl_max: float
    invested_mean: float


def portfolio_figures(p: PortfolioResult) -> PortfolioFigures:
    return PortfolioFigures(float(p.herfindahl.mean()), float(p.herfindahl.max()), float(p.exposure.mean()))


@dataclass(frozen=True)
class CostLine:
    name: str
    fill: str  # "rebalance close", "+1 day"
    total_returns: list[float]  # by fee level


def cost_lines(model: UniverseModelResult) -> list[CostLine]:
    """Each portfolio's total return at each fee level, filled at the rebalance close and later:
    the rows of the universe page's costs table."""
    lines = []
    for p in model.portfolios:
        for lag in (0, model.execution_lag_days):
            rows = p.costs[p.costs["lag_days"] == lag]
            lines.append(CostLine(p.config.name, "rebalance close" if lag == 0 else f"+{formats.count_of(lag, 'day')}",
                                  [float(v) for v in rows["total_return"]]))
    return lines
