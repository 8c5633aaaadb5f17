"""Compare two metrics.json files exactly: every key, every number to the last bit.

    python benchmarks/compare_metrics.py BEFORE.json AFTER.json [--ignore PREFIX ...]

Prints one line per difference (`path: before -> after`, `path: only before`, `path: only
after`) and exits 1 when there is any outside the ignored prefixes (a path such as
`strategies.x.costs[0].sharpe`; `--ignore strategies.*.downloads` ignores it for every strategy).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from pathlib import Path


def differences(before, after, path: str = "") -> list[str]:
    """Every path where `before` and `after` differ, as lines (floats compared exactly)."""
    if isinstance(before, dict) and isinstance(after, dict):
        lines = []
        for key in dict.fromkeys([*before, *after]):
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                lines.append(f"{where}: only before")
            elif key not in before:
                lines.append(f"{where}: only after")
            else:
                lines += differences(before[key], after[key], where)
        return lines
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{path}: {len(before)} items -> {len(after)} items"]
        return [line for i, (b, a) in enumerate(zip(before, after)) for line in differences(b, a, f"{path}[{i}]")]
    same = type(before) is type(after) and before == after
    return [] if same else [f"{path}: {before!r} -> {after!r}"]


def _ignored(line: str, patterns: list[str]) -> bool:
    where = line.split(":", 1)[0]
    return any(fnmatch.fnmatchcase(where, p) or fnmatch.fnmatchcase(where, p + ".*") or fnmatch.fnmatchcase(where, p + "[[]*")
               for p in patterns)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--ignore", action="append", default=[], help="a path prefix (glob) whose differences are expected")
    args = parser.parse_args(argv)
    load = lambda p: json.loads(p.read_text(encoding="utf-8"))  # noqa: E731
    lines = differences(load(args.before), load(args.after))
    kept = [line for line in lines if not _ignored(line, args.ignore)]
    for line in kept:
        print(line)
    print(f"{len(kept)} differences ({len(lines) - len(kept)} ignored) between {args.before} and {args.after}")
    return 1 if kept else 0


if __name__ == "__main__":
    sys.exit(main())
