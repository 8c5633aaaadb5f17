"""Give the memory a stage freed back to the operating system (glibc's malloc), between stages.

glibc serves a large allocation (a numpy array over 128 KiB) with mmap and returns it when freed,
but it raises that threshold to the size of each mmapped block freed, up to 32 MiB: after the
first arrays of a 500-asset universe are freed, arrays of up to 32 MiB come from the heap, which
keeps what is freed (a fragmented heap shrinks only from its top). `malloc_trim` gives every free
page of the heap back; the build calls it after reading its inputs, before each map forks its
workers (reportgen.compute.shared_executor) and after each task (reportgen.compute.local,
reportgen.compute.forked), so no process carries what an earlier stage or task freed. A forked
worker also fixes the threshold (`return_large_blocks`), at 4 MiB: it lives for one map, and its
peak is what a 500-asset build's memory hangs on, while the arrays of a single-asset report (a
few hundred KiB) keep coming from the heap, without a page fault each time they are allocated.

Measured on the 500-asset, 20-year benchmark (benchmarks/bench_universe.py), synchronous build,
2026-12-06: untouched, 42.9 s (5.5 s of it system time) and a peak of 1,613 MB; trimmed between
stages, 43.6 s (7.0 s) and 1,395 MB. Fixing the threshold at 128 KiB in the build too (mallopt)
held the peak to 1,232 MB but cost 53.6 s (14.6 s system): every large array then faults in
fresh pages. In the workers, a 4 MiB threshold against 128 KiB: the bundled report's cold build
18.3 s against 19.4 s (5.9 s of system time against 7.9 s; farm-bench, 3 pairs, medians), and the
500-asset build no slower, with the same peak within noise (every (dates x assets) array is over
4 MiB).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


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


WORKER_MMAP_THRESHOLD = 4 * 2**20  # bytes: a 500-asset (dates x assets) array is 20 MB, a single asset's series 40 KB


def return_large_blocks() -> bool:
    """From now on, give every freed block over WORKER_MMAP_THRESHOLD straight back (glibc's mmap
    threshold fixed, no longer raised by each large block freed): for a short-lived worker, whose
    stages allocate and free (dates x assets) arrays, that bounds its memory; smaller blocks come
    from the heap, without the page faults of fresh pages. False where not glibc."""
    libc = _libc()
    return libc is not None and bool(libc.mallopt(_M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD))
