"""Progress on stderr: a bar with counts and the time left on a terminal, plain lines with the
elapsed time otherwise (logs, CI). `Progress` counts coarse tasks; `tracked` wraps the blocks of
a long loop inside a task (sweeps, bootstraps, placebos, tearsheets).

The time left is said only when it means something (`time_left`): from the work done so far, in
units of comparable size (`sizes`, one per task: a task's columns, runs or charts; 1 each when
the tasks are alike), at the pace of the whole stage so far (its start-up included, so the
estimate errs long), once a fifth of the work is done and the first round of tasks (one per
worker, which pays the start-up) is over; never while only the last tasks are running (their
pace cannot be told from the others'), never on the last line, and never again once the stage
outlasts an estimate it gave.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from typing import TextIO, TypeVar

BAR_WIDTH = 30
QUIET_SECONDS = 5.0  # a loop shorter than this prints nothing
LINE_EVERY_SECONDS = 10.0  # without a terminal, at most one line this often (and the last one)
MEANINGFUL_FRACTION = 0.2  # of the work, in units, done before the time left is said

# True in a worker process: several workers share the terminal, so they print plain lines, never
# a bar (set by the executor that forks them).
in_worker = False

Item = TypeVar("Item")


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def seconds_left(done: float, total: float, elapsed_seconds: float) -> float:
    """The time the remaining units of work take at the pace so far (NaN before any is done)."""
    return elapsed_seconds / done * (total - done) if done else float("nan")


def time_left(
    done_units: float, total_units: float, done_tasks: int, total_tasks: int, workers: int, elapsed_seconds: float,
) -> float:
    """The seconds the rest of a stage takes at its pace so far, or NaN when that would not mean
    anything yet (or any more): before MEANINGFUL_FRACTION of the units and the first round of
    `workers` tasks are done, and once every task left can already be running."""
    remaining_tasks = total_tasks - done_tasks
    if done_units < MEANINGFUL_FRACTION * total_units or done_tasks <= min(workers, total_tasks - 1):
        return float("nan")
    if remaining_tasks == 0 or (workers > 1 and remaining_tasks <= workers):
        return float("nan")
    return seconds_left(done_units, total_units, elapsed_seconds)


class Progress:
    """`advance(detail)` once per finished task (`index`: which one, for its size); `close()`
    ends the bar's line. `workers` tasks run at once; `sizes` are the tasks' units of work."""

    def __init__(
        self, total: int, label: str, stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic, quiet_seconds: float = 0.0, every_seconds: float = 0.0,
        workers: int = 1, sizes: Sequence[float] | None = None,
    ) -> None:
        self.total, self.label = total, label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() and not in_worker
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.workers = workers
        self.sizes = list(sizes) if sizes is not None else [1.0] * total
        self.done_units = 0.0
        self.quiet_seconds, self.every_seconds = quiet_seconds, every_seconds
        self.shown = False
        self.last_line = -float("inf")
        self.promised_end = math.inf  # when the last time left said would end
        self.outlasted = False  # the stage went on past an end it gave: no more estimates

    def _left(self, now: float) -> float:
        if now > self.promised_end and self.done < self.total:
            self.outlasted = True
        if self.outlasted:
            return float("nan")
        left = time_left(self.done_units, sum(self.sizes), self.done, self.total, self.workers, now - self.started)
        if left == left:
            self.promised_end = now + left
        return left

    def line(self, detail: str = "") -> str:
        now = self.clock()
        elapsed = now - self.started
        left = self._left(now)
        eta = "" if left != left else f", about {_clock(left)} left"
        counts = f"{self.done}/{self.total}"
        if self.tty:
            filled = BAR_WIDTH * self.done // max(self.total, 1)
            return f"\r{self.label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {counts} ({_clock(elapsed)}{eta})"
        return f"{self.label}: {counts} done{f' ({detail})' if detail else ''} after {_clock(elapsed)}{eta}\n"

    def advance(self, detail: str = "", index: int | None = None) -> None:
        self.done_units += self.sizes[index] if index is not None else 1.0
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
    """`items` (the blocks of a long loop; a slice counts its columns as units of work), with
    progress on `stream` as each one is done: nothing
    when the loop ends within QUIET_SECONDS; else a bar on a terminal, or a plain line at most
    every LINE_EVERY_SECONDS and one when it ends."""
    items = list(items) if not isinstance(items, Sized) else items
    sizes = [item.stop - item.start if isinstance(item, slice) else 1 for item in items]  # a block's columns
    progress = Progress(len(items), label, stream, clock, QUIET_SECONDS, LINE_EVERY_SECONDS, sizes=sizes)
    try:
        for index, item in enumerate(items):
            yield item
            progress.advance(index=index)
    finally:
        progress.close()
