"""Handoff tests run against both transports: the gateway's hub and NATS JetStream."""
import pytest
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
