"""The one check of a problem+json answer (RFC 9457, docs in API.md) used by every test directory."""
from __future__ import annotations

import httpx


def problem(r: httpx.Response, status: int, code: str | None = None) -> dict:
    """Assert `r` is a problem+json answer with this status (and error code): the media type, and a body
    whose `status` matches and whose `type`, `title` and `detail` are filled in. Returns the body."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    assert body["status"] == status, body
    assert body["type"] and body["title"] and body["detail"], body
    if code is not None:
        assert body["code"] == code, body
    return body
