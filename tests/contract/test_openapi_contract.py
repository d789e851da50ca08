"""schemathesis against the gateway's merged OpenAPI (接口契约测试): every operation of every service.

Requests go through the gateway, signed in as one of the API's roles drawn per case (so an operation
meets the role it serves and those it must refuse), on real objects part of the time (contract_kit.py).
Each operation gets valid cases and, where it takes input that can be wrong, invalid ones. Checks: no
5xx, and every answer keeps to the document (a documented status code, its content type, its body
schema). Bounded (about a minute per database): EXAMPLES cases per operation and mode, fixed seed (a
failure replays).
"""
from __future__ import annotations

import os
import random
import time
from collections import Counter

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.contract.contract_kit import IdPool, seed

ROLES = ["coordinator", "coordinator", "coordinator", "mediator1", "lawyer1", "auditor", "petition-system"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Cases per operation; CONTRACT_SCALE=6 for a deeper run (~10,000 cases) than `make test` affords.
SCALE = float(os.environ.get("CONTRACT_SCALE", "1"))
EXAMPLES = {GenerationMode.POSITIVE: round(12 * SCALE), GenerationMode.NEGATIVE: round(5 * SCALE)}
# Slow operations get fewer cases: documents render a PDF each, sign-ins hash a password each.
FEWER = {".pdf": 3, "/oauth/token": 6}
PARTS = {"mediation": ("/api/v1/mediation/",), "lawyers": ("/api/v1/lawyers/",)}


def in_part(path: str, part: str) -> bool:
    """The gateway's part is everything the services' parts are not (its own paths, /oauth, health)."""
    if part in PARTS:
        return path.startswith(PARTS[part])
    return not any(path.startswith(p) for prefixes in PARTS.values() for p in prefixes)


def negatable(operation) -> bool:
    """Whether the operation takes input that can be made invalid (any string is a valid path id)."""
    constrained = any(set(p.definition.get("schema", {})) - {"type", "title", "description"}
                      or p.definition.get("schema", {}).get("type") != "string" for p in operation.path_parameters)
    return constrained or len(operation.query) > 0 or len(operation.body) > 0


class Run:
    """One part of the API fuzzed: counts by status, failures (first example of each), the id pool."""

    def __init__(self, suite, schema) -> None:
        self.suite = suite
        self.pool = IdPool([op.ok().path for op in schema.get_all_operations()])
        self.cases = 0
        self.statuses: Counter[int] = Counter()
        self.failures: dict[tuple, str] = {}

    def exercise(self, operation, mode: GenerationMode) -> None:
        examples = min([EXAMPLES[mode], *(n for suffix, n in FEWER.items() if operation.path.endswith(suffix))])

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES),
                          seed=st.integers(0, 2**32))
        @hypothesis.settings(max_examples=examples, deadline=None, phases=[Phase.generate],
                             database=None, derandomize=True, suppress_health_check=list(HealthCheck))
        def one(case, role, seed):
            self.pool.substitute(case, random.Random(seed))
            self.cases += 1
            response = case.call(headers={"Authorization": f"Bearer {self.suite.token(role)}"}, timeout=30)
            self.statuses[response.status_code] += 1
            if 200 <= response.status_code < 300 and operation.method.upper() == "POST":
                try:
                    self.pool.add(operation.path, response.json())
                except ValueError:
                    pass
            try:
                case.validate_response(response, checks=CHECKS)
            except (Failure, FailureGroup) as exc:
                for f in exc.exceptions if isinstance(exc, FailureGroup) else (exc,):
                    key = (operation.label, f.title, getattr(f, "_unique_key", ""))
                    self.failures.setdefault(key, f"as {role}: {case.as_curl_command()}\n    {f.message}")

        one()

    def report(self) -> str:
        return "\n".join(f"{label}: {title}\n  {where}" for (label, title, _), where in self.failures.items())


@pytest.mark.parametrize("part", ["mediation", "lawyers", "gateway"])
def test_merged_openapi(suite, part):
    schema = schemathesis.openapi.from_url(suite.url["gateway"] + "/openapi.json",
                                           config=schemathesis.Config.from_dict({"base-url": suite.url["gateway"]}))
    for role in set(ROLES):  # signed in before `/oauth/token` is fuzzed (failed sign-ins throttle the address)
        suite.token(role)
    run = Run(suite, schema)
    seed(suite, run.pool)
    started, operations, took = time.monotonic(), 0, {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if not in_part(operation.path, part):
            continue
        operations += 1
        began = time.monotonic()
        for mode in EXAMPLES:
            if mode is GenerationMode.POSITIVE or negatable(operation):
                run.exercise(operation, mode)
        took[operation.label] = time.monotonic() - began
    print(f"\ncontract {part} ({suite.backend}): {operations} operations, {run.cases} cases in "
          f"{time.monotonic() - started:.0f} s; statuses {dict(sorted(run.statuses.items()))}; "
          f"{len(run.failures)} failures; slowest: "
          + ", ".join(f"{label} {s:.1f} s" for label, s in sorted(took.items(), key=lambda kv: -kv[1])[:3]))
    assert operations >= 20, "the merged document lost this part's operations"
    assert any(200 <= s < 300 for s in run.statuses), "no case got past auth and validation"
    assert not run.failures, run.report()
