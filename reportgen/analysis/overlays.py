"""Hybrid overlays on a long/flat signal: holding period, volatility target, stops. numpy/pandas only.

Every function is pure and columnar: a frame of signals (one column a variant) in, a frame out,
so that a strategy, its ablation and a sweep are all one simulation. The rules, applied in this
order (reportgen's methodology page states them the same way):

1. Holding period (`min_hold_days` = N > 1): the signal starts flat; a change of the held signal
   at day t fixes it for days t .. t+N-1, and changes of the raw signal inside that span are
   ignored (the research's rule). From day t+N it follows the raw signal again.
2. Volatility target (`vol_target`): the size at day t is multiplied by
   min(max_leverage, vol_target / sigma_t), sigma_t the standard deviation (ddof 1) of the last
   `vol_window_days` daily simple returns of the close up to and including day t, annualised
   with sqrt(periods_per_year). Only closes up to t enter: no later price changes it. Before the
   window is full sigma is unknown and the strategy stays flat. Sizes are read at entries only.
3. Stops: while long, exit at the close of the first day whose close is at or below
   (1 - stop_loss) x the entry close (or x the highest close since entry when `trailing_stop`),
   or at or above (1 + take_profit) x the entry close. After such an exit the strategy stays flat
   until the signal (after rules 1 and 2) turns off and on again. Stops override the holding period.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.analysis import signals
from reportgen.analysis.attention_tests import exposure_matched_size
from reportgen.inputs.config import StrategyConfig

OVERLAY_KEYS = ("min_hold_days", "vol_target", "vol_window_days", "max_leverage", "stop_loss", "trailing_stop", "take_profit")
GROUPS = ("holding_period", "vol_target", "stops")  # the ablation adds them in this order
GROUP_LABELS = {"holding_period": "holding period", "vol_target": "volatility target", "stops": "stops"}


@dataclass(frozen=True)
class Overlays:
    """The overlay settings of one strategy; the defaults apply none."""

    min_hold_days: int = 1  # 1: no holding period
    vol_target: float | None = None  # annualised volatility aimed at; None: no volatility target
    vol_window_days: int = 21
    max_leverage: float = 1.0  # cap of the volatility multiplier
    stop_loss: float | None = None  # fraction below the entry (or peak) close
    trailing_stop: bool = False
    take_profit: float | None = None  # fraction above the entry close

    @property
    def groups(self) -> tuple[str, ...]:
        """The overlay groups this setting uses, in the ablation's order."""
        used = {
            "holding_period": self.min_hold_days > 1,
            "vol_target": self.vol_target is not None,
            "stops": self.stop_loss is not None or self.take_profit is not None,
        }
        return tuple(g for g in GROUPS if used[g])

    def only(self, groups: tuple[str, ...]) -> Overlays:
        """The same settings with every group not in `groups` switched off."""
        off = {}
        if "holding_period" not in groups:
            off["min_hold_days"] = 1
        if "vol_target" not in groups:
            off["vol_target"] = None
        if "stops" not in groups:
            off.update(stop_loss=None, take_profit=None, trailing_stop=False)
        return dataclasses.replace(self, **off)

    @property
    def description(self) -> str:
        """The overlays in one sentence, for a page ("" for none)."""
        parts = []
        if self.min_hold_days > 1:
            parts.append(f"each change of the signal holds for at least {self.min_hold_days} days")
        if self.vol_target is not None:
            parts.append(
                f"the size at entry is multiplied by min({self.max_leverage:g}, {_percent(self.vol_target)} / the annualised "
                f"volatility of the last {self.vol_window_days} daily returns)"
            )
        if self.stop_loss is not None:
            origin = "the highest close since entry" if self.trailing_stop else "the entry close"
            parts.append(f"it exits at the first close {_percent(self.stop_loss)} or more below {origin}")
        if self.take_profit is not None:
            parts.append(f"it takes profit at the first close {_percent(self.take_profit)} or more above the entry close")
        if not parts:
            return ""
        tail = " After a stop or take-profit exit it waits for the signal to turn off and on again." if (
            self.stop_loss is not None or self.take_profit is not None) else ""
        return "; ".join(parts).capitalize() + "." + tail

    def settings(self) -> dict:
        """The settings in use (for metrics.json): an empty dict for no overlay."""
        groups = self.groups
        fields = {}
        if "holding_period" in groups:
            fields["min_hold_days"] = self.min_hold_days
        if "vol_target" in groups:
            fields.update(vol_target=self.vol_target, vol_window_days=self.vol_window_days, max_leverage=self.max_leverage)
        if "stops" in groups:
            fields.update(stop_loss=self.stop_loss, trailing_stop=self.trailing_stop, take_profit=self.take_profit)
        return fields


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.4g} %"


def strategy_overlays(strategy: StrategyConfig) -> Overlays:
    """The overlay settings of a configured strategy."""
    return Overlays(**{key: getattr(strategy, key) for key in OVERLAY_KEYS})


def strategy_positions(
    strategy: StrategyConfig, overlays: Overlays, output: pd.DataFrame, price: pd.Series, periods_per_year: int
) -> tuple[pd.Series, pd.Series]:
    """The signal and requested size of `strategy` run with `overlays` (not necessarily its own):
    threshold and attention filter, then the overlays, then the base size times the volatility
    multiplier. `output` holds the model's prediction and attention columns."""
    raw = signals.filtered_signal(
        signals.long_signal(output["prediction"], strategy.threshold), output["attention"], strategy.attention_threshold
    )
    if not overlays.groups:
        return raw, signals.position_size(raw, output["attention"], strategy.sizing)
    held, scale = overlaid_signals(raw.to_frame(), price, overlays, periods_per_year)
    signal = held.iloc[:, 0].rename("signal")
    return signal, (signals.position_size(signal, output["attention"], strategy.sizing) * scale).rename("size")


def control_positions(
    strategy: StrategyConfig, overlays: Overlays, output: pd.DataFrame, price: pd.Series, exposure: pd.Series,
    periods_per_year: int,
) -> tuple[pd.Series, pd.Series, float]:
    """The signal, size and constant c of the exposure-matched control of `strategy`: the same rules with
    attention replaced and nothing else changed. The prediction's signal without the attention
    filter goes through every overlay of the strategy (holding period, volatility target, stops),
    and the size is one constant c times the strategy's volatility scale, in place of the
    attention score: c = the strategy's mean `exposure` / the mean of (control signal x scale),
    at most 1, so the control holds as much on average (attention_tests.exposure_matched_size)."""
    raw = signals.long_signal(output["prediction"], strategy.threshold)
    held, scale = overlaid_signals(raw.to_frame(), price, overlays, periods_per_year)
    signal = held.iloc[:, 0].rename("signal")
    scaled = signal.astype(float) * scale
    constant = exposure_matched_size(exposure, scaled)
    return signal, (scaled * constant).rename("size"), constant


def held_signals(signal: pd.DataFrame, min_hold_days: int) -> pd.DataFrame:
    """Each column held for at least `min_hold_days` after every change (changes inside ignored)."""
    raw = signal.to_numpy(dtype=bool)
    if min_hold_days <= 1:
        return pd.DataFrame(raw.copy(), index=signal.index, columns=signal.columns)
    held = np.zeros_like(raw)
    state = np.zeros(raw.shape[1], dtype=bool)  # flat before the first day
    since = np.full(raw.shape[1], min_hold_days)  # days since the last change; free to change at once
    for t in range(raw.shape[0]):
        change = (raw[t] != state) & (since >= min_hold_days)
        state = np.where(change, raw[t], state)
        since = np.where(change, 1, since + 1)
        held[t] = state
    return pd.DataFrame(held, index=signal.index, columns=signal.columns)


def volatility_scale(price: pd.Series, vol_target: float, vol_window_days: int, max_leverage: float, periods_per_year: int) -> pd.Series:
    """min(max_leverage, vol_target / trailing annualised volatility) per date, from closes up to
    that date only; NaN before `vol_window_days` returns exist; `max_leverage` when volatility is 0."""
    returns = price.pct_change()
    sigma = returns.rolling(vol_window_days, min_periods=vol_window_days).std(ddof=1) * math.sqrt(periods_per_year)
    with np.errstate(divide="ignore"):
        scale = np.minimum(max_leverage, vol_target / sigma.to_numpy(dtype=float))
    return pd.Series(scale, index=price.index, name="vol_scale")


def stopped_signals(
    signal: pd.DataFrame, price: pd.Series, stop_loss: float | None, trailing_stop: bool, take_profit: float | None
) -> pd.DataFrame:
    """Each column with stop-loss / take-profit exits at the close; no re-entry until the signal
    turns off and on again. Entries are at the close of the first day of a run of the signal."""
    wanted = signal.to_numpy(dtype=bool)
    close = price.to_numpy(dtype=float)
    n, k = wanted.shape
    out = np.zeros_like(wanted)
    long = np.zeros(k, dtype=bool)
    blocked = np.zeros(k, dtype=bool)
    entry = np.full(k, np.nan)
    peak = np.full(k, np.nan)
    for t in range(n):
        blocked &= wanted[t]
        enter = wanted[t] & ~long & ~blocked
        entry = np.where(enter, close[t], entry)
        peak = np.where(enter, close[t], peak)
        long = (long | enter) & wanted[t]
        peak = np.where(long, np.fmax(peak, close[t]), peak)
        hit = np.zeros(k, dtype=bool)
        if stop_loss is not None:
            reference = peak if trailing_stop else entry
            hit |= close[t] <= reference * (1.0 - stop_loss)
        if take_profit is not None:
            hit |= close[t] >= entry * (1.0 + take_profit)
        hit &= long & ~enter
        long &= ~hit
        blocked |= hit
        out[t] = long
    return pd.DataFrame(out, index=signal.index, columns=signal.columns)


def overlaid_signals(
    signal: pd.DataFrame, price: pd.Series, overlays: Overlays, periods_per_year: int
) -> tuple[pd.DataFrame, pd.Series]:
    """The signal after the overlays (rules 1-3 in order) and the size multiplier per date
    (1 without a volatility target). The size of a column is its base size on the returned
    signal times the multiplier."""
    held = held_signals(signal, overlays.min_hold_days)
    scale = pd.Series(1.0, index=signal.index, name="vol_scale")
    if overlays.vol_target is not None:
        scale = volatility_scale(price, overlays.vol_target, overlays.vol_window_days, overlays.max_leverage, periods_per_year)
        held = held & scale.notna().to_numpy()[:, None]
    if overlays.stop_loss is not None or overlays.take_profit is not None:
        held = stopped_signals(held, price, overlays.stop_loss, overlays.trailing_stop, overlays.take_profit)
    return held, scale.fillna(0.0)


def variant_label(variant: str) -> str:
    """"holding_period+vol_target" -> "holding period + volatility target"."""
    return " + ".join(GROUP_LABELS[g] for g in variant.split("+")) if variant != "base" else "base (no overlay)"


def grid_overlays(table: pd.DataFrame) -> str:
    """The overlay values a sweep's grid (`table`, rows of sweeps.sweep_grid) runs, when it runs
    more than none ("" otherwise)."""
    parts = []
    for key, what, none in (("min_hold_days", "holding periods in days", 1), ("vol_target", "volatility targets", 0), ("stop_loss", "stop-losses", 0)):
        values = sorted(set(table[key]))
        if values != [none]:
            parts.append(f"{what} {', '.join(f'{v:g}' for v in values)} ({none}: none)")
    return "; ".join(parts)


def ablation_variants(overlays: Overlays) -> dict[str, Overlays]:
    """The base (no overlay), each overlay group alone, and the groups added one at a time in the
    fixed order holding period -> volatility target -> stops; named by their groups, "base" first.
    The last variant is the configured strategy."""
    used = overlays.groups
    combos = [()] + [(g,) for g in used] + [used[: i + 1] for i in range(1, len(used))]
    return {("+".join(c) or "base"): overlays.only(c) for c in combos}
