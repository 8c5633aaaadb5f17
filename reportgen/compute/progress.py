"""Progress of coarse tasks on stderr: a bar with counts and the time left on a terminal, one
plain line per finished task otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 30


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def seconds_left(done: int, total: int, elapsed_seconds: float) -> float:
    """The time the remaining tasks take at the pace so far (NaN before the first one finishes)."""
    return elapsed_seconds / done * (total - done) if done else float("nan")


class Progress:
    """`advance(detail)` once per finished task; `close()` ends the bar's line."""

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.label = total, label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.clock = clock
        self.started = clock()
        self.done = 0

    def line(self, detail: str = "") -> str:
        elapsed = self.clock() - self.started
        left = seconds_left(self.done, self.total, elapsed)
        eta = "" if left != left else f", about {_clock(left)} left"
        counts = f"{self.done}/{self.total}"
        if self.tty:
            filled = BAR_WIDTH * self.done // max(self.total, 1)
            return f"\r{self.label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {counts} ({_clock(elapsed)}{eta})"
        return f"{self.label}: {counts} done{f' ({detail})' if detail else ''} after {_clock(elapsed)}{eta}\n"

    def advance(self, detail: str = "") -> None:
        self.done += 1
        self.stream.write(self.line(detail))
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()
