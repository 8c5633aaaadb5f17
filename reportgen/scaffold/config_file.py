"""The commented reportgen.toml `reportgen init` writes from what it found in the inputs: the
columns it chose and why, and rules that trade (strategies for one asset, portfolios for a
universe) without a warning that would fail `reportgen build --strict`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from reportgen import __version__
from reportgen.scaffold.detect import Inputs, threshold_for
from reportgen.scaffold.schema import SCHEMA_FILE

CONFIG_FILE = "reportgen.toml"


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string


def _commented(line: str, comment: str) -> str:
    """`line` with `comment` after it, comments aligned at column 36."""
    return f"{line:<35} # {comment}"


def _model_id(path: Path) -> str:
    stem = path.name.removesuffix(".gz").removesuffix(".csv")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")
    return slug or "model"


def _model_name(model_id: str) -> str:
    name = model_id.replace("_", " ").strip()
    return name[:1].upper() + name[1:]


def _describe_prices(inputs: Inputs) -> list[str]:
    prices = inputs.prices
    lines = [f"# {prices.path.name}: {prices.rows:,} rows, {prices.first_date} to {prices.last_date}; columns {', '.join(prices.columns)}."]
    if prices.price_column is not None and prices.adjusted and prices.passed_over:
        passed = ", ".join(repr(c) for c in prices.passed_over)
        lines.append(f"# The adjusted close (dividends and splits) is the price traded, not {passed}.")
    elif prices.price_column is not None and not prices.adjusted:
        lines.append("# No adjusted close found: returns will miss dividends and splits unless these prices include them.")
    return lines


def _describe_predictions(inputs: Inputs, threshold: float) -> list[str]:
    found = inputs.predictions
    where = f"{len(found.assets)} assets, " if found.assets else ""
    lines = [
        f"# {found.path.name}: {found.rows:,} rows ({where}{found.first_date} to {found.last_date}); "
        f"{found.share_above_half:.0%} of the predictions are above 0.5.",
    ]
    if found.attention_prefix is not None:
        lines.append(
            f"# Attention: a vector of {found.steps} weights, {found.attention_prefix}0 .. {found.attention_prefix}{found.steps - 1}; "
            "the score is its largest weight, attention_max (1/T .. 1)."
        )
    if not found.attention_informative:
        lines.append(f"# Attention {found.attention_column!r} is constant: it carries no information, so no rule uses it.")
    if threshold != 0.5:
        lines.append(f"# Few predictions cross 0.5, so the threshold is their median, {threshold:.2f}.")
    return lines


def _strategies(model_id: str, threshold: float, inputs: Inputs) -> list[str]:
    found = inputs.predictions
    lines = [
        "[[strategies]]", 'id = "signal"', 'name = "Signal, full size"', f"model = {_toml(model_id)}",
        f'description = "Long while the prediction is above {threshold:g}, all capital in at each entry."',
        f"threshold = {threshold:g}", 'sizing = "full"', "",
    ]
    if found.attention_informative and found.attention_at_most_one:
        lines += [
            "[[strategies]]", 'id = "attention_sized"', 'name = "Attention-sized"', f"model = {_toml(model_id)}",
            'description = "The same signal with the attention score as the fraction of capital invested."',
            f"threshold = {threshold:g}", 'sizing = "attention"', 'size_type = "percent"', "",
        ]
    lines += [
        "# More rules: overlays on the signal (see the config reference for every key).",
        "# [[strategies]]",
        '# id = "held_with_stop"',
        '# name = "Held 3 days, 15 % vol target, 5 % stop"',
        f"# model = {_toml(model_id)}",
        f"# threshold = {threshold:g}",
        "# min_hold_days = 3",
        "# vol_target = 0.15",
        "# stop_loss = 0.05",
        "",
    ]
    return lines


PORTFOLIOS = (
    ("equal_weight", "Equal weight", "equal", "Every asset predicted up, in equal parts."),
    ("prediction_weighted", "Prediction-weighted", "prediction", "Every asset predicted up, weighted by its prediction."),
    ("attention_weighted", "Attention-weighted", "attention", "Every asset predicted up, weighted by its attention score."),
    ("inverse_volatility", "Inverse volatility", "inverse_volatility", "Every asset predicted up, weighted by 1 / its 63-day volatility."),
)


def _portfolios(model_id: str, threshold: float, inputs: Inputs) -> list[str]:
    lines = []
    for portfolio_id, name, weighting, description in PORTFOLIOS:
        if weighting == "attention" and not inputs.predictions.attention_informative:
            continue
        lines += [
            "[[portfolios]]", f'id = "{portfolio_id}"', f'name = "{name}"', f"model = {_toml(model_id)}",
            f'description = "{description}"', f"threshold = {threshold:g}", f'weighting = "{weighting}"',
            _commented('rebalance = "weekly"', '"daily" | "weekly" | "monthly"'), "",
        ]
    return lines


def config_text(inputs: Inputs, schema_path: str = SCHEMA_FILE) -> str:
    """The commented reportgen.toml for `inputs`."""
    found = inputs.predictions
    model_id = _model_id(found.path)
    threshold = threshold_for(found)
    source = "a synthetic example (noise: nothing in it can be predicted)" if inputs.example else "your files"
    lines = [
        f"#:schema ./{schema_path}",
        f"# reportgen config, written by `reportgen init` (reportgen {__version__}) from {source}.",
        "# Build:   reportgen build --strict     (the site goes to site/)",
        "# Preview: reportgen serve              (rebuilds when this file or the data change)",
        f"# Every key, its default and meaning: `reportgen schema`, or {SCHEMA_FILE} beside this file,",
        "# which editors with TOML support (taplo, Even Better TOML) read for completion and checks.",
        "# Paths are relative to this file.",
        "",
        "[site]",
        f"title = {_toml(f'{_model_name(model_id)}: ' + ('portfolio report' if inputs.universe else 'strategy report'))}",
        _commented("expected_warnings = []", "glob patterns of known warnings that --strict lets through"),
    ]
    if not found.attention_informative:
        who = "universe model" if inputs.universe else "model"
        lines[-1] = _commented(f"expected_warnings = [{_toml(f'{who} {model_id!r}: *carries no information*')}]", "the constant attention, below")
    lines += [""]
    prices = inputs.prices
    if inputs.universe:
        lines += ["[universe]", *_describe_prices(inputs), f"prices = {_toml(inputs.prices_ref)}", f"date_column = {_toml(prices.date_column)}",
                  _commented('# benchmark = "index.csv"', "default: an equal-weight buy & hold of the assets"), ""]
    else:
        lines += ["[data]", *_describe_prices(inputs), f"prices = {_toml(inputs.prices_ref)}", f"date_column = {_toml(prices.date_column)}",
                  f"price_column = {_toml(prices.price_column)}",
                  _commented('# exchange_timezone = "America/New_York"', "where dates with a UTC offset are converted to"), ""]
    lines += [
        "[backtest]",
        "init_cash = 100",
        _commented("fees = 0.001", "fraction of traded value per order"),
        _commented("periods_per_year = 252", "trading days: every annualised figure uses it"),
        "",
        "[[models]]",
        *_describe_predictions(inputs, threshold),
        f"id = {_toml(model_id)}",
        f"name = {_toml(_model_name(model_id))}",
        f"predictions = {_toml(inputs.predictions_ref)}",
        f"attention_column = {_toml(found.attention_column)}",
    ]
    if found.attention_prefix is not None:
        prefix = found.attention_prefix
        lines.append(_commented(f"attention_prefix = {_toml(prefix)}", f"columns {prefix}0 .. {prefix}{found.steps - 1}"))
        lines.append(_commented('attention_order = "newest_first"', 'the first column weighs the latest day; else "oldest_first"'))
    lines += [""]
    lines += _portfolios(model_id, threshold, inputs) if inputs.universe else _strategies(model_id, threshold, inputs)
    return "\n".join(lines).rstrip() + "\n"
