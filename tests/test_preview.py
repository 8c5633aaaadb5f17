"""`reportgen serve`: a template edit shows up over HTTP on the loopback; a broken edit keeps the
last good site up. The server runs in a thread of the test and stops when the test is done."""

import shutil
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from reportgen.inputs.config import load_config
from reportgen.inputs.errors import ServeError
from reportgen.preview import changed_files, file_stamps, serve, watched_files

from conftest import REPO

DEADLINE_SECONDS = 120


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Cache-Control"] == "no-store"
        return response.read().decode()


def wait_for(predicate, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served(tiny_project: Path):
    """`serve` on any free port of 127.0.0.1 in a thread; yields (url, messages)."""
    shutil.copytree(REPO / "templates", tiny_project / "templates")
    messages: list[str] = []
    stop = threading.Event()
    failure: list[BaseException] = []

    def run():
        try:
            serve(tiny_project / "reportgen.toml", port=0, poll_seconds=0.1, stop=stop, notify=messages.append)
        except BaseException as exc:  # reported by the test below, not swallowed
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready = wait_for(lambda: failure or next((m for m in messages if m.startswith("serving ")), None), "the server")
    assert not failure, failure
    url = ready.split()[1]
    assert url.startswith("http://127.0.0.1:")
    yield url, messages
    stop.set()
    thread.join(timeout=30)
    assert not thread.is_alive() and not failure


def test_a_template_change_is_served_after_the_rebuild(served, tiny_project: Path):
    url, messages = served
    page = f"{url}strategies/sized.html"
    assert "Marker of the edited template" not in fetch(page)
    template = tiny_project / "templates/strategy.md.j2"
    template.write_text(template.read_text() + "\nMarker of the edited template.\n")
    wait_for(lambda: "Marker of the edited template" in fetch(page), "the rebuilt page")
    wait_for(lambda: any(m.startswith("rebuilt in ") for m in messages), "the rebuild's report")
    assert any(m.startswith("changed: strategy.md.j2") for m in messages)

    # a broken config: the error is reported and the last good site stays up
    config = tiny_project / "reportgen.toml"
    good = config.read_text()
    config.write_text(good + "\n[oops]\n")
    wait_for(lambda: any("oops: unknown key" in m for m in messages), "the config error")
    assert "Marker of the edited template" in fetch(page)
    assert any(m.startswith("error: ") and m.endswith("(still serving the previous build)") for m in messages)
    # a data change after the fix rebuilds with the new figures
    config.write_text(good.replace('title = "Tiny report"', 'title = "Retitled report"'))
    wait_for(lambda: "Retitled report" in fetch(url), "the retitled site")


def test_watched_files_and_changes(tiny_project: Path):
    config = load_config(tiny_project / "reportgen.toml")
    watched = watched_files(config)
    assert watched[:3] == [tiny_project / "reportgen.toml", tiny_project / "prices.csv", tiny_project / "predictions.csv"]
    assert REPO / "templates/strategy.md.j2" in watched and REPO / "mkdocs.yml" in watched
    before = file_stamps(watched)
    (tiny_project / "prices.csv").write_text((tiny_project / "prices.csv").read_text() + "\n")
    (tiny_project / "predictions.csv").unlink()
    assert changed_files(before, file_stamps(watched)) == [tiny_project / "prices.csv", tiny_project / "predictions.csv"]


def test_a_taken_port_is_a_user_error(tiny_project: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServeError, match=rf"cannot serve on 127.0.0.1:{port}: .*; choose another --port"):
            serve(tiny_project / "reportgen.toml", port=port, stop=threading.Event())


def test_an_edit_of_every_kind_of_input_triggers_a_rebuild(tiny_project: Path, monkeypatch):
    """Prices, predictions, provenance sidecar, episodes CSV, a template, mkdocs.yml and the config:
    each edit makes `serve` rebuild. The build is replaced by a recorder, so the test times the
    watching, not the backtests (the real rebuild is exercised above)."""
    from reportgen import preview

    shutil.copytree(REPO / "templates", tiny_project / "templates")
    shutil.copy(REPO / "mkdocs.yml", tiny_project / "mkdocs.yml")
    shutil.copy(REPO / "data/market_episodes.csv", tiny_project / "episodes.csv")
    (tiny_project / "predictions.json").write_text("{}\n")
    config = tiny_project / "reportgen.toml"
    config.write_text(
        config.read_text()
        .replace('prices = "prices.csv"', 'prices = "prices.csv"\nepisodes = "episodes.csv"')
        .replace('predictions = "predictions.csv"', 'predictions = "predictions.csv"\nprovenance = "predictions.json"')
    )
    builds: list[int] = []
    monkeypatch.setattr(preview, "_build", lambda config, site_dir: builds.append(len(builds)))
    messages: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=serve, args=(config,), kwargs=dict(port=0, poll_seconds=0.05, stop=stop, notify=messages.append), daemon=True
    )
    thread.start()
    try:
        wait_for(lambda: any(m.startswith("serving ") for m in messages), "the server")
        edited = ["prices.csv", "predictions.csv", "predictions.json", "episodes.csv", "templates/model.md.j2", "mkdocs.yml", "reportgen.toml"]
        for name in edited:
            before = len(builds)
            path = tiny_project / name
            path.write_text(path.read_text() + "\n")
            wait_for(lambda: len(builds) > before, f"a rebuild after editing {name}")
            assert any(m.startswith(f"changed: {Path(name).name}") for m in messages)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert len(builds) == 1 + len(edited)
