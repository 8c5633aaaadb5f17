"""The same figure reads the same everywhere: every number of every page and tearsheet of the
bundled report, checked for three figures of three strategies against metrics.json."""

import html
import json
import re
from pathlib import Path

from reportgen.publish import formats

STRATEGIES = ("notebook_replica", "attention_sized", "hybrid")
FIGURES = {"total_return": "percent", "sharpe": "ratio", "max_drawdown": "percent"}
NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?![\d])")


def page_numbers(document: str) -> list[str]:
    """Every number a reader sees on an HTML page (scripts, styles and tags left out, and the
    folded table of quantstats' own figures, which quantstats rounds and says so)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", document, flags=re.S | re.I)
    body = re.sub(r'<details class="quantstats".*?</details>', " ", body, flags=re.S)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return NUMBER.findall(body)


def other_roundings(value: float, kind: str) -> set[str]:
    """How the same figure would read with other decimals than its kind's (the inconsistency
    a reader notices: "31 %" on one page and "31.0 %" on another)."""
    shown = value * 100 if kind == "percent" else value
    canonical = formats.formatted(value, kind).replace(formats.NBSP + "%", "")
    return {f"{shown:,.{d}f}" for d in (1, 3, 4)} - {canonical}


def test_three_figures_of_three_strategies_read_the_same_everywhere(bundled_site: Path):
    metrics = json.loads((bundled_site / "metrics.json").read_text())["strategies"]
    pages = {p.relative_to(bundled_site).as_posix(): page_numbers(p.read_text()) for p in bundled_site.rglob("*.html")}
    assert any(name.startswith("tearsheets/") for name in pages)
    for sid in STRATEGIES:
        for figure, kind in FIGURES.items():
            value = metrics[sid][figure]
            canonical = formats.formatted(value, kind).replace(formats.NBSP + "%", "")
            shown_on = {name for name, numbers in pages.items() if canonical in numbers}
            # the figure is on its own page, the overview and its tearsheet, printed by its kind
            assert {f"strategies/{sid}.html", "index.html"} <= shown_on, (sid, figure, canonical)
            assert any(name.startswith(f"tearsheets/{sid}") for name in shown_on), (sid, figure)
            for name, numbers in pages.items():
                assert not other_roundings(value, kind) & set(numbers), (sid, figure, name)
