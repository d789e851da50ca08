"""The layers: `shared/` (the library) imports neither `services` nor `devtools`; `services/` never
imports `devtools` (dev-only tooling: not in the image)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"shared": ("services", "devtools"), "services": ("devtools",)}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(package):
    found = [f"{path.relative_to(ROOT)}: {name}"
             for path in sorted((ROOT / package).rglob("*.py"))
             for name in sorted(imported_modules(path))
             if name.split(".")[0] in FORBIDDEN[package]]
    assert found == []
