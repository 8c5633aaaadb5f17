"""What a forked process returns, handed to its parent through shared memory instead of a pipe.

pickle's protocol 5 leaves the arrays of what it pickles out of its stream ("out-of-band"
buffers). The child writes them into a memory file (memfd) that the parent created before it
forked, and sends only the stream through the pipe; the parent maps the file copy-on-write and
unpickles the arrays in place: no array is copied, or even read, on its way. At 500 assets x
20 years a universe's checked inputs are 151 MB, which took 0.65 s from the reader's end to the
build's start through the pipe (pickled, copied through the kernel, unpickled); this way, the
0.2 s of copying them into the file (0.1 s since it is written with pwrite, not through a mapping).

    Handover()            made before the fork; then in the child send(connection, message),
                          and in the parent received(message) on what the connection gave
Where the platform has no memfd (not Linux), the message goes through the pipe as it is.
"""

from __future__ import annotations

import mmap
import os
import pickle
from multiprocessing.connection import Connection
from typing import Any

ALIGNMENT = 64  # bytes: each array starts on a cache line, as numpy's own allocations do


class Handover:
    def __init__(self) -> None:
        self._file = os.memfd_create("reportgen-handover") if hasattr(os, "memfd_create") else None

    def send(self, connection: Connection, message: Any) -> None:
        """In the child: send `message` to the parent, its arrays through the shared file."""
        if self._file is None:
            connection.send(message)
            return
        buffers: list[pickle.PickleBuffer] = []
        stream = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
        raw = [buffer.raw() for buffer in buffers]
        places, end = [], 0
        for view in raw:
            places.append((end, view.nbytes))
            end += -(-view.nbytes // ALIGNMENT) * ALIGNMENT
        if end:
            os.ftruncate(self._file, end)
            for (start, size), view in zip(places, raw):
                _written_at(self._file, view, start)
        connection.send(_Handed(stream, places, end))

    def received(self, message: Any) -> Any:
        """In the parent: the message as the child sent it (its arrays mapped from the shared file)."""
        if not isinstance(message, _Handed):
            return message
        buffers = []
        if message.size:
            shared = mmap.mmap(self._file, message.size, flags=mmap.MAP_PRIVATE)  # writable: a write copies the page
            view = memoryview(shared)
            buffers = [view[start:start + size] for start, size in message.places]
        return pickle.loads(message.stream, buffers=buffers)

    def close(self) -> None:
        """The file goes once no array maps it any more."""
        if self._file is not None:
            os.close(self._file)
            self._file = None


def _written_at(file: int, view: memoryview, start: int) -> None:
    """`view` written into `file` from byte `start`. The kernel copies it into the file's pages:
    twice as fast as through a mapping of the file, which faults each page in first (286 MB in
    0.115 s against 0.23 s); a write may stop short (at 2 GiB on Linux), so write until done."""
    view = view.cast("B")
    while view.nbytes:
        written = os.pwrite(file, view, start)
        view, start = view[written:], start + written


class _Handed:
    def __init__(self, stream: bytes, places: list[tuple[int, int]], size: int) -> None:
        self.stream, self.places, self.size = stream, places, size
