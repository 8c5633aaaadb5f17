"""Blocks of columns sized from a memory budget: plain arithmetic, no Dask, no reportgen imports.

A columnar computation (a vectorbt simulation of many strategies, a bootstrap of many resamples)
holds a few arrays of `rows x columns` at once. Run on all columns together, its memory grows
with the number of columns; run on blocks of columns, one block at a time, it grows with the
rows only. `columns_per_block` turns a budget in megabytes into a number of columns from what one
cell (one row of one column) costs, and `column_blocks` cuts the columns into slices of that size.
"""

from __future__ import annotations

# The budget of one block when `[compute] memory_mb` is not set. At 64 MB a block is already one
# vectorised call over dozens of 30-year columns (hundreds of shorter ones); larger blocks buy no
# speed, only memory. Measured on a synthetic 30 years x 20 strategies build with 2 workers: 256
# MB took 71.8 s and 1,220 MB for the build and its workers; 128 MB 71.9 s, 1,039 MB; 64 MB 65.8
# s, 998 MB; 32 MB 71.6 s, 952 MB (the times are within the machine's noise).
DEFAULT_MEMORY_MB = 64


def columns_per_block(n_rows: int, bytes_per_cell: float, memory_mb: float) -> int:
    """How many columns of `n_rows` rows fit in `memory_mb` when one cell costs `bytes_per_cell`
    of working memory: at least 1, whatever the budget."""
    if n_rows < 1 or bytes_per_cell <= 0:
        raise ValueError(f"n_rows must be >= 1 and bytes_per_cell > 0, got {n_rows} and {bytes_per_cell}")
    return max(1, int(memory_mb * 2**20 // (n_rows * bytes_per_cell)))


def column_blocks(n_columns: int, per_block: int, smallest: int = 1) -> list[slice]:
    """Consecutive slices of `per_block` columns covering `n_columns`. The last one is shorter, and
    joins the one before it when it would hold fewer than `smallest` columns."""
    if per_block < max(1, smallest):
        raise ValueError(f"per_block must be >= max(1, smallest), got {per_block} < {smallest}")
    starts = list(range(0, n_columns, per_block))
    if len(starts) > 1 and n_columns - starts[-1] < smallest:
        starts.pop()
    return [slice(start, end) for start, end in zip(starts, starts[1:] + [n_columns])]


# Independent runs (placebo runs, bootstrap resamples) are cut into TASKS_PER_WORKER tasks for each
# worker: two let a worker that finishes early take more (equal tasks do not finish together on a
# loaded machine), and each task pays its scheduling once, so no more; no task holds fewer than
# MIN_RUNS_PER_TASK runs, whose work would cost less than sending it.
TASKS_PER_WORKER = 2
MIN_RUNS_PER_TASK = 16


def task_count(runs: int, workers: int) -> int:
    """How many tasks `runs` independent runs are cut into for `workers` workers: one on a single
    worker (splitting buys nothing there), else TASKS_PER_WORKER a worker, fewer when a task would
    hold under MIN_RUNS_PER_TASK runs."""
    if workers <= 1:
        return 1
    return max(1, min(TASKS_PER_WORKER * workers, runs // MIN_RUNS_PER_TASK))
