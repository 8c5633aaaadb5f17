"""The command line: exit codes and one-line errors, run as a user would."""

import os
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


def reportgen(*args, cwd: Path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_help(tmp_path):
    result = reportgen("--help", cwd=tmp_path)
    assert result.returncode == 0 and "build" in result.stdout


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda p: (p / "prices.csv").unlink(), "prices.csv: file not found"),
        (lambda p: (p / "reportgen.toml").write_text((p / "reportgen.toml").read_text() + "\n[extra]\n"), "extra: unknown key"),
        (lambda p: (p / "prices.csv").write_text("Date,Close\n2024-01-02,1\n"), "no price column 'Adjusted_close'; columns found: 'Date', 'Close'"),
        (
            lambda p: (p / "reportgen.toml").write_text((p / "reportgen.toml").read_text().replace('prices = "prices.csv"', 'prices = "prices.csv"\nepisodes = "crises.csv"')),
            "crises.csv: file not found",
        ),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(tiny_project, edit, expected):
    edit(tiny_project)
    result = reportgen("build", "--config", "reportgen.toml", cwd=tiny_project)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and expected in lines[-1]
    assert "Traceback" not in result.stderr
    assert not (tiny_project / "site").exists()


def test_unknown_option_is_a_user_error(tmp_path):
    result = reportgen("build", "--nope", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr == "error: No such option '--nope'. (see reportgen --help)\n"


def test_build_then_strict_reports_warnings(tiny_project):
    result = reportgen("build", "--config", "reportgen.toml", cwd=tiny_project)
    assert result.returncode == 0, result.stderr
    assert "built 2 strategies" in result.stderr
    assert (tiny_project / "site" / "index.html").is_file()
    # a threshold no prediction exceeds: the strategy never trades, which --strict refuses
    config = tiny_project / "reportgen.toml"
    config.write_text(config.read_text().replace('id = "sized"', 'id = "sized"\nthreshold = 0.99'))
    result = reportgen("build", "--config", "reportgen.toml", "--strict", cwd=tiny_project)
    assert result.returncode == 1
    assert "strategy 'sized' never trades" in result.stderr


# Runs the CLI as on a machine without torch: importing torch fails; prints whether it was ever loaded.
BLOCK_TORCH = """
import sys

class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError("No module named 'torch'", name="torch")

sys.meta_path.insert(0, NoTorch())
from reportgen.cli import main
main(sys.argv[1:])
print("torch loaded" if "torch" in sys.modules else "torch never loaded")
"""

TRAIN_CONFIG = """
[data]
prices = "prices.csv"
volume_column = "Volume"

[training]
lookback = 4
hidden_size = 3
epochs = 2
patience = 1
batch_size = 16
min_train = 260
refit_every = 30
validation_days = 20
output = "out/predictions.csv"
"""


def test_train_without_torch_is_a_one_line_user_error(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", BLOCK_TORCH, "train"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert result.stderr == (
        "error: reportgen train needs PyTorch: pip install torch==2.13.0 (or pip install 'reportgen[model]')\n"
    )


def test_build_never_imports_torch(tiny_project):
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_TORCH, "build", "--config", "reportgen.toml"],
        cwd=tiny_project, capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "torch never loaded\n"
    assert (tiny_project / "site" / "index.html").is_file()


def test_train_writes_the_same_bytes_twice_from_a_train_only_config(tmp_path):
    pytest.importorskip("torch")
    from conftest import ohlcv, write_ohlcv

    write_ohlcv(tmp_path / "prices.csv", ohlcv(300))
    (tmp_path / "train.toml").write_text(TRAIN_CONFIG)
    first = reportgen("train", "--config", "train.toml", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "wrote 41 forecasts from 2 folds" in first.stderr
    second = reportgen("train", "--config", "train.toml", "--out", "again.csv", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "out/predictions.csv").read_bytes()
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "out/predictions.json").read_bytes()


def test_train_config_errors_are_named(tmp_path):
    (tmp_path / "train.toml").write_text(TRAIN_CONFIG.replace("epochs = 2", "epochz = 2"))
    result = reportgen("train", "--config", "train.toml", cwd=tmp_path)
    if "needs PyTorch" in result.stderr:
        pytest.skip("torch not installed")
    assert result.returncode == 2
    assert result.stderr.strip().endswith("train.toml: training.epochz: unknown key (did you mean 'epochs'?)")
def test_strict_lets_expected_warnings_through_and_flags_stale_ones(tiny_project):
    config = tiny_project / "reportgen.toml"
    never = config.read_text().replace('id = "sized"', 'id = "sized"\nthreshold = 0.99')
    config.write_text(never.replace('title = "Tiny report"', 'title = "Tiny report"\nexpected_warnings = ["strategy * never trades"]'))
    result = reportgen("build", "--config", "reportgen.toml", "--strict", cwd=tiny_project)
    assert result.returncode == 0, result.stderr
    assert "warning: strategy 'sized' never trades" in result.stderr
    assert "--strict: 1 warning(s), all listed in [site] expected_warnings" in result.stderr
    # the finding goes away: the stale entry fails --strict, so that the config is kept honest
    config.write_text(config.read_text().replace("threshold = 0.99", "threshold = 0.5"))
    result = reportgen("build", "--config", "reportgen.toml", "--strict", cwd=tiny_project)
    assert result.returncode == 1
    assert "expected warning did not occur: 'strategy * never trades'" in result.stderr


def test_docs_dir_must_lie_outside_the_site(tiny_project):
    result = reportgen("build", "--config", "reportgen.toml", "--docs-dir", "site/gen", cwd=tiny_project)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == "error: site/gen: the docs folder must lie outside the site folder and not contain it"


def test_serve_help_names_its_options(tmp_path):
    result = reportgen("serve", "--help", cwd=tmp_path)
    assert result.returncode == 0 and "--port" in result.stdout and "--config" in result.stdout
    result = reportgen("serve", "--port", "70000", cwd=tmp_path)
    assert result.returncode == 2 and "70000 is not in the range 0<=x<=65535" in result.stderr


def test_strict_counts_every_warning_and_the_report_states_each_correction(tiny_project):
    prices = (tiny_project / "prices.csv").read_text().splitlines()
    prices[3], prices[4] = prices[4], prices[3]  # two dates out of order
    del prices[100]  # a prediction date without a price (2021-05-21)
    (tiny_project / "prices.csv").write_text("\n".join(prices) + "\n")
    (tiny_project / "mkdocs.yml").write_text((REPO / "mkdocs.yml").read_text() + "foo: 1\n")
    config = tiny_project / "reportgen.toml"
    config.write_text(config.read_text().replace('id = "sized"', 'id = "sized"\nthreshold = 0.99'))
    result = reportgen("build", "--config", "reportgen.toml", "--strict", cwd=tiny_project)
    assert result.returncode == 1, result.stderr
    listed = result.stderr[result.stderr.index("error: --strict: 4 warning(s):"):].splitlines()[1:]
    assert listed == [
        f"  - {tiny_project / 'prices.csv'}: dates were not in order; sorted them",
        f"  - {tiny_project / 'predictions.csv'}: 1 prediction dates had no price and took the previous close (first: 2021-05-21)",
        "  - mkdocs: Config value 'foo': Unrecognised configuration name: foo",
        "  - strategy 'sized' never trades",
    ]
    methodology = (tiny_project / "site" / "methodology.html").read_text()
    assert "What reportgen corrected in the inputs" in methodology
    assert "<li>prices.csv: dates were not in order; sorted them</li>" in methodology
    assert "predictions.csv: 1 prediction dates had no price and took the previous close (first: 2021-05-21)" in methodology


def test_without_config_build_reads_reportgen_toml_in_the_current_folder(tmp_path):
    (tmp_path / "reportgen.toml").write_text('[backtest]\nfeez = 0.1\n')
    result = reportgen("build", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"error: {tmp_path.resolve() / 'reportgen.toml'}: backtest.feez: unknown key (did you mean 'fees'?); "
        "models: required key missing\n"
    )


def test_schema_prints_json_and_init_refuses_half_its_inputs(tmp_path):
    import json

    schema = reportgen("schema", cwd=tmp_path)
    assert schema.returncode == 0 and json.loads(schema.stdout)["title"] == "reportgen configuration"
    result = reportgen("init", "x", "--prices", "p.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: --prices and --predictions: give both, or neither for the example project (see reportgen --help)\n"
    assert not (tmp_path / "x").exists()


def test_the_command_ends_at_once_after_its_exit_handlers_with_its_exit_code(tmp_path):
    # reportgen.__main__.run: the exit handlers run and the output is flushed before the process
    # ends without tearing its objects down; the exit code is the command's.
    marker = tmp_path / "exit-handlers-ran"
    script = (
        "import atexit, sys\nfrom pathlib import Path\nfrom reportgen.__main__ import run\n"
        f"atexit.register(lambda: Path({str(marker)!r}).write_text('yes'))\n"
        "sys.argv = ['reportgen', *sys.argv[1:]]\nrun()\n"
    )
    printed = subprocess.run([sys.executable, "-c", script, "schema"], capture_output=True, text=True)
    assert printed.returncode == 0 and json.loads(printed.stdout)["title"] and marker.read_text() == "yes"
    marker.unlink()
    failed = subprocess.run([sys.executable, "-c", script, "build", "--config", str(tmp_path / "none.toml")], capture_output=True, text=True)
    assert failed.returncode == 2 and failed.stderr.startswith("error:") and "none.toml" in failed.stderr
    assert marker.read_text() == "yes"
    said = subprocess.run([sys.executable, "-c", script.replace("run()", "import reportgen.__main__ as m\nm.main = lambda argv: sys.exit('stopped')\nm.run()"), "x"],
                          capture_output=True, text=True)
    assert said.returncode == 1 and said.stderr == "stopped\n"
