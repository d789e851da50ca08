"""Console settings (env prefix `CONSOLE_`)."""
from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore", populate_by_name=True)

    suite_env: Literal["dev", "test", "prod"] = Field("dev", validation_alias=AliasChoices("SUITE_ENV", "suite_env"))
    port: int = 8003
    # Where the console reaches the public API (the gateway), server to server.
    gateway_url: str = Field("http://127.0.0.1:8000",
                             validation_alias=AliasChoices("CONSOLE_GATEWAY_URL", "GATEWAY_URL", "gateway_url"))
    # The path the browser sees the console under (the gateway proxies it there).
    base_path: str = "/console"
    client_id: str = "console"
    idle_minutes: int = Field(30, ge=1, le=24 * 60)  # a session ends after this long without activity
    api_timeout_seconds: float = 10.0
    cookie_name: str = "console_session"
    log_level: str = Field("INFO", validation_alias=AliasChoices("LOG_LEVEL", "log_level"))

    @property
    def secure_cookies(self) -> bool:
        """`Secure` cookies outside dev and test (those run on plain http://127.0.0.1)."""
        return self.suite_env == "prod"
