"""Gateway settings (env prefix `GATEWAY_`)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from services.gateway.webhook.sealing import DEV_SEALING_KEY, box
from shared import handoff_pii
from shared.pii import key_ring
from shared.settings import DEV_KEY_DIR, SuiteSettings

DEV_SIGNING_KEY = DEV_KEY_DIR / "dev-signing-key.pem"


class GatewaySettings(SuiteSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    service_name: str = "gateway"
    port: int = 8000
    # The internal listener (internal_listener.py): `/internal/...` (the hub, the services' token endpoint)
    # is served only on this port; 0 turns it off.
    internal_port: int = Field(8010, ge=0, lt=65536)
    internal_host: str = "127.0.0.1"
    internal_reuse_port: bool = False  # several workers share the internal port (SO_REUSEPORT)
    # -- sign-in protection (oauth/throttle.py, ratelimit/clientip.py) --------------------------
    # Proxies whose X-Forwarded-For is believed, comma-separated CIDRs or addresses; none by default.
    trusted_proxies: str = ""
    signin_user_max_failures: int = Field(5, ge=1)        # then each failure locks the user name, doubling
    signin_address_max_failures: int = Field(50, ge=1)    # the same per client address (NAT, the console)
    signin_backoff_base_seconds: float = Field(1.0, gt=0)
    signin_backoff_max_seconds: float = Field(900.0, gt=0)
    signin_window_seconds: float = Field(900.0, gt=0)     # counts forgotten after this long without a failure
    password_hash_concurrency: int = Field(default_factory=lambda: max(1, min(4, os.cpu_count() or 1)), ge=1, le=64)
    password_hash_wait_seconds: float = Field(2.0, ge=0)  # a sign-in waiting longer for a hash slot: 503
    # Who works on a case (access/participants.py): the owning service's answer is kept this long.
    participants_cache_seconds: float = Field(10.0, ge=0, le=60)
    # PEM files, comma-separated; the first signs, all are published in the JWKS (rotation).
    signing_keys: str = str(DEV_SIGNING_KEY)
    token_ttl_seconds: int = 3600
    mediation_url: str = "http://127.0.0.1:8001"
    # Where mediation's writes go (every method but GET, HEAD and OPTIONS), when set: a mediation process of
    # its own for bookings, so that on SQLite the write lock's holder does not share its interpreter with the
    # reads (`make run` starts one, `mediation-writes`; docs/benchmarks.md, issue 11 fifth round). Empty:
    # everything goes to mediation_url.
    mediation_write_url: str = ""
    lawyers_url: str = "http://127.0.0.1:8002"
    console_url: str = "http://127.0.0.1:8003"  # the console (工作台), served under /console/
    proxy_connect_timeout: float = 2.0
    proxy_read_timeout: float = 10.0
    # Proxy hop (proxy/): the one long-lived client per process and its limits.
    proxy_client: Literal["aiohttp", "httpx"] = "aiohttp"
    proxy_pool_size: int = 512
    proxy_keepalive_seconds: float = 4.0  # below the services' own keep-alive (uvicorn: 5 s)
    proxy_max_body_bytes: int = 10 * 1024 * 1024
    token_cache_size: int = 10_000  # verified tokens remembered until they expire
    idempotency_ttl_hours: int = Field(24, ge=24)  # kept at least 24 h (API.md)
    # an in-progress key older than this is taken over (a crashed run; > proxy timeouts)
    idempotency_lock_seconds: int = 60
    idempotency_expiry_interval_seconds: float = 600.0
    rate_limit_per_minute: int = 6000  # per client; 0 turns the limit off
    rate_limit_key_prefix: str = "suite:ratelimit:"
    redis_url: str = ""
    # --- webhooks (issue 5 point 4) ---
    # `host:port` entries exempt from the private-address refusal, comma-separated (env
    # GATEWAY_WEBHOOK_ALLOWED_HOSTS or WEBHOOK_ALLOWED_HOSTS); a host without a port: ports 80 and 443 only
    # (webhook/urlsafety.py). Empty outside prod means the dev default "127.0.0.1:9000,localhost:9000".
    # The suite's own ports are never allowed.
    webhook_allowed_hosts: str = Field("", validation_alias=AliasChoices(
        "GATEWAY_WEBHOOK_ALLOWED_HOSTS", "WEBHOOK_ALLOWED_HOSTS", "webhook_allowed_hosts"))
    # Seconds to wait before each attempt, counted from the previous one (at once, 5 s, 5 min, 30 min, 2 h,
    # 5 h, 10 h, 14 h, 20 h, 24 h): ten attempts over about three days.
    webhook_retry_schedule: str = "0,5,300,1800,7200,18000,36000,50400,72000,86400"
    webhook_retry_jitter: float = 0.1  # each wait varies by up to ±10 %
    webhook_retry_after_max_seconds: float = 86400  # a Retry-After longer than this is cut to it
    webhook_timeout_seconds: float = 10.0
    webhook_connect_timeout_seconds: float = 5.0
    webhook_secret_grace_hours: float = 24  # the old secret still signs this long after a rotation
    # Fernet keys sealing the signing secrets at rest, comma-separated, the first seals (see webhook/sealing.py).
    webhook_sealing_keys: str = DEV_SEALING_KEY
    webhook_poll_seconds: float = 1.0
    webhook_batch_size: int = 100
    webhook_concurrency: int = 20

    # -- event hub (事件中心): push delivery to subscribers ------------------------------------
    hub_batch: int = 200                      # deliveries claimed per round
    hub_max_attempts: int = 15                # then the delivery is dead (listed, replayable)
    hub_backoff_base_seconds: float = 1.0     # 1 s, 2 s, 4 s, ... (with jitter)
    hub_backoff_max_seconds: float = 600.0
    hub_lease_seconds: int = 30               # a claimed delivery is retried after this if the gateway dies
    hub_push_timeout_seconds: float = 10.0
    hub_order_gap_seconds: float = 300.0      # an event waits this long for an earlier one that never came
    hub_interval_seconds: float = 0.2

    # -- case handoffs (案件移交) -------------------------------------------------------------
    handoff_accept_working_days: int = 1      # `requested` not accepted within this -> expired
    handoff_expiry_interval_seconds: float = 60.0
    # The intake: requests that arrive together are written in one transaction (handoff/intake.py).
    handoff_writers: int = Field(2, ge=1, le=64)    # batches written at once
    handoff_batch: int = Field(64, ge=1, le=1000)   # requests per transaction at most
    # Parties' phone and ID number sealed in the handoff row and the `handoff.requested` event
    # (shared/handoff_pii.py): HANDOFF_PII_KEYS, shared with mediation, comma-separated `kid:base64key`
    # (AES-128/192/256); the first seals, all open. GATEWAY_HANDOFF_PII_KEYS overrides it here.
    handoff_pii_keys: str = handoff_pii.keys_setting("GATEWAY_")

    # -- audit trail: how often every chain head is signed and stored (audit/service.py) ---------
    audit_anchor_interval_seconds: float = Field(86400.0, gt=0)

    def model_post_init(self, __context) -> None:
        super().model_post_init(__context)
        if not self.webhook_allowed_hosts.strip() and self.suite_env != "prod":
            self.webhook_allowed_hosts = "127.0.0.1:9000,localhost:9000"
        from services.gateway.webhook.urlsafety import allowed_hosts
        allowed_hosts(self.webhook_allowed_hosts)  # fail fast on a malformed entry
        self.webhook_retry_delays()  # fail fast on a malformed schedule
        box(self.webhook_sealing_keys)  # and on a malformed sealing key
        key_ring(self.handoff_pii_keys)  # and on a malformed handoff PII key
        from services.gateway.ratelimit.clientip import parse_trusted
        parse_trusted(self.trusted_proxies)  # and on a malformed proxy list

    def webhook_retry_delays(self) -> list[float]:
        """The retry schedule in seconds; its length is the number of attempts."""
        try:
            delays = [float(x) for x in self.webhook_retry_schedule.split(",") if x.strip()]
        except ValueError:
            raise ValueError("webhook_retry_schedule is not a list of seconds: "
                             f"{self.webhook_retry_schedule!r}") from None
        if not delays or any(d < 0 for d in delays):
            raise ValueError("webhook_retry_schedule needs at least one non-negative number of seconds")
        return delays

    def signing_key_pems(self) -> list[str]:
        return [Path(p.strip()).read_text() for p in self.signing_keys.split(",") if p.strip()]

    def dev_secret_problems(self) -> list[str]:
        problems = super().dev_secret_problems()
        dev_pem = DEV_SIGNING_KEY.read_text().strip()
        if any(p.strip() == dev_pem for p in self.signing_key_pems()):
            problems.append("SUITE_ENV=prod refuses the development signing key; set GATEWAY_SIGNING_KEYS")
        if DEV_SEALING_KEY in (k.strip() for k in self.webhook_sealing_keys.split(",")):
            problems.append("SUITE_ENV=prod refuses the development webhook sealing key; "
                            "set GATEWAY_WEBHOOK_SEALING_KEYS")
        if problem := handoff_pii.dev_key_problem(self.handoff_pii_keys, "GATEWAY_"):
            problems.append(problem)
        return problems
