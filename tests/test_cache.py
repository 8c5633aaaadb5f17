"""The content-addressed build cache: a hit reuses the figures, any change of input misses."""

import json
import shutil
from pathlib import Path

import pytest

from reportgen.publish import cache
from reportgen.inputs.config import load_config
from reportgen.inputs.resources import input_files
from reportgen.pipeline import build
from reportgen.publish.build_cache import computation_key

from conftest import REPO


@pytest.fixture
def cache_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


def test_fingerprint_separates_its_parts():
    assert cache.fingerprint(["ab", "c"]) != cache.fingerprint(["a", "bc"])
    assert cache.fingerprint([b"x"]) == cache.fingerprint(["x"])
    assert len(cache.fingerprint([])) == 64


def test_an_entry_is_computed_once_then_read(cache_folder):
    calls = []

    def compute():
        calls.append(1)
        return {"value": len(calls)}

    assert cache.cached_object("kind", "k1", compute) == {"value": 1}
    assert cache.cached_object("kind", "k1", compute) == {"value": 1}
    assert cache.cached_object("kind", "k2", compute) == {"value": 2}
    assert len(calls) == 2
    assert sorted(p.name for p in (cache_folder / "kind").iterdir()) == ["k1.pickle", "k2.pickle"]


def test_off_computes_every_time_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, "off")
    calls = []
    for _ in range(2):
        cache.cached_text("kind", "k", lambda: calls.append(1) or "x")
    assert len(calls) == 2 and cache.cache_folder() is None


def test_old_entries_are_pruned(cache_folder, monkeypatch):
    monkeypatch.setattr(cache, "KEEP_OBJECTS", 2)
    for key in ("a", "b", "c"):
        cache.cached_object("kind", key, lambda: key)
    assert len(list((cache_folder / "kind").glob("*.pickle"))) == 2


def test_a_rebuild_with_unchanged_inputs_reuses_the_figures(tiny_project, cache_folder):
    config = load_config(tiny_project / "reportgen.toml")
    stages: list[str] = []
    build(config, tiny_project / "site", stages.append)
    first = (tiny_project / "site" / "metrics.json").read_bytes()
    assert "figures and charts unchanged: taken from the cache" not in stages
    stages.clear()
    build(config, tiny_project / "site", stages.append)
    assert "figures and charts unchanged: taken from the cache" in stages
    assert not any(s.startswith("backtesting") for s in stages)
    assert (tiny_project / "site" / "metrics.json").read_bytes() == first
    assert len(list((cache_folder / "report").glob("*.pickle"))) == 1


def test_any_change_of_an_input_or_the_config_misses(tiny_project, cache_folder, monkeypatch):
    config_path = tiny_project / "reportgen.toml"
    key = _key(config_path)
    prices = tiny_project / "prices.csv"
    original = prices.read_text()
    prices.write_text(original.replace("\n2021-01-05,", "\n2021-01-05,1", 1))
    assert _key(config_path) != key
    prices.write_text(original)
    assert _key(config_path) == key
    config_path.write_text(config_path.read_text().replace("fees = 0.001", "fees = 0.002"))
    assert _key(config_path) != key
    config_path.write_text(config_path.read_text().replace("fees = 0.002", "fees = 0.001"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735776000")
    assert _key(config_path) != key


def test_strict_still_sees_corrected_inputs_on_a_cached_build(tiny_project, cache_folder, caplog):
    prices = tiny_project / "prices.csv"
    lines = prices.read_text().splitlines()
    prices.write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n")  # two dates out of order
    config = load_config(tiny_project / "reportgen.toml")
    build(config, tiny_project / "site")
    caplog.clear()
    build(config, tiny_project / "site")  # from the cache
    assert "dates were not in order; sorted them" in caplog.text
    assert json.loads((tiny_project / "site" / "metrics.json").read_text())["strategies"]


def test_an_up_to_date_site_is_left_as_it_is_until_a_template_changes(tiny_project, cache_folder):
    config = load_config(tiny_project / "reportgen.toml")
    site = tiny_project / "site"
    build(config, site)
    index = (site / "index.html").stat().st_mtime_ns
    stages: list[str] = []
    build(config, site, stages.append)
    assert stages[-1] == "templates and mkdocs.yml unchanged: the site is up to date"
    assert (site / "index.html").stat().st_mtime_ns == index
    templates = tiny_project / "templates"
    shutil.copytree(REPO / "templates", templates)
    (templates / "index.md.j2").write_text((templates / "index.md.j2").read_text() + "\nEdited template.\n")
    stages.clear()
    build(config, site, stages.append)
    assert any(s.endswith("rendering pages, building site") for s in stages) and "Edited template." in (site / "index.html").read_text()


def test_a_rebuild_draws_no_static_chart_the_cache_holds(tiny_project, cache_folder):
    # The static stage (tearsheet SVGs, vega bundle) maps only what the cache misses: after a
    # template change nothing is drawn again, and no worker pool is started for it.
    config = load_config(tiny_project / "reportgen.toml")
    site = tiny_project / "site"
    mapped: list[tuple[str, int]] = []

    def recorded(function, tasks, shared, label="", imports=(), beside=None):
        for task in tasks:  # the static charts share a map with the downloads (compute.jobs)
            mapped.append((getattr(task, "function_name", function.__name__), 1))
        results = [function(shared, task) for task in tasks]
        if beside is not None:
            beside()
        return results

    build(config, site, map_tasks=recorded)
    static = [name for name, _ in mapped if name == "static_assets"]
    assert static  # groups of charts (the shipped vega bundle needs no task)
    tearsheets = {p.name: p.read_bytes() for p in (site / "tearsheets").glob("*.html")}
    assert tearsheets
    templates = tiny_project / "templates"
    shutil.copytree(REPO / "templates", templates)
    (templates / "index.md.j2").write_text((templates / "index.md.j2").read_text() + "\nEdited template.\n")
    mapped.clear()
    build(config, site, map_tasks=recorded)
    assert "static_assets" not in dict(mapped) and "attachment_files" in dict(mapped)  # the downloads are made again
    assert {p.name: p.read_bytes() for p in (site / "tearsheets").glob("*.html")} == tearsheets


def _key(config_path):
    config = load_config(config_path)
    return computation_key(config.source, input_files(config).data)
