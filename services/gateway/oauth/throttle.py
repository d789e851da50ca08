"""Password sign-in throttling (防暴力破解) and the bound on concurrent password hashing.

- Failures are counted per user name and per client address (`ratelimit/clientip.py`: forwarded
  headers only from trusted proxies). From the `max_failures`-th failure on, each further failure
  locks the key for `base * 2**(n - max_failures)` seconds (capped), so the wait grows: 1 s, 2 s, 4 s,
  ... While a key is locked, sign-ins on it answer 429 with `Retry-After`, without hashing anything
  (the right password too). A success clears the user name's count. Counts are forgotten after
  `window` seconds without a failure. In memory, per gateway process.
- `HashGate`: at most N password hashes at once (argon2, 64 MiB each); a sign-in that cannot start
  within `wait` seconds answers 503, so a flood of guesses cannot take the CPU and memory from
  unrelated requests.
"""
from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass


@dataclass
class _Entry:
    failures: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0


class SignInThrottle:
    def __init__(self, settings) -> None:
        self.settings = settings
        self._entries: dict[str, _Entry] = {}

    def _limit(self, key: str) -> int:
        s = self.settings
        return s.signin_user_max_failures if key.startswith("user|") else s.signin_address_max_failures

    def _entry(self, key: str, now: float) -> _Entry | None:
        e = self._entries.get(key)
        if e is not None and e.locked_until <= now and now - e.last_failure > self.settings.signin_window_seconds:
            self._entries.pop(key, None)
            return None
        return e

    def retry_after(self, keys: list[str], now: float | None = None) -> int:
        """Seconds until every key may try again (0: go ahead)."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        for key in keys:
            e = self._entry(key, now)
            if e is not None and e.locked_until > now:
                wait = max(wait, e.locked_until - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, keys: list[str], now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        s = self.settings
        if len(self._entries) > 100_000:  # a flood of distinct names: forget the oldest half
            for k, _ in sorted(self._entries.items(), key=lambda kv: kv[1].last_failure)[:50_000]:
                self._entries.pop(k, None)
        for key in keys:
            e = self._entry(key, now) or self._entries.setdefault(key, _Entry())
            e.failures += 1
            e.last_failure = now
            over = e.failures - self._limit(key)
            if over >= 0:
                e.locked_until = now + min(s.signin_backoff_max_seconds, s.signin_backoff_base_seconds * 2 ** over)

    def succeeded(self, user_key: str) -> None:
        self._entries.pop(user_key, None)

    def clear(self) -> None:
        self._entries.clear()


def keys_for(username: str, address: str) -> list[str]:
    return [f"user|{' '.join(username.split()).casefold()[:200]}", f"ip|{address}"]


class HashBusy(Exception):
    pass


class HashGate:
    """At most `limit` password hashes at once in this process; waiting longer than `wait` -> HashBusy."""

    def __init__(self, limit: int, wait: float) -> None:
        self.limit, self.wait = limit, wait
        self._sem: asyncio.Semaphore | None = None

    async def __aenter__(self) -> HashGate:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.limit)
        if not self._sem.locked():
            await self._sem.acquire()  # a free slot: no wait
            return self
        try:
            await asyncio.wait_for(self._sem.acquire(), self.wait)
        except TimeoutError:
            raise HashBusy() from None
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._sem is not None  # set by __aenter__
        self._sem.release()
