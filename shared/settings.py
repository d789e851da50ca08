"""Settings base: pydantic-settings, one env prefix per service, suite-wide names unprefixed.

`SUITE_ENV` is `dev` (default for local runs), `test` or `prod`. In `prod` a
service refuses to start while any development secret or the development
signing key is configured (see `refuse_dev_secrets`).

Secrets as files (密钥文件): with `SUITE_SECRETS_DIR` set (Kubernetes mounts the `suite-secrets` Secret
there), every setting may also come from a file in that directory named after its variable, e.g.
`MEDIATION_DATABASE_URL` or `CURSOR_SECRET` (any case); surrounding whitespace, such as the trailing newline
an editor adds, is stripped. An environment variable still wins over a file (local runs, tests).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"
DEV_KEY_DIR = Path(__file__).resolve().parent / "devkeys"

# Every secret value that ships in the repository as part of the documented dev seed.
DEV_SECRETS = frozenset(
    {
        "petition-system-dev-secret",
        "coordinator-dev",
        "mediator1-dev",
        "lawyer1-dev",
        "auditor-dev",
        "mediation-service-dev-secret",
        "lawyers-service-dev-secret",
        "gateway-service-dev-secret",
        "petition-suite-dev-cursor-secret",
    }
)


SECRETS_DIR_VAR = "SUITE_SECRETS_DIR"


def secrets_dir() -> Path | None:
    """The secrets directory named by `SUITE_SECRETS_DIR`, or None when it is unset or empty.

    Set to something that is not a directory, it stops the service at once (a mount gone wrong must not
    quietly fall back to the defaults)."""
    raw = os.environ.get(SECRETS_DIR_VAR, "").strip()
    if not raw:
        return None
    path = Path(raw)
    if not path.is_dir():
        raise ValueError(f"{SECRETS_DIR_VAR}={raw}: not a directory")
    return path


def secret_value(name: str) -> str | None:
    """The variable `name` from the environment, else from its file in the secrets directory, else None.

    For the few readers outside the settings classes (e.g. the migration Job's database URLs, shared/migrate.py)."""
    if value := os.environ.get(name):
        return value
    directory = secrets_dir()
    if directory is None:
        return None
    for candidate in (name, name.lower()):
        path = directory / candidate
        if path.is_file():
            return path.read_text(encoding="utf-8").strip() or None
    return None


def suite_wide(default, name: str, **kw):
    """A setting shared by the whole suite, read from the unprefixed variable `name`."""
    return Field(default, validation_alias=AliasChoices(name), **kw)


class SuiteSettings(BaseSettings):
    """Fields every service has. Subclasses set `env_prefix` (e.g. `MEDIATION_`)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "suite"
    suite_env: Literal["dev", "test", "prod"] = suite_wide("dev", "SUITE_ENV")
    database_url: str = ""
    gateway_url: str = suite_wide("http://127.0.0.1:8000", "GATEWAY_URL")
    # The gateway's internal listener: the event hub and the services' token endpoint (never public).
    gateway_internal_url: str = suite_wide("http://127.0.0.1:8010", "GATEWAY_INTERNAL_URL")
    jwt_issuer: str = suite_wide("petition-suite-gateway", "JWT_ISSUER")
    jwt_audience: str = suite_wide("petition-suite", "JWT_AUDIENCE")
    jwks_url: str = suite_wide("", "JWKS_URL")
    event_transport: Literal["hub", "nats"] = suite_wide("hub", "EVENT_TRANSPORT")
    nats_url: str = suite_wide("nats://127.0.0.1:4222", "NATS_URL")
    # NATS JetStream: subject/stream prefix (streams <PREFIX>_<DOMAIN>), attempts before the dead-letter subject.
    nats_prefix: str = suite_wide("suite", "NATS_PREFIX")
    # How long a relay's claim on outbox rows lasts (a relay that dies mid-publish is retried after this).
    outbox_lease_seconds: int = suite_wide(30, "OUTBOX_LEASE_SECONDS")
    nats_max_deliver: int = suite_wide(10, "NATS_MAX_DELIVER")
    nats_backoff_base_seconds: float = suite_wide(1.0, "NATS_BACKOFF_BASE_SECONDS")
    nats_backoff_max_seconds: float = suite_wide(60.0, "NATS_BACKOFF_MAX_SECONDS")
    # A message fetched but not acknowledged (its consumer died) comes back after this many seconds.
    nats_ack_wait_seconds: float = suite_wide(10.0, "NATS_ACK_WAIT_SECONDS")
    jobs_enabled: bool = True
    # At startup the service checks that its database is at its migrations' head and refuses to start
    # otherwise (shared/migrate.py). <PREFIX>MIGRATE_ON_START=true migrates it first instead: dev and test
    # only (production migrates once per release, in the migration Job, before any pod starts).
    migrate_on_start: bool = False
    # Database connections kept open (<PREFIX>DB_POOL_SIZE). Keep the transactions a busy service runs
    # at once below it, so it reuses its connections instead of opening and closing overflow ones
    # (a new PostgreSQL connection costs the server a process start).
    db_pool_size: int = Field(20, ge=1, le=200)
    # Units that only read, in worker threads at once (<PREFIX>DB_READ_THREADS); the next wait their turn,
    # first come, first served. One interpreter runs one thread at a time: more threads only share it
    # thinner, so every read of a busy process is slow instead of the later ones waiting briefly
    # (bench/embedded_mix.py: 4 against 20, docs/benchmarks.md, issue 11 fifth round).
    db_read_threads: int = Field(4, ge=1, le=200)
    log_level: str = suite_wide("INFO", "LOG_LEVEL")
    # One JSON line per request from the server (method, path without query, status, request id); off by default.
    log_access: bool = suite_wide(False, "LOG_ACCESS")
    # Signs list cursors (shared/pagination.py): the same on every replica of every service, so a cursor
    # outlives a restart and works on any replica; production must set its own (CURSOR_SECRET).
    cursor_secret: str = suite_wide("petition-suite-dev-cursor-secret", "CURSOR_SECRET", repr=False)
    # Audit trail (shared/audit): records older than this many days are exported to AUDIT_EXPORT_DIR (JSON
    # lines) and then dropped; at least six months (网络安全法 art. 21), so never fewer than 183.
    audit_retention_days: int = suite_wide(183, "AUDIT_RETENTION_DAYS", ge=183)
    audit_export_dir: str = suite_wide(str(VAR_DIR / "audit-export"), "AUDIT_EXPORT_DIR")
    audit_retention_interval_seconds: float = suite_wide(86400.0, "AUDIT_RETENTION_INTERVAL_SECONDS", gt=0)
    # How often the list of revoked subjects (disabled users) is refreshed (shared/revocation.py).
    revocation_poll_seconds: float = suite_wide(10.0, "REVOCATION_POLL_SECONDS", gt=0, le=30)
    # The service's own machine credentials at the gateway (client credentials, role `service`).
    service_client_id: str = ""
    service_client_secret: str = ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """pydantic-settings' usual order (arguments, environment, .env, secret files), the secret files
        read from `SUITE_SECRETS_DIR` when the class names no `secrets_dir` of its own."""
        # The source pydantic-settings built keeps the call's prefix and case options; only its directory is set.
        if isinstance(file_secret_settings, SecretsSettingsSource) and file_secret_settings.secrets_dir is None:
            file_secret_settings.secrets_dir = secrets_dir()
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    def default_database_url(self) -> str:
        return f"sqlite:///{VAR_DIR / (self.service_name + '.db')}"

    def model_post_init(self, __context) -> None:
        if not self.database_url:
            self.database_url = self.default_database_url()
        if not self.jwks_url:
            self.jwks_url = self.gateway_url.rstrip("/") + "/.well-known/jwks.json"

    def dev_secrets_in_use(self) -> list[str]:
        """Names of settings that still hold a dev seed secret."""
        found = []
        for name, value in self.model_dump().items():
            if isinstance(value, str) and value in DEV_SECRETS:
                found.append(name)
        return found

    def dev_secret_problems(self) -> list[str]:
        """What production would refuse (subclasses add their own keys)."""
        bad = self.dev_secrets_in_use()
        return ["SUITE_ENV=prod refuses development secrets in: " + ", ".join(sorted(bad))] if bad else []

    def refuse_dev_secrets(self) -> None:
        """In production, refuse to start with a development secret (STYLE habit 11); every problem at once."""
        if self.suite_env == "prod":
            problems = self.dev_secret_problems()
            if problems:
                raise RuntimeError("; ".join(problems))
