"""Import the libraries later stages need on a thread, while this process does something else.

A universe's inputs take seconds to read and check, and its first map needs vectorbt (2.3 s to
import, one core otherwise idle while a leader worker imports it). Imported here meanwhile, it
is in this process before the first map forks its workers: they inherit it (the pages stay
shared), and no leader is needed. With forked workers the inputs are read in a process forked
for it (reportgen.pipeline), so the import and the reading each have a core; otherwise they
share this process (Parquet decoding and numpy release the GIL for part of the reading).

    importing_meanwhile(names, done)
                                 a context manager: `names` imported on a thread during its body,
                                 waited for after it (`done`, an Event, set when they are); an
                                 ImportError is left to the stage that imports the library itself
                                 (it reports it in its own words); no cyclic garbage collection
                                 runs during the imports, and what they made is frozen after
                                 (gc.freeze: later full collections skip it)
    finished_imports()           wait for any import still running (before a fork: a child forked
                                 while a thread holds an import lock could wait on it forever)
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any


_running: list[threading.Thread] = []


def finished_imports() -> None:
    """Return once no thread of importing_meanwhile is importing (an input error can leave the
    body while it does: the build then ends, or, in a caller that goes on, the next fork waits here)."""
    while _running:
        _running.pop().join()


class _Importing:
    def __init__(self, names: Sequence[str], done: Any) -> None:
        self.error: BaseException | None = None
        self.done = done
        # A daemon: a user error in the body ends the build at once, without waiting for an import.
        self.thread = threading.Thread(target=self._run, args=(tuple(names),), name="reportgen-imports", daemon=True)

    def _run(self, names: tuple[str, ...]) -> None:
        collecting = gc.isenabled()
        gc.disable()  # each full collection walks every object imported so far: 0.5 s of the 2.6 s at 100 assets
        try:
            for name in names:
                importlib.import_module(name)
        except ImportError:
            pass  # the stage that needs it imports it again and reports it
        except BaseException as exc:  # re-raised in the thread that waits for the imports
            self.error = exc
        finally:
            gc.freeze()  # the imported modules, classes and functions: later full collections skip them
            if collecting:
                gc.enable()
            if self.done is not None:
                self.done.set()


@contextlib.contextmanager
def importing_meanwhile(names: Sequence[str], done: Any = None) -> Iterator[None]:
    """`names` imported on a thread of this process while the body runs; after the body, wait for
    them (so that no fork happens while an import holds a lock). Nothing to do without names.
    `done`: an Event (multiprocessing's: a process forked before can see it) set once the
    imports end, at once without names."""
    if not names:
        if done is not None:
            done.set()
        yield
        return
    importing = _Importing(names, done)
    importing.thread.start()
    _running.append(importing.thread)
    yield  # on an exception in the body (an input error), leave at once: see finished_imports
    finished_imports()
    if importing.error is not None:
        raise importing.error
