"""What each overlay of a strategy adds: its ablation, wired like robustness.py wires the
sensitivity stages (the numbers come from overlays, backtest and statistics).

    strategy with overlays -> base, each overlay alone, overlays added one at a time
      -> one columnar simulation -> figures and paired bootstrap intervals against the base
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from reportgen.analysis import backtest, metrics, overlays
from reportgen.analysis.thresholds import HELD_WEIGHT
from reportgen.evaluation import engine
from reportgen.results import ABLATION_FIGURES, ModelResult



# intervals(returns, benchmark, invested, benchmark_invested) -> the paired bootstrap intervals of
# each column against `benchmark` (statistics.INTERVAL_FIGURES, of the excess returns, the
# invested shares those of metrics.excess_returns); robustness passes its blocked bootstrap.
Intervals = Callable[[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series], pd.DataFrame]


def ablation_tables(
    settings: engine.Settings, model: ModelResult, intervals: Intervals
) -> tuple[dict[str, pd.DataFrame], backtest.ColumnReturns]:
    """Each strategy with overlays as its base, each overlay group alone and the groups added one
    at a time (overlays.ablation_variants), every variant of every strategy a column of one
    simulation. Per strategy a table, one row a variant (base first): its figures and the paired
    bootstrap interval of its Sharpe minus the base's (the same resampled rows for both). Sharpe
    ratios are of the returns in excess of the model's risk-free rate, like every other.
    Also the daily returns of every variant (columns "<strategy id>/<variant>")."""
    variants = {
        s.id: overlays.ablation_variants(overlays.strategy_overlays(s.config))
        for s in model.strategies if overlays.strategy_overlays(s.config).groups
    }
    if not variants:
        empty = pd.DataFrame(index=model.price.index)
        return {}, backtest.ColumnReturns(empty, empty)
    simulation = _simulated_variants(settings, model, variants)
    invested = metrics.invested_shares(simulation.exposure)
    figures = _variant_figures(simulation, invested, model.risk_free, settings.periods_per_year)
    tables = {}
    for sid, chosen in variants.items():
        names = [f"{sid}/{name}" for name in chosen]
        paired = intervals(
            simulation.returns[names], simulation.returns[f"{sid}/base"], invested[names], invested[f"{sid}/base"]
        )
        table = figures.loc[names, list(ABLATION_FIGURES)].assign(
            sharpe_diff=lambda t: t["sharpe"] - t["sharpe"].iloc[0],
            sharpe_diff_low=paired["sharpe_diff_low"].to_numpy(),
            sharpe_diff_high=paired["sharpe_diff_high"].to_numpy(),
        )
        table.insert(0, "variant", list(chosen))
        table.insert(1, "overlays", [o.settings() for o in chosen.values()])
        tables[sid] = table.reset_index(drop=True)
    return tables, backtest.ColumnReturns(simulation.returns, invested)


def _simulated_variants(settings: engine.Settings, model: ModelResult, variants: dict[str, dict]) -> backtest.Simulation:
    """Every variant of every strategy a column ("<strategy id>/<variant>") of one simulation."""
    by_column = {s.id: s.config for s in model.strategies}
    kinds, wanted, sizes = [], {}, {}
    for sid, chosen in variants.items():
        for name, chosen_overlays in chosen.items():
            column = f"{sid}/{name}"
            kinds.append(by_column[sid].size_type)
            wanted[column], sizes[column] = overlays.strategy_positions(
                by_column[sid], chosen_overlays, model.output, model.price, settings.periods_per_year
            )
    return backtest.simulate(
        backtest.Orders(model.price, pd.DataFrame(wanted), pd.DataFrame(sizes), kinds, settings.init_cash, settings.fees)
    )


def _variant_figures(
    simulation: backtest.Simulation, invested: pd.DataFrame, risk_free: pd.Series | None, periods_per_year: int
) -> pd.DataFrame:
    """ABLATION_FIGURES of every column of `simulation`: one row a variant."""
    trades = simulation.trades
    bought = (trades["size"] * trades["entry_price"]).groupby([trades["entry_date"], trades["column"]]).sum()
    sold = (trades["size"] * trades["exit_price"]).groupby([trades["exit_date"], trades["column"]]).sum()
    traded = (
        pd.concat([bought, sold]).groupby(level=[0, 1]).sum().unstack(fill_value=0.0)
        .reindex(index=simulation.value.index, columns=simulation.value.columns, fill_value=0.0)
    )
    values = simulation.returns.to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "sharpe": metrics.sharpe_ratios(
                metrics.excess_returns(simulation.returns, risk_free, invested), periods_per_year, invested
            ),
            "total_return": metrics.total_returns(values),
            "max_drawdown": metrics.max_drawdowns(values),
        },
        index=simulation.returns.columns,
    ).assign(
        time_in_market=(simulation.exposure > HELD_WEIGHT).mean(),
        turnover=metrics.turnover(traded, simulation.value, periods_per_year).mean(),
        total_trades=simulation.total_trades,
    )


TIE = 1e-12  # bounds closer to 0 than this are 0: resamples where both variants trade alike differ by rounding


def changed_by_more_than_luck(table: pd.DataFrame) -> list[str]:
    """The variants (base aside) whose interval of the Sharpe difference to the base excludes 0
    (by more than TIE)."""
    rest = table.iloc[1:]
    return rest.loc[(rest["sharpe_diff_low"] > TIE) | (rest["sharpe_diff_high"] < -TIE), "variant"].tolist()


def ablation_sentence(table: pd.DataFrame, confidence: float) -> str:
    """Which variants change the Sharpe ratio by more than the interval of the difference allows."""
    changed = changed_by_more_than_luck(table)
    level = f"{confidence * 100:g} %"
    if not changed:
        return (
            f"No overlay, alone or added to the others, changes the Sharpe ratio by more than its {level} "
            "interval allows: every difference to the base is within what resampling the same days gives by chance."
        )
    rows = table.set_index("variant")
    named = [f"{overlays.variant_label(v)} ({'raises' if rows.loc[v, 'sharpe_diff_low'] > TIE else 'lowers'} it)" for v in changed]
    rest = len(table) - 1 - len(changed)
    tail = "" if not rest else "; the other variant stays within it" if rest == 1 else f"; the other {rest} variants stay within it"
    return (
        f"Beyond their {level} interval, these change the Sharpe ratio against the base: {', '.join(named)}{tail}. "
        f"Each interval covers one comparison: of {len(table) - 1} variants, one may fall outside by chance alone."
    )
