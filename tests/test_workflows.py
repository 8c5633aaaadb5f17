"""The GitHub Actions workflows are valid YAML and run the README's commands."""

import re
import shlex

import yaml

from conftest import REPO


def readme_commands() -> list[str]:
    """Every shell command in the README's bash blocks (split at `&&` and line ends)."""
    blocks = re.findall(r"```bash\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    commands = []
    for line in "\n".join(blocks).splitlines():
        line = line.split(" #")[0].strip()
        commands += [part.strip() for part in line.split("&&") if part.strip()]
    return commands


def run_steps(workflow: dict) -> list[str]:
    return [
        line.strip()
        for job in workflow["jobs"].values()
        for step in job["steps"]
        for line in step.get("run", "").splitlines()
        if line.strip()
    ]


def uses(workflow: dict) -> dict[str, dict]:
    return {
        step["uses"].split("@")[0]: step.get("with", {})
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if "uses" in step
    }


def load(name: str) -> dict:
    workflow = yaml.safe_load((REPO / ".github/workflows" / name).read_text())
    assert isinstance(workflow, dict) and workflow["jobs"]
    return workflow


def test_report_workflow_builds_strictly_and_publishes_the_site():
    workflow = load("report.yml")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert "push" in triggers
    commands = run_steps(workflow)
    for command in ("pip install -c constraints.txt -e .", "reportgen build --strict"):
        assert command in readme_commands(), command
        assert command in commands, command
    assert commands.index("pip install -c constraints.txt -e .") < commands.index("reportgen build --strict")
    steps = uses(workflow)
    assert steps["actions/upload-pages-artifact"]["path"].rstrip("/") == "site"
    assert "actions/deploy-pages" in steps
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and "default_branch" in deploy["if"]


def test_ci_workflow_runs_the_readme_test_command():
    workflow = load("ci.yml")
    assert run_steps(workflow) == ["bash .ci/run"]
    ci_run = (REPO / ".ci/run").read_text()
    test_command = next(c for c in readme_commands() if "pytest" in c)
    install = next(c for c in readme_commands() if ".[test" in c)
    assert f"{install} && {test_command}" in ci_run.replace("pip install -q ", "pip install ")
    assert shlex.split(test_command) == ["python", "-m", "pytest"]


def test_the_bundled_report_passes_strict_only_through_listed_findings():
    """The repository's workflow runs --strict on the bundled report: its warnings must be listed."""
    from reportgen.cli import strict_problems
    from reportgen.inputs.config import load_config
    from reportgen.pipeline import report

    config = load_config(REPO / "pyproject.toml")
    warnings = report(config).warnings
    assert len(warnings) == 2
    assert strict_problems(warnings, config.site.expected_warnings) == []
    assert strict_problems(warnings, []) == warnings


def test_the_example_universe_report_is_built_by_ci_and_published_beside_the_main_report():
    command = "reportgen build --strict --config examples/universe/reportgen.toml"
    assert command in readme_commands()
    published = [c for c in run_steps(load("report.yml")) if c.startswith(command)]
    assert published == [command + " --site-dir site/universe"]
    assert "python -m " + command in (REPO / ".ci/run").read_text()


def test_the_docs_are_checked_built_strictly_and_published_beside_the_reports():
    commands = run_steps(load("report.yml"))
    check, build = "python docs/generate.py --check", 'mkdocs build --strict -f docs/mkdocs.yml -d "$PWD/site/docs"'
    universe = next(i for i, c in enumerate(commands) if "examples/universe" in c)
    assert universe < commands.index(check) < commands.index(build)
    assert "mkdocs build --strict -f docs/mkdocs.yml" in readme_commands()
