"""A content-addressed cache of what is expensive to build: standard library only.

Entries are keyed by the sha256 of everything they depend on (reportgen's own code, the
versions of the libraries that compute them, the config and the bytes of every input), so a
stale entry is never read: a changed input or a new reportgen simply misses. The folder is
`$REPORTGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/reportgen`, else `~/.cache/reportgen`; deleting it
is always safe. `REPORTGEN_CACHE_DIR=off` turns the cache off.

Entries are written atomically (temporary file, then rename), so a killed build never leaves a
half-written entry; pickles are only read from this folder, which reportgen alone writes.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

CACHE_ENV = "REPORTGEN_CACHE_DIR"
KEEP_OBJECTS = 16  # newest pickled entries of a kind kept; older ones are pruned after a write
KEEP_TEXTS = 4000  # the same for text entries (chart SVGs: a few dozen a report)
_PACKAGE = Path(__file__).resolve().parents[1]  # the whole reportgen package: its code is in every key
_LIBRARIES = ("numpy", "pandas", "vectorbt", "vectorbt-rust", "quantstats", "altair", "vl-convert-python",
              "statsmodels", "arch", "scipy", "jinja2", "mkdocs", "mkdocs-material", "pymdown-extensions")


def cache_folder() -> Path | None:
    """Where entries live, or None when the cache is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "false") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reportgen"


def fingerprint(parts: Iterable[bytes | str]) -> str:
    """sha256 over `parts`, each length-prefixed so that no two sequences collide."""
    digest = hashlib.sha256()
    for part in parts:
        raw = part.encode() if isinstance(part, str) else part
        digest.update(len(raw).to_bytes(8, "big") + raw)
    return digest.hexdigest()


def installed_version(name: str) -> str | None:
    """The installed version of distribution `name`; None when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """reportgen's own code and the versions of the libraries that compute the figures."""
    files = sorted(p for p in _PACKAGE.rglob("*") if p.is_file() and p.suffix in (".py", ".js", ".css", ".ttf"))
    parts: list[bytes | str] = [str(p.relative_to(_PACKAGE)) for p in files] + [p.read_bytes() for p in files]
    for name in _LIBRARIES:
        version = installed_version(name)
        parts.append(f"{name}=={version}" if version is not None else f"{name} missing")
    return fingerprint(parts)


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _cached(kind: str, key: str, suffix: str, keep: int, compute: Callable[[], T],
            dump: Callable[[T], bytes], load: Callable[[bytes], T]) -> T:
    """The entry `kind`/`key`, computed and stored on a miss; the newest `keep` of a kind are kept."""
    folder = cache_folder()
    if folder is None:
        return compute()
    path = folder / kind / f"{key}{suffix}"
    if path.is_file():
        return load(path.read_bytes())
    value = compute()
    _write_atomically(path, dump(value))
    _prune(path.parent, f"*{suffix}", keep)
    return value


def cached_object(kind: str, key: str, compute: Callable[[], T]) -> T:
    """The pickled entry `kind`/`key`, computed and stored on a miss."""
    return _cached(kind, key, ".pickle", KEEP_OBJECTS, compute,
                   lambda value: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), pickle.loads)


def has_text(kind: str, key: str) -> bool:
    """Whether the text entry `kind`/`key` is in the cache (never, when the cache is off)."""
    folder = cache_folder()
    return folder is not None and (folder / kind / f"{key}.txt").is_file()


def cached_text(kind: str, key: str, compute: Callable[[], str]) -> str:
    """The text entry `kind`/`key`, computed and stored on a miss."""
    return _cached(kind, key, ".txt", KEEP_TEXTS, compute, lambda value: value.encode("utf-8"),
                   lambda raw: raw.decode("utf-8"))


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # pruned meanwhile by another build or worker
        return 0.0


def _prune(folder: Path, pattern: str, keep: int) -> None:
    entries = sorted(folder.glob(pattern), key=_modified, reverse=True)
    for stale in entries[keep:]:
        stale.unlink(missing_ok=True)
