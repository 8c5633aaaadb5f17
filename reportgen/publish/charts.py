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

import functools
import json
import re
from collections.abc import Callable

import altair as alt
import pandas as pd

MAX_POINTS_PER_SERIES = 2_600  # about ten years of trading days
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])

# Every time axis names the year: "2021" at a new year, "Apr 2021" at the start of another month,
# "15 Apr 2021" at a tick inside a month (short spans); labels that would overlap are dropped.
TIME_LABEL_EXPR = (
    "timeFormat(datum.value, month(datum.value) == 0 && date(datum.value) == 1 ? '%Y'"
    " : date(datum.value) == 1 ? '%b %Y' : '%d %b %Y')"
)

_PALETTE = ["#1f5fa8", "#e07b00", "#2a9d4b", "#c0392b", "#7b4fa0", "#8c6d31", "#d35fb7", "#5f6b7a"]


@alt.theme.register("reportgen", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {
            "background": "#ffffff",
            "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
            "view": {"continuousWidth": 640, "continuousHeight": 260, "stroke": None},
            "range": {"category": _PALETTE},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e8e8e8"},
            "axisTemporal": {"labelExpr": TIME_LABEL_EXPR, "labelOverlap": "greedy", "labelSeparation": 6},
            "legend": {"orient": "top", "labelFontSize": 11, "titleFontSize": 11, "columns": 4, "labelLimit": 220},
            "line": {"strokeWidth": 1.6},
        }
    }


def thinned(frame: pd.DataFrame, series: str | None = None) -> pd.DataFrame:
    """`frame` (with a `date` column) at weekly resolution when a series has too many points."""
    counts = frame.groupby(series).size().max() if series else len(frame)
    if counts <= MAX_POINTS_PER_SERIES:
        return frame
    keys = [series, pd.Grouper(key="date", freq="W-FRI")] if series else [pd.Grouper(key="date", freq="W-FRI")]
    return frame.groupby(keys).last().reset_index().dropna()


def _zoom() -> alt.Parameter:
    return alt.selection_interval(bind="scales", encodings=["x"])


def _time_lines(frame: pd.DataFrame, value: str, title: str, value_format: str) -> alt.Chart:
    """Lines over time, one per `series`, with tooltips and x zoom/pan."""
    data = thinned(frame, "series")
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=value_format)),
            color=alt.Color("series:N", title=None, sort=list(dict.fromkeys(data["series"]))),
            tooltip=[
                alt.Tooltip("date:T", format="%Y-%m-%d"),
                alt.Tooltip("series:N", title="series"),
                alt.Tooltip(f"{value}:Q", title=title, format=value_format),
            ],
        )
        .add_params(_zoom())
        .properties(width="container")
    )


def equity_chart(equity: pd.DataFrame) -> alt.Chart:
    """Growth of 100: columns date, series, value."""
    return _time_lines(equity, "value", "value (base 100)", ",.1f")


def drawdown_chart(drawdowns: pd.DataFrame) -> alt.Chart:
    """Underwater curves: columns date, series, drawdown (<= 0)."""
    data = thinned(drawdowns, "series")
    return (
        alt.Chart(data)
        .mark_area(opacity=0.35, line=True)
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("drawdown:Q", title="drawdown", axis=alt.Axis(format=".0%"), stack=None),
            color=alt.Color("series:N", title=None, sort=list(dict.fromkeys(data["series"]))),
            tooltip=[
                alt.Tooltip("date:T", format="%Y-%m-%d"),
                alt.Tooltip("series:N"),
                alt.Tooltip("drawdown:Q", format=".2%"),
            ],
        )
        .add_params(_zoom())
        .properties(width="container", height=200)
    )


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
        color=alt.Color("signal:N", title="long signal", scale=alt.Scale(range=["#bbbbbb", _PALETTE[2]])),
    )
    return alt.layer(line, ticks).add_params(_zoom()).properties(width="container")


def attention_lags_chart(cells: pd.DataFrame, weight_title: str) -> alt.Chart:
    """Heatmap of the attention vector: columns date, date_end (the cell's span), lag, weight."""
    return (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("date:T", title=None),
            x2="date_end:T",
            y=alt.Y("lag:O", title="days back (0 = latest)", sort="ascending"),
            color=alt.Color(
                "weight:Q", title=weight_title, scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(format=".3~f", tickCount=4, gradientLength=240),
            ),
            tooltip=[
                alt.Tooltip("date:T", format="%Y-%m-%d", title="from"),
                alt.Tooltip("lag:O", title="days back"),
                alt.Tooltip("weight:Q", format=".4f"),
            ],
        )
        .add_params(_zoom())
        .properties(width="container", height=alt.Step(9))
    )


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
        .mark_rule(color="#444", strokeDash=[4, 4])
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
    rules = (
        alt.Chart(markers)
        .mark_rule(strokeWidth=2.5)
        .encode(
            x="value:Q",
            color=alt.Color(
                "label:N", title=None, scale=alt.Scale(domain=list(markers["label"]), range=[_PALETTE[2], _PALETTE[3]])
            ),
            tooltip=[alt.Tooltip("label:N", title=None), alt.Tooltip("value:Q", format=value_format)],
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
    bars = (
        alt.Chart(buckets)
        .mark_bar()
        .encode(
            x=alt.X("bucket:O", title="quintile of the factor (1 = lowest)", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("factor:N", sort=list(dict.fromkeys(buckets["factor"]))),
            y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=value_format)),
            color=alt.Color("factor:N", title=None, sort=list(dict.fromkeys(buckets["factor"]))),
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
    rule = alt.Chart(pd.DataFrame({"y": [reference]})).mark_rule(color="#444", strokeDash=[4, 4]).encode(y="y:Q")
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
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#444", strokeDash=[4, 4]).encode(y="y:Q")
    return alt.layer(lines, zero).properties(width="container")


def monthly_returns_chart(monthly: pd.DataFrame) -> alt.Chart:
    """Heatmap of monthly returns: columns year, month (1-12), return."""
    data = monthly.assign(month_name=pd.to_datetime(dict(year=monthly.year, month=monthly.month, day=1)).dt.strftime("%b"))
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    limit = max(float(data["return"].abs().max()), 1e-9)
    base = alt.Chart(data).encode(
        x=alt.X("month_name:O", title=None, sort=months),
        y=alt.Y("year:O", title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "return:Q",
            title="return",
            scale=alt.Scale(scheme="redyellowgreen", domain=[-limit, limit]),
            legend=alt.Legend(format=".0%"),
        ),
        tooltip=[alt.Tooltip("year:O"), alt.Tooltip("month_name:O", title="month"), alt.Tooltip("return:Q", format=".2%")],
    )
    labels = base.mark_text(fontSize=10).encode(text=alt.Text("return:Q", format=".1%"))
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
    rule = alt.Chart(pd.DataFrame({"y": [reference]})).mark_rule(color="#444", strokeDash=[4, 4]).encode(y="y:Q")
    return alt.layer(lines, rule).properties(width="container")


def loss_curves_chart(curves: pd.DataFrame, title: str, reference: float | None = None) -> alt.Chart:
    """Loss per epoch, one line per fold coloured by when it was fitted; a dot on each fold's
    best epoch. Columns fold, fitted (ISO date), epoch, loss, best (bool)."""
    base = alt.Chart(curves).encode(
        x=alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("loss:Q", title=title, scale=alt.Scale(zero=False)),
        color=alt.Color("fold:Q", title="fold", scale=alt.Scale(scheme="viridis")),
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
            alt.Chart(pd.DataFrame({"y": [reference]})).mark_rule(color="#444", strokeDash=[4, 4]).encode(y="y:Q")
        )
    return alt.layer(*layers).properties(width="container", height=240)


def chart_spec(chart: alt.Chart) -> dict:
    """The Vega-Lite spec of `chart`, data inlined, with stable parameter and view names."""
    with alt.data_transformers.enable("default", max_rows=None):
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
        if not _has_time_axis(chart):
            return chart
        size = {k: getattr(chart, k) for k in ("width", "height") if getattr(chart, k) is not alt.Undefined}
        return alt.layer(shading, chart).properties(**size)

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
        color=alt.Color(f"{value}:Q", title=title, scale=scale, legend=alt.Legend(format=value_format, orient="right")),
        tooltip=[
            alt.Tooltip("threshold:Q", format=".2f"),
            alt.Tooltip("row:N", title="filter, sizing"),
            alt.Tooltip(f"{value}:Q", title=title, format=value_format),
            alt.Tooltip("trades:Q"),
        ],
    )
    points = (
        alt.Chart(markers)
        .mark_point(filled=True, size=70, color="#000000", stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X("threshold:O"),
            y=alt.Y("row:N", sort=rows),
            shape=alt.Shape("marker:N", title="marked", legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
            tooltip=[alt.Tooltip("marker:N", title="marked"), alt.Tooltip("threshold:Q", format=".2f")],
        )
    )
    # A fixed height (not a step) so that the theme's fit-x autosize applies without a warning.
    return alt.layer(blank, filled, points).properties(width="container", height=14 * len(rows))


def cost_chart(costs: pd.DataFrame) -> alt.Chart:
    """Total return against fees, one line per execution timing: columns fees_bps, execution,
    total_return, sharpe, total_fees, trades."""
    return (
        alt.Chart(costs)
        .mark_line(point=True)
        .encode(
            x=alt.X("fees_bps:Q", title="fee per order, basis points of traded value"),
            y=alt.Y("total_return:Q", title="total return", axis=alt.Axis(format=".0%")),
            color=alt.Color("execution:N", title=None, sort=list(dict.fromkeys(costs["execution"]))),
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
    order = list(dict.fromkeys(intervals["series"]))
    base = alt.Chart(intervals).encode(
        y=alt.Y("series:N", title=None, sort=order),
        yOffset=alt.YOffset("figure:N", sort=list(dict.fromkeys(intervals["figure"]))),
        color=alt.Color("figure:N", title=None, sort=list(dict.fromkeys(intervals["figure"]))),
        tooltip=[
            alt.Tooltip("series:N"),
            alt.Tooltip("figure:N"),
            alt.Tooltip("value:Q", title="estimate", format=".2f"),
            alt.Tooltip("low:Q", format=".2f"),
            alt.Tooltip("high:Q", format=".2f"),
        ],
    )
    rules = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title=title), x2="high:Q")
    points = base.mark_point(filled=True, size=60).encode(x="value:Q")
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#444", strokeDash=[4, 4]).encode(x="x:Q")
    rows = len(order) * intervals["figure"].nunique()
    return alt.layer(rules, points, zero).properties(width="container", height=18 * rows)


# ---------------------------------------------------------------- portfolios across a universe

def stacked_weights_chart(weights: pd.DataFrame) -> alt.Chart:
    """Weights over time as stacked areas, one per asset (the largest holdings and "other"):
    columns date, series, weight. Long series are shown weekly, as every time chart."""
    data = thinned(weights, "series")
    order = list(dict.fromkeys(data["series"]))
    return (
        alt.Chart(data)
        .mark_area()
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("weight:Q", title="weight at the close", stack="zero", axis=alt.Axis(format=".0%")),
            color=alt.Color("series:N", title=None, sort=order, scale=alt.Scale(scheme="tableau20")),
            order=alt.Order("series_order:Q"),
            tooltip=[
                alt.Tooltip("date:T", format="%Y-%m-%d"),
                alt.Tooltip("series:N", title="asset"),
                alt.Tooltip("weight:Q", format=".2%"),
            ],
        )
        .transform_calculate(series_order=f"indexof({json.dumps(order)}, datum.series)")
        .add_params(_zoom())
        .properties(width="container")
    )


def series_chart(frame: pd.DataFrame, title: str, value_format: str, reference: float | None = None) -> alt.Chart:
    """Lines over time (columns date, series, value), with an optional dashed rule at `reference`."""
    lines = _time_lines(frame, "value", title, value_format).properties(height=200)
    if reference is None:
        return lines
    rule = alt.Chart(pd.DataFrame({"y": [reference]})).mark_rule(color="#444", strokeDash=[4, 4]).encode(y="y:Q")
    return alt.layer(lines, rule).properties(width="container", height=200)


def contribution_chart(contributions: pd.DataFrame) -> alt.Chart:
    """Each asset's contribution to the total return as horizontal bars: columns asset, contribution."""
    return (
        alt.Chart(contributions)
        .mark_bar()
        .encode(
            y=alt.Y("asset:N", title=None, sort="-x"),
            x=alt.X("contribution:Q", title="contribution to the total return", axis=alt.Axis(format=".0%")),
            color=alt.condition(alt.datum.contribution >= 0, alt.value(_PALETTE[0]), alt.value(_PALETTE[3])),
            tooltip=[alt.Tooltip("asset:N"), alt.Tooltip("contribution:Q", format=".2%")],
        )
        .properties(width="container", height=alt.Step(16))
    )


def asset_lag_heatmap(cells: pd.DataFrame, uniform_weight: float) -> alt.Chart:
    """Mean attention weight per asset and lag: columns asset, lag, weight; the colour scale is
    centred on the uniform weight 1/T (above: the model looks there more than uniformly)."""
    return (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("lag:O", title="days back (0 = latest)"),
            y=alt.Y("asset:N", title=None),
            color=alt.Color(
                "weight:Q", title="mean weight", scale=alt.Scale(scheme="redblue", reverse=True, domainMid=uniform_weight),
                legend=alt.Legend(format=".3~f", gradientLength=200),
            ),
            tooltip=[alt.Tooltip("asset:N"), alt.Tooltip("lag:O", title="days back"), alt.Tooltip("weight:Q", format=".4f")],
        )
        .properties(width="container", height=alt.Step(14))
    )
