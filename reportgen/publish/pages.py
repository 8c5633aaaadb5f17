"""Markdown pages from the Jinja templates: the only module that imports jinja2.

Every value a template prints is escaped for HTML (autoescape) and for markdown (the `text`
filter); numbers are formatted by filters here, never in the metrics. Charts are placed with
`chart(id)`, which writes a container and the chart's spec as JSON in a non-executable script
element (so a page also draws when opened from disk).
"""

from __future__ import annotations

import base64
import functools
import inspect
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from reportgen.analysis import thresholds
from reportgen.analysis.statistics import percentile_interval
from reportgen.inputs.errors import ConfigError
from reportgen.publish import facts, findings, formats
from reportgen.publish.attention_page import attention_models
from reportgen.publish.chart_tasks import spec_text
from reportgen.publish.sensitivity_page import sensitivity_models
from reportgen.publish.universe_fields import (
    asset_list, attention_across_assets, cost_lines, factor_rows, portfolio_figures, universe_caveats, weighting_sentence,
)
from reportgen.results import Report

# Above this share of resamples with an undefined figure, no bootstrap interval is given (the
# default of the analysis' percentile_interval, stated on the methodology page).
UNDEFINED_SHARE = inspect.signature(percentile_interval).parameters["max_undefined"].default

# Python-Markdown's backslash escapes (with `|` from the tables extension). `<`, `>` and `&`
# are left to HTML escaping, whose entities markdown keeps; `.` only matters after a digit at
# the start of a line, where no value is printed.
_CODE_SPECIALS = frozenset("\\`*_{}[]()#+!|-~=<>&\"'")
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+!|-])")


@dataclass(frozen=True)
class Page:
    path: str  # relative to the docs folder, e.g. "strategies/notebook_replica.md"
    title: str
    markdown: str
    section: str = ""  # the navigation section the page is listed under ("" for the top level)
    nav_title: str = ""  # its entry in the navigation, when shorter than the title


def text(value) -> Markup:
    """Escape a user-supplied string for HTML and markdown, so that it shows as typed.

    Runs of whitespace (newlines included) become one space, as HTML would show them anyway:
    a newline must not end a table row or start a markdown block.
    """
    markdown = _MARKDOWN_SPECIALS.sub(r"\\\1", formats.unbroken(re.sub(r"\s+", " ", str(value))))
    # HTML escaping second, so that its entities (&#34;) keep their `#`; `=` has no backslash
    # escape, and a line of it under a paragraph would make a heading
    return Markup(str(escape(markdown)).replace("=", "&#61;"))


def prose(value) -> Markup:
    """A sentence whose `backtick` spans are code, every part escaped like `text`.

    For sentences built from user strings (an attention column's name): an odd backtick in a
    name can only misplace the code styling, never let markup through.
    """
    parts = str(value).split("`")
    return Markup("").join(code(part) if i % 2 else text(part) for i, part in enumerate(parts))


def code(value) -> Markup:
    """A user-supplied name as inline code. Every HTML or markdown special character becomes a
    numeric entity (inside a code span a markdown backslash escape would show), and runs of
    whitespace become one space (a newline must not end a table row)."""
    collapsed = re.sub(r"\s+", " ", str(value))
    return Markup("<code>" + "".join(f"&#{ord(c)};" if c in _CODE_SPECIALS else c for c in collapsed) + "</code>")


pct = formats.percent  # the tearsheet templates' percent filter until they call the kinds


def dates(index) -> Markup:
    """formats.date_range of `index`, each date kept on one line: a narrow column never ends a line at "2022-01-"."""
    return Markup(" to ").join(Markup('<span class="nowrap">{}</span>').format(day) for day in formats.date_range(index).split(" to "))


def num(value, digits: int = 2) -> str:
    """The tearsheet templates' number filter until they call the kinds (fixed decimals)."""
    return formats.MISSING if formats.is_missing(value) else formats.fixed(value, digits)


def _spec_json(spec: dict) -> str:
    # Escaped so that no user string inside the spec can close the script element.
    raw = spec_text(spec)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def data_uri(content: bytes | str, media_type: str) -> str:
    """`content` as a base64 data: URL (a download or an image that needs no other file)."""
    raw = content.encode() if isinstance(content, str) else content
    return f"data:{media_type};base64,{base64.b64encode(raw).decode('ascii')}"


def _figure(chart_id: str, spec: dict, caption: str, static_svg: str | None = None) -> str:
    """A chart's container and its spec (drawn by reportgen-charts.js), optionally with the
    same chart as a static SVG image (shown in print and without JavaScript)."""
    dom_id = "chart-" + re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    block = '<figure class="reportgen-figure">\n'
    if static_svg is not None:
        block += f'<img class="reportgen-static" alt="{escape(caption)}" src="{data_uri(static_svg, "image/svg+xml")}">\n'
    block += (
        f'<div class="reportgen-chart" id="{dom_id}"></div>\n'
        f'<script type="application/json" class="reportgen-spec" data-target="{dom_id}">'
        f"{_spec_json(spec)}</script>\n"
    )
    if caption:
        block += f"<figcaption>{escape(caption)}</figcaption>\n"
    return block + "</figure>\n"


def inline_script(source: str) -> Markup:
    """JavaScript source made safe to place inside a <script> element of an HTML file."""
    return Markup(re.sub(r"</(script)", r"<\\/\1", source, flags=re.I).replace("<!--", "<\\!--"))


def code_spans(value) -> Markup:
    """A sentence written for markdown, for HTML: escaped, with `code` spans kept as <code>."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(str(value)))))


def _environment(templates: Path | Mapping[str, str], specs: dict[str, dict]) -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(templates) if isinstance(templates, Path) else jinja2.DictLoader(dict(templates))
    env = jinja2.Environment(
        loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
        lstrip_blocks=True,
        # every placed string keeps a number with its "%" or "bp" ("15 % vol target", a caveat, a rule); Markup is placed as is
        finalize=lambda value: formats.unbroken(value) if type(value) is str else value,
    )
    env.filters.update(text=text, code=code, prose=prose, pct=pct, num=num)
    # one filter per kind of figure (reportgen.publish.formats), and by kind name
    env.filters.update(formats.FORMATTERS, p_statement=formats.p_statement, interval=formats.interval, as_kind=formats.formatted,
                       count_of=formats.count_of, date_range=dates, file_size=formats.file_size)
    env.globals.update(SIGNIFICANCE=thresholds.SIGNIFICANCE, CONFIDENT=thresholds.CONFIDENT, UNDEFINED_SHARE=UNDEFINED_SHARE)

    def chart(chart_id: str, caption: str = "", empty: str = "Nothing to draw.") -> Markup:
        if chart_id not in specs:
            return Markup(f'\n<p class="reportgen-no-chart"><em>{escape(empty)}</em></p>\n')
        return Markup("\n" + _figure(chart_id, specs[chart_id], caption))

    env.globals["chart"] = chart
    return env


def _template_location(error: jinja2.TemplateError, template: Path) -> str:
    """`file:line` of the template line that failed (jinja maps its frames to template lines)."""
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return f"{error.filename}:{error.lineno}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else str(template)


def rendered_pages(
    report: Report, specs: dict[str, dict], templates: Path, downloads: dict | None = None
) -> list[Page]:
    """Every page of the site as markdown, in navigation order.

    `downloads` ({"strategies": {id: {kind: path}}, "models": ...}, site-relative paths) lets
    the pages link the CSVs and tearsheets.
    """
    env = _environment(templates, specs)
    env.globals["downloads"] = downloads or {"strategies": {}, "models": {}, "portfolios": {}}

    def render(template: str, **context) -> str:
        try:
            return env.get_template(template).render(report=report, **context)
        except jinja2.TemplateError as exc:
            raise ConfigError(f"{_template_location(exc, templates / template)}: template error: {exc.message}") from None

    if not report.models:  # universe models only
        overview = render("universe_index.md.j2", findings=findings.universe_findings(report))
        return [Page("index.md", "Overview", overview, "Overview", "Summary"), *_universe_pages(report, render)]
    sensitivity = sensitivity_models(report)
    overview = render("index.md.j2", findings=findings.report_findings(report), sensitivity={sm.id: sm for sm in sensitivity},
                      shown={m.id: facts.shown_strategies(m.strategies) for m in report.models})
    pages = [Page("index.md", "Overview", overview)]
    for model, strategy in report.strategies:
        markdown = render("strategy.md.j2", model=model, strategy=strategy, page=facts.strategy_page(report, model, strategy),
                          findings=findings.strategy_findings(report, model, strategy))
        pages.append(Page(f"strategies/{strategy.id}.md", strategy.config.name, markdown, "Strategies", strategy.config.short_name))
    for model in report.models:
        if model.provenance is not None:
            training = render("model.md.j2", model=model, training=facts.training_page(model.provenance))
            pages.append(Page(f"models/{model.id}.md", model.config.name, training, "Models"))
    pages += _universe_pages(report, render)
    pages.append(Page("attention.md", "Attention", render("attention.md.j2", models=attention_models(report))))
    pages.append(Page("sensitivity.md", "Sensitivity", render("sensitivity.md.j2", models=sensitivity)))
    pages.append(Page("methodology.md", "Methodology", render("methodology.md.j2", sensitivity={sm.id: sm for sm in sensitivity})))
    return pages


def _universe_pages(report: Report, render: Callable[..., str]) -> list[Page]:
    """Per universe model an overview of its portfolios, its cross-sectional attention page and
    its training page; one page per portfolio. Navigation sections: Overview, Portfolios,
    Attention across assets, Model; entries named without the (long) model name when there is
    one universe model, by its id otherwise."""
    overviews, attention, training = [], [], []
    several = len(report.universe_models) > 1
    for model in report.universe_models:
        named = (lambda label: f"{label}: {model.id}") if several else (lambda label: label)
        overviews.append(Page(f"universe/{model.id}.md", f"{model.config.name}: portfolios",
                              render(
                                  "universe.md.j2", model=model, weighting=weighting_sentence, costs=cost_lines(model),
                                  listing=universe_caveats(model), assets=asset_list(model),
                              ), "Overview", named("All portfolios")))
        attention.append(
            Page(f"universe/{model.id}-attention.md", f"{model.config.name}: attention across assets",
                 render("universe_attention.md.j2", model=model, factors=factor_rows(model), across=attention_across_assets(model)),
                 "Attention across assets", named("Ranking the assets"))
        )
        if model.provenance is not None:
            markdown = render("model.md.j2", model=model, training=facts.training_page(model.provenance))
            training.append(Page(f"models/{model.id}.md", f"{model.config.name}: training", markdown, "Model", named("How it was trained")))
    portfolios = [
        Page(f"portfolios/{portfolio.id}.md", portfolio.config.name,
             render("portfolio.md.j2", model=model, portfolio=portfolio, weighting=weighting_sentence,
                    findings=findings.portfolio_findings(model, portfolio), figures=portfolio_figures(portfolio),
                    listing=universe_caveats(model)),
             "Portfolios", portfolio.config.short_name)
        for model, portfolio in report.portfolios
    ]
    return [*overviews, *portfolios, *attention, *training]


@dataclass(frozen=True)
class TearsheetInput:
    """What a one-file tearsheet needs besides the report and the chart specs."""

    scripts: str  # the vega bundle and the chart drawing script, inlined once per file
    static_svg: Callable[[str], str]  # chart id -> the chart as a static SVG document
    attachments: dict[str, dict[str, bytes]]  # strategy or portfolio id -> {file name: CSV}, inlined as data: links
    links: dict[str, dict[str, str]]  # the same -> {file name: the site's copy}, for each CSV not inlined
    provenance: str  # one line: version, build date, hashes
    quantstats_files: dict[str, str]  # strategy id -> file name of its quantstats tearsheet, if made
    figures: bool = True  # False: each figure only named to static_svg, not made (tearsheet_chart_ids)


def rendered_tearsheets(
    report: Report, specs: dict[str, dict], templates: Path | Mapping[str, str], sheet: TearsheetInput
) -> dict[str, Callable[[], str]]:
    """Each strategy's and portfolio's self-contained HTML tearsheet (tearsheet.html.j2,
    portfolio_tearsheet.html.j2), by id, rendered when called: a tearsheet holds the vega bundle,
    every chart and every CSV, so a build of many renders and writes them one at a time rather
    than holding them all.

    Everything is inside the file: scripts, chart specs, static SVGs and the CSV downloads, so
    it reads the same from a mail attachment, from disk (file://) or from the site.
    """
    env = _environment(templates, specs)
    env.filters.update(code_spans=code_spans, data_uri=data_uri)

    def figure(chart_id: str, caption: str = "", empty: str = "Nothing to draw.") -> Markup:
        if chart_id not in specs:
            return Markup(f'<p class="reportgen-no-chart"><em>{escape(empty)}</em></p>\n')
        static = sheet.static_svg(chart_id)
        return Markup(_figure(chart_id, specs[chart_id], caption, static)) if sheet.figures else Markup()

    env.globals["figure"] = figure
    scripts = inline_script(sheet.scripts)

    def rendered_portfolio(model, portfolio) -> str:
        return env.get_template("portfolio_tearsheet.html.j2").render(
            report=report,
            model=model,
            portfolio=portfolio,
            rules=weighting_sentence(portfolio),
            findings=findings.portfolio_findings(model, portfolio),
            scripts=scripts,
            attachments=sheet.attachments.get(portfolio.id, {}),
            links=sheet.links.get(portfolio.id, {}),
            provenance=sheet.provenance,
        )

    sheets = {portfolio.id: functools.partial(rendered_portfolio, model, portfolio) for model, portfolio in report.portfolios}
    if not report.strategies:
        return sheets
    template = env.get_template("tearsheet.html.j2")

    def rendered(model, strategy) -> str:
        return template.render(
            report=report,
            model=model,
            strategy=strategy,
            findings=findings.strategy_findings(report, model, strategy),
            scripts=scripts,
            attachments=sheet.attachments.get(strategy.id, {}),
            links=sheet.links.get(strategy.id, {}),
            provenance=sheet.provenance,
            quantstats_file=sheet.quantstats_files.get(strategy.id),
        )

    return sheets | {strategy.id: functools.partial(rendered, model, strategy) for model, strategy in report.strategies}


def tearsheet_chart_ids(report: Report, specs: dict[str, dict], templates: Path) -> list[str]:
    """The charts the tearsheets draw as static SVG, in first-use order, found by rendering every
    tearsheet once without scripts, attachments or figures (their specs' JSON took 0.2 s of the
    bundled build here), so that the SVGs can be drawn in parallel before the tearsheets are written."""
    used: list[str] = []
    sheet = TearsheetInput(scripts="", static_svg=lambda chart_id: used.append(chart_id) or "", attachments={}, links={},
                           provenance="", quantstats_files={}, figures=False)
    for render in rendered_tearsheets(report, specs, templates, sheet).values():
        render()
    return list(dict.fromkeys(used))

