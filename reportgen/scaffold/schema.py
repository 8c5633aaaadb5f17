"""The JSON Schema of a reportgen config, from its pydantic models, and the markdown reference
generated from that schema: one source (the models' Field descriptions), so neither can drift.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from reportgen.inputs.config import Config

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "reportgen.schema.json"


class _WithFactoryDefaults(GenerateJsonSchema):
    """Pydantic leaves a `default_factory`'s value out of the schema; an editor should show it."""

    def default_schema(self, schema):
        factory = schema.get("default_factory")
        if factory is not None and not schema.get("default_factory_takes_data"):
            schema = {**{k: v for k, v in schema.items() if k != "default_factory"}, "default": factory()}
        return super().default_schema(schema)


def config_schema(model: type[BaseModel] = Config) -> dict[str, Any]:
    """The JSON Schema of a reportgen TOML file: every table and key with its title, description,
    default, allowed values and bounds. Fields the loader sets itself (exclude=True) are left out."""

    schema = model.model_json_schema(schema_generator=_WithFactoryDefaults)
    for name, field in model.model_fields.items():
        if field.exclude:
            schema["properties"].pop(name, None)
            if name in schema.get("required", []):
                schema["required"].remove(name)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "reportgen configuration",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def schema_text(schema: dict[str, Any]) -> str:
    """The schema as the file the repository keeps and `reportgen init` writes."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


# --- the markdown reference ------------------------------------------------------------------


def _resolved(node: dict, defs: dict) -> dict:
    if "$ref" in node:
        return defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _table_of(node: dict, defs: dict) -> tuple[dict | None, bool]:
    """(the object schema a key holds, whether it is an array of them) or (None, False)."""
    options = node.get("anyOf", [node])
    for option in options:
        if "$ref" in option:
            return _resolved(option, defs), False
        if option.get("type") == "array" and "$ref" in option.get("items", {}):
            return _resolved(option["items"], defs), True
    return None, False


def _type_name(node: dict) -> str:
    if "enum" in node:
        return " or ".join(json.dumps(v) for v in node["enum"])
    if "const" in node:
        return json.dumps(node["const"])
    if "anyOf" in node:
        names = [_type_name(option) for option in node["anyOf"] if option.get("type") != "null"]
        return " or ".join(names)
    kind = node.get("type", "any")
    if node.get("format") == "path":
        return "path"
    if kind == "array":
        return f"list of {_type_name(node.get('items', {}))}"
    return {"number": "number", "integer": "integer", "string": "string", "boolean": "boolean"}.get(kind, kind)


BOUNDS = (
    ("minimum", "at least {}"), ("exclusiveMinimum", "more than {}"), ("maximum", "at most {}"), ("exclusiveMaximum", "less than {}"),
    ("minItems", "at least {} items"), ("minLength", "at least {} characters"), ("pattern", "matches `{}`"),
)


def _bounds(node: dict) -> list[str]:
    found = [text.format(node[key]) for key, text in BOUNDS if key in node]
    for option in node.get("anyOf", []):
        found += _bounds(option)
    if node.get("type") == "array":
        found += [f"each {b}" for b in _bounds(node.get("items", {}))]
    return found


def _default(node: dict, required: bool) -> str:
    if required:
        return "required"
    if "default" not in node:
        return "none"
    value = node["default"]
    if value is None:
        return "not set"
    if isinstance(value, dict):
        return "see below"
    return f"`{json.dumps(value)}`"


def _cell(text: str) -> str:
    """Text for a table cell: pipes escaped, and `<`, `>` outside code spans (markdown would read
    `<id>` as an HTML tag)."""
    parts = re.split(r"(`[^`]*`)", text.replace("\n", " "))
    escaped = [p if p.startswith("`") else p.replace("<", "&lt;").replace(">", "&gt;") for p in parts]
    return "".join(escaped).replace("|", "\\|")


def _key_rows(table: dict) -> list[str]:
    required = set(table.get("required", []))
    rows = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    for key, node in table.get("properties", {}).items():
        bounds = _bounds(node)
        description = node.get("description", "") + (f" ({'; '.join(bounds)})" if bounds else "")
        rows.append(
            f"| `{key}` | {_cell(_type_name(node))} | {_cell(_default(node, key in required))} | {_cell(description)} |"
        )
    return rows


def config_reference(schema: dict[str, Any]) -> str:
    """Markdown: one section per table of the config (`[data]`, `[[strategies]]`, ...) with every
    key's type, default, bounds and description; keys that hold no table are listed first."""
    defs = schema.get("$defs", {})
    lines = [
        "# Config reference",
        "",
        "<!-- Generated by `python docs/generate.py` from `reportgen schema`: do not edit. -->",
        "",
        "A reportgen config is a TOML file (`reportgen.toml`) or the `[tool.reportgen]` table of",
        "`pyproject.toml`. Unknown keys are errors (with a did-you-mean), and every problem is",
        "reported at once. Paths are relative to the file that names them. The same information,",
        f"as a JSON Schema for editors, is [`{SCHEMA_FILE}`](../{SCHEMA_FILE}) (`reportgen schema`).",
        "",
    ]
    plain = {k: v for k, v in schema["properties"].items() if _table_of(v, defs)[0] is None}
    if plain:
        lines += ["## Top-level keys", "", *_key_rows({"properties": plain, "required": schema.get("required", [])}), ""]
    for key, node in schema["properties"].items():
        table, many = _table_of(node, defs)
        if table is None:
            continue
        heading = f"[[{key}]]" if many else f"[{key}]"
        required = key in schema.get("required", [])
        lines += [f"## `{heading}`", ""]
        about, field = table.get("description"), node.get("description")
        lines += [" ".join((about or field).split()), ""] if about or field else []
        status = "Required." if required else "Optional."
        lines += [f"{status} {field}" if about and field else status, ""]
        lines += _key_rows(table) + [""]
        for sub_key, sub_node in table.get("properties", {}).items():
            sub_table, sub_many = _table_of(sub_node, defs)
            if sub_table is None:
                continue
            sub_heading = f"[[{key}.{sub_key}]]" if sub_many else f"[{key}.{sub_key}]"
            lines += [f"### `{sub_heading}`", ""]
            if sub_table.get("description"):
                lines += [" ".join(sub_table["description"].split()), ""]
            lines += _key_rows(sub_table) + [""]
    return "\n".join(lines).rstrip() + "\n"


def schema_keys(schema: dict[str, Any]) -> list[str]:
    """Every key of the schema as a dotted path (`strategies.threshold`), tables included."""
    defs = schema.get("$defs", {})
    keys = []

    def walk(table: dict, prefix: str, depth: int) -> None:
        for key, node in table.get("properties", {}).items():
            keys.append(prefix + key)
            inner, _ = _table_of(node, defs)
            if inner is not None and depth < 3:
                walk(inner, f"{prefix}{key}.", depth + 1)

    walk(schema, "", 0)
    return keys
