"""Blocks of columns sized from a memory budget (reportgen.compute.blocks), and the report's
figures computed a block at a time: the same to the last digit whatever the block size."""

import json

import pytest

from reportgen.compute import blocks
from reportgen.inputs.config import load_config
from reportgen.pipeline import report
from reportgen.publish.metrics_document import metrics_document


def test_columns_per_block_follows_the_budget():
    # 100 MB of 1,000 rows at 100 bytes a cell: 100 * 2**20 / 100,000 = 1048.576 -> 1048 columns
    assert blocks.columns_per_block(1000, 100, 100) == 1048
    # twice the rows, half the columns; never fewer than one, however small the budget
    assert blocks.columns_per_block(2000, 100, 100) == 524
    assert blocks.columns_per_block(10**9, 100, 1) == 1
    with pytest.raises(ValueError):
        blocks.columns_per_block(0, 100, 100)


def test_column_blocks_cover_every_column_once_in_order():
    cut = blocks.column_blocks(10, 4)
    assert [(b.start, b.stop) for b in cut] == [(0, 4), (4, 8), (8, 10)]
    assert blocks.column_blocks(0, 4) == []
    assert [(b.start, b.stop) for b in blocks.column_blocks(3, 5)] == [(0, 3)]
    # a last block smaller than `smallest` joins the one before
    assert [(b.start, b.stop) for b in blocks.column_blocks(9, 4, smallest=2)] == [(0, 4), (4, 9)]
    assert [(b.start, b.stop) for b in blocks.column_blocks(1, 4, smallest=2)] == [(0, 1)]
    with pytest.raises(ValueError):
        blocks.column_blocks(10, 1, smallest=2)


def test_default_budget_is_one_block_of_64_mb():
    assert blocks.DEFAULT_MEMORY_MB == 64
    assert blocks.columns_per_block(7_560, 160, blocks.DEFAULT_MEMORY_MB) == 55  # 30 years of returns


SMALL = """
[[strategies]]
id = "filtered"
name = "Filtered"
model = "tiny"
attention_threshold = 0.3
sizing = "attention"

[[strategies]]
id = "hybrid"
name = "Hybrid"
model = "tiny"
sizing = "attention"
min_hold_days = 3
vol_target = 0.15
vol_window_days = 10
stop_loss = 0.02

[sweep]
thresholds = [0.45, 0.5, 0.55]
attention_quantiles = [0.0, 0.5]
fees_bps = [0, 10, 25]
min_hold_days = [1, 3]
stop_losses = [0, 0.02]

[statistics]
bootstrap_resamples = 101

[attention_tests]
permutations = 23
"""


def _everything(result) -> tuple[str, list]:
    """metrics.json of the report and the arrays behind it that it does not print in full."""
    arrays = []
    for model in result.models:
        arrays.append(model.robustness.sweep.table.to_json(double_precision=15))
        for s in model.strategies:
            if s.attention_test is not None:
                arrays.append(s.attention_test.null_sharpes.tobytes())
            arrays.append(model.robustness.costs[s.id].to_json(double_precision=15))
    return json.dumps(metrics_document(result), sort_keys=True, allow_nan=True), arrays


def test_figures_are_identical_whatever_the_block_size(tmp_path, monkeypatch):
    from conftest import TINY_CONFIG, make_tiny_project

    project = make_tiny_project(tmp_path, TINY_CONFIG + SMALL)
    config = load_config(project / "reportgen.toml")
    seen = {}
    for per_block in (1, 5, 10_000):  # one column a block, a middle size, everything at once
        calls = []

        def fixed(n_rows, bytes_per_cell, memory_mb, per_block=per_block):
            calls.append(n_rows)
            return per_block

        monkeypatch.setattr(blocks, "columns_per_block", fixed)
        seen[per_block] = _everything(report(config))
        assert calls, "the report did not size its blocks through reportgen.compute.blocks"
    assert seen[1] == seen[5] == seen[10_000]
    document = json.loads(seen[1][0])
    assert document["strategies"]["filtered"]["attention_test"]["n_permutations"] == 23
    # the overlay sweep runs within the memory blocks: grid x holding periods x stops
    assert document["sweeps"]["tiny"]["n_configs"] == 3 * 2 * 2 * 2 * 2 * 2
    assert [row["variant"] for row in document["strategies"]["hybrid"]["ablation"]] == [
        "base", "holding_period", "vol_target", "stops", "holding_period+vol_target", "holding_period+vol_target+stops",
    ]
