"""Mediation service settings (env prefix `MEDIATION_`)."""
from pydantic_settings import SettingsConfigDict

from shared.settings import SuiteSettings


class MediationSettings(SuiteSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIATION_", extra="ignore", populate_by_name=True)

    service_name: str = "mediation"
    port: int = 8001
    service_client_id: str = "mediation-service"
    service_client_secret: str = "mediation-service-dev-secret"
