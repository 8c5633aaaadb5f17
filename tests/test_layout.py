"""The package's imports point down the stages only (see reportgen/__init__.py)."""

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
    "publish": {"inputs", "analysis", "model", "results", "publish"},
    "scaffold": {"inputs", "scaffold"},
}
TOP = {
    "pipeline", "backtests", "robustness", "portfolio_report", "portfolio_tasks", "portfolio_document", "ablation", "report_document",
    "build_cache",
    "preview", "cli", "__main__", "__init__",
}


def _stage(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _imported_stages(path: Path) -> set[str]:
    """The reportgen stages `path` imports (module level and inside functions alike)."""
    stages = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "reportgen" and len(parts) > 1 and parts[1] != "__version__":
                stages.add(parts[1])
    return stages


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_bundled" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_stages(path):
    stage = _stage(path)
    if stage in TOP:
        assert not ({"pipeline", "cli", "preview"} & _imported_stages(path)) or stage in {"cli", "preview", "__main__"}
        return
    assert stage in ALLOWED, f"{path}: not in a known stage; add it to reportgen/__init__.py's layout"
    upward = _imported_stages(path) - ALLOWED[stage]
    assert not upward, f"{path.relative_to(PACKAGE)} ({stage}) imports {sorted(upward)}"


def test_the_checker_sees_an_upward_import(tmp_path):
    module = tmp_path / "x.py"
    module.write_text("def f():\n    from reportgen.publish import charts\n    import reportgen.results\n")
    assert _imported_stages(module) == {"publish", "results"}


def test_every_stage_says_what_it_holds_and_may_import():
    for stage in ("inputs", "analysis", "model", "compute", "publish", "scaffold"):
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc, stage


def test_no_module_grows_past_about_300_lines_except_known_ones():
    # Modules that predate the layout and are still longer than ~300 lines (each one job):
    known = {"inputs/config.py", "inputs/loaders.py", "publish/charts.py"}
    long = {
        str(p.relative_to(PACKAGE)) for p in _modules() if len(p.read_text(encoding="utf-8").splitlines()) > 320
    }
    assert long <= known, sorted(long - known)
