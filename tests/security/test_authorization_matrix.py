"""The authorization matrix (授权矩阵): every public operation × every role × own and someone else's object,
through the gateway, against `authorization_table.ROWS`.

Each row is one test: every role is asked about its own object and someone else's, and every mismatch
is listed (role, side, expected, got, the answer's code). A write the role may make gets a fresh object
of the same owner, so rows do not depend on each other's order.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from services.gateway.openapi import HTTP_METHODS
from tests.security.authorization_table import LISTS, OBJECT_OF_PARAM, ROLES, ROWS, Listed, Row
from tests.security.authorization_world import OTHER, OWN, SIGNED_IN, World, uniq

PARAM = re.compile(r"\{(\w+)\}")
REFUSALS = (401, 403, 404)


def _fill(value: Any, names: dict[str, str]) -> Any:
    """`{name}` in strings of a body or query -> the world's value (`{uniq}`: a new unique word)."""
    if isinstance(value, str):
        return PARAM.sub(lambda m: uniq("AZ") if m.group(1) == "uniq" else names[m.group(1)], value)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


def call(world: World, r: Row, role: str | None, side: str, *, fresh: bool) -> httpx.Response:
    """One request of the row, by `role` (None: no token), on the `side` object."""
    params = PARAM.findall(r.path)
    names: dict[str, str] = {}
    for i, p in enumerate(params):
        kind = r.objects.get(p, OBJECT_OF_PARAM.get(p, p))
        made = world.fresh(kind, side) if fresh and i == len(params) - 1 else None
        names[p] = made or world.value(kind, side)
    for p, kind in OBJECT_OF_PARAM.items():  # `{lawyer_id}` in a body: the side's lawyer
        names.setdefault(p, world.value(kind, side))
    world.current = names
    path = PARAM.sub(lambda m: names[m.group(1)], r.path)
    body = r.body(world, side) if callable(r.body) else _fill(r.body, names)
    if body is None and r.method in ("POST", "PUT", "PATCH"):
        body = {}
    who = None if role is None else r.users.get(role, SIGNED_IN[role])
    return world.client(who).request(r.method, path, json=body, params=_fill(r.params, names))


def matches(expect: str, ok: int, got: int) -> bool:
    if got >= 500:
        return False
    if expect == "ok":
        return got == ok
    if expect == "any":
        return got not in REFUSALS
    return got == int(expect)


def _code(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("code") or "")
    except (ValueError, AttributeError):
        return ""


def check_role(world: World, r: Row, role: str) -> list[str]:
    wrong: list[str] = []
    sides = list(zip((OWN, OTHER), r.expected(role), strict=True))
    if r.path.endswith(".pdf") and "/" not in r.cells[ROLES.index(role)] and sides[0][1] == "ok":
        sides = sides[:1]  # a document takes the CPU to render: a role allowed both is asked about one
    for side, expect in sides:
        allowed = expect in ("ok", "any") or int(expect) < 400
        resp = call(world, r, role, side, fresh=allowed and r.method != "GET")
        if not matches(expect, r.ok, resp.status_code):
            wrong.append(f"{role:15} {side:5}: expected {expect}, got {resp.status_code} {_code(resp)} "
                         f"{resp.text[:160] if resp.status_code >= 500 or expect in ('ok', 'any') else ''}")
    return wrong


def check_row(world: World, r: Row) -> list[str]:
    """Every role of the row, three at a time (each role its own client; documents, which take the CPU to
    render, one at a time); then the caller without a token."""
    with ThreadPoolExecutor(1 if r.path.endswith(".pdf") else 3) as pool:
        wrong = [w for found in pool.map(lambda role: check_role(world, r, role), ROLES) for w in found]
    resp = call(world, r, None, OWN, fresh=False)
    if resp.status_code != r.anonymous:
        wrong.append(f"{'(no token)':15} own  : expected {r.anonymous}, got {resp.status_code}")
    return wrong


@pytest.mark.parametrize("r", ROWS, ids=lambda r: r.id)
def test_authorization(world, r: Row):
    wrong = check_row(world, r)
    assert not wrong, f"{r.id}\n" + "\n".join(wrong)


def _names(world: World, side: str) -> dict[str, str]:
    """Every world value of one side, by kind and by path parameter name."""
    names = {kind: value for (kind, s), value in world.values.items() if s == side}
    names.update({p: names[kind] for p, kind in OBJECT_OF_PARAM.items()})
    return names


@pytest.mark.parametrize("listed", LISTS, ids=lambda x: x.id)
def test_lists_answer_only_what_the_caller_may_see(world, listed: Listed):
    wrong = []
    for role, seen in listed.seen.items():
        who = listed.users.get(role, SIGNED_IN[role])
        for side in (OWN, OTHER):
            names = _names(world, side)
            r = world.client(who).get(listed.path, params={"limit": 200, **_fill(listed.params, names)})
            assert r.status_code == 200, f"{listed.id} as {who}: {r.status_code} {r.text[:200]}"
            found = any(item.get(listed.key) == names[listed.kind] for item in r.json()["items"])
            should = seen == "both" or (seen == "own" and side == OWN)
            if found != should:
                wrong.append(f"{role:15} {side:5}: {'listed' if found else 'missing'} (expected {seen})")
    assert not wrong, f"{listed.id}\n" + "\n".join(wrong)


def test_every_operation_has_a_row(suite):
    """The table covers the gateway's whole public API (its merged OpenAPI), and nothing else."""
    doc = httpx.get(suite.url["gateway"] + "/openapi.json", timeout=30).json()
    assert "did not answer" not in doc["info"]["description"], doc["info"]["description"]
    operations = {f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item if m in HTTP_METHODS}
    rows = [r.id for r in ROWS]
    assert len(rows) == len(set(rows)), "a row is listed twice"
    assert sorted(operations - set(rows)) == [], "operations without a row in authorization_table.py"
    assert sorted(set(rows) - operations) == [], "rows for operations the API does not have"
