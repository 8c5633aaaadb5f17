"""The package's layout: imports point down the stages only, no import circle, no module uses
another's private names (see reportgen/__init__.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reportgen"

# What each stage may import from reportgen (besides itself and the package root's __version__).
ALLOWED = {
    "inputs": {"inputs"},
    "analysis": {"inputs", "analysis"},
    "model": {"inputs", "analysis", "model"},  # scores forecasts with analysis.metrics (one AUC)
    "compute": {"compute"},
    "results": {"inputs", "analysis", "model"},
    "evaluation": {"inputs", "analysis", "model", "compute", "results", "evaluation"},
    "publish": {"inputs", "analysis", "model", "results", "compute", "publish"},  # compute.jobs: maps run together
    "scaffold": {"inputs", "analysis", "scaffold"},  # judges a constant attention score as the report does
}
# The top level, which wires the stages: it may import any stage, and no stage imports it.
WIRING = {"pipeline", "cli", "preview", "__main__", "__init__"}
MAX_TOP_LEVEL = 5  # modules at reportgen/'s top level besides __init__.py and __main__.py


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_bundled" not in p.parts)


def _module_name(path: Path) -> str:
    parts = ("reportgen", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p) for p in _modules()}


def _stage(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imported_modules(path: Path) -> set[str]:
    """The reportgen modules `path` imports (module level and inside functions alike):
    `from reportgen.a import b` is reportgen.a.b when that is a module, else reportgen.a."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                modules.add(name if name in MODULES else node.module)
        elif isinstance(node, ast.Import):
            modules.update(a.name for a in node.names)
    return {m for m in modules if m.split(".")[0] == "reportgen" and m != "reportgen"}


def _imported_stages(path: Path) -> set[str]:
    return {m.split(".")[1] for m in _imported_modules(path)}


def test_the_top_level_holds_few_modules():
    top = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert len(top) <= MAX_TOP_LEVEL, top
    assert set(top) <= WIRING | {"results"}, top


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_stages(path):
    stage = _stage(path)
    imported = _imported_stages(path)
    if stage in WIRING:
        assert stage in {"cli", "preview", "__main__"} or not ({"cli", "preview"} & imported), path
        return
    assert stage in ALLOWED, f"{path}: not in a known stage; add it to reportgen/__init__.py's layout"
    upward = imported - ALLOWED[stage]
    assert not upward, f"{path.relative_to(PACKAGE)} ({stage}) imports {sorted(upward)}"


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of more than one module (Tarjan), sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_import_circle():
    graph = {_module_name(p): _imported_modules(p) - {_module_name(p)} for p in _modules()}
    assert _circles(graph) == []


def test_the_circle_finder_sees_a_circle_through_a_function_level_import():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def _private_uses(text: str, own: str) -> list[str]:
    """Underscore names of another reportgen module that module `own` (source `text`) imports or
    reads as attributes."""
    tree = ast.parse(text)
    modules, uses = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reportgen") and node.module != own:
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    uses.append(f"{node.module}.{alias.name}")
                if f"{node.module}.{alias.name}" in MODULES:
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("reportgen.") and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
            and node.attr.startswith("_") and not node.attr.startswith("__")
        ):
            uses.append(f"{modules[node.value.id]}.{node.attr}")
    return sorted(set(uses))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_uses_another_modules_private_names(path):
    assert _private_uses(path.read_text(encoding="utf-8"), _module_name(path)) == []


def test_the_checkers_see_upward_imports_and_private_names(tmp_path):
    module = tmp_path / "x.py"
    module.write_text(
        "def f():\n    from reportgen.publish import charts\n    import reportgen.results\n"
        "from reportgen.analysis import metrics\nfrom reportgen.inputs.loaders import _x\nmetrics._number(1)\n"
    )
    assert _imported_stages(module) == {"publish", "results", "analysis", "inputs"}
    assert _private_uses(module.read_text(), "reportgen.publish.x") == [
        "reportgen.analysis.metrics._number", "reportgen.inputs.loaders._x",
    ]


def test_every_stage_says_what_it_holds_and_may_import():
    for stage in ("inputs", "analysis", "model", "compute", "evaluation", "publish", "scaffold"):
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc, stage


def test_no_module_grows_past_about_300_lines_except_known_ones():
    # Modules that predate the layout and are still longer than ~300 lines (each one job):
    known = {"inputs/config.py", "inputs/loaders.py", "publish/charts.py"}
    long = {
        str(p.relative_to(PACKAGE)) for p in _modules() if len(p.read_text(encoding="utf-8").splitlines()) > 320
    }
    assert long <= known, sorted(long - known)
