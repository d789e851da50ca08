"""Alembic environment of the gateway service."""
from alembic import context

import services.gateway.models  # noqa: F401  (registers every table of the service)
from shared.migrate import run_env

run_env(context, owner="gateway")
