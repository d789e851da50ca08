"""Which outside requests reach which service, and refusing those aimed at internal paths (内部接口).

Services mount their public routers at the full public prefix and their
internal routes at `/internal/...`; the gateway forwards the raw path
unchanged, so any spelling that a server or framework might resolve
differently from how it reads here is refused outright: percent-encoded
slashes, backslashes and dots, `.` and `..` segments, empty segments (`//`)
and an `internal` segment anywhere in a proxied path.
"""
from __future__ import annotations

from dataclasses import dataclass

from shared.asgi import RouteLabel

# The console (工作台) is a service too: its pages are public paths that answer for themselves (cookie sign-in).
PREFIXES = (("/api/v1/mediation", "mediation"), ("/api/v1/lawyers", "lawyers"), ("/console", "console"))
TOKENLESS = frozenset({"console"})
# Encoded "/", "\", ".", "%" (double encoding) and NUL.
_BAD_ESCAPES = (b"%2f", b"%5c", b"%2e", b"%25", b"%00")


@dataclass(frozen=True)
class ProxyRoute(RouteLabel):
    """A proxied request's route label: the service's own route template when it named one
    (`X-Suite-Route`), else the prefix's catch-all. Its own class: the audit of forwarded requests
    knows them by it (gateway/main.py)."""


def target_service(path: str) -> str | None:
    """The service a public path belongs to (`mediation` / `lawyers` / `console`), else None."""
    for prefix, svc in PREFIXES:
        if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
            return svc
    return None


def refusal(scope, service: str | None) -> str | None:
    """Why this request's path is refused (a short reason for the log), or None when it is clean."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    if b"%" in raw:
        low = raw.lower()
        for esc in _BAD_ESCAPES:
            if esc in low:
                return "encoded separator"
    if b"\\" in raw or "\\" in scope["path"]:
        return "backslash"
    if b"//" in raw:
        return "empty segment"
    segments = scope["path"].split("/")
    for seg in segments:
        if seg == "." or seg == "..":
            return "dot segment"
    if service is not None:
        for seg in segments:
            if seg.lower() == "internal":
                return "internal path"
    return None
