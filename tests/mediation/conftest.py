"""Fixtures of the mediation tests; the builders live in mediation_kit.py."""
from __future__ import annotations

from datetime import date

import pytest

from tests.mediation.mediation_kit import Api, working_day


@pytest.fixture
def api(suite) -> Api:
    return Api(suite)


@pytest.fixture
def day() -> date:
    return working_day(0)
