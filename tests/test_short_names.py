"""short_name (legends, navigation) and caveats (atop every page) in the config."""

from pathlib import Path

import pytest

from reportgen.inputs.config import SHORT_NAME_CHARS, load_config, short_names
from reportgen.inputs.errors import ConfigError

from conftest import TINY_CONFIG


def test_a_short_name_is_the_whole_name_or_its_shortest_unique_prefix():
    names = short_names(
        [
            ("hybrid", "Hybrid: held 3 days, 15 % vol target, 5 % stop", None),
            ("hybrid5", "Hybrid: held 5 days, 10 % vol target, 2 % stop", None),
            ("signal", "ATT-LSTM signal, full size", None),  # short enough: kept whole
            ("set", "Walk-forward ATT-LSTM, attention-sized", "WF attention-sized"),  # configured: kept
            ("long", "An unbroken name far longer than a legend can show", None),  # no break: the id
        ]
    )
    assert names == ["Hybrid: held 3 days", "Hybrid: held 5 days", "ATT-LSTM signal, full size", "WF attention-sized", "long"]
    assert all(len(n) <= SHORT_NAME_CHARS for n in names)


def test_a_unique_long_name_is_cut_at_its_first_break():
    assert short_names([("h", "Hybrid: held 3 days, 15 % vol target, 5 % stop", None), ("s", "Signal", None)]) == ["Hybrid", "Signal"]


def test_the_config_fills_short_names_and_gathers_caveats(tmp_path: Path):
    text = TINY_CONFIG.replace('name = "Sized"', 'name = "Sized by attention, capped at one unit of cash"')
    text = text.replace('title = "Tiny report"', 'title = "Tiny report"\ncaveats = ["Prices are simulated."]')
    (tmp_path / "reportgen.toml").write_text(text)
    config = load_config(tmp_path / "reportgen.toml")
    assert [s.short_name for s in config.strategies] == ["Signal", "Sized by attention"]
    assert [s.name for s in config.strategies][1] == "Sized by attention, capped at one unit of cash"
    assert config.caveats == ["Prices are simulated."]


def test_a_short_name_longer_than_forty_characters_is_refused(tmp_path: Path):
    (tmp_path / "reportgen.toml").write_text(TINY_CONFIG.replace('name = "Sized"', 'name = "Sized"\nshort_name = "' + "x" * 41 + '"'))
    with pytest.raises(ConfigError, match=r"strategies\[1\]\.short_name: String should have at most 40 characters"):
        load_config(tmp_path / "reportgen.toml")
