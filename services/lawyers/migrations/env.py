"""Alembic environment of the lawyers service."""
from alembic import context

import services.lawyers.models  # noqa: F401  (registers every table of the service)
from shared.migrate import run_env

run_env(context, owner="lawyers")
