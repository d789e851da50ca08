"""What `POST /oauth/token` documents in the OpenAPI (令牌接口文档): the form it reads by hand and the
RFC 6749 §5.2 errors it answers as plain JSON (`{"error", "error_description"}`), not problem+json."""
from __future__ import annotations

from typing import Any

from shared.problem_docs import problem_response

_OAUTH_ERROR = {
    "type": "object",
    "title": "OAuthError",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "enum": ["invalid_request", "invalid_client", "invalid_grant",
                                             "unauthorized_client", "unsupported_grant_type"]},
        "error_description": {"type": "string"},
    },
}

TOKEN_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object",
            "required": ["grant_type"],
            "properties": {
                "grant_type": {"type": "string", "enum": ["client_credentials", "password"]},
                "client_id": {"type": "string"},
                "client_secret": {"type": "string"},
                "username": {"type": "string"},
                "password": {"type": "string"},
            },
        }}},
    },
}

TOKEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "An access token (访问令牌).",
          "content": {"application/json": {"schema": {
              "type": "object",
              "required": ["access_token", "token_type", "expires_in", "scope"],
              "properties": {"access_token": {"type": "string"}, "token_type": {"type": "string"},
                             "expires_in": {"type": "integer"}, "scope": {"type": "string"}},
          }}}},
    400: {"description": "RFC 6749 §5.2: `invalid_request`, `invalid_grant` (wrong user name or password), "
                         "`unsupported_grant_type` ...",
          "content": {"application/json": {"schema": _OAUTH_ERROR}}},
    401: {"description": "RFC 6749 §5.2: `invalid_client` (unknown client or wrong secret).",
          "content": {"application/json": {"schema": _OAUTH_ERROR}}},
    429: problem_response(429, ("too_many_sign_in_failures",)),
    503: problem_response(503, ("sign_in_busy",)),
}
