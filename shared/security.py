"""Security headers on every answer of every service (pure ASGI).

`X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` always;
`Strict-Transport-Security` outside dev and test; `Cache-Control: no-store` on `/api/` answers and
`/oauth/token` (personal data and tokens). No Content-Security-Policy: the console sets its own.
A header the answer already has (a proxied service's, the console's own policy) is kept, never
doubled; only `Cache-Control` on those private paths is forced to `no-store`.
"""
from __future__ import annotations

BASE = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"))
HSTS = (b"strict-transport-security", b"max-age=31536000")
NO_STORE = (b"cache-control", b"no-store")


def private_path(path: str) -> bool:
    """Answers that carry personal data or tokens and must not be stored by any cache."""
    return path.startswith("/api/") or path == "/oauth/token"


def security_headers(path: str, hsts: bool) -> list[tuple[bytes, bytes]]:
    out = [*BASE, HSTS] if hsts else list(BASE)
    if private_path(path):
        out.append(NO_STORE)
    return out


class SecurityHeaders:
    """The headers of `security_headers`, merged into an answer's own (see the module docstring for precedence)."""

    __slots__ = ("by_kind",)

    def __init__(self, hsts: bool) -> None:
        self.by_kind = {private: security_headers("/api/" if private else "/", hsts) for private in (False, True)}

    def merge(self, headers: list[tuple[bytes, bytes]], private: bool) -> list[tuple[bytes, bytes]]:
        if private:  # personal data: whatever the route said, no cache keeps it
            headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
        present = {k.lower() for k, _ in headers}
        return headers + [h for h in self.by_kind[private] if h[0] not in present]
