"""`reportgen schema`: the JSON Schema of the config, generated from its pydantic models; the
committed copy and the config reference generated from it cannot drift from the models."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib

import jsonschema
import pytest
from pydantic import Field

from conftest import REPO
from reportgen.inputs.config import BacktestConfig, Config
from reportgen.scaffold.schema import config_reference, config_schema, schema_keys, schema_text

COMMITTED = REPO / "docs" / "pages" / "reportgen.schema.json"
REFERENCE = REPO / "docs" / "pages" / "reference" / "config.md"


def test_reportgen_schema_prints_the_committed_schema():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "reportgen", "schema"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == COMMITTED.read_text(encoding="utf-8")
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_carries_descriptions_defaults_enums_and_bounds():
    schema = config_schema()
    defs = schema["$defs"]
    fees = defs["BacktestConfig"]["properties"]["fees"]
    assert (fees["default"], fees["minimum"], fees["exclusiveMaximum"]) == (0.001, 0, 1)
    assert fees["title"] == "Fees" and fees["description"].startswith("Fee per trade")
    assert defs["StrategyConfig"]["properties"]["sizing"]["enum"] == ["full", "attention"]
    assert defs["PortfolioConfig"]["properties"]["rebalance"]["enum"] == ["daily", "weekly", "monthly"]
    # a default_factory's value is in the schema too (pydantic leaves it out by itself)
    assert defs["SweepConfig"]["properties"]["thresholds"]["default"] == [round(0.40 + 0.01 * i, 2) for i in range(21)]
    assert schema["required"] == ["models"]
    assert "source" not in schema["properties"] and "universe_models" not in schema["properties"]
    assert all(d.get("additionalProperties") is False for d in defs.values())  # unknown keys are errors
    undocumented = [k for k in schema_keys(schema) if not _node(schema, k).get("description")]
    assert undocumented == []


def _node(schema: dict, dotted: str) -> dict:
    node, defs = schema, schema["$defs"]
    for part in dotted.split("."):
        if "properties" not in node:
            inner = next(o for o in node.get("anyOf", [node]) if "$ref" in o or "$ref" in o.get("items", {}))
            node = defs[(inner.get("$ref") or inner["items"]["$ref"]).rsplit("/", 1)[-1]]
        node = node["properties"][part]
    return node


def _sections(reference: str) -> dict[str, str]:
    """The reference's sections by heading: `[data]`, `[[strategies]]`, `[[strategies.reference]]`..."""
    parts = re.split(r"^#{2,3} `(\[\[?[\w.]+\]\]?)`$", reference, flags=re.M)
    return {parts[i].strip("[]"): parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_key_of_the_schema_is_in_the_generated_reference():
    schema = config_schema()
    reference = config_reference(schema)
    sections = _sections(reference)
    for key in schema_keys(schema):
        table, _, leaf = key.rpartition(".")
        if table:
            assert f"| `{leaf}` |" in sections[table], key
        else:
            assert key in sections, key
    assert reference == REFERENCE.read_text(encoding="utf-8")


def test_a_key_added_to_a_model_changes_the_schema_and_the_reference():
    class WithSlippage(BacktestConfig):
        slippage_bps: float = Field(2.0, ge=0, le=100, description="Slippage per order, in basis points.")

    class Extended(Config):
        backtest: WithSlippage = Field(WithSlippage(), description="Capital, fees and annualisation of every backtest.")

    schema = config_schema(Extended)
    added = schema["$defs"]["WithSlippage"]["properties"]["slippage_bps"]
    assert (added["default"], added["minimum"], added["maximum"]) == (2.0, 0, 100)
    assert "backtest.slippage_bps" in schema_keys(schema) and "backtest.slippage_bps" not in schema_keys(config_schema())
    reference = config_reference(schema)
    assert "| `slippage_bps` | number | `2.0` | Slippage per order, in basis points. (at least 0; at most 100) |" in _sections(reference)["backtest"]
    assert "slippage_bps" not in REFERENCE.read_text(encoding="utf-8")
    assert schema_text(schema) != COMMITTED.read_text(encoding="utf-8")


@pytest.mark.parametrize("source", ["pyproject.toml", "examples/universe/reportgen.toml"])
def test_the_bundled_configs_validate_against_the_schema(source):
    document = tomllib.loads((REPO / source).read_text(encoding="utf-8"))
    table = document["tool"]["reportgen"] if source == "pyproject.toml" else document
    jsonschema.validate(table, config_schema())


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t["backtest"].update(feez=0.1), "Additional properties are not allowed ('feez' was unexpected)"),
        (lambda t: t["strategies"][0].update(sizing="half"), "'half' is not one of ['full', 'attention']"),
        (lambda t: t["backtest"].update(fees=1.5), "1.5 is greater than or equal to the maximum of 1"),
    ],
)
def test_an_editor_sees_what_the_loader_refuses(edit, message):
    table = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["reportgen"]
    edit(table)
    with pytest.raises(jsonschema.ValidationError) as caught:
        jsonschema.validate(table, config_schema())
    assert caught.value.message == message


def test_the_schema_is_a_valid_draft_2020_12_schema_that_accepts_what_init_writes(tmp_path):
    jsonschema.Draft202012Validator.check_schema(config_schema())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (["init", "one"], ["init", "many", "--universe"]):
        subprocess.run([sys.executable, "-m", "reportgen", *args], cwd=tmp_path, check=True, capture_output=True, env=env)
        folder = tmp_path / args[1]
        schema = json.loads((folder / "reportgen.schema.json").read_text(encoding="utf-8"))
        jsonschema.validate(tomllib.loads((folder / "reportgen.toml").read_text(encoding="utf-8")), schema)
