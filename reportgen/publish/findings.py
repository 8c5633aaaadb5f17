"""What the report finds, in sentences made from the figures and verdicts: the first thing the
overview, each strategy and portfolio page and each tearsheet says.

Each finding is one sentence and where its evidence is (a page of the site and a heading on it).
Sentences hold user names as typed (templates escape them) and numbers printed by
reportgen.publish.formats, so a figure reads the same here as in the tables. The cut-offs are the
analysis' own (reportgen.analysis.thresholds).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from reportgen.analysis.thresholds import SIGNIFICANCE
from reportgen.publish import formats
from reportgen.publish.facts import identical_strategies
from reportgen.results import ModelResult, PortfolioResult, Report, StrategyResult, UniverseModelResult

MOST_FINDINGS = 6  # the overview says at most this many sentences


@dataclass(frozen=True)
class Finding:
    sentence: str  # plain text; `backtick` spans are code
    page: str  # the evidence: a markdown page of the site ("sensitivity.md")
    anchor: str = ""  # a heading id on that page ("" for its top)
    label: str = "evidence"  # the link's text

    @property
    def target(self) -> str:
        """The evidence as a site-relative markdown link target: 'sensitivity.md#att-lstm'."""
        return self.page + (f"#{self.anchor}" if self.anchor else "")


def heading_id(heading: str) -> str:
    """The id Python-Markdown's toc extension gives a heading of this text (its default slugify)."""
    ascii_text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", ascii_text).strip().lower())


def _defined(value: float) -> bool:
    return value is not None and not math.isnan(value)


def _against_benchmark(name: str, sharpe: float, benchmark: str, benchmark_sharpe: float, diff: tuple[float, float], level: str) -> str:
    """One sentence: a Sharpe ratio against the benchmark's, and whether the interval of the
    difference excludes 0."""
    low, high = diff
    figures = f"Sharpe ratio {formats.ratio(sharpe)} against {formats.ratio(benchmark_sharpe)} for {benchmark}"
    shown = formats.interval(diff)
    if _defined(high) and high < 0:
        return f"{name} trails {benchmark} by more than luck explains: {figures}, {level} interval of the difference {shown}, below 0."
    if _defined(low) and low > 0:
        return f"{name} beats {benchmark} by more than luck explains: {figures}, {level} interval of the difference {shown}, above 0."
    return f"{name} cannot be told apart from {benchmark}: {figures}; the {level} interval of the difference, {shown}, includes 0."


def _level(confidence: float) -> str:
    return formats.probability(confidence)


def best_strategy(model: ModelResult) -> StrategyResult | None:
    """The strategy with the highest defined Sharpe ratio (the first of identical ones); None
    when no strategy has one."""
    shown = [s for s in model.strategies if s.id not in identical_strategies(model.strategies) and _defined(s.metrics["sharpe"])]
    return max(shown, key=lambda s: s.metrics["sharpe"], default=None)


def _best_sentence(rivals: list[tuple[str, float, tuple[float, float]]], kind: str, scope: str, benchmark: str, benchmark_sharpe: float, level: str) -> str:
    """The best of `rivals` (short name, Sharpe, interval of the Sharpe minus the benchmark's)
    against the benchmark, and how many beat it by more than luck explains. `kind` is
    "strategy" or "portfolio", `scope` how they are named together ("of ATT-LSTM" or "")."""
    rivals = [r for r in rivals if _defined(r[1])]
    if not rivals:
        return f"No {kind}{scope} ever holds a position."
    name, sharpe, diff = max(rivals, key=lambda r: r[1])
    figures = f"Sharpe ratio of {formats.ratio(sharpe)} against {formats.ratio(benchmark_sharpe)}"
    beating = [r for r in rivals if _defined(r[2][0]) and r[2][0] > 0]
    if beating:
        who = f"Every {kind}{scope}" if len(beating) == len(rivals) else f"{len(beating)} of the {len(rivals)} {kind}s{scope}"
        return (f"{who} {'beats' if len(beating) == 1 or who.startswith('Every') else 'beat'} {benchmark} by more than luck explains; the best, "
                f"{name}, has a {figures} ({level} interval of the difference {formats.interval(diff)}).")
    if _defined(diff[1]) and diff[1] < 0:
        return (f"No {kind}{scope} beats {benchmark}: even the best, {name}, trails it by more than luck explains "
                f"({figures.replace('ratio of', 'ratio')}; {level} interval of the difference {formats.interval(diff)}).")
    return (f"No {kind}{scope} is distinguishable from {benchmark}: the best, {name}, has a {figures}, and the {level} "
            f"interval of the difference, {formats.interval(diff)}, includes 0.")


def _best_finding(model: ModelResult) -> Finding:
    robust = model.robustness
    shown = [s for s in model.strategies if s.id not in identical_strategies(model.strategies)]
    intervals = {s.id: robust.statistics[s.id].intervals["sharpe_diff"] if robust is not None else (math.nan, math.nan) for s in shown}
    sentence = _best_sentence(
        [(s.config.short_name, s.metrics["sharpe"], intervals[s.id]) for s in shown], "strategy", f" of {model.config.name}",
        "buy & hold", model.benchmark_metrics["sharpe"], _level(robust.confidence if robust is not None else math.nan),
    )
    return Finding(sentence, "sensitivity.md" if robust is not None else "index.md", heading_id(model.config.name), "intervals")


def _below_significance() -> str:
    return f"p{formats.NBSP}<{formats.NBSP}{formats.setting(SIGNIFICANCE)}"


def _attention_finding(tested: list[tuple[str, float, float, float]], what: str, control: str, page: str, anchor: str) -> Finding | None:
    """One sentence over every (name, observed Sharpe, control Sharpe, placebo p) of the `what`
    ("strategies", "portfolios") that use attention; None when none was tested."""
    tested = [t for t in tested if _defined(t[3])]
    if not tested:
        return None
    significant = [t for t in tested if t[3] < SIGNIFICANCE]
    above = [t[1] - t[2] for t in tested if _defined(t[1]) and _defined(t[2]) and t[1] > t[2]]
    control_part = (
        (f"it has a higher Sharpe ratio than {control}, by {formats.ratio(above[0])}" if len(tested) == 1 else
         f"{len(above)} of them {'has' if len(above) == 1 else 'have'} a higher Sharpe ratio than {control}, by at most {formats.ratio(max(above))}")
        if above
        else (f"its Sharpe ratio is not above that of {control}" if len(tested) == 1 else f"none has a higher Sharpe ratio than {control}")
    )
    if not significant:
        who = f"the only one of the {what} that uses it does not beat" if len(tested) == 1 else f"of the {formats.count(len(tested))} {what} that use it, none beats"
        return Finding(
            f"Attention shows no effect beyond luck: {who} its placebo (attention shuffled) at {_below_significance()} "
            f"({formats.p_statement(min(t[3] for t in tested))}{'' if len(tested) == 1 else ' at the smallest'}), and {control_part}.",
            page, anchor, "attention tests",
        )
    names = _chance_note([f"{t[0]} ({formats.p_statement(t[3])})" for t in significant], len(tested), what)
    return Finding(f"Attention beats its placebo at {_below_significance()} for {names}; {control_part}.", page, anchor, "attention tests")


def _chance_note(names: list[str], tested: int, what: str) -> str:
    """'A (p = 0.01), out of 4 strategies tested (one in twenty is expected by chance)'."""
    return f"{', '.join(names)}, out of {formats.count(tested)} {what} tested (one in twenty is expected by chance)"


def _placebo_finding(test, subject: str, control: str, page: str, anchor: str) -> Finding:
    """A strategy's or portfolio's own attention tests in one sentence."""
    verdict = "helps beyond luck" if test.p_value < SIGNIFICANCE else "shows no effect beyond luck"
    return Finding(
        f"{subject} {verdict}: Sharpe ratio {formats.ratio(test.observed_sharpe)} against {formats.ratio(test.exposure_matched_sharpe)} "
        f"for {control}; placebo {formats.p_statement(test.p_value)}.",
        page, anchor, "attention tests",
    )


def _skill_finding(model: ModelResult) -> Finding | None:
    """How well the model's prediction forecasts the next day's direction, against always "up"."""
    info = model.informativeness
    if info is None or not info.calibration.n:
        return None
    c = info.calibration
    ic = next((r for r in info.rank_ics if r.factor == "prediction" and not r.undefined), None)
    related = ic is not None and ic.p_value < SIGNIFICANCE
    better = c.accuracy > c.always_up_accuracy
    figures = (
        f"AUC {formats.score(c.auc)} (0.5 is a coin toss), accuracy {formats.percent(c.accuracy)} against "
        f"{formats.percent(c.always_up_accuracy)} for always saying \"up\""
    )
    if ic is not None:
        figures += f", rank IC with the next day's return {formats.score(ic.ic)} ({formats.p_statement(ic.p_value)})"
    verdict = "carry some skill" if related and better else "show at most a weak edge" if related or better else "show no skill"
    return Finding(f"The predictions of {model.config.name} {verdict}: {figures}.", "attention.md", heading_id(model.config.name), "skill")


def _caveat_findings(models) -> list[Finding]:
    return [
        Finding(
            f"The attention input of {m.config.name} carries no information: {m.attention.reason} Every strategy that filters or "
            "sizes by it follows a constant rule.",
            "attention.md", heading_id(m.config.name), "attention",
        )
        for m in models
        if m.attention.degenerate
    ]


def report_findings(report: Report) -> list[Finding]:
    """What the single-asset report finds: per model its best strategy against buy & hold,
    whether attention helps, the models' skill, the main caveat (at most MOST_FINDINGS)."""
    best = [_best_finding(m) for m in report.models]
    tested = [
        (s.config.name, s.attention_test.observed_sharpe, s.attention_test.exposure_matched_sharpe, s.attention_test.p_value)
        for m in report.models
        for s in m.strategies
        if s.attention_test is not None
    ]
    attention = _attention_finding(tested, "strategies", "their exposure-matched control", "attention.md", "")
    skill = [f for f in (_skill_finding(m) for m in report.models) if f is not None]
    caveats = _caveat_findings(report.models)
    found = [*best, *([attention] if attention else []), *skill]
    return [*found[: MOST_FINDINGS - len(caveats)], *caveats][:MOST_FINDINGS]


def strategy_findings(report: Report, model: ModelResult, strategy: StrategyResult) -> list[Finding]:
    """One or two sentences atop a strategy's page and tearsheet: against buy & hold, then
    identity with another strategy or the attention tests."""
    page = f"strategies/{strategy.id}.md"
    robust = model.robustness
    if strategy.total_trades == 0:
        first = Finding(f"{strategy.config.short_name} never trades: it holds cash throughout, so it has no Sharpe ratio.", page, "headline-figures", "figures")
    elif robust is not None:
        first = Finding(
            _against_benchmark(strategy.config.short_name, strategy.metrics["sharpe"], "buy & hold", model.benchmark_metrics["sharpe"],
                               robust.statistics[strategy.id].intervals["sharpe_diff"], _level(robust.confidence)),
            "sensitivity.md", heading_id(model.config.name), "intervals",
        )
    else:
        first = Finding(
            f"{strategy.config.name}: Sharpe ratio {formats.ratio(strategy.metrics['sharpe'])} against "
            f"{formats.ratio(model.benchmark_metrics['sharpe'])} for buy & hold.", page, "headline-figures", "figures",
        )
    same = identical_strategies(model.strategies)
    if strategy.id in same:
        twin = next(s for s in model.strategies if s.id == same[strategy.id])
        return [first, Finding(f"Identical to {twin.config.name}: same trades, same daily returns.", f"strategies/{twin.id}.md", "", twin.config.short_name)]
    t = strategy.attention_test
    if t is not None and _defined(t.p_value):
        return [first, _placebo_finding(t, "Attention", "the exposure-matched control", page, "does-attention-help")]
    return [first]


def portfolio_findings(model: UniverseModelResult, portfolio: PortfolioResult) -> list[Finding]:
    """One or two sentences atop a portfolio's page and tearsheet."""
    page = f"portfolios/{portfolio.id}.md"
    first = Finding(
        _against_benchmark(portfolio.config.short_name, portfolio.metrics["sharpe"], model.benchmark_name, model.benchmark_metrics["sharpe"],
                           portfolio.statistics.intervals["sharpe_diff"], _level(model.confidence)),
        page, "headline-figures", "figures",
    )
    t = portfolio.attention_test
    if t is not None and _defined(t.p_value):
        return [first, _placebo_finding(t, "Weighting by attention", "equal weights on the same holdings", page, "does-attention-help-allocate")]
    return [first]


def ranking_finding(model: UniverseModelResult) -> Finding | None:
    """Whether any factor ranks the assets' next-day returns (the cross-sectional page's verdict)."""
    defined = [ic for ic in model.cross_section.ics if not ic.undefined and _defined(ic.p_value)]
    if not defined:
        return None
    page, anchor = f"universe/{model.id}-attention.md", ""
    significant = [ic for ic in defined if ic.p_value < SIGNIFICANCE]
    if not significant:
        return Finding(
            f"Neither the prediction nor any attention score ranks the assets' next-day returns: every mean rank IC is within "
            f"{formats.score(max(abs(ic.mean_ic) for ic in defined))} of 0, and the smallest p-value is {formats.p_value(min(ic.p_value for ic in defined))}.",
            page, anchor, "rank ICs",
        )
    names = _chance_note([f"`{ic.factor}` (mean IC {formats.score(ic.mean_ic)}, {formats.p_statement(ic.p_value)})" for ic in significant],
                         len(defined), "factors")
    return Finding(f"Ranking the assets at {_below_significance()}: {names}.", page, anchor, "rank ICs")


def universe_findings(report: Report) -> list[Finding]:
    """What the universe report finds: per model its best portfolio against the benchmark,
    whether attention weighting helps, whether any factor ranks the assets, the model's skill."""
    found = []
    for model in report.universe_models:
        rivals = [(p.config.short_name, p.metrics["sharpe"], p.statistics.intervals["sharpe_diff"]) for p in model.portfolios]
        sentence = _best_sentence(rivals, "portfolio", "", model.benchmark_name, model.benchmark_metrics["sharpe"], _level(model.confidence))
        if report.caveats:
            sentence += " Read it with the caveat above: it says how far such figures can be trusted."
        found.append(Finding(sentence, f"universe/{model.id}.md", "", "portfolios"))
        tested = [(p.config.name, p.attention_test.observed_sharpe, p.attention_test.exposure_matched_sharpe, p.attention_test.p_value)
                  for p in model.portfolios if p.attention_test is not None]
        weighted = next((p for p in model.portfolios if p.attention_test is not None), None)
        attention = _attention_finding(tested, "portfolios", "equal weights on the same holdings",
                                       f"portfolios/{weighted.id}.md" if weighted else "", "does-attention-help-allocate")
        if attention is not None:
            found.append(attention)
        ranking = ranking_finding(model)
        if ranking is not None:
            found.append(ranking)
        if model.provenance is not None and model.provenance.overall:
            o = model.provenance.overall
            verdict = "below" if o.model.log_loss < o.always_up.log_loss else "no better than"
            found.append(Finding(
                f"Out of sample the model forecasts the direction {verdict} always saying \"up\": log loss {formats.score(o.model.log_loss)} "
                f"against {formats.score(o.always_up.log_loss)}, AUC {formats.score(o.model.auc)} (0.5 is a coin toss).",
                f"models/{model.id}.md", "", "training",
            ))
    return found[:MOST_FINDINGS]
