"""Progress on stderr: a bar with counts and the time left on a terminal, plain lines with the
elapsed time otherwise (logs, CI). `Progress` counts coarse tasks; `tracked` wraps the blocks of
a long loop inside a task (sweeps, bootstraps, placebos, tearsheets)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import TextIO, TypeVar

BAR_WIDTH = 30
QUIET_SECONDS = 5.0  # a loop shorter than this prints nothing
LINE_EVERY_SECONDS = 10.0  # without a terminal, at most one line this often (and the last one)

# True in a worker process: several workers share the terminal, so they print plain lines, never
# a bar (set by the executor that forks them).
in_worker = False

Item = TypeVar("Item")


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
        clock: Callable[[], float] = time.monotonic, quiet_seconds: float = 0.0, every_seconds: float = 0.0,
    ) -> None:
        self.total, self.label = total, label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() and not in_worker
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.quiet_seconds, self.every_seconds = quiet_seconds, every_seconds
        self.shown = False
        self.last_line = -float("inf")

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
        now = self.clock()
        if now - self.started < self.quiet_seconds and not self.shown:
            return  # short so far: nothing printed yet
        if not self.tty and self.done < self.total and now - self.last_line < self.every_seconds:
            return
        self.shown, self.last_line = True, now
        self.stream.write(self.line(detail))
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.shown:
            self.stream.write("\n")
            self.stream.flush()


def tracked(items: Iterable[Item], label: str, stream: TextIO | None = None,
            clock: Callable[[], float] = time.monotonic) -> Iterator[Item]:
    """`items` (the blocks of a long loop), with progress on `stream` as each one is done: nothing
    when the loop ends within QUIET_SECONDS; else a bar on a terminal, or a plain line at most
    every LINE_EVERY_SECONDS and one when it ends."""
    items = list(items) if not isinstance(items, Sized) else items
    progress = Progress(len(items), label, stream, clock, QUIET_SECONDS, LINE_EVERY_SECONDS)
    try:
        for item in items:
            yield item
            progress.advance()
    finally:
        progress.close()
