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


class SecurityHeadersMiddleware:
    """Adds `security_headers` to each HTTP response start (see the module docstring for precedence)."""

    def __init__(self, app, hsts: bool) -> None:
        self.app = app
        self.by_kind = {private: security_headers("/api/" if private else "/", hsts) for private in (False, True)}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = private_path(scope["path"])
        extra = self.by_kind[private]

        async def _send(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if private:  # personal data: whatever the route said, no cache keeps it
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                present = {k.lower() for k, _ in headers}
                message["headers"] = headers + [h for h in extra if h[0] not in present]
            await send(message)

        await self.app(scope, receive, _send)
