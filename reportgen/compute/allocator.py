"""Give the memory a stage freed back to the operating system (glibc's malloc), between stages.

glibc serves a large allocation (a numpy array over 128 KiB) with mmap and returns it when freed,
but it raises that threshold to the size of each mmapped block freed, up to 32 MiB: after the
first arrays of a 500-asset universe are freed, arrays of up to 32 MiB come from the heap, which
keeps what is freed (a fragmented heap shrinks only from its top). `malloc_trim` gives every free
page of the heap back; the build calls it after reading its inputs, before each map forks its
workers (reportgen.compute.shared_executor) and after each task (reportgen.compute.local,
reportgen.compute.forked), so no process carries what an earlier stage or task freed. The
threshold itself is left to glibc, in the build and in its workers alike: a fixed one sends each
large array to fresh pages, and a page fault for every 4 KiB of it.

Measured on the 500-asset, 20-year benchmark (benchmarks/bench_universe.py), synchronous build,
2026-12-06: untouched, 42.9 s (5.5 s of it system time) and a peak of 1,613 MB; trimmed between
stages, 43.6 s (7.0 s) and 1,395 MB. Fixing the threshold at 128 KiB in the build too (mallopt)
held the peak to 1,232 MB but cost 53.6 s (14.6 s system): every large array then faults in
fresh pages. Forked workers fixed it too until 2026-12-07, at 4 MiB; left to glibc instead
(farm-bench, medians, 2 workers, 5 pairs at 500 assets, 3 otherwise): 500 x 20, 23.6 s against
24.7 s (system time 6.6 s against 8.7 s) and a summed PSS of 1,363 MB against 1,318 MB; 100 x 30,
15.5 s against 16.7 s; the bundled report, 14.4 s against 15.1 s.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

@functools.cache
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None  # not musl


def release_freed_memory() -> bool:
    """Give the heap's free pages back to the operating system; False where the C library is
    not glibc (nothing to do)."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True

