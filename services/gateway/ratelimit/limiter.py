"""Per-client rate limits (限流): N requests per minute, in memory or in Redis.

Both backends run the same GCRA (generic cell rate algorithm, a token bucket
kept as one timestamp per client): a client may send up to N requests at
once, then one every 60/N seconds; a refused request learns when to retry.
Memory is per process (the default); Redis (`GATEWAY_REDIS_URL`) is shared by
every gateway replica. If Redis is unreachable the gateway lets requests
through and logs it: the limit protects the services, it must not take the
suite down.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

log = logging.getLogger("gateway.ratelimit")
PERIOD = 60.0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int = 0
    retry_after: float = 0.0

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after))


class MemoryLimiter:
    backend = "memory"

    def __init__(self, per_minute: int) -> None:
        self.limit = per_minute
        self.interval = PERIOD / per_minute
        self._tat: dict[str, float] = {}  # theoretical arrival time per client

    async def hit(self, key: str) -> Decision:
        now = time.monotonic()
        tat = self._tat.get(key, now)
        if tat < now:
            tat = now
        new = tat + self.interval
        if new - now > PERIOD + 1e-9:
            return Decision(False, 0, new - now - PERIOD)
        if len(self._tat) > 100_000:
            self._prune(now)
        self._tat[key] = new
        return Decision(True, int((PERIOD - (new - now)) / self.interval + 1e-6))

    def _prune(self, now: float) -> None:
        self._tat = {k: t for k, t in self._tat.items() if t > now}

    def reset(self) -> None:
        self._tat.clear()

    async def close(self) -> None:
        pass


_GCRA_LUA = """
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new = tat + interval
if new - now > period + 0.000001 then
  return {0, tostring(new - now - period)}
end
redis.call('SET', KEYS[1], tostring(new), 'PX', math.ceil((new - now) * 1000) + 1000)
return {1, tostring(math.floor((period - (new - now)) / interval + 0.000001))}
"""


class RedisLimiter:
    backend = "redis"

    def __init__(self, per_minute: int, url: str, prefix: str) -> None:
        import redis.asyncio as redis

        self.limit = per_minute
        self.interval = PERIOD / per_minute
        self.prefix = prefix
        self.client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
        self.script = self.client.register_script(_GCRA_LUA)

    async def hit(self, key: str) -> Decision:
        try:
            allowed, value = await self.script(keys=[self.prefix + key], args=[self.interval, PERIOD])
        except Exception as e:  # fail open: never refuse traffic because Redis is away
            log.warning("rate limit store unreachable; request let through", extra={"error": str(e)})
            return Decision(True, self.limit)
        value = float(value)
        if int(allowed):
            return Decision(True, int(value))
        return Decision(False, 0, value)

    def reset(self) -> None:
        pass  # keys expire by themselves; tests use their own prefix

    async def close(self) -> None:
        await self.client.aclose()


def make_limiter(settings) -> MemoryLimiter | RedisLimiter | None:
    if settings.rate_limit_per_minute <= 0:
        return None
    if settings.redis_url:
        return RedisLimiter(settings.rate_limit_per_minute, settings.redis_url, settings.rate_limit_key_prefix)
    return MemoryLimiter(settings.rate_limit_per_minute)
