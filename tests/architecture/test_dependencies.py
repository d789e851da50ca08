"""Dependencies point one way (ARCHITECTURE.md, "Where a new thing goes"):

- no service imports another service (they talk through the gateway and events);
- no two modules import each other, directly or round a loop, counting every import, function-level
  ones included (a function-level import is how a cycle hides);
- inside a service, no two feature packages (its sub-directories) import each other, directly or
  round a loop; a table may name another feature's table (imports of a `models` module don't count),
  and a use case spanning features lives in the service's `flows.py`, which is no feature;
- the gateway's hub knows none of its consumers: they register with it (services/gateway/main.py).
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at any depth of the file (absolute imports only)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_graph() -> dict[str, set[str]]:
    """Module -> the modules of `services` and `shared` it imports (an imported name resolves to the
    longest module path it starts with; migrations are history and left out)."""
    files = {}
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "shared").rglob("*.py")]:
        rel = path.relative_to(ROOT).with_suffix("")
        if "migrations" in rel.parts:
            continue
        name = ".".join(rel.parts).removesuffix(".__init__")
        files[name] = path
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in files.items():
        for imported in imports_of(path):
            parts = imported.split(".")
            for k in range(len(parts), 0, -1):
                target = ".".join(parts[:k])
                if target in files:
                    if target != name and not name.startswith(target + "."):  # a package's own __init__
                        graph[name].add(target)
                    break
    return graph


def package_imports(service: str, package: str) -> set[str]:
    """The feature packages of `service` that `package`'s modules import."""
    prefix = f"services.{service}."
    return {t[len(prefix):].split(".")[0] for m, targets in module_graph().items()
            if m.startswith(f"{prefix}{package}.") for t in targets if t.startswith(prefix)} - {package}


def feature_graph(service: str) -> dict[str, set[str]]:
    """Feature package -> the feature packages of the same service whose non-model modules it imports."""
    prefix = f"services.{service}."
    base = ROOT / "services" / service
    features = {p.name for p in base.iterdir() if (p / "__init__.py").exists()} - {"migrations", "flows"}
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in module_graph().items():
        if not module.startswith(prefix) or module[len(prefix):].split(".")[0] not in features:
            continue
        here = module[len(prefix):].split(".")[0]
        for t in targets:
            there = t[len(prefix):].split(".")[0] if t.startswith(prefix) else None
            if there in features and there != here and not t.endswith(".models"):
                graph[here].add(there)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service):
    others = {f"services.{s}" for s in SERVICES if s != service}
    found = [f"{p.relative_to(ROOT)}: {n}" for p in sorted((ROOT / "services" / service).rglob("*.py"))
             for n in sorted(imports_of(p)) if ".".join(n.split(".")[:2]) in others]
    assert found == []


def test_no_import_cycle():
    assert cycles(module_graph()) == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_two_features_import_each_other(service):
    assert cycles(feature_graph(service)) == []


def test_the_hub_knows_no_consumer():
    assert package_imports("gateway", "hub") & {"handoff", "webhook", "timeline", "calendar"} == set()


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a two-package loop and a three-package loop are both reported."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}) == [
        ["a", "b"], ["c", "d", "e"]]
