"""The output folder: which folders reportgen may replace, one build at a time, and an atomic swap.

reportgen never deletes what it did not make. A site is built in a temporary sibling of the
output folder and swapped in only when the whole build succeeded (on Linux the two folders are
exchanged in one step, so a server reading the output folder never finds it missing; elsewhere
by two renames); a failed build leaves the previous site as it was and removes its temporary
folder. An existing folder is replaced only when it carries reportgen's marker file, and never
when it is (or contains) the filesystem root, the home folder, the current folder, the project
folder or an input of the build. Symlinks are resolved before these checks.

A lock file beside the output folder (`.<name>.reportgen-lock`, held with `flock` and removed
when the build ends) makes a second build into the same folder fail at once. The kernel drops
a `flock` when its process dies, so a build that was killed leaves no lock that blocks the
next one; the next build also removes the temporary folders a killed build left behind.
POSIX only (fcntl).
"""

from __future__ import annotations

import ctypes
import fcntl
import glob
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from reportgen.inputs.errors import SiteError

log = logging.getLogger(__name__)

MARKER = ".reportgen-site"
MARKER_TEXT = "made by reportgen; replaced whole on each build\n"
LOCK_SUFFIX = ".reportgen-lock"


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except RuntimeError:  # no HOME and no password entry: nothing to protect
        return None


def _refusal(target: Path, protected: Iterable[tuple[Path, str]]) -> str | None:
    """Why `target` (resolved) must not be replaced, or None."""
    if target == Path(target.anchor):
        return "it is the filesystem root"
    for path, what in protected:
        resolved = path.resolve()
        if target == resolved:
            return f"it is {what}"
        if target in resolved.parents:
            return f"it contains {what} ({resolved})"
    return None


def checked_output_folder(site_dir: Path, project: Path | None = None, inputs: Iterable[Path] = ()) -> Path:
    """The resolved output folder, refused unless reportgen may replace it.

    `project` is the folder of the config; `inputs` are the files and folders the build reads
    (config, data, templates, mkdocs config). Nothing is written here.
    """
    target = Path(site_dir).resolve()
    protected: list[tuple[Path, str]] = []
    home = _home()
    if home is not None:
        protected.append((home, "the home folder"))
    protected.append((Path.cwd(), "the current folder"))
    if project is not None:
        protected.append((project, "the project folder"))
    protected += [(path, "an input of this build") for path in inputs]
    reason = _refusal(target, protected)
    if reason is not None:
        raise SiteError(f"{site_dir}: refusing to replace {target}: {reason}; choose another --site-dir")
    if target.exists() and not target.is_dir():
        raise SiteError(f"{site_dir}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise SiteError(
            f"{site_dir}: folder is not empty and was not made by reportgen (no {MARKER}); "
            "choose another --site-dir or empty it"
        )
    return target


def lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}{LOCK_SUFFIX}"


def _missing_parents(folder: Path) -> list[Path]:
    """`folder` and its ancestors that do not exist yet, deepest first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    return missing


@contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """Hold the output folder's lock; a second holder fails at once with a SiteError.

    Folders created to hold the lock file are removed again if the build publishes nothing.
    """
    created = _missing_parents(target.parent)
    path = lock_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise SiteError(f"{target}: cannot create the lock file {path} ({exc.strerror})") from None
    locked = False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # The holder before us may have removed the file between our open and our flock.
            locked = os.path.exists(path) and os.stat(path).st_ino == os.fstat(fd).st_ino
        except BlockingIOError:
            pass
        if not locked:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise SiteError(
                f"{target}: another reportgen build{f' (pid {holder})' if holder.isdigit() else ''} "
                f"is writing this site (lock {path}); wait for it to finish"
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        if locked:
            os.unlink(path)
        os.close(fd)
        if not target.exists():
            for folder in created:
                if folder.exists() and not any(folder.iterdir()):
                    folder.rmdir()


def _leftovers(target: Path, kind: str) -> list[Path]:
    """Temporary folders of `kind` ("new" or "old") that a killed build left beside `target`."""
    return sorted(
        p for p in target.parent.glob(f".{glob.escape(target.name)}.{kind}-*") if p.is_dir() and (p / MARKER).is_file()
    )


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2  # <fcntl.h>, <linux/fs.h>


def _exchanged(a: Path, b: Path) -> bool:
    """Whether folders `a` and `b` were swapped in one step (Linux's renameat2 with
    RENAME_EXCHANGE), so that a server reading `b` meanwhile (`reportgen serve`, a web server on
    site/) finds the old folder or the new one, never none. False where the C library or the
    file system cannot: the caller then renames twice, with a moment between the renames when
    `b` does not exist."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def _recover(target: Path) -> None:
    """Undo what a killed build left behind; call only while holding the lock."""
    olds = _leftovers(target, "old")
    if olds and not target.exists():  # killed between the two renames of a swap
        log.warning("%s: restored the previous site from %s", target, olds[-1].name)
        os.replace(olds.pop(), target)
    for leftover in olds + _leftovers(target, "new"):
        shutil.rmtree(leftover)


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A fresh, empty folder beside `target`, swapped in for it if the block succeeds.

    If the block raises, the fresh folder is removed and `target` is left untouched.
    """
    _recover(target)
    fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        fresh.chmod(0o755)  # mkdtemp makes it private; a published site must be readable
        (fresh / MARKER).write_text(MARKER_TEXT)
        yield fresh
        _swap(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise


def _swap(fresh: Path, target: Path) -> None:
    if not target.exists():
        os.replace(fresh, target)
        return
    if _exchanged(fresh, target):  # `fresh` now holds the previous site
        shutil.rmtree(fresh)
        return
    old = fresh.with_name(f".{target.name}.old-" + fresh.name.removeprefix(f".{target.name}.new-"))
    os.replace(target, old)
    try:
        os.replace(fresh, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old)
