"""Write the documentation's generated files from the code: the config reference and the JSON
Schema (from the pydantic models) and the CLI reference (from the click commands).

    python docs/generate.py           # write them
    python docs/generate.py --check   # exit 1 naming each file that differs (tests/test_docs.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

from reportgen.cli import cli
from reportgen.scaffold.cli_reference import cli_reference
from reportgen.scaffold.schema import SCHEMA_FILE, config_reference, config_schema, schema_text

PAGES = Path(__file__).resolve().parent / "pages"


def generated_files() -> dict[Path, str]:
    schema = config_schema()
    return {
        PAGES / SCHEMA_FILE: schema_text(schema),
        PAGES / "reference" / "config.md": config_reference(schema),
        PAGES / "reference" / "cli.md": cli_reference(cli),
    }


def stale_files() -> list[Path]:
    return [path for path, text in generated_files().items() if not path.is_file() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        stale = stale_files()
        for path in stale:
            print(f"{path}: differs from what the code generates; run python docs/generate.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in generated_files().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
