"""Placeholder until the mediation service lands."""
from fastapi import FastAPI

from shared.app import create_service_app
from services.mediation.settings import MediationSettings


def create_app(settings: MediationSettings | None = None, **overrides) -> FastAPI:
    settings = settings or MediationSettings(**overrides)
    return create_service_app(settings, title="Mediation service (信访调解室)")
