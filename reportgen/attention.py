"""Attention diagnostics: is an attention series informative at all? Plain numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# A series whose spread is below this (relative to its level) is treated as constant.
CONSTANT_RELATIVE_STD = 1e-4


@dataclass(frozen=True)
class AttentionSummary:
    column: str
    mean: float
    std: float
    degenerate: bool
    reason: str  # one sentence for the reader; empty when not degenerate


def uniform_steps(mean: float, max_steps: int = 512, tolerance: float = 1e-5) -> int | None:
    """T when `mean` equals 1/T to rounding (the mean of any softmax over T steps), else None."""
    if mean <= 0:
        return None
    steps = round(1.0 / mean)
    return steps if 1 <= steps <= max_steps and abs(mean - 1.0 / steps) <= tolerance else None


def attention_summary(attention: pd.Series, column: str) -> AttentionSummary:
    """Mean, spread and a degeneracy verdict for one attention score series."""
    values = attention.to_numpy(dtype=float)
    mean, std = float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0
    constant = std <= CONSTANT_RELATIVE_STD * max(abs(mean), 1e-12)
    steps = uniform_steps(mean) if constant else None
    if steps is not None:
        reason = (
            f"`{column}` is constant at {mean:.6f} = 1/{steps}: the mean of a softmax over "
            f"{steps} steps is always 1/{steps}, so this column carries no information."
        )
    elif constant:
        reason = f"`{column}` is constant ({mean:.6g}, std {std:.2g}): it carries no information."
    else:
        reason = ""
    return AttentionSummary(column=column, mean=mean, std=std, degenerate=constant, reason=reason)
