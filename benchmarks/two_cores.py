"""What a second process can buy on this machine at best: the ceiling for `--workers 2`.

Run by hand from the repository root (not part of the test suite):

    python benchmarks/two_cores.py            # 3 rounds

Four equal, independent tasks run on a pool of one process, then of two, for two kinds of work:
pure Python (a loop) and numpy over arrays larger than the caches (memory bandwidth). Nothing is
shared or sent back but a number, so the ratio is what the cores themselves give: a build's
second worker cannot do better, whatever its schedule. On the 2-core machine of benchmarks/README
it was 1.68x-1.92x (2026-12-06).
"""

from __future__ import annotations

import argparse
import time
from multiprocessing import get_context

import numpy as np


def python_loop(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def numpy_passes(seed: int) -> float:
    a = np.random.default_rng(seed).random((2000, 2500))  # 40 MB
    for _ in range(12):
        a = np.cumsum(a, axis=0) * 0.5 + a[::-1]
    return float(a.sum())


WORK = {"pure Python": (python_loop, 15_000_000), "numpy, 40 MB arrays": (numpy_passes, 1)}


def seconds(function, argument, processes: int, tasks: int = 4) -> float:
    start = time.perf_counter()
    with get_context("fork").Pool(processes) as pool:
        pool.map(function, [argument] * tasks)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    for _ in range(rounds):
        for name, (function, argument) in WORK.items():
            one, two = seconds(function, argument, 1), seconds(function, argument, 2)
            print(f"{name:20} 1 process {one:5.2f} s, 2 processes {two:5.2f} s: {one / two:.2f}x")


if __name__ == "__main__":
    main()
