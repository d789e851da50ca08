"""The merged OpenAPI lists the error answers (shared/problem_docs.py): problem+json, with the business
codes each route gives, so clients code against them (and schemathesis checks them)."""
from __future__ import annotations

from shared.problem_docs import add_problem_responses, problems

PROBLEM = "application/problem+json"


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in {"get", "put", "post", "delete", "patch"}:
                yield path, method, op


def test_every_api_operation_documents_its_error_answers(suite):
    doc = suite.client(None).get("/openapi.json").json()
    api = [(p, m, op) for p, m, op in operations(doc) if p.startswith("/api/")]
    assert len(api) > 100
    for path, method, op in api:
        responses = op["responses"]
        for status in ("401", "403", "422", "429"):
            assert PROBLEM in responses[status]["content"], (method, path, status)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in op:
            assert {"400", "413"} <= set(responses), (method, path)
        for status, answer in responses.items():
            if status >= "400":
                assert set(answer.get("content", {})) == {PROBLEM}, (method, path, status)
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert {"type", "title", "status", "detail", "code"} <= set(schemas["Problem"]["required"])


def test_business_rule_answers_name_their_codes(suite):
    doc = suite.client(None).get("/openapi.json").json()
    paths = doc["paths"]
    booking = paths["/api/v1/mediation/sessions"]["post"]["responses"]
    assert "`slot_conflict`" in booking["409"]["description"]
    assert "`mediator_recused`" in booking["409"]["description"]
    assert "`outside_working_hours`" in booking["422"]["description"]
    assert "`already_answered`" in paths["/api/v1/lawyers/opinion-requests/{request_id}/assign"]["post"][
        "responses"]["409"]["description"]
    assert "`webhook_url_refused`" in paths["/api/v1/webhooks"]["post"]["responses"]["422"]["description"]
    token = paths["/oauth/token"]["post"]
    assert set(token["requestBody"]["content"]) == {"application/x-www-form-urlencoded"}
    assert token["responses"]["400"]["content"]["application/json"]["schema"]["properties"]["error"]
    assert set(paths["/api/v1/mediation/reports/monthly"]["get"]["responses"]["200"]["content"]) >= {
        "application/json", "text/csv"}


def test_problems_helper():
    out = problems(404, (409, "slot_conflict"))
    assert set(out) == {404, 409}
    assert out[409]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert out[409]["description"].endswith("`code`: `slot_conflict`, `conflict`")
    doc = {"paths": {"/api/x/{id}": {"post": {"requestBody": {}, "responses": {"422": {"content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}}},
        "/healthz": {"get": {"responses": {"200": {}}}}},
        "components": {"schemas": {"HTTPValidationError": {"properties": {"detail": {"items": {
            "$ref": "#/components/schemas/ValidationError"}}}}, "ValidationError": {}}}}
    add_problem_responses(doc)
    post = doc["paths"]["/api/x/{id}"]["post"]["responses"]
    assert set(post) == {"400", "401", "403", "404", "422"}
    assert set(post["422"]["content"]) == {PROBLEM}
    assert doc["paths"]["/healthz"]["get"]["responses"] == {"200": {}}
    assert set(doc["components"]["schemas"]) == {"Problem", "ProblemFieldError"}
