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
    imported(name)               import `name`, the libraries in DEFERRED left for their first use;
                                 `module:function` also calls function() (a compiled kernel made ready)
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import types
from collections.abc import Iterator, Sequence
from typing import Any


_running: list[threading.Thread] = []

# Imported by vectorbt and quantstats when they are imported, used only inside functions a build
# never calls: yfinance downloads prices (quantstats' `_compat` imports it, with websockets,
# curl_cffi and BeautifulSoup: 0.33 s), dateparser parses date strings (vectorbt's `utils.datetime_`:
# 0.09 s). Left for their first use, they are 0.3-0.4 s less of the 2.5 s import that leads the
# first map: in a universe's build (the import while its inputs are read) and in a forked leader
# (a single-asset report's models map). A Dask worker and a synchronous single-asset build import
# vectorbt where a task first needs it (analysis.backtest), and import these with it.
#
# quantstats.plots (with matplotlib, pyplot and seaborn: 0.6 s, 30 MB) is imported by quantstats'
# __init__ and draws quantstats' own charts; the report's charts are Altair's, and only the
# optional quantstats HTML tearsheet uses it (reportgen.analysis.metrics, whose first call
# imports it). vectorbt's QSAdapter lists quantstats' plot functions when it is imported, to offer
# them as `plot_*` methods: with the module left for later it lists none (a build never calls them).
DEFERRED = ("yfinance", "dateparser", "quantstats.plots")


class _Deferred(types.ModuleType):
    """A stand-in for a module not imported yet: the first attribute read imports it and puts
    it in sys.modules; every read goes to it from then on. Its __spec__ is the module's own, so
    that importlib.util.find_spec answers as before."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr not in ("__path__", "__file__", "__version__", "__all__"):
            raise AttributeError(attr)  # copy, pickle and inspect probing a module: not a use
        real = sys.modules.get(self.__name__)
        if real is None or real is self:
            with _deferring:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                real = importlib.import_module(self.__name__)
        return getattr(real, attr)


_deferring = threading.RLock()


def _defer(name: str) -> None:
    if name in sys.modules:
        return
    parent, _, _ = name.rpartition(".")
    if parent:  # a submodule, found without importing its package (which would import it now)
        package = sys.modules.get(parent) or importlib.util.find_spec(parent)
        locations = None if package is None else getattr(package, "submodule_search_locations", None) or getattr(package, "__path__", None)
        spec = None if locations is None else importlib.machinery.PathFinder.find_spec(name, list(locations))
    else:
        spec = importlib.util.find_spec(name)
    if spec is None:  # not installed: the library that imports it reports that itself
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    sys.modules[name] = stand_in


def imported(name: str) -> types.ModuleType:
    """`name` imported, with each library of DEFERRED that is not imported yet left to its first use.
    `module:function`: the module imported, then its function() called (a kernel compiled or loaded
    from numba's cache), the module returned."""
    for deferred in DEFERRED:
        _defer(deferred)
    module_name, _, function = name.partition(":")
    module = importlib.import_module(module_name)
    if function:
        getattr(module, function)()
    return module


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
                imported(name)
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
