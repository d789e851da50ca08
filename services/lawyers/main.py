"""Placeholder until the lawyers service lands."""
from fastapi import FastAPI

from shared.app import create_service_app
from services.lawyers.settings import LawyersSettings


def create_app(settings: LawyersSettings | None = None, **overrides) -> FastAPI:
    settings = settings or LawyersSettings(**overrides)
    return create_service_app(settings, title="Lawyers service (律师)")
