"""The command line: exit codes and one-line errors, run as a user would."""

import os
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
