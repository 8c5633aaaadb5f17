"""What the report finds: sentences made from the figures, each linking to its evidence."""

import html
import math
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from markdown.extensions.toc import slugify

from reportgen.publish import findings
from reportgen.publish.facts import identical_strategies
from reportgen.publish.formats import NBSP

NAN = math.nan


def test_the_best_rival_is_compared_with_the_benchmark_by_its_interval():
    below = findings._best_sentence([("A", 0.2, (-0.9, -0.1)), ("B", -0.1, (-1.2, -0.4))], "strategy", " of M", "buy & hold", 0.5, "95 %")
    assert below.startswith("No strategy of M beats buy & hold: even the best, A, trails it by more than luck explains")
    assert f"[-0.90,{NBSP}-0.10]" in below
    unclear = findings._best_sentence([("A", 0.6, (-0.2, 0.4)), ("B", NAN, (NAN, NAN))], "strategy", "", "buy & hold", 0.5, "95 %")
    assert unclear.startswith("No strategy is distinguishable from buy & hold: the best, A, has a Sharpe ratio of 0.60 against 0.50")
    some = findings._best_sentence([("A", 0.9, (0.1, 0.7)), ("B", 0.4, (-0.3, 0.2))], "portfolio", "", "SP500", 0.3, "95 %")
    assert some.startswith("1 of the 2 portfolios beats SP500 by more than luck explains; the best, A,")
    every = findings._best_sentence([("A", 0.9, (0.1, 0.7)), ("B", 0.8, (0.05, 0.6))], "portfolio", "", "SP500", 0.3, "95 %")
    assert every.startswith("Every portfolio beats SP500")
    assert findings._best_sentence([("A", NAN, (NAN, NAN))], "strategy", "", "buy & hold", 0.5, "95 %") == "No strategy ever holds a position."


def test_attention_is_judged_by_its_placebo_p_values_and_its_controls():
    tested = [("A", 0.46, 0.45, 0.16), ("B", 0.38, 0.37, 0.13), ("C", -0.3, -0.3, 1.0), ("D", NAN, NAN, NAN)]
    none = findings._attention_finding(tested, "strategies", "their control", "attention.md", "")
    assert none.sentence == (
        f"Attention shows no effect beyond luck: of the 3 strategies that use it, none beats its placebo (attention shuffled) at "
        f"p{NBSP}<{NBSP}0.05 (p{NBSP}={NBSP}0.13 at the smallest), and 2 of them have a higher Sharpe ratio than their control, by at most 0.01."
    )
    one = findings._attention_finding([("A", 0.9, 0.5, 0.01), *tested], "strategies", "their control", "attention.md", "")
    assert one.sentence.startswith(f"Attention beats its placebo at p{NBSP}<{NBSP}0.05 for A (p{NBSP}={NBSP}0.010), out of 4 strategies tested")
    assert findings._attention_finding([("D", NAN, NAN, NAN)], "strategies", "x", "attention.md", "") is None


def _strategy(sid, values):
    return SimpleNamespace(id=sid, returns=pd.Series(values, index=pd.date_range("2024-01-01", periods=len(values))))


def test_strategies_with_the_same_daily_returns_are_one_strategy_named_after_the_first():
    strategies = [_strategy("a", [0.0, 0.01, -0.02]), _strategy("b", [0.0, 0.01, -0.02]), _strategy("c", [0.0, 0.01, -0.0200001]),
                  _strategy("d", [0.0, 0.01, -0.02])]
    assert identical_strategies(strategies) == {"b": "a", "d": "a"}


def test_heading_ids_are_those_of_the_toc_extension():
    for heading in ("ATT-LSTM (notebook 08 predictions)", "Does attention help?", "Sharpe & co: über 5 %", "What this report finds"):
        assert findings.heading_id(heading) == slugify(heading, "-")


def test_the_overview_opens_with_findings_whose_links_reach_their_evidence(bundled_site: Path):
    index = (bundled_site / "index.html").read_text()
    body = index[index.index('id="what-this-report-finds"'):]
    items = re.findall(r"<li>(.*?)</li>", body[: body.index("</ul>")], flags=re.S)
    assert 3 <= len(items) <= 6
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", i)) for i in items)
    assert "No strategy of ATT-LSTM (notebook 08 predictions) beats buy & hold" in text
    assert "none beats its placebo" in text and "carries no information" in text
    for item in items:
        [href] = re.findall(r'<a href="([^"]+)"', item)
        page, _, anchor = href.partition("#")
        target = bundled_site / (page or "index.html")
        assert target.is_file(), href
        assert not anchor or f'id="{anchor}"' in target.read_text(), href
