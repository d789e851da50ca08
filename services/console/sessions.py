"""Signed-in people (登录会话): the API token stays here, the browser holds an opaque id.

A session ends after `idle_minutes` without a request, when its token expires,
and at once on 退出. Sessions live in this process's memory: a console replica
restart signs people out (they sign in again and come back to their page).
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field


@dataclass
class ConsoleSession:
    """One signed-in person: who, their roles, their API token and the CSRF token of their forms."""

    sid: str
    username: str
    name: str
    roles: frozenset[str]
    token: str
    token_expires_at: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    last_seen: float = field(default_factory=time.monotonic)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class SessionStore:
    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self._by_sid: dict[str, ConsoleSession] = {}

    def create(self, username: str, name: str, roles, token: str, expires_in: float) -> ConsoleSession:
        self._sweep()
        s = ConsoleSession(sid=secrets.token_urlsafe(32), username=username, name=name, roles=frozenset(roles),
                           token=token, token_expires_at=time.time() + expires_in - 30)
        self._by_sid[s.sid] = s
        return s

    def get(self, sid: str | None) -> ConsoleSession | None:
        """The live session for this cookie value (touching it), or None when absent, idle or expired."""
        if not sid:
            return None
        s = self._by_sid.get(sid)
        if s is None:
            return None
        now = time.monotonic()
        if now - s.last_seen > self.idle_seconds or time.time() >= s.token_expires_at:
            self._by_sid.pop(sid, None)
            return None
        s.last_seen = now
        return s

    def end(self, sid: str | None) -> None:
        if sid:
            self._by_sid.pop(sid, None)

    def _sweep(self) -> None:
        now = time.monotonic()
        for sid in [k for k, s in self._by_sid.items() if now - s.last_seen > self.idle_seconds]:
            self._by_sid.pop(sid, None)
