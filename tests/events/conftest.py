"""Event-transport tests: the same contract on the gateway's hub and on NATS JetStream."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "handoffs"))

from nats_suite_kit import start_nats_suite, stop_nats_suite


@pytest.fixture(scope="session")
def nats_suite(tmp_path_factory, suite):
    nsuite, db_prefix = start_nats_suite(tmp_path_factory, type(suite))
    try:
        yield nsuite
    finally:
        stop_nats_suite(nsuite, db_prefix)


@pytest.fixture(autouse=True)
def _clean_nats_suite(request):
    yield
    if "nats_suite" in request.fixturenames:
        request.getfixturevalue("nats_suite").clean()


@pytest.fixture(params=["hub", "nats"])
def bus(request):
    """The running suite on the given event transport (`.drain()` moves every event)."""
    return request.getfixturevalue("suite" if request.param == "hub" else "nats_suite")
