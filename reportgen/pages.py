"""Markdown pages from the Jinja templates: the only module that imports jinja2.

Every value a template prints is escaped for HTML (autoescape) and for markdown (the `text`
filter); numbers are formatted by filters here, never in the metrics. Charts are placed with
`chart(id)`, which writes a container and the chart's spec as JSON in a non-executable script
element (so a page also draws when opened from disk).
"""

from __future__ import annotations

import json
import math
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from reportgen.errors import ConfigError
from reportgen.results import Report

# Python-Markdown's backslash escapes (with `|` from the tables extension). `<`, `>` and `&`
# are left to HTML escaping, whose entities markdown keeps; `.` only matters after a digit at
# the start of a line, where no value is printed.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+!|-])")


@dataclass(frozen=True)
class Page:
    path: str  # relative to the docs folder, e.g. "strategies/notebook_replica.md"
    title: str
    markdown: str


def text(value) -> Markup:
    """Escape a user-supplied string for HTML and markdown, so that it shows as typed.

    Runs of whitespace (newlines included) become one space, as HTML would show them anyway:
    a newline must not end a table row or start a markdown block.
    """
    markdown = _MARKDOWN_SPECIALS.sub(r"\\\1", re.sub(r"\s+", " ", str(value)))
    # HTML escaping second, so that its entities (&#34;) keep their `#`; `=` has no backslash
    # escape, and a line of it under a paragraph would make a heading
    return Markup(str(escape(markdown)).replace("=", "&#61;"))


def code(value) -> Markup:
    """A user-supplied string shown as inline code (a markdown code span would show the escapes)."""
    return Markup(f"<code>{text(value)}</code>")


def prose(value) -> Markup:
    """A sentence whose `backtick` spans are code, every part escaped like `text`.

    For sentences built from user strings (an attention column's name): an odd backtick in a
    name can only misplace the code styling, never let markup through.
    """
    parts = str(value).split("`")
    return Markup("").join(code(part) if i % 2 else text(part) for i, part in enumerate(parts))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value, digits: int = 2) -> str:
    """0.1234 -> '12.34 %'; NaN -> 'n/a'."""
    return "n/a" if _missing(value) else f"{value * 100:,.{digits}f} %"


def num(value, digits: int = 2) -> str:
    return "n/a" if _missing(value) else f"{value:,.{digits}f}"


def _spec_json(spec: dict) -> str:
    # Escaped so that no user string inside the spec can close the script element.
    raw = json.dumps(spec, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _environment(templates: Path, specs: dict[str, dict]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(text=text, code=code, prose=prose, pct=pct, num=num)

    def chart(chart_id: str, caption: str = "", empty: str = "Nothing to draw.") -> Markup:
        if chart_id not in specs:
            return Markup(f'\n<p class="reportgen-no-chart"><em>{escape(empty)}</em></p>\n')
        dom_id = "chart-" + re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
        block = (
            f'<figure class="reportgen-figure">\n<div class="reportgen-chart" id="{dom_id}"></div>\n'
            f'<script type="application/json" class="reportgen-spec" data-target="{dom_id}">'
            f"{_spec_json(specs[chart_id])}</script>\n"
        )
        if caption:
            block += f"<figcaption>{escape(caption)}</figcaption>\n"
        return Markup("\n" + block + "</figure>\n")

    env.globals["chart"] = chart
    return env


def _template_location(error: jinja2.TemplateError, template: Path) -> str:
    """`file:line` of the template line that failed (jinja maps its frames to template lines)."""
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return f"{error.filename}:{error.lineno}"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else str(template)


def rendered_pages(report: Report, specs: dict[str, dict], templates: Path) -> list[Page]:
    """Every page of the site as markdown, in navigation order."""
    env = _environment(templates, specs)

    def render(template: str, **context) -> str:
        try:
            return env.get_template(template).render(report=report, **context)
        except jinja2.TemplateError as exc:
            raise ConfigError(f"{_template_location(exc, templates / template)}: template error: {exc.message}") from None

    pages = [Page("index.md", "Overview", render("index.md.j2"))]
    for model, strategy in report.strategies:
        pages.append(
            Page(
                f"strategies/{strategy.id}.md",
                strategy.config.name,
                render("strategy.md.j2", model=model, strategy=strategy),
            )
        )
    pages.append(Page("attention.md", "Attention", render("attention.md.j2")))
    pages.append(Page("methodology.md", "Methodology", render("methodology.md.j2")))
    return pages
