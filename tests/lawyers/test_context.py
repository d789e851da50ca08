"""A `service` token (the suite's own services) is for `/internal/...` only: every public lawyers path refuses
it with 403, on the service's own port as through the gateway (found by the authorization matrix: the roster
list and the reception days answered it 200, object reads 404)."""
from __future__ import annotations

import pytest

from tests.lawyers.conftest import BASE, make_lawyer


@pytest.mark.parametrize("path", ["/lawyers", "/reception-days?from=2026-12-01&to=2026-12-31",
                                  "/duty-shifts?from=2026-12-01&to=2026-12-31", "/opinion-requests"])
def test_a_service_token_is_refused_on_public_paths(suite, api, path):
    for client in (suite.direct("lawyers", "mediation-service"), suite.client("mediation-service")):
        r = client.get(BASE + path)
        assert r.status_code == 403, (path, r.status_code, r.text)
        assert r.json()["code"] == "forbidden"


def test_a_service_token_still_reads_internal_paths_and_people_still_read_public_ones(suite, api):
    lw = make_lawyer(api, "public_lawyer", user="lawyer1")
    assert suite.direct("lawyers", "mediation-service").get(f"{BASE}/lawyers/{lw['id']}").status_code == 403
    r = suite.direct("lawyers", "mediation-service").get("/internal/cases/C-1/participants")
    assert r.status_code == 200 and r.json()["users"] == []
    assert api("lawyer1").get(f"{BASE}/lawyers/{lw['id']}").status_code == 200
    assert api("auditor").get(f"{BASE}/lawyers").status_code == 200
