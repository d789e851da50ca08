"""The error answers in the OpenAPI document (错误响应文档): problem+json, status by status.

Routes name the business-rule answers they give with `responses=problems(...)`:

    @router.post("/sessions", responses=problems(404, (409, "slot_conflict", "mediator_recused")))

and `install_problem_docs` adds what every `/api/` operation may answer (401 and 403 from the token and
role checks, 422 for invalid input, 400 `invalid_json` where there is a body, 404 where the path names an
object) and turns FastAPI's default 422 (`HTTPValidationError`, plain JSON) into the problem+json that
shared/errors.py really sends.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

# The generic meaning and the codes any route may give for a status (routes add their own codes).
STATUS_TEXT: dict[int, tuple[str, tuple[str, ...]]] = {
    400: ("Bad request (请求有误)", ("invalid_json", "bad_request")),
    401: ("Missing, malformed, expired or revoked token (未登录或令牌无效)", ("unauthorized",)),
    403: ("The caller's role may not do this (无权操作)", ("forbidden",)),
    404: ("No such object, or one the caller may not see (不存在或无权查看)", ("not_found",)),
    409: ("The change conflicts with the current state (与现有状态冲突)", ("conflict",)),
    413: ("Request body too large (请求体过大)", ("payload_too_large",)),
    422: ("Invalid input or a business rule refused it (请求内容不符合规则)", ("validation_error",)),
    429: ("Too many requests (请求过于频繁)", ("rate_limited",)),
    503: ("Temporarily unavailable; retry later (暂时不可用)", ()),
}


class ProblemFieldError(BaseModel):
    """One bad field of a 422 (`errors[]`)."""

    model_config = ConfigDict(extra="allow")
    field: str
    message: str
    type: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem (问题详情): what shared/errors.py answers for every error."""

    model_config = ConfigDict(extra="allow", title="Problem")
    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="A stable machine word, e.g. `slot_conflict`, `not_found`.")
    instance: str | None = None
    errors: list[ProblemFieldError] | None = Field(None, description="Each bad field (422 only).")


def problem_response(status: int, codes: tuple[str, ...] = ()) -> dict[str, Any]:
    text, generic = STATUS_TEXT.get(status, ("Error", ()))
    words = ", ".join(f"`{c}`" for c in dict.fromkeys((*codes, *generic)))
    return {"description": f"{text}; `code`: {words}" if words else text,
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}}


def problems(*items: int | tuple) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each item a status, or (status, code, ...) naming its business codes."""
    out: dict[int | str, dict[str, Any]] = {}
    for item in items:
        status, *codes = item if isinstance(item, tuple) else (item,)
        out[status] = problem_response(status, tuple(codes))
    return out


def _schemas(doc: dict[str, Any]) -> dict[str, Any]:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in schemas:
        full = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(full.pop("$defs", {}))
        schemas["Problem"] = full
    return schemas


def add_problem_responses(doc: dict[str, Any], statuses: tuple[int, ...] = (401, 403, 422),
                          body_statuses: tuple[int, ...] = (400,), prefix: str = "/api/") -> dict[str, Any]:
    """Document the error answers of every operation under `prefix` (in place): each of `statuses`
    when missing, `body_statuses` too where there is a body, 404 where the path names an object; and
    every 422 (under any path) as problem+json."""
    _schemas(doc)
    for path, item in (doc.get("paths") or {}).items():
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            if "422" in responses and PROBLEM_JSON not in responses["422"].get("content", {}):
                responses["422"] = problem_response(422)  # FastAPI's HTTPValidationError, never sent
            if not path.startswith(prefix):
                continue
            wanted = (*statuses, *body_statuses) if "requestBody" in op else statuses
            if "{" in path:  # the object a path names may be absent or hidden from the caller
                wanted = (*wanted, 404)
            for status in wanted:
                responses.setdefault(str(status), problem_response(status))
    schemas = doc["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's, in that order
        others = {name: schema for name, schema in schemas.items() if name != unused}
        if unused in schemas and f"schemas/{unused}'" not in repr((doc.get("paths"), others)):
            del schemas[unused]
    return doc


def install_problem_docs(app: FastAPI, statuses: tuple[int, ...] = (401, 403, 422)) -> None:
    """Make `app.openapi()` document the error answers (see `add_problem_responses`)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        doc = build()
        if fresh:
            add_problem_responses(doc, statuses)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
