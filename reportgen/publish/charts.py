"""Interactive charts with Altair: the only module that imports it.

Each function takes a tidy pandas frame and returns an `alt.Chart`; `chart_spec` turns a chart
into the Vega-Lite dict a page embeds. All styling lives in the one registered theme. Time axes
zoom and pan (drag, wheel; double-click resets) and every mark has a tooltip.

Row limit: Altair refuses to inline more than 5,000 rows by default, to protect notebooks. A
report's specs are inlined on purpose (so a page also draws when opened from disk), so the limit
is lifted here, and long series are thinned for display instead: above `MAX_POINTS_PER_SERIES`
points a series is shown at weekly resolution (its last value of each week), and the chart's
caption says so. Figures are always computed on the full daily data.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
import textwrap
from collections.abc import Callable, Iterator

import altair as alt
import pandas as pd

from reportgen.publish import chart_values
from reportgen.publish.series import SeriesRegistry, identical_groups

MAX_POINTS_PER_SERIES = 2_600  # about ten years of trading days
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])

# Every time axis names the year: "2021" at a new year, "Apr 2021" at the start of another month,
# "15 Apr 2021" at a tick inside a month (short spans); labels that would overlap are dropped.
TIME_LABEL_EXPR = (
    "timeFormat(datum.value, month(datum.value) == 0 && date(datum.value) == 1 ? '%Y'"
    " : date(datum.value) == 1 ? '%b %Y' : '%d %b %Y')"
)

_PALETTE = ["#1f5fa8", "#e07b00", "#2a9d4b", "#c0392b", "#7b4fa0", "#8c6d31", "#d35fb7", "#5f6b7a"]
REFERENCE_GREY = "#8a8f98"  # rules at zero, 1/T, 0.5: readable on the light and the dark scheme
LEGEND_WIDTH_PX = 600  # what a legend may span at the theme's width: its columns are fitted to it
LABEL_PX_PER_CHAR = 6.6  # a generous mean width of an 11 px character, so that labels never collide


@alt.theme.register("reportgen", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    # No background: the page's (or the paper's) shows through, so reportgen-charts.js can switch
    # a chart to Material's dark scheme. Text colours are set by that script, not here.
    return {
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {
            "background": None,
            "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
            "view": {"continuousWidth": 640, "continuousHeight": 260, "stroke": None},
            "range": {"category": _PALETTE},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e8e8e8", "labelLimit": 360, "labelOverlap": "greedy"},
            "axisTemporal": {"labelExpr": TIME_LABEL_EXPR, "labelOverlap": "greedy", "labelSeparation": 6},
            "legend": {
                "orient": "top", "labelFontSize": 11, "titleFontSize": 11, "columns": 4, "labelLimit": 0,
                "columnPadding": 18, "rowPadding": 4, "symbolStrokeWidth": 2.2,
            },
            "line": {"strokeWidth": 1.6},
            "title": {"anchor": "start", "fontSize": 11.5, "fontWeight": "normal", "subtitleFontSize": 11},
        }
    }


# ---------------------------------------------------------------- series styles

_registry: SeriesRegistry = SeriesRegistry()


@contextlib.contextmanager
def series_styles(registry: SeriesRegistry) -> Iterator[None]:
    """Charts built inside the block take each series' colour, dash and label from `registry`
    (reportgen.publish.series): one style per series across the report."""
    global _registry
    previous, _registry = _registry, registry
    try:
        yield
    finally:
        _registry = previous


def legend_columns(labels: list[str]) -> int:
    """How many legend columns fit LEGEND_WIDTH_PX with the longest of `labels`, so that no label
    is cut and none runs into the next (in the browser, and in the static SVG of print)."""
    longest = max((len(label) for label in labels), default=1)
    return max(1, min(len(labels), math.floor(LEGEND_WIDTH_PX / (longest * LABEL_PX_PER_CHAR + 40))))


def _fitted_columns(labels: list[str]) -> alt.ExprRef:
    """legend_columns, recomputed from the chart's drawn width (a phone's 350 px takes fewer)."""
    longest = max((len(label) for label in labels), default=1)
    most = legend_columns(labels)
    return alt.ExprRef(f"max(1, min({most}, floor(width / {longest * LABEL_PX_PER_CHAR + 40:.0f})))")


NOTE_LINE_CHARS = 52  # a chart's note is wrapped at this many characters: it fits a phone's width


def _note_lines(note: str) -> list[str]:
    return textwrap.wrap(note, NOTE_LINE_CHARS)


def _styled(data: pd.DataFrame, field: str = "series", legend: bool | alt.Legend = True, dashed: bool = True):
    """`data` with the short `label` and full `name` of each series of `field`, the colour and
    dash encodings whose scales name every label and its style from the registry, and the labels
    in order: (data, colour, dash, labels). `legend`: False for none, or a legend of its own."""
    styles = _registry.styles_of(data[field])
    by_name = {s.name: s for s in styles}
    labels = [s.label for s in styles]
    shown = alt.Legend(columns=_fitted_columns(labels), labelLimit=0, **({"symbolType": "stroke"} if dashed else {})) if legend is True else legend or None
    data = data.assign(label=data[field].map(lambda n: by_name[n].label), name=data[field])
    colour = alt.Color("label:N", title=None, sort=labels, legend=shown, scale=alt.Scale(domain=labels, range=[s.colour for s in styles]))
    dash = alt.StrokeDash(
        "label:N", title=None, sort=labels, legend=shown,
        scale=alt.Scale(domain=labels, range=[list(s.dash) if s.dash else [1, 0] for s in styles]),
    )
    return data, colour, dash, labels


def _fill(data: pd.DataFrame, field: str):
    """(data, colour encoding, labels) for bars and points of `field`'s series, from the registry."""
    data, colour, _, labels = _styled(data, field, dashed=False)
    return data, colour, labels


def drawn_once(data: pd.DataFrame, value: str) -> tuple[pd.DataFrame, str]:
    """`data` (columns date, series, `value`) without the series whose values repeat an earlier
    series' on the same dates, and a sentence naming them ("" when none): two identical lines
    would hide one another."""
    series = {name: frame.set_index("date")[value] for name, frame in data.groupby("series", sort=False)}
    groups = identical_groups(series)
    if not groups:
        return data, ""
    dropped = {name for group in groups for name in group[1:]}
    sentence = " ".join(
        f"{_registry.style(group[0]).label} and {', '.join(_registry.style(n).label for n in group[1:])} have the same values: one line drawn."
        for group in groups
    )
    return data[~data["series"].isin(dropped)], sentence


def _noted(chart, note: str):
    return chart.properties(title=alt.TitleParams(_note_lines(note), anchor="start", fontSize=11, fontWeight="normal")) if note else chart


def thinned(frame: pd.DataFrame, series: str | None = None) -> pd.DataFrame:
    """`frame` (with a `date` column) at weekly resolution when a series has too many points."""
    counts = frame.groupby(series).size().max() if series else len(frame)
    if counts <= MAX_POINTS_PER_SERIES:
        return frame
    keys = [series, pd.Grouper(key="date", freq="W-FRI")] if series else [pd.Grouper(key="date", freq="W-FRI")]
    return frame.groupby(keys).last().reset_index().dropna()


def _zoom() -> alt.Parameter:
    return alt.selection_interval(bind="scales", encodings=["x"])


def _time_lines(frame: pd.DataFrame, value: str, title: str, value_format: str, scale: alt.Scale | None = None) -> alt.Chart:
    """Lines over time, one per `series` (each drawn once, in its registry colour and dash), with
    tooltips and x zoom/pan; a series repeating another's values is named in the chart's title."""
    data, note = drawn_once(thinned(frame, "series"), value)
    data, colour, dash, _ = _styled(data)
    y_scale = scale if scale is not None else alt.Undefined
    chart = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=value_format), scale=y_scale),
            color=colour,
            strokeDash=dash,
            tooltip=[
                alt.Tooltip("date:T", format="%Y-%m-%d"),
                alt.Tooltip("name:N", title="series"),
                alt.Tooltip(f"{value}:Q", title=title, format=value_format),
            ],
        )
        .add_params(_zoom())
        .properties(width="container")
    )
    return _noted(chart, note)


GROWTH_LOG_RATIO = 4.0  # a growth of 100 spanning more than this factor is drawn on a log axis


def equity_chart(equity: pd.DataFrame) -> alt.Chart:
    """Growth of 100: columns date, series, value. The axis starts near the curves, not at 0
    (on a log scale when they span more than GROWTH_LOG_RATIO), so the curves use the height."""
    low, high = float(equity["value"].min()), float(equity["value"].max())
    log = low > 0 and high / low > GROWTH_LOG_RATIO
    scale = alt.Scale(type="log", zero=False, nice=False, domain=[low, high]) if log else alt.Scale(zero=False)
    chart = _time_lines(equity, "value", "growth of 100" + (" (log scale)" if log else ""), ",.0f", scale)
    if log:  # 1-2-5 ticks: a log axis left to itself crowds "60 70 80 90" into each other
        chart = chart.encode(y=alt.Y("value:Q", title="growth of 100 (log scale)", scale=scale, axis=alt.Axis(format=",.0f", values=log_ticks(low, high))))
    return chart


def log_ticks(low: float, high: float) -> list[float]:
    """The 1-2-5 values (..., 50, 100, 200, 500, ...) between `low` and `high`, both included
    when the range holds fewer than three of them."""
    exponents = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    ticks = [k * 10.0**e for e in exponents for k in (1, 2, 5) if low <= k * 10.0**e <= high]
    return ticks if len(ticks) >= 3 else sorted({round(low, 1), *ticks, round(high, 1)})


SMALL_MULTIPLE_WIDTH_PX = 820  # a small multiple cannot fit its container: this width, scaled down by CSS
SMALL_MULTIPLES_FROM = 5  # drawdowns of this many series or more: one small panel each


def drawdown_chart(drawdowns: pd.DataFrame) -> alt.Chart:
    """Underwater curves as lines: columns date, series, drawdown (<= 0). Many series are drawn
    as small multiples, one panel per series on one scale, never as translucent areas on one axis."""
    data, note = drawn_once(thinned(drawdowns, "series"), "drawdown")
    many = data["series"].nunique() >= SMALL_MULTIPLES_FROM
    data, colour, dash, labels = _styled(data, legend=not many)
    tooltip = [alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("name:N", title="series"), alt.Tooltip("drawdown:Q", format=".2%")]
    y = alt.Y("drawdown:Q", title="drawdown", axis=alt.Axis(format=".0%", tickCount=3))
    if not many:
        chart = (
            alt.Chart(data).mark_line()
            .encode(x=alt.X("date:T", title=None), y=y, color=colour, strokeDash=dash, tooltip=tooltip)
            .add_params(_zoom()).properties(width="container", height=200)
        )
        return _noted(chart, note)
    header = alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top", labelFontSize=11, labelPadding=2, labelLimit=0)
    chart = (
        alt.Chart(data)
        .mark_area(line={"strokeWidth": 1.2}, opacity=0.3)
        .encode(x=alt.X("date:T", title=None), y=alt.Y("drawdown:Q", title=None, axis=alt.Axis(format=".0%", tickCount=2)),
                color=colour, tooltip=tooltip)
        .properties(width=SMALL_MULTIPLE_WIDTH_PX, height=44)
        .facet(facet=alt.Facet("label:N", sort=labels, title=None, header=header), columns=1, spacing=4)
        .properties(autosize=alt.AutoSizeParams(type="pad"))
    )
    return _noted(chart, note)


def position_size_chart(sizes: pd.DataFrame) -> alt.Chart:
    """Requested size vs realised exposure: columns date, series, value (fraction of capital)."""
    return _time_lines(sizes, "value", "fraction", ".0%").properties(height=200)


def attention_chart(attention: pd.DataFrame, constant: bool = False) -> alt.Chart:
    """Attention score over time with the model's long signal: columns date, attention, signal.

    A `constant` score is drawn on an axis from zero, so float noise does not look like signal.
    """
    data = thinned(attention)
    base = alt.Chart(data).encode(x=alt.X("date:T", title=None))
    line = base.mark_line(color=_PALETTE[3]).encode(
        y=alt.Y("attention:Q", title="attention score", scale=alt.Scale(zero=constant)),
        tooltip=[
            alt.Tooltip("date:T", format="%Y-%m-%d"),
            alt.Tooltip("attention:Q", format=".6f"),
            alt.Tooltip("signal:N", title="long signal"),
        ],
    )
    ticks = base.mark_tick(thickness=1, opacity=0.5).encode(
        y=alt.value(0),
        color=alt.Color("signal:N", title="long signal", scale=alt.Scale(domain=["flat", "long"], range=["#bbbbbb", _PALETTE[2]])),
    )
    return alt.layer(line, ticks).add_params(_zoom()).properties(width="container")


def attention_lags_chart(cells: pd.DataFrame, weight_title: str) -> alt.Chart:
    """Heatmap of the attention vector: columns date, date_end (the cell's span), lag, weight."""
    ticks = legend_values(float(cells["weight"].min()), float(cells["weight"].max()))
    return _weight_heatmap(
        cells,
        x="date",
        y=alt.Y("lag:O", title="days back (0 = latest)", sort="ascending"),
        weight_title=weight_title,
        scale=alt.Scale(scheme="blues"),
        ticks=ticks,
        tooltip=[
            alt.Tooltip("date:T", format="%Y-%m-%d", title="from"),
            alt.Tooltip("lag:O", title="days back"),
            alt.Tooltip("weight:Q", format=".4f"),
        ],
        row_height=9,
        zoom=True,
    )


def _weight_heatmap(
    data: pd.DataFrame,
    x: str,
    y: alt.Y,
    weight_title: str,
    scale: alt.Scale,
    ticks: list[float],
    tooltip: list[alt.Tooltip],
    row_height: int,
    zoom: bool = False,
) -> alt.Chart:
    """A heatmap of `weight` in blues: one cell a row `y` and a span of time from column `x` to
    column `x`_end, with a swatch legend at `ticks`; x zoom/pan when `zoom`."""
    chart = (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X(f"{x}:T", title=None),
            x2=f"{x}_end:T",
            y=y,
            color=alt.Color("weight:Q", title=weight_title, scale=scale, legend=swatch_legend(ticks, share_format(ticks))),
            tooltip=tooltip,
        )
    )
    if zoom:
        chart = chart.add_params(_zoom())
    return chart.properties(width="container", height=alt.Step(row_height))


def attention_profile_chart(profile: pd.DataFrame, uniform_weight: float) -> alt.Chart:
    """Mean weight on each lag as bars, with the uniform weight 1/T as a dashed rule:
    columns lag, weight."""
    bars = (
        alt.Chart(profile)
        .mark_bar(color=_PALETTE[0])
        .encode(
            x=alt.X("lag:O", title="days back (0 = latest)"),
            y=alt.Y("weight:Q", title="mean weight", axis=alt.Axis(format=".1%")),
            tooltip=[alt.Tooltip("lag:O", title="days back"), alt.Tooltip("weight:Q", format=".4f")],
        )
    )
    uniform = (
        alt.Chart(pd.DataFrame({"weight": [uniform_weight], "label": ["uniform (1/T)"]}))
        .mark_rule(color=REFERENCE_GREY, strokeDash=[4, 4])
        .encode(y="weight:Q", tooltip=[alt.Tooltip("label:N", title=None), alt.Tooltip("weight:Q", format=".4f")])
    )
    return alt.layer(bars, uniform).properties(width="container", height=200)


def histogram_chart(bins: pd.DataFrame, title: str, value_format: str = ".3f", markers: pd.DataFrame | None = None) -> alt.Chart:
    """Counts per bin as bars (columns bin_start, bin_end, count), with optional vertical
    markers (columns value, label; at most two) drawn as rules in their order: the first
    green, the last red and on top (the figure to judge against the bars)."""
    bars = (
        alt.Chart(bins)
        .mark_bar(color=_PALETTE[5], opacity=0.75)
        .encode(
            x=alt.X("bin_start:Q", title=title, bin="binned", axis=alt.Axis(format=value_format)),
            x2="bin_end:Q",
            y=alt.Y("count:Q", title="days" if markers is None else "runs"),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="from", format=value_format),
                alt.Tooltip("bin_end:Q", title="to", format=value_format),
                alt.Tooltip("count:Q"),
            ],
        )
    )
    if markers is None:
        return bars.properties(width="container", height=160)
    marked, colour, dash, _ = _styled(markers, "label")
    rules = (
        alt.Chart(marked)
        .mark_rule(strokeWidth=2.5)
        .encode(
            x="value:Q",
            color=colour,
            strokeDash=dash,
            tooltip=[alt.Tooltip("name:N", title=None), alt.Tooltip("value:Q", format=value_format)],
        )
    )
    return alt.layer(bars, rules).properties(width="container", height=200)


def constant_histogram_chart(value_label: str, count: int, title: str, unit: str, sentence: str) -> alt.LayerChart:
    """One bar, labelled with the value and its count, for a series that never changes; the
    `sentence` (what it means) is the chart's subtitle, so it is in the static SVG too."""
    frame = pd.DataFrame({"value": [value_label], "count": [count]})
    base = alt.Chart(frame).encode(
        x=alt.X("value:N", title=title, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("count:Q", title=unit),
    )
    bar = base.mark_bar(color=_PALETTE[5], opacity=0.75, size=48).encode(tooltip=[alt.Tooltip("value:N"), alt.Tooltip("count:Q")])
    label = base.mark_text(baseline="bottom", dy=-3, fontSize=11).encode(text="count:Q")
    heading = alt.TitleParams(sentence, anchor="start", fontSize=12, fontWeight="normal")
    return alt.layer(bar, label).properties(width="container", height=160, title=heading)


def bucket_chart(buckets: pd.DataFrame, value: str, title: str, value_format: str, reference: float | None = None) -> alt.Chart:
    """Grouped bars per quantile bucket (1 = lowest), one colour per factor: columns factor,
    bucket, `value`; an optional dashed rule at `reference`."""
    data, colour, factors = _fill(buckets, "factor")
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("bucket:O", title="quintile of the factor (1 = lowest)", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("label:N", sort=factors),
            y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=value_format)),
            color=colour,
            tooltip=[
                alt.Tooltip("factor:N"),
                alt.Tooltip("bucket:O", title="quintile"),
                alt.Tooltip(f"{value}:Q", title=title, format=value_format),
                alt.Tooltip("low:Q", title="factor from", format=".4g"),
                alt.Tooltip("high:Q", title="factor to", format=".4g"),
                alt.Tooltip("count:Q", title="days"),
            ],
        )
    )
    if reference is None:
        return bars.properties(width="container", height=220)
    rule = alt.Chart(pd.DataFrame({"y": [reference]})).mark_rule(color=REFERENCE_GREY, strokeDash=[4, 4]).encode(y="y:Q")
    return alt.layer(bars, rule).properties(width="container", height=220)


def calibration_chart(bins: pd.DataFrame) -> alt.Chart:
    """Reliability diagram: observed share of up days against the mean predicted probability per
    bin (columns mean_predicted, observed_up_rate, count), with the diagonal of perfect calibration."""
    low = float(min(bins["mean_predicted"].min(), bins["observed_up_rate"].min()))
    high = float(max(bins["mean_predicted"].max(), bins["observed_up_rate"].max()))
    diagonal = (
        alt.Chart(pd.DataFrame({"mean_predicted": [low, high], "observed_up_rate": [low, high]}))
        .mark_line(color="#888", strokeDash=[4, 4])
        .encode(x="mean_predicted:Q", y="observed_up_rate:Q")
    )
    observed = (
        alt.Chart(bins)
        .mark_line(point=True, color=_PALETTE[0])
        .encode(
            x=alt.X("mean_predicted:Q", title="predicted probability of an up day (bin mean)", scale=alt.Scale(zero=False), axis=alt.Axis(format=".0%", tickCount=6)),
            y=alt.Y("observed_up_rate:Q", title="share of next days up", scale=alt.Scale(zero=False), axis=alt.Axis(format=".0%", tickCount=6)),
            tooltip=[
                alt.Tooltip("mean_predicted:Q", title="mean predicted", format=".1%"),
                alt.Tooltip("observed_up_rate:Q", title="observed up", format=".1%"),
                alt.Tooltip("count:Q", title="days"),
            ],
        )
    )
    return alt.layer(observed, diagonal).properties(width="container", height=260)


def rolling_sharpe_chart(rolling: pd.DataFrame, title: str) -> alt.Chart:
    """Rolling Sharpe lines with a zero line: columns date, series, sharpe."""
    lines = _time_lines(rolling, "sharpe", title, ".2f")
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=REFERENCE_GREY, strokeDash=[4, 4]).encode(y="y:Q")
    return alt.layer(lines, zero).properties(width="container")


MONTH_LABELS_FROM_PX = 520  # the monthly heatmap prints its figures in charts at least this wide


def monthly_returns_chart(monthly: pd.DataFrame) -> alt.Chart:
    """Heatmap of monthly returns: columns year, month (1-12), return."""
    data = monthly.assign(month_name=pd.to_datetime(dict(year=monthly.year, month=monthly.month, day=1)).dt.strftime("%b"))
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    limit = max(float(data["return"].abs().max()), 1e-9)
    ticks = legend_values(-limit, limit, 5)
    base = alt.Chart(data).encode(
        x=alt.X("month_name:O", title=None, sort=months),
        y=alt.Y("year:O", title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "return:Q",
            title="return",
            scale=alt.Scale(scheme="redyellowgreen", domain=[-limit, limit]),
            legend=swatch_legend(ticks, share_format(ticks)),
        ),
        tooltip=[alt.Tooltip("year:O"), alt.Tooltip("month_name:O", title="month"), alt.Tooltip("return:Q", format=".2%")],
    )
    # Each cell's figure, dark on every cell colour; left out on a narrow screen, where they collide.
    labels = base.mark_text(fontSize=10, color="#1d2330", opacity=alt.ExprRef(f"width >= {MONTH_LABELS_FROM_PX} ? 1 : 0")).encode(
        text=alt.Text("return:Q", format=".1%")
    )
    return alt.layer(cells, labels).properties(width="container", height=alt.Step(22))


def fold_scores_chart(scores: pd.DataFrame, title: str, value_format: str, reference: float | None = None) -> alt.Chart:
    """One line per forecast (model and naive baselines) over the folds: columns date (the
    fold's first forecast day), series, value; an optional dashed rule at `reference`."""
    lines = (
        _time_lines(scores, "value", title, value_format)
        .mark_line(point=True)
        .encode(y=alt.Y("value:Q", title=title, axis=alt.Axis(format=value_format), scale=alt.Scale(zero=False)))
    )
    if reference is None:
        return lines
    rule = alt.Chart(pd.DataFrame({"y": [reference]})).mark_rule(color=REFERENCE_GREY, strokeDash=[4, 4]).encode(y="y:Q")
    return alt.layer(lines, rule).properties(width="container")


def loss_curves_chart(curves: pd.DataFrame, title: str, reference: float | None = None) -> alt.Chart:
    """Loss per epoch, one line per fold coloured by when it was fitted; a dot on each fold's
    best epoch. Columns fold, fitted (ISO date), epoch, loss, best (bool)."""
    base = alt.Chart(curves).encode(
        x=alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("loss:Q", title=title, scale=alt.Scale(zero=False)),
        color=alt.Color("fold:Q", title="fold", scale=alt.Scale(scheme="viridis"),
                        legend=swatch_legend(legend_values(float(curves["fold"].min()), float(curves["fold"].max()), 4), "d")),
        tooltip=[
            alt.Tooltip("fold:Q"),
            alt.Tooltip("fitted:N", title="fitted at"),
            alt.Tooltip("epoch:Q"),
            alt.Tooltip("loss:Q", title=title, format=".4f"),
        ],
    )
    layers = [
        base.mark_line(opacity=0.7, strokeWidth=1.2).encode(detail="fold:N"),
        base.transform_filter(alt.datum.best).mark_point(filled=True, size=28),
    ]
    if reference is not None:
        layers.append(
            alt.Chart(pd.DataFrame({"y": [reference]})).mark_rule(color=REFERENCE_GREY, strokeDash=[4, 4]).encode(y="y:Q")
        )
    return alt.layer(*layers).properties(width="container", height=240)


def _inlined_values(data):
    """Altair's default data transformer without its row limit, its frames' rows made by
    chart_values.records (the same values, made column by column) where it can."""
    made = chart_values.records(data) if isinstance(data, pd.DataFrame) else None
    return {"values": made} if made is not None else alt.utils.data.to_values(data)


alt.data_transformers.register("reportgen", _inlined_values)


def chart_spec(chart: alt.Chart) -> dict:
    """The Vega-Lite spec of `chart`, data inlined, with stable parameter and view names."""
    with alt.data_transformers.enable("reportgen"):
        return _stable_names(chart.to_dict(validate=False))


_GENERATED_NAME = re.compile(r"(param|view)_\w+")


def _stable_names(spec: dict) -> dict:
    """`spec` with Altair's generated `param_*` and `view_*` names numbered in order of definition.

    Depending on its version, Altair derives them from a process-wide counter or from a hash;
    numbered per chart, the same chart gets the same names whatever else the process drew, so
    two builds of the same inputs write the same bytes. Data names are content hashes already,
    and the data itself (the top-level `datasets`) is left as it is.
    """
    names: dict[str, str] = {}

    def collect(node) -> None:
        if isinstance(node, dict):
            name = node.get("name")
            if isinstance(name, str) and _GENERATED_NAME.fullmatch(name) and name not in names:
                kind = name.split("_", 1)[0]
                names[name] = f"{kind}_{sum(v.startswith(kind) for v in names.values()) + 1}"
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect({key: value for key, value in spec.items() if key != "datasets"})
    if not names:
        return spec
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")

    def renamed(node):
        if isinstance(node, str):
            return pattern.sub(lambda match: names[match.group(0)], node)
        if isinstance(node, dict):
            return {renamed(key): renamed(value) for key, value in node.items()}
        if isinstance(node, list):
            return [renamed(value) for value in node]
        return node

    return {key: value if key == "datasets" else renamed(value) for key, value in spec.items()}


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """vega, vega-lite and vega-embed as one script that sets `window.vegaEmbed` (no CDN)."""
    import vl_convert

    return vl_convert.javascript_bundle(vl_version=VEGA_LITE_VERSION)


# ---------------------------------------------------------------- market episodes and sensitivity

def _has_time_axis(chart) -> bool:
    """True when `chart` (or a layer of it) puts dates on its x axis."""
    if isinstance(chart, alt.LayerChart):
        return any(_has_time_axis(layer) for layer in chart.layer)
    x = getattr(getattr(chart, "encoding", alt.Undefined), "x", alt.Undefined)
    if x is alt.Undefined:
        return False
    return getattr(x, "type", alt.Undefined) == "temporal" or str(getattr(x, "shorthand", "")).endswith(":T")


def episode_shader(episodes: pd.DataFrame) -> Callable:
    """A function that shades market episodes behind a chart whose x axis is time (episodes:
    columns name, description, first, last, the episode's first and last date inside the data).
    Other charts, and every chart when no episode is in range, come back unchanged. The shading
    layer is built once, for all the charts of a model."""
    if episodes.empty:
        return lambda chart: chart
    shading = (
        alt.Chart(episodes[["name", "description", "first", "last"]])
        .mark_rect(color="#7f7f7f", opacity=0.14, clip=True)
        .encode(
            x=alt.X("first:T", title=None),
            x2="last:T",
            tooltip=[
                alt.Tooltip("name:N", title="episode"),
                alt.Tooltip("first:T", title="from", format="%Y-%m-%d"),
                alt.Tooltip("last:T", title="to", format="%Y-%m-%d"),
                alt.Tooltip("description:N"),
            ],
        )
    )

    def shaded(chart):
        if isinstance(chart, alt.FacetChart) and _has_time_axis(chart.spec):  # small multiples: each panel shaded
            facet = chart.copy()
            facet.spec = alt.layer(shading, chart.spec).properties(width=chart.spec.width, height=chart.spec.height)
            return facet
        if not _has_time_axis(chart):
            return chart
        return alt.layer(shading, chart)  # the layer takes the chart's width and height (a copy less than .properties)

    return shaded


def sweep_heatmap(cells: pd.DataFrame, markers: pd.DataFrame, value: str, title: str, value_format: str, scheme: str) -> alt.LayerChart:
    """One figure over the sweep grid: columns threshold, row (a label of the other parameters,
    in display order), `value`, trades; `markers`: threshold, row, marker (configured strategies
    and the best configuration). Blank cells: the rules never trade, the figure is undefined."""
    rows = list(dict.fromkeys(cells["row"]))
    diverging = scheme in ("redblue", "blueorange", "redyellowgreen")
    scale = alt.Scale(scheme=scheme, domainMid=0) if diverging else alt.Scale(scheme=scheme, reverse=True)
    base = alt.Chart(cells).encode(
        x=alt.X("threshold:O", title="prediction threshold (long while prediction > it)", axis=alt.Axis(labelAngle=-45, format=".2f")),
        y=alt.Y("row:N", title=None, sort=rows, axis=alt.Axis(labelLimit=320)),
    )
    blank = base.mark_rect(color="#f0f0f0")
    filled = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=title, scale=scale, legend=swatch_legend(legend_values(float(cells[value].min()), float(cells[value].max()), 5), value_format)),
        tooltip=[
            alt.Tooltip("threshold:Q", format=".2f"),
            alt.Tooltip("row:N", title="filter, sizing"),
            alt.Tooltip(f"{value}:Q", title=title, format=value_format),
            alt.Tooltip("trades:Q"),
        ],
    )
    labels = [style.label for style in _registry.styles_of(markers["marker"])]
    legend = alt.Legend(title="marked", orient="bottom", columns=_fitted_columns(labels), labelLimit=0, symbolType="diamond")
    marked, colour, _, _ = _styled(markers, "marker", legend=legend, dashed=False)
    points = (
        alt.Chart(marked)
        .mark_point(filled=True, shape="diamond", size=110, stroke="#ffffff", strokeWidth=1, opacity=1)
        .encode(
            x=alt.X("threshold:O"),
            y=alt.Y("row:N", sort=rows),
            color=colour,
            tooltip=[alt.Tooltip("name:N", title="marked"), alt.Tooltip("threshold:Q", format=".2f")],
        )
    )
    # A fixed height (not a step) so that the theme's fit-x autosize applies without a warning.
    return alt.layer(blank, filled, points).resolve_scale(color="independent").properties(width="container", height=14 * len(rows))


def cost_chart(costs: pd.DataFrame) -> alt.Chart:
    """Total return against fees, one line per execution timing: columns fees_bps, execution,
    total_return, sharpe, total_fees, trades."""
    data, colour, dash, _ = _styled(costs, "execution")
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("fees_bps:Q", title="fee per order, basis points of traded value"),
            y=alt.Y("total_return:Q", title="total return", axis=alt.Axis(format=".0%")),
            color=colour,
            strokeDash=dash,
            tooltip=[
                alt.Tooltip("execution:N"),
                alt.Tooltip("fees_bps:Q", title="fee (bps)"),
                alt.Tooltip("total_return:Q", title="total return", format=".2%"),
                alt.Tooltip("sharpe:Q", format=".2f"),
                alt.Tooltip("total_fees:Q", title="fees paid", format=",.2f"),
                alt.Tooltip("trades:Q"),
            ],
        )
        .properties(width="container", height=220)
    )


def interval_chart(intervals: pd.DataFrame, title: str) -> alt.LayerChart:
    """Point estimates with confidence intervals: columns series, figure, value, low, high.
    A dashed line marks zero."""
    order = [_registry.style(name).label for name in dict.fromkeys(intervals["series"])]
    data, colour, _ = _fill(intervals.rename(columns={"series": "full_name"}), "figure")
    data = data.assign(series=data["full_name"].map(lambda n: _registry.style(n).label))
    base = alt.Chart(data).encode(
        y=alt.Y("series:N", title=None, sort=order, axis=alt.Axis(labelLimit=360)),
        yOffset=alt.YOffset("figure:N", sort=list(dict.fromkeys(intervals["figure"]))),
        color=colour,
        tooltip=[
            alt.Tooltip("full_name:N", title="series"),
            alt.Tooltip("figure:N"),
            alt.Tooltip("value:Q", title="estimate", format=".2f"),
            alt.Tooltip("low:Q", format=".2f"),
            alt.Tooltip("high:Q", format=".2f"),
        ],
    )
    rules = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title=title), x2="high:Q")
    points = base.mark_point(filled=True, size=60).encode(x="value:Q")
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color=REFERENCE_GREY, strokeDash=[4, 4]).encode(x="x:Q")
    rows = len(order) * intervals["figure"].nunique()
    return alt.layer(rules, points, zero).properties(width="container", height=18 * rows)


# ---------------------------------------------------------------- portfolios across a universe

def weights_heatmap(weights: pd.DataFrame) -> alt.Chart:
    """The weights as a heatmap of asset x month (each cell the month's mean weight at the close):
    columns date, series (the largest holdings and "other", in display order), weight. The chart
    holds one row per asset and month, however many days and assets the portfolio has."""
    order = list(dict.fromkeys(weights["series"]))
    data = (
        weights.assign(month=weights["date"].dt.to_period("M").dt.to_timestamp())
        .groupby(["series", "month"], sort=False)["weight"].mean().reset_index()
    )
    data = data.assign(month_end=data["month"] + pd.offsets.MonthBegin(1))
    ticks = legend_values(0.0, float(data["weight"].max()), 4)
    return _weight_heatmap(
        data,
        x="month",
        y=alt.Y("series:N", title=None, sort=order, axis=alt.Axis(labelLimit=360)),
        weight_title="mean weight in the month",
        scale=alt.Scale(scheme="blues", type="sqrt", domainMin=0),
        ticks=ticks,
        tooltip=[
            alt.Tooltip("month:T", format="%b %Y"),
            alt.Tooltip("series:N", title="asset"),
            alt.Tooltip("weight:Q", title="mean weight", format=".1%"),
        ],
        row_height=18,
    )


def small_multiples_chart(frame: pd.DataFrame, title: str, value_format: str, reference: float | None = None) -> alt.FacetChart:
    """One small panel per series on one shared scale (columns date, series, value), each named in
    its header, with an optional dashed rule at `reference`: noisy series are read one at a time."""
    data, colour, _, labels = _styled(thinned(frame, "series"), legend=False)  # each panel is named in its header
    base = alt.Chart().encode(x=alt.X("date:T", title=None))
    layers = [
        base.mark_line(strokeWidth=1.3).encode(
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=value_format, tickCount=3)),
            color=colour,
            tooltip=[alt.Tooltip("date:T", format="%Y-%m-%d"), alt.Tooltip("name:N", title="series"),
                     alt.Tooltip("value:Q", title=title, format=value_format)],
        )
    ]
    if reference is not None:
        layers.append(alt.Chart().mark_rule(color=REFERENCE_GREY, strokeDash=[4, 4]).encode(y=alt.datum(reference)))
    header = alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top", labelFontSize=11, labelPadding=2, labelLimit=0)
    return (
        alt.layer(*layers, data=data)
        .properties(width=SMALL_MULTIPLE_WIDTH_PX, height=70)
        .facet(facet=alt.Facet("label:N", sort=labels, title=None, header=header), columns=1, spacing=6)
        .properties(autosize=alt.AutoSizeParams(type="pad"), title=alt.TitleParams(title, anchor="start", fontSize=12))  # once, not per panel
    )


def series_chart(frame: pd.DataFrame, title: str, value_format: str, reference: float | None = None) -> alt.Chart:
    """Lines over time (columns date, series, value), with an optional dashed rule at `reference`."""
    lines = _time_lines(frame, "value", title, value_format).properties(height=200)
    if reference is None:
        return lines
    rule = alt.Chart(pd.DataFrame({"y": [reference]})).mark_rule(color=REFERENCE_GREY, strokeDash=[4, 4]).encode(y="y:Q")
    return alt.layer(lines, rule).properties(width="container", height=200)


SHOWN_ASSETS = 12  # a chart over many assets shows this many at each end, the rest as one row


def contribution_chart(contributions: pd.DataFrame) -> alt.Chart:
    """Each asset's contribution to the total return as horizontal bars: columns asset,
    contribution. Over 2 x SHOWN_ASSETS assets, the largest and smallest SHOWN_ASSETS and one bar
    for the sum of the others."""
    data = contributions.sort_values("contribution", ascending=False, kind="stable")
    if len(data) > 2 * SHOWN_ASSETS:
        middle = data.iloc[SHOWN_ASSETS:-SHOWN_ASSETS]
        rest = pd.DataFrame({"asset": [f"the other {len(middle)} assets"], "contribution": [middle["contribution"].sum()]})
        data = pd.concat([data.iloc[:SHOWN_ASSETS], rest, data.iloc[-SHOWN_ASSETS:]], ignore_index=True)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("asset:N", title=None, sort=list(data["asset"]), axis=alt.Axis(labelLimit=360)),
            x=alt.X("contribution:Q", title="contribution to the total return", axis=alt.Axis(format=".0%")),
            color=alt.condition(alt.datum.contribution >= 0, alt.value(_PALETTE[0]), alt.value(_PALETTE[3])),
            tooltip=[alt.Tooltip("asset:N"), alt.Tooltip("contribution:Q", format=".2%")],
        )
        .properties(width="container", height=alt.Step(16))
    )


def legend_values(low: float, high: float, count: int = 3) -> list[float]:
    """`count` evenly spaced values from `low` to `high`, rounded to the fewest significant digits
    that keep them apart and within 5 % of the range of where they belong: a colour legend whose
    ticks read as different numbers (not "0.036 0.036 0.036")."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    exact = [low + (high - low) * i / (count - 1) for i in range(count)]
    for digits in range(1, 8):
        values = [float(f"{v:.{digits}g}") for v in exact]
        if len(set(values)) == count and all(abs(v - e) <= 0.05 * (high - low) for v, e in zip(values, exact)):
            return values
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def swatch_legend(values: list[float], value_format: str, orient: str = "top") -> alt.Legend:
    """A colour legend of swatches at `values` rather than a gradient: browsers, vl-convert and
    WeasyPrint draw it alike (WeasyPrint leaves an SVG gradient blank, so a PDF lost its scale)."""
    return alt.Legend(
        type="symbol", values=values, format=value_format, symbolType="square", symbolSize=150, symbolStrokeWidth=0,
        symbolOpacity=1, direction="horizontal", orient=orient, columns=max(1, len(values)), labelLimit=0,
    )


def share_format(values: list[float]) -> str:
    """A d3 percent format with just enough decimals to print each of `values` as it is (0.0355 ->
    3.55 %): the ticks of legend_values, which are rounded already."""
    for decimals in range(0, 6):
        if all(abs(round(v * 100, decimals) - v * 100) < 1e-9 for v in values):
            return f".{decimals}%"
    return ".5%"


def asset_lag_heatmap(cells: pd.DataFrame, uniform_weight: float) -> alt.Chart:
    """Mean attention weight per asset and lag: columns asset, lag, weight; the colour scale is
    centred on the uniform weight 1/T (above: the model looks there more than uniformly)."""
    assets = list(dict.fromkeys(cells["asset"]))
    if len(assets) > 2 * SHOWN_ASSETS:  # the assets that look furthest back and least far back
        oldest = cells[cells["lag"] == cells["lag"].max()].sort_values("weight", ascending=False, kind="stable")["asset"]
        assets = list(oldest.iloc[:SHOWN_ASSETS]) + list(oldest.iloc[-SHOWN_ASSETS:])
        cells = cells[cells["asset"].isin(assets)]
    ticks = legend_values(float(cells["weight"].min()), float(cells["weight"].max()))
    return (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("lag:O", title="days back (0 = latest)"),
            y=alt.Y("asset:N", title=None, sort=assets, axis=alt.Axis(labelLimit=360)),
            color=alt.Color(
                "weight:Q", title="mean weight", scale=alt.Scale(scheme="redblue", reverse=True, domainMid=uniform_weight),
                legend=swatch_legend(ticks, share_format(ticks)),
            ),
            tooltip=[alt.Tooltip("asset:N"), alt.Tooltip("lag:O", title="days back"), alt.Tooltip("weight:Q", format=".4f")],
        )
        .properties(width="container", height=alt.Step(14))
    )
