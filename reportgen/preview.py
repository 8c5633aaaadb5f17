"""`reportgen serve`: build the report, serve it on 127.0.0.1, rebuild when an input changes.

Changes are found by polling modification times (and sizes) of every input of the build (the
config, prices, predictions, provenance sidecars, market episodes, every template file and the
mkdocs.yml, as listed by inputs.resources.input_files): no watcher library, and the
same on every platform. A rebuild replaces the served folder whole (site.staged_site swaps it
in), so a browser reload shows either the old or the new site, never half of one. A rebuild
that fails on a user error (a typo in the config, a malformed CSV) is reported and the previous
site stays up; the next change tries again. The site is built into a temporary folder that is
removed when serving stops; `site/` is left alone.
"""

from __future__ import annotations

import functools
import http.server
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from reportgen import pipeline
from reportgen.inputs.resources import input_files
from reportgen.inputs.config import Config, load_config
from reportgen.inputs.errors import ReportgenError, ServeError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"

Stamps = dict[Path, tuple[int, int] | None]


def watched_files(config: Config) -> list[Path]:
    """The files whose change triggers a rebuild: every input of the build (inputs.resources.input_files)."""
    return input_files(config).watched()


def file_stamps(paths: list[Path]) -> Stamps:
    """(modification time in ns, size) of each path; None for a path that does not exist."""
    stamps: Stamps = {}
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            stamps[path] = None
        else:
            stamps[path] = (stat.st_mtime_ns, stat.st_size)
    return stamps


def changed_files(before: Stamps, after: Stamps) -> list[Path]:
    return [path for path in dict.fromkeys([*before, *after]) if before.get(path) != after.get(path)]


class _NoCacheHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with `Cache-Control: no-store`, so that a reload always shows the latest build."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        log.debug("%s %s", self.address_string(), format % args)


def _build(config: Config, site_dir: Path) -> None:
    result = pipeline.build(config, site_dir)
    for warning in result.warnings:
        logging.getLogger("reportgen").warning(warning)


def _server(site_dir: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_NoCacheHandler, directory=str(site_dir))
    try:
        return http.server.ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise ServeError(f"cannot serve on {HOST}:{port}: {exc.strerror}; choose another --port") from None


def serve(
    config_path: Path | None,
    port: int = 8000,
    poll_seconds: float = 0.5,
    stop: threading.Event | None = None,
    notify: Callable[[str], None] = lambda message: None,
) -> None:
    """Build, serve on http://127.0.0.1:`port`/ (0: any free port) and rebuild on change until
    `stop` is set or the user presses Ctrl+C. `notify` receives one line per event, the first
    being "serving http://127.0.0.1:PORT/".

    The first build must succeed (its error propagates); later failing rebuilds are reported
    through `notify` and the previous site stays up.
    """
    stop = stop if stop is not None else threading.Event()
    config = load_config(config_path)
    with tempfile.TemporaryDirectory(prefix="reportgen-serve-") as folder:
        site_dir = Path(folder) / "site"
        server = _server(site_dir, port)  # bound first: a taken port fails before a long build
        notify("building the report")
        try:
            _build(config, site_dir)
        except BaseException:
            server.server_close()
            raise
        thread = threading.Thread(target=server.serve_forever, name="reportgen-serve", daemon=True)
        thread.start()
        notify(f"serving http://{HOST}:{server.server_address[1]}/ (Ctrl+C to stop)")
        try:
            stamps = file_stamps(watched_files(config))
            while not stop.wait(poll_seconds):
                current = file_stamps(watched_files(config))
                changed = changed_files(stamps, current)
                if not changed:
                    continue
                notify(f"changed: {', '.join(p.name for p in changed)}; rebuilding")
                started = time.perf_counter()
                try:
                    config = load_config(config_path)
                    _build(config, site_dir)
                except ReportgenError as exc:  # a user error while editing: keep serving the last good site
                    notify(f"error: {exc} (still serving the previous build)")
                else:
                    notify(f"rebuilt in {time.perf_counter() - started:.1f}s")
                # Stamps from before the rebuild, so that an edit made during it triggers another.
                watched = watched_files(config)
                fresh = file_stamps(watched)
                stamps = {path: current[path] if path in current else fresh[path] for path in watched}
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
            notify("stopped")
