from pathlib import Path

import pytest

from reportgen.inputs.config import load_config
from reportgen.inputs.errors import ConfigError

from conftest import REPO, TINY_CONFIG


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reportgen.toml"
    path.write_text(text)
    return path


def test_defaults_and_paths_relative_to_the_config_file(tmp_path):
    config = load_config(write(tmp_path, TINY_CONFIG))
    assert config.data.prices == (tmp_path / "prices.csv").resolve()
    assert config.models[0].predictions == (tmp_path / "predictions.csv").resolve()
    assert config.data.date_column == "Date" and config.data.price_column == "Adjusted_close"
    assert config.backtest.periods_per_year == 252 and config.backtest.fees == 0.001
    assert config.models[0].attention_column == "attention_mean"
    signal = config.strategies[0]
    assert (signal.threshold, signal.sizing, signal.size_type, signal.attention_threshold) == (0.5, "full", "percent", None)


def test_bundled_config_is_read_from_pyproject(monkeypatch):
    monkeypatch.chdir(REPO)
    config = load_config()
    assert [s.id for s in config.strategies] == [
        "notebook_replica", "att_lstm_signal", "attention_sized", "attention_filtered", "hybrid", "hybrid_attention_sized",
        "att_lstm_wf_signal", "att_lstm_wf_attention_sized", "att_lstm_wf_hybrid", "att_lstm_wf_hybrid_attention_sized",
    ]
    hybrids = [s for s in config.strategies if "hybrid" in s.id]
    assert {(s.min_hold_days, s.vol_target, s.vol_window_days, s.stop_loss) for s in hybrids} == {(3, 0.15, 21, 0.05)}
    assert [s.sizing for s in hybrids] == ["full", "attention"] * 2
    assert (config.sweep.min_hold_days, config.sweep.vol_targets, config.sweep.stop_losses) == ([1], [0], [0])
    assert [m.id for m in config.models] == ["notebook_att_lstm", "att_lstm"]
    assert config.models[1].attention_column == "attention_max"
    assert config.strategies[0].size_type == "amount"
    assert config.strategies[3].attention_threshold == 0.15


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    text = TINY_CONFIG.replace('sizing = "attention"', 'sizing = "attention"\ntreshold = 0.6')
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert str(error.value) == f"{tmp_path / 'reportgen.toml'}: strategies[1].treshold: unknown key (did you mean 'threshold'?)"


def test_all_problems_are_reported_together(tmp_path):
    text = TINY_CONFIG.replace("fees = 0.001", "fees = -1\nfoo = 1").replace('model = "tiny"\nsizing', 'model = "tiny"\nthreshold = 2\nsizing')
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    message = str(error.value)
    assert "backtest.fees: Input should be greater than or equal to 0 (received -1)" in message
    assert "backtest.foo: unknown key" in message
    assert "strategies[1].threshold: Input should be less than or equal to 1 (received 2)" in message


def test_strategy_naming_an_unknown_model_and_duplicate_ids(tmp_path):
    text = TINY_CONFIG.replace('id = "sized"', 'id = "signal"').replace('model = "tiny"\nsizing', 'model = "nope"\nsizing')
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert "strategies: duplicate id 'signal'" in str(error.value)
    assert "strategies[1].model: unknown model 'nope'; expected one of ['tiny']" in str(error.value)


def test_bad_choice_lists_the_expected_values(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, TINY_CONFIG.replace('sizing = "attention"', 'sizing = "kelly"')))
    assert "strategies[1].sizing: Input should be 'full' or 'attention' (received 'kelly')" in str(error.value)


def test_toml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, "[data]\nprices = \n"))
    assert "invalid TOML" in str(error.value) and "line 2" in str(error.value)


def test_missing_file_and_missing_table(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    with pytest.raises(ConfigError, match=r"no \[tool.reportgen\] table"):
        load_config()


def test_sweep_and_statistics_defaults_and_errors(tmp_path):
    config = load_config(write(tmp_path, TINY_CONFIG))
    assert config.sweep.thresholds[0] == 0.4 and config.sweep.thresholds[-1] == 0.6 and len(config.sweep.thresholds) == 21
    assert config.sweep.fees_bps == [0, 5, 10, 25, 50] and config.sweep.execution_lag_days == 1
    assert config.statistics.bootstrap_resamples == 1000 and config.statistics.confidence == 0.95
    assert config.data.episodes is None
    text = TINY_CONFIG + '\n[sweep]\nthresholds = [0.5, 1.5]\nsize_scale = [1]\n'
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert "sweep.thresholds[1]: Input should be less than or equal to 1 (received 1.5)" in str(error.value)
    assert "sweep.size_scale: unknown key (did you mean 'size_scales'?)" in str(error.value)
    with pytest.raises(ConfigError, match="sweep: fees_bps: a value appears twice"):
        load_config(write(tmp_path, TINY_CONFIG + "\n[sweep]\nfees_bps = [0, 10, 10]\n"))


def test_episodes_path_is_relative_to_the_config(tmp_path):
    text = TINY_CONFIG.replace('prices = "prices.csv"', 'prices = "prices.csv"\nepisodes = "my_episodes.csv"')
    assert load_config(write(tmp_path, text)).data.episodes == (tmp_path / "my_episodes.csv").resolve()
