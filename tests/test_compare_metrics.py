"""benchmarks/compare_metrics.py: two metrics.json files compared exactly."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

_spec = importlib.util.spec_from_file_location("compare_metrics", Path(__file__).resolve().parents[1] / "benchmarks" / "compare_metrics.py")
compare_metrics = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_metrics)


def test_differences_name_every_path_and_compare_floats_exactly():
    before = {"a": {"x": 0.1 + 0.2, "y": [1, 2]}, "b": 1, "c": None}
    after = {"a": {"x": 0.3, "y": [1, 3]}, "b": 1.0, "d": None}
    assert compare_metrics.differences(before, after) == [
        "a.x: 0.30000000000000004 -> 0.3", "a.y[1]: 2 -> 3", "b: 1 -> 1.0", "c: only before", "d: only after",
    ]
    assert compare_metrics.differences(before, before) == []


def test_main_exits_1_on_a_difference_outside_the_ignored_paths(tmp_path, capsys):
    one, two = tmp_path / "1.json", tmp_path / "2.json"
    one.write_text(json.dumps({"s": {"a": {"downloads": [1], "sharpe": 1.0}}}))
    two.write_text(json.dumps({"s": {"a": {"downloads": [2], "sharpe": 1.0}}}))
    assert compare_metrics.main([str(one), str(two)]) == 1
    assert compare_metrics.main([str(one), str(two), "--ignore", "s.*.downloads"]) == 0
    assert "0 differences (1 ignored)" in capsys.readouterr().out
