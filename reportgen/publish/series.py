"""The series registry: one colour, one dash and one short label per series for the whole report.

Every strategy, portfolio, benchmark, control, placebo, forecast and factor that a chart can draw
gets its style here, once per report, from the report's own order (models, then their strategies;
universe models, then their portfolios). Charts take the domain and range of every colour and
dash scale from it, so a reader learns "blue is the notebook replica" once, on every page, in every
tearsheet and PDF (the FT's chart style: one colour per series across a publication).

    series_registry(report)   the registry of a report (pure: the same report, the same styles)
    identical_groups(series)  names of series with the same values, each group in the given order

No chart library here: charts.py reads the registry, pages and tables may too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

BENCHMARK = "Buy & hold"  # the single-asset reports' benchmark series, as every chart and table names it

# Strategies and portfolios, in report order (Tableau 10 without its grey, which benchmarks use).
STRATEGY_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7")
# After the first lap of colours, the next series repeat them with a dash, so colour and dash
# together stay unique (ten strategies of the bundled report: nine solid, one dashed).
STRATEGY_DASHES = ((), (6, 3), (2, 2), (8, 3, 2, 3))
BENCHMARK_COLOURS = ("#7b8794", "#4a5260", "#a3acb6")  # greys: buy & hold, an index, equal weight
BENCHMARK_DASH = (5, 3)

# Series that are not a strategy or portfolio but recur from chart to chart and page to page, by
# the role they play: (colour, dash, the labels that play it), so a role is one style wherever it is drawn.
ROLES: tuple[tuple[str, tuple[int, ...], tuple[str, ...]], ...] = (
    # forecasts against their naive baselines (model page), and the factors (attention pages)
    ("#6a3d9a", (), ("ATT-LSTM", "prediction")),
    ("#8c8c8c", (5, 3), ("always up",)),
    ("#d37295", (2, 2), ("yesterday's direction",)),
    # the strategy against its controls and placebos (attention tests)
    ("#1f5fa8", (), ("this strategy", "this portfolio")),
    ("#2a9d4b", (6, 3), ("exposure-matched constant size", "equal weights, same holdings")),
    ("#a0a0a0", (), ("placebo",)),
    # what a strategy's rules ask for, the annualised figure and the base timing of the cost charts:
    # a navy no strategy or portfolio is drawn in; what it holds and the later fill in orange
    ("#2f4b7c", (), ("requested size", "requested size (units)", "annualised", "fill at the signal's close (base)")),
    ("#e07b00", (4, 2), ("realised exposure",)),
    ("#e07b00", (6, 3), ("fill at the next close",)),
    ("#8a6f58", (4, 2), ("raw (per day)",)),
    ("#c7c7c7", (), ("other",)),
)
FIXED: dict[str, tuple[str, tuple[int, ...]]] = {label: (colour, dash) for colour, dash, labels in ROLES for label in labels}
# Factors and other series the registry meets only in a chart: a colour picked by name from these.
SPARE_COLOURS = ("#17becf", "#bcbd22", "#8c564b", "#e377c2", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#7f7f7f")


@dataclass(frozen=True)
class SeriesStyle:
    name: str  # the full name: tooltips and tables
    label: str  # what a legend draws: the short name
    colour: str
    dash: tuple[int, ...] = ()  # stroke dash pattern, () = solid


@dataclass(frozen=True)
class SeriesRegistry:
    styles: Mapping[str, SeriesStyle] = field(default_factory=dict)  # by full name

    def style(self, name: str, taken: Iterable[str] = ()) -> SeriesStyle:
        """The style of `name`; a name the report does not list (a factor, a label of one chart)
        gets a spare colour chosen from its name, avoiding the colours in `taken`."""
        if name in self.styles:
            return self.styles[name]
        if name in FIXED:
            colour, dash = FIXED[name]
            return SeriesStyle(name, name, colour, dash)
        return SeriesStyle(name, name, spare_colour(name, set(taken)))

    def styles_of(self, names: Iterable[str]) -> list[SeriesStyle]:
        """The styles of `names` in order; two names of one chart never share colour and dash."""
        chosen: list[SeriesStyle] = []
        for name in dict.fromkeys(names):
            style = self.style(name, [s.colour for s in chosen])
            if any((s.colour, s.dash) == (style.colour, style.dash) for s in chosen):
                style = SeriesStyle(style.name, style.label, spare_colour(name, {s.colour for s in chosen}), style.dash)
            chosen.append(style)
        return chosen


def spare_colour(name: str, taken: set[str]) -> str:
    """A colour for a series the registry does not list: the same for the same name on every
    chart, unless the chart already draws that colour."""
    start = int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(SPARE_COLOURS)
    for step in range(len(SPARE_COLOURS)):
        colour = SPARE_COLOURS[(start + step) % len(SPARE_COLOURS)]
        if colour not in taken:
            return colour
    return SPARE_COLOURS[start]


def _entities(report) -> tuple[list, list[str]]:
    """(config of each strategy and portfolio in report order, each benchmark name)."""
    configs, benchmarks = [], []
    if report.models:
        benchmarks.append(BENCHMARK)
    for model in report.models:
        configs += [s.config for s in model.strategies]
    for model in report.universe_models:
        configs += [p.config for p in model.portfolios]
        benchmarks.append(model.benchmark_name)
    return configs, list(dict.fromkeys(benchmarks))


def series_registry(report) -> SeriesRegistry:
    """The style of each strategy, portfolio and benchmark of `report` (a reportgen Report)."""
    configs, benchmarks = _entities(report)
    styles: dict[str, SeriesStyle] = {}
    labels = [c.short_name or c.name for c in configs]  # the config fills short_name (reportgen.inputs.config)
    for number, (config, label) in enumerate(zip(configs, labels)):
        lap, place = divmod(number, len(STRATEGY_COLOURS))
        unique = label if labels.count(label) == 1 else config.name
        styles[config.name] = SeriesStyle(config.name, unique, STRATEGY_COLOURS[place], STRATEGY_DASHES[lap % len(STRATEGY_DASHES)])
    for number, name in enumerate(benchmarks):
        styles.setdefault(name, SeriesStyle(name, name, BENCHMARK_COLOURS[number % len(BENCHMARK_COLOURS)], BENCHMARK_DASH))
    return SeriesRegistry(styles)


def identical_groups(series: Mapping[str, pd.Series]) -> list[tuple[str, ...]]:
    """Groups (two names or more, in the order given) of the series in `series` that hold the same
    values on the same dates (NaN equal to NaN): two strategies with the same daily returns are
    one strategy to a reader, drawn and tabulated once. Charts apply it to what they draw
    (charts.drawn_once); tables use facts.identical_strategies on the daily returns, which decides
    by the same exact equality, so a chart and its table name the same twins."""
    groups: list[list[str]] = []
    for name, values in series.items():
        for group in groups:
            first = series[group[0]]
            if first.index.equals(values.index) and np.array_equal(first.to_numpy(), values.to_numpy(), equal_nan=True):
                group.append(name)
                break
        else:
            groups.append([name])
    return [tuple(group) for group in groups if len(group) > 1]
