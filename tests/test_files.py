"""The site's files besides its pages: the vega bundle shipped with reportgen, and its fallback."""

import hashlib
import json

import pytest

from reportgen.publish import cache, files


@pytest.fixture
def no_cache(monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, "off")


def _versions() -> dict:
    return json.loads(files._SHIPPED_BUNDLE_VERSIONS.read_text())


def test_the_shipped_bundle_is_the_file_its_versions_describe():
    versions = _versions()
    assert hashlib.sha256(files._SHIPPED_BUNDLE.read_bytes()).hexdigest() == versions["sha256"]
    assert set(files._BUNDLE_MADE_BY) <= set(versions)


def test_the_bundle_is_what_vl_convert_makes_shipped_or_not(no_cache):
    # With the libraries it was made with, the shipped file is used and must be vl-convert's own
    # output; after an upgrade of either, the bundle is made again (and this test still holds).
    import vl_convert

    from reportgen.publish import charts

    made = vl_convert.javascript_bundle(vl_version=charts.VEGA_LITE_VERSION)
    files.shipped_vega_bundle.cache_clear()
    installed = {name: cache.installed_version(name) for name in files._BUNDLE_MADE_BY}
    shipped = files.shipped_vega_bundle()
    assert (shipped is not None) == all(installed[name] == _versions()[name] for name in installed)
    assert files.vega_bundle() == made
    if shipped is not None:
        assert shipped == made


def test_another_vl_convert_makes_the_bundle_and_the_static_stage_maps_it(no_cache, monkeypatch):
    installed = cache.installed_version
    with monkeypatch.context() as patched:
        patched.setattr(cache, "installed_version", lambda name: "0.0.0" if name == "vl-convert-python" else installed(name))
        files.shipped_vega_bundle.cache_clear()
        assert files.shipped_vega_bundle() is None
        assert [task.id for task in files.static_asset_tasks([], {})] == ["the vega bundle"]
    files.shipped_vega_bundle.cache_clear()
    if files.shipped_vega_bundle() is not None:
        assert files.static_asset_tasks([], {}) == []


def test_the_static_stage_draws_labelled_charts_first_two_a_task(no_cache):
    # vl-convert measures every label: 348 labelled heatmap cells took longer to draw than a line
    # of 3,030 points (0.42 s against 0.15 s); the longest go first, so the last tasks are short.
    specs = {
        "line": {"datasets": {"d": [{"x": 1}] * 3030}, "layer": [{"mark": "rect"}, {"mark": {"type": "line"}}]},
        "bars": {"datasets": {"d": [{"x": 1}] * 25}, "mark": "bar"},
        "heatmap": {"datasets": {"d": [{"x": 1}] * 348}, "layer": [{"mark": "rect"}, {"mark": {"type": "text", "fontSize": 9}}]},
    }
    charts = [task.chart_ids for task in files.static_asset_tasks(list(specs), specs) if task.chart_ids is not None]
    assert files.CHARTS_PER_TASK == 2
    assert charts == [("heatmap", "line"), ("bars",)]
