"""Lawyers service settings (env prefix `LAWYERS_`)."""
from pydantic_settings import SettingsConfigDict

from shared.settings import SuiteSettings


class LawyersSettings(SuiteSettings):
    model_config = SettingsConfigDict(env_prefix="LAWYERS_", extra="ignore", populate_by_name=True)

    service_name: str = "lawyers"
    port: int = 8002
    service_client_id: str = "lawyers-service"
    service_client_secret: str = "lawyers-service-dev-secret"
