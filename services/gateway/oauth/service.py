"""Issuing tokens: client credentials for machines, the password grant for people (console)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from services.gateway.oauth import repository as repo
from services.gateway.oauth.models import OAuthClient, UserAccount
from shared.auth import ROLES, TokenSigner
from shared.db import utcnow

_hasher = PasswordHasher()
# Verifying against this keeps the timing of unknown names close to that of wrong secrets.
_DUMMY_HASH = _hasher.hash("no-such-account")
CONSOLE_CLIENT = "console"


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: rendered as `{"error": ..., "error_description": ...}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        self.error, self.description, self.status = error, description, status
        super().__init__(description)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def _verify(hash_: str, secret: str) -> bool:
    try:
        return _hasher.verify(hash_, secret)
    except (VerificationError, InvalidHashError):
        return False


def create_client(session: Session, client_id: str, secret: str, roles: list[str], name: str = "",
                  *, internal: bool = False) -> OAuthClient:
    """Register a machine client. The `service` role is only for the suite's own services."""
    bad = set(roles) - ROLES
    if bad:
        raise ValueError(f"unknown roles: {sorted(bad)}")
    if "service" in roles and not internal:
        raise ValueError("the service role is never granted to an outside client")
    row = repo.client(session, client_id)
    if row is None:
        row = OAuthClient(client_id=client_id, secret_hash=hash_secret(secret), name=name, roles=roles,
                          created_at=utcnow())
        session.add(row)
    else:
        row.secret_hash, row.roles, row.name, row.active = hash_secret(secret), roles, name, True
    session.flush()
    return row


def create_user(session: Session, username: str, password: str, roles: list[str],
                display_name: str = "") -> UserAccount:
    bad = set(roles) - (ROLES - {"service", "petition_system"})
    if bad:
        raise ValueError(f"roles not allowed for a person: {sorted(bad)}")
    row = repo.user(session, username)
    if row is None:
        row = UserAccount(username=username, password_hash=hash_secret(password), roles=roles,
                          display_name=display_name, created_at=utcnow())
        session.add(row)
    else:
        row.password_hash, row.roles, row.display_name, row.active = hash_secret(password), roles, display_name, True
    session.flush()
    return row


def client_credentials(session: Session, signer: TokenSigner, client_id: str, secret: str, *,
                       allow_service: bool = True) -> dict:
    """`allow_service=False` (the public token endpoint) refuses the suite's own service clients: their
    tokens come only from the internal listener."""
    client = repo.client(session, client_id) if client_id else None
    ok = _verify(client.secret_hash if client else _DUMMY_HASH, secret or "")
    if client is None or not ok or not client.active:
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    if "service" in (client.roles or []) and not allow_service:
        raise OAuthError("unauthorized_client", "This client gets its tokens only from the internal listener.", 400)
    token, ttl = signer.issue(client.client_id, client.client_id, client.roles)
    return _answer(token, ttl, client.roles)


def password_grant(session: Session, signer: TokenSigner, client_id: str, username: str, password: str) -> dict:
    if client_id != CONSOLE_CLIENT:
        raise OAuthError("unauthorized_client", "The password grant is only for the console client.", 400)
    if not username or not password:
        raise OAuthError("invalid_request", "username and password are required.", 400)
    user = repo.user(session, username)
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        raise OAuthError("invalid_grant", "The user name or password is wrong.", 400)
    token, ttl = signer.issue(user.username, CONSOLE_CLIENT, user.roles, extra={"name": user.display_name})
    return _answer(token, ttl, user.roles)


def _answer(token: str, ttl: int, roles: list[str]) -> dict:
    return {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "scope": " ".join(sorted(roles))}
