"""Gateway settings (env prefix `GATEWAY_`)."""
from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from shared.settings import DEV_KEY_DIR, SuiteSettings

DEV_SIGNING_KEY = DEV_KEY_DIR / "dev-signing-key.pem"


class GatewaySettings(SuiteSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    service_name: str = "gateway"
    port: int = 8000
    # PEM files, comma-separated; the first signs, all are published in the JWKS (rotation).
    signing_keys: str = str(DEV_SIGNING_KEY)
    token_ttl_seconds: int = 3600
    mediation_url: str = "http://127.0.0.1:8001"
    lawyers_url: str = "http://127.0.0.1:8002"
    proxy_connect_timeout: float = 2.0
    proxy_read_timeout: float = 10.0
    idempotency_ttl_hours: int = 24
    rate_limit_per_minute: int = 6000
    redis_url: str = ""
    webhook_allowed_hosts: str = ""

    def signing_key_pems(self) -> list[str]:
        return [Path(p.strip()).read_text() for p in self.signing_keys.split(",") if p.strip()]

    def refuse_dev_secrets(self) -> None:
        super().refuse_dev_secrets()
        if self.suite_env == "prod":
            dev_pem = DEV_SIGNING_KEY.read_text().strip()
            if any(p.strip() == dev_pem for p in self.signing_key_pems()):
                raise RuntimeError("SUITE_ENV=prod refuses the development signing key; set GATEWAY_SIGNING_KEYS")
