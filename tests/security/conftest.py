"""The authorization matrix shares one world per module (built once: about a hundred objects), so the
tables are emptied when the module ends instead of after every test."""
from __future__ import annotations

import pytest

from tests.security.authorization_world import World


@pytest.fixture(autouse=True)
def _clean_tables():  # overrides tests/conftest.py's per-test cleaning for this folder
    yield


@pytest.fixture(scope="module")
def world(suite):
    lawyers = suite.app["lawyers"].state.settings
    cap = lawyers.open_request_cap
    lawyers.open_request_cap = 1000  # lawyer1 is given many fresh requests; the cap is not what is tested
    suite.clean()
    try:
        yield World(suite).build()
    finally:
        lawyers.open_request_cap = cap
        suite.clean()
