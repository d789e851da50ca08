"""Alembic environment of the mediation service."""
from alembic import context

import services.mediation.models  # noqa: F401  (registers every table of the service)
from shared.migrate import run_env

run_env(context, owner="mediation")
