"""The gateway's /openapi.json and /docs show the whole public API: its own paths and the services' public
ones (fetched from the services at request time), never an internal path; clashing component names get a
prefix; a service that is down is named in info.description."""
from __future__ import annotations

import httpx

from services.gateway.openapi import _refs, merge_documents
from shared.testing import free_port
from tests.gateway.gateway_edge_kit import start_gateway


def _dangling(doc: dict) -> set[str]:
    names = {f"#/components/{section}/{name}" for section, items in doc.get("components", {}).items()
             for name in items}
    return _refs(doc, set()) - names


def test_merged_openapi_through_the_suite(suite):
    r = suite.client(None).get("/openapi.json")  # no token needed
    assert r.status_code == 200, r.text
    doc = r.json()
    paths = doc["paths"]
    assert "/api/v1/mediation/sessions" in paths and "post" in paths["/api/v1/mediation/sessions"]
    assert "/api/v1/lawyers/opinion-requests" in paths
    assert "/api/v1/handoffs/{handoff_id}" in paths and "/oauth/token" in paths  # the gateway's own
    assert not [p for p in paths if "/internal/" in p or p.startswith("/internal")]
    assert set(paths) - {"/healthz", "/readyz", "/metrics", "/oauth/token", "/.well-known/jwks.json"} \
        == {p for p in paths if p.startswith("/api/v1/")}
    assert not _dangling(doc)
    op_ids = [op["operationId"] for item in paths.values() for op in item.values()
              if isinstance(op, dict) and "operationId" in op]
    assert len(op_ids) == len(set(op_ids))
    assert "did not answer" not in doc["info"].get("description", "")

    docs = suite.client(None).get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text


def test_a_service_down_is_named_and_the_rest_still_shown(suite):
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    g = start_gateway(suite, lawyers_url=down)
    try:
        doc = httpx.get(g.url + "/openapi.json", timeout=30).json()
    finally:
        g.stop()
    assert "/api/v1/mediation/sessions" in doc["paths"]
    assert not [p for p in doc["paths"] if p.startswith("/api/v1/lawyers")]
    assert "/api/v1/handoffs/{handoff_id}" in doc["paths"]
    assert "lawyers" in doc["info"]["description"] and "did not answer" in doc["info"]["description"]
    assert not _dangling(doc)


def _schema(props: dict) -> dict:
    return {"type": "object", "properties": props}


def _op(op_id: str, ref: str) -> dict:
    return {"get": {"operationId": op_id, "responses": {"200": {"content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{ref}"}}}}}}}


def test_component_clashes_get_a_prefix_and_identical_ones_are_shared():
    own = {"openapi": "3.1.0", "info": {"title": "gw", "version": "1"},
           "paths": {"/api/v1/things": _op("things", "Thing"), "/internal/events": _op("internal", "Event")},
           "components": {"schemas": {"Thing": _schema({"a": {"type": "string"}}), "Event": _schema({}),
                                      "Same": _schema({"s": {"type": "integer"}})}}}
    lawyers = {"openapi": "3.1.0", "info": {"title": "lawyers", "version": "1"},
               "paths": {"/api/v1/lawyers/x": _op("things", "Wrap"),  # same operationId as the gateway's
                         "/api/v1/lawyers/same": _op("same", "Same"),
                         "/internal/events": _op("events", "Event"),
                         "/healthz": _op("health", "Same")},
               "components": {"schemas": {
                   "Thing": _schema({"b": {"type": "string"}}),  # clashes
                   "Wrap": _schema({"t": {"$ref": "#/components/schemas/Thing"}}),
                   "Same": _schema({"s": {"type": "integer"}}),  # identical: shared
                   "Event": _schema({"only": {"type": "string"}})}}}  # used by an internal path only
    doc = merge_documents(own, {"lawyers": lawyers})
    schemas = doc["components"]["schemas"]
    assert set(doc["paths"]) == {"/api/v1/things", "/api/v1/lawyers/x", "/api/v1/lawyers/same"}
    assert schemas["Thing"] == own["components"]["schemas"]["Thing"]
    assert schemas["lawyers_Thing"] == lawyers["components"]["schemas"]["Thing"]
    assert schemas["Wrap"]["properties"]["t"]["$ref"] == "#/components/schemas/lawyers_Thing"
    assert "lawyers_Same" not in schemas and "Event" not in schemas and "lawyers_Event" not in schemas
    assert doc["paths"]["/api/v1/lawyers/x"]["get"]["operationId"] == "lawyers_things"
    assert not _dangling(doc)
