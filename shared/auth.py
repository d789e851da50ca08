"""Token verification, done by every service itself (not only by the gateway).

Access tokens are JWTs per RFC 9068 (`typ: at+jwt`), signed RS256 by the
gateway; keys come from the gateway's JWKS, cached by `kid`, refetched (at most
once every few seconds) when an unknown `kid` appears. Checks: algorithm
allowlist, `typ`, signature, `iss`, `aud`, `exp`, `nbf`, `iat`. Whatever a token holds, a bad
one is a 401 problem+json, never a 500: every header and claim is type-checked before use.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeGuard

import httpx
from fastapi import Depends, Request
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from shared.errors import Forbidden, Unauthorized

ALGORITHMS = ["RS256"]
ROLES = frozenset({"coordinator", "mediator", "lawyer", "petition_system", "auditor", "service"})
CLOCK_SKEW = 30  # seconds of leeway on exp / nbf / iat
MAX_DATE = 2 ** 53  # NumericDates beyond this are not times (and NaN compares false)
log = logging.getLogger("suite.auth")


def _invalid(detail: str, code: str = "invalid_token") -> Unauthorized:
    return Unauthorized(detail, code=code)


def _number(value: Any) -> TypeGuard[int | float]:
    """A JSON number usable as a NumericDate (not a bool, NaN, infinite or absurdly large)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and -MAX_DATE < value < MAX_DATE


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
        self.revocations = None  # shared/revocation.py: a disabled user's tokens refused (set by the app)

    def check_revoked(self, principal: Principal) -> Principal:
        if self.revocations is not None:
            self.revocations.check(principal)
        return principal

    async def verify(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None:
            if cached.claims.get("exp", 0) + CLOCK_SKEW >= time.time():
                return self.check_revoked(cached)
            self._cache.pop(token, None)
        try:
            principal = await self._verify(token)
        except Unauthorized:
            raise
        except Exception as e:  # a token shape no check below foresaw: still the caller's fault, never a 500
            log.warning("unexpected token shape refused", extra={"error": repr(e)[:200]})
            raise _invalid("The access token is malformed.") from None
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[token] = principal
        return self.check_revoked(principal)

    async def _verify(self, token: str) -> Principal:
        try:
            header = jws.extract_compact(token.encode()).headers()
        except Exception:
            raise _invalid("The access token is malformed.") from None
        alg, typ, kid = header.get("alg"), header.get("typ"), header.get("kid")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise _invalid(f"Token algorithm {str(alg)[:20]!r} is not accepted.")
        if not isinstance(typ, str) or typ.lower() not in ("at+jwt", "application/at+jwt"):
            raise _invalid("Token type must be at+jwt.")
        key = await self.keys.get(kid) if isinstance(kid, str) and kid else None
        if key is None:
            raise _invalid("Token signed with an unknown key.")
        try:
            tok = jwt.decode(token, key, algorithms=ALGORITHMS)
        except (JoseError, ValueError, TypeError):
            raise _invalid("Token signature is invalid.") from None
        c = tok.claims
        now = time.time()
        if c.get("iss") != self.issuer:
            raise _invalid("Token issuer is not accepted.")
        aud = c.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if self.audience not in auds:
            raise _invalid("Token audience is not accepted.")
        exp, nbf, iat = c.get("exp"), c.get("nbf"), c.get("iat")
        if not _number(exp) or any(v is not None and not _number(v) for v in (nbf, iat)):
            raise _invalid("Token time claims are malformed.")
        if exp + CLOCK_SKEW < now:
            raise _invalid("Token has expired.", "token_expired")
        if nbf is not None and nbf - CLOCK_SKEW > now:
            raise _invalid("Token is not valid yet (nbf).")
        if iat is not None and iat - CLOCK_SKEW > now:
            raise _invalid("Token issued in the future.")
        roles = c.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise _invalid("Token roles claim is malformed.")
        sub, client_id, jti, name = c.get("sub"), c.get("client_id", ""), c.get("jti", ""), c.get("name")
        if not (isinstance(sub, str) and isinstance(client_id, str) and isinstance(jti, str)
                and isinstance(name, (str, type(None)))):
            raise _invalid("Token claims are malformed.")
        return Principal(sub=sub, client_id=client_id, token_id=jti, name=name, claims=c,
                         roles=frozenset(r for r in roles if r in ROLES))


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
        raise Unauthorized("A bearer access token is required.", headers={"WWW-Authenticate": "Bearer"},
                           detail_zh="需要 Bearer 访问令牌，请先登录。")
    principal = await request.app.state.verifier.verify(token.strip())
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    """Dependency factory: the caller must hold one of `roles`, else 403."""

    async def _dep(request: Request) -> Principal:
        # The token read here rather than as a sub-dependency: one dependency to solve, not two (issue 11).
        principal = await current_principal(request)
        if not principal.has(*roles):
            raise Forbidden(f"This call needs one of the roles: {', '.join(roles)}.",
                            detail_zh=f"此操作需要以下角色之一：{'、'.join(roles)}。")
        return principal

    return _dep


ServicePrincipal = Annotated[Principal, Depends(require_roles("service"))]
READ_ROLES = ("coordinator", "mediator", "lawyer", "petition_system", "auditor")
