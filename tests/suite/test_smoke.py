def test_token_and_health(suite):
    c = suite.client(None)
    assert c.get("/healthz").json() == {"status": "ok"}
    assert suite.token("coordinator")
    assert suite.token("petition-system")
    r = suite.direct("mediation", "coordinator").get("/readyz")
    assert r.status_code == 200, r.text
