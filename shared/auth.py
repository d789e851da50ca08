"""Token verification, done by every service itself (not only by the gateway).

Access tokens are JWTs per RFC 9068 (`typ: at+jwt`), signed RS256 by the
gateway; keys come from the gateway's JWKS, cached by `kid`, refetched (at most
once every few seconds) when an unknown `kid` appears. Checks: algorithm
allowlist, `typ`, signature, `iss`, `aud`, `exp`, `iat`.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Iterable

import httpx
from fastapi import Depends, Request
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from shared.errors import Forbidden, Unauthorized

ALGORITHMS = ["RS256"]
ROLES = frozenset({"coordinator", "mediator", "lawyer", "petition_system", "auditor", "service"})
CLOCK_SKEW = 30  # seconds of leeway on exp / iat


@dataclass(frozen=True)
class Principal:
    """Who is calling: a person (password grant) or a machine client (client credentials)."""

    sub: str
    client_id: str
    roles: frozenset[str]
    token_id: str = ""
    name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_service(self) -> bool:
        return "service" in self.roles


class KeySet:
    """Public verification keys by `kid`: static, or fetched from a JWKS URL."""

    def __init__(self, jwks: dict | None = None, url: str | None = None, min_refresh: float = 5.0) -> None:
        self.url = url
        self.min_refresh = min_refresh
        self._keys: dict[str, RSAKey] = {}
        self._last_fetch = 0.0
        self._lock = asyncio.Lock()
        if jwks:
            self.load(jwks)

    def load(self, jwks: dict) -> None:
        keys = {}
        for k in jwks.get("keys", []):
            if k.get("kty") != "RSA" or not k.get("kid"):
                continue
            keys[k["kid"]] = RSAKey.import_key({x: k[x] for x in ("kty", "n", "e")})
        self._keys = keys

    async def refresh(self) -> None:
        if not self.url:
            return
        async with self._lock:
            if time.monotonic() - self._last_fetch < self.min_refresh:
                return
            self._last_fetch = time.monotonic()
            try:
                async with httpx.AsyncClient(timeout=3.0) as c:
                    r = await c.get(self.url)
                    r.raise_for_status()
                    self.load(r.json())
            except Exception:
                return

    async def get(self, kid: str) -> RSAKey | None:
        key = self._keys.get(kid)
        if key is None and self.url:
            await self.refresh()
            key = self._keys.get(kid)
        return key


class TokenVerifier:
    def __init__(self, keys: KeySet, issuer: str, audience: str, cache_size: int = 10_000) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        # Verified tokens, kept until they expire: a repeat caller costs a dict lookup, not an RSA check.
        self._cache: dict[str, Principal] = {}
        self.cache_size = cache_size

    async def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None:
            if cached.claims.get("exp", 0) + CLOCK_SKEW >= time.time():
                return cached
            self._cache.pop(token, None)
        principal = await self._verify(token)
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[token] = principal
        return principal

    async def _verify(self, token: str) -> Principal:
        try:
            header = jws.extract_compact(token.encode()).headers()
        except Exception:
            raise Unauthorized("The access token is malformed.", code="invalid_token")
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized(f"Token algorithm {header.get('alg')!r} is not accepted.", code="invalid_token")
        if header.get("typ", "").lower() not in ("at+jwt", "application/at+jwt"):
            raise Unauthorized("Token type must be at+jwt.", code="invalid_token")
        kid = header.get("kid")
        key = await self.keys.get(kid) if kid else None
        if key is None:
            raise Unauthorized("Token signed with an unknown key.", code="invalid_token")
        try:
            tok = jwt.decode(token, key, algorithms=ALGORITHMS)
        except JoseError:
            raise Unauthorized("Token signature is invalid.", code="invalid_token")
        c = tok.claims
        now = time.time()
        if c.get("iss") != self.issuer:
            raise Unauthorized("Token issuer is not accepted.", code="invalid_token")
        aud = c.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if self.audience not in auds:
            raise Unauthorized("Token audience is not accepted.", code="invalid_token")
        exp = c.get("exp")
        if not isinstance(exp, (int, float)) or exp + CLOCK_SKEW < now:
            raise Unauthorized("Token has expired.", code="token_expired")
        iat = c.get("iat")
        if isinstance(iat, (int, float)) and iat - CLOCK_SKEW > now:
            raise Unauthorized("Token issued in the future.", code="invalid_token")
        roles = c.get("roles") or []
        if not isinstance(roles, list):
            raise Unauthorized("Token roles claim is malformed.", code="invalid_token")
        return Principal(sub=str(c.get("sub", "")), client_id=str(c.get("client_id", "")),
                         roles=frozenset(r for r in roles if r in ROLES), token_id=str(c.get("jti", "")),
                         name=c.get("name"), claims=c)


class TokenSigner:
    """Signs RFC 9068 access tokens. The first key signs; all keys are published (rotation)."""

    def __init__(self, pems: Iterable[str], issuer: str, audience: str, ttl: int = 3600) -> None:
        self.keys = [RSAKey.import_key(p) for p in pems]
        if not self.keys:
            raise ValueError("at least one signing key is required")
        self.issuer = issuer
        self.audience = audience
        self.ttl = ttl

    @property
    def current(self) -> RSAKey:
        return self.keys[0]

    def kid(self, key: RSAKey | None = None) -> str:
        return (key or self.current).thumbprint()

    def jwks(self) -> dict:
        out = []
        for k in self.keys:
            d = dict(k.as_dict(private=False))
            d.update({"kid": k.thumbprint(), "use": "sig", "alg": "RS256"})
            out.append(d)
        return {"keys": out}

    def issue(self, sub: str, client_id: str, roles: Iterable[str], *, ttl: int | None = None,
              extra: dict | None = None) -> tuple[str, int]:
        now = int(time.time())
        ttl = self.ttl if ttl is None else ttl
        claims = {"iss": self.issuer, "aud": self.audience, "sub": sub, "client_id": client_id,
                  "iat": now, "exp": now + ttl, "jti": uuid.uuid4().hex, "roles": sorted(roles)}
        if extra:
            claims.update(extra)
        header = {"alg": "RS256", "typ": "at+jwt", "kid": self.kid()}
        return jwt.encode(header, claims, self.current), ttl


async def current_principal(request: Request) -> Principal:
    """Dependency: the verified caller, or 401 problem+json."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer access token is required.", headers={"WWW-Authenticate": "Bearer"})
    principal = await request.app.state.verifier.verify(token.strip())
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    """Dependency factory: the caller must hold one of `roles`, else 403."""

    async def _dep(principal: CurrentPrincipal) -> Principal:
        if not principal.has(*roles):
            raise Forbidden(f"This call needs one of the roles: {', '.join(roles)}.")
        return principal

    return _dep


ServicePrincipal = Annotated[Principal, Depends(require_roles("service"))]
READ_ROLES = ("coordinator", "mediator", "lawyer", "petition_system", "auditor")
