"""SQL lives in repositories (STYLE.md): a service's queries are written in its feature packages'
`repository.py` (or `repository_*.py`) modules, whose functions take the session and return rows or
values; use cases, routers, jobs and event handlers call them. Table definitions (`models.py`) and
migrations may name SQL (indexes, constraints); `shared/` is the library underneath and is not checked.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQL_MODULES = ("sqlalchemy", "sqlmodel")
STATEMENTS = {"select", "update", "delete", "insert", "text", "union", "union_all", "exists", "tuple_"}
SESSION_CALLS = {"execute", "exec", "scalar", "scalars", "get", "merge", "bulk_save_objects"}


def sql_imported(tree: ast.Module) -> set[str]:
    """The local names a module binds to SQLAlchemy/SQLModel statement builders."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in SQL_MODULES:
            names.update(a.asname or a.name for a in node.names if a.name in STATEMENTS)
    return names


def session_like(node: ast.expr) -> bool:
    """`session`, `s`, `ctx.session`, `self.session`, `db_session`, ...: what a unit of work is called here."""
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return name in {"s", "session", "db_session", "sess", "conn", "connection"}


def session_named(node: ast.expr) -> bool:
    """`session.get(Model, key)`, not `s.get(key, default)` of a dict."""
    return (isinstance(node, ast.Attribute) and node.attr == "session") or (
        isinstance(node, ast.Name) and node.id in {"session", "db_session"})


def sql_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    builders = sql_imported(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in builders:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {f.id}(...)")
        elif (isinstance(f, ast.Attribute) and f.attr in SESSION_CALLS and session_like(f.value)
              and not (f.attr == "get" and (len(node.args) < 2 or not session_named(f.value)))):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{f.attr}(...)")
    return found


def checked_modules() -> list[Path]:
    out = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        rel = path.relative_to(ROOT / "services")
        if "migrations" in rel.parts or path.name == "models.py" or path.stem.startswith("repository"):
            continue
        out.append(path)
    return out


def test_no_sql_outside_repositories():
    found = [hit for path in checked_modules() for hit in sql_in(path)]
    assert found == []


def test_the_check_sees_sql(tmp_path):
    """The check above can fail: a query built and run in a use case is reported."""
    sample = ROOT / "services" / "_sample_use_case.py"
    sample.write_text("from sqlalchemy import select\n\n"
                      "def f(session, T):\n    return session.execute(select(T)).all(), session.get(T, 1)\n",
                      encoding="utf-8")
    try:
        assert sorted(h.split(" ", 1)[1] for h in sql_in(sample)) == [".execute(...)", ".get(...)", "select(...)"]
    finally:
        sample.unlink()
