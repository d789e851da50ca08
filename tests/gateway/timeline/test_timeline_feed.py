"""The case timeline (oldest first, every service) and the event feed for pull consumers."""
from __future__ import annotations

from tests.handoff_kit import case_no, mediation_body, post_handoff


def test_timeline_and_feed(suite):
    petition = suite.client("petition-system")
    case = case_no()
    post_handoff(petition, case, mediation_body())
    other = case_no()
    post_handoff(petition, other, mediation_body())
    suite.drain()
    tl = suite.client("auditor").get(f"/api/v1/cases/{case}/timeline").json()["events"]
    assert [e["type"] for e in tl] == ["handoff.requested", "mediation.handoff.accepted", "handoff.accepted"]
    assert {e["source"] for e in tl} == {"gateway", "mediation"}
    assert all(e["subject"] == case and e["specversion"] == "1.0" and e["time"].endswith("+08:00") for e in tl)
    assert suite.client("coordinator").get("/api/v1/cases/bad!case/timeline").status_code == 422
    assert suite.client(None).get(f"/api/v1/cases/{case}/timeline").status_code == 401

    # The feed: pages of 2, then poll with the last cursor.
    seen, after = [], ""
    while True:
        page = petition.get(f"/api/v1/events?limit=2&after={after}").json()
        seen += [e["id"] for e in page["items"]]
        after = page["last_cursor"]
        if page["next_cursor"] is None:
            break
        assert page["next_cursor"] == page["last_cursor"]
    assert len(seen) == len(set(seen)) == 6
    assert petition.get(f"/api/v1/events?after={after}").json()["items"] == []
    only = petition.get(f"/api/v1/events?subject={other}").json()["items"]
    assert [e["subject"] for e in only] == [other] * 3
    assert petition.get("/api/v1/events?after=abc").status_code == 422
    assert petition.get("/api/v1/events?limit=500").status_code == 422
    assert suite.client("mediator1").get("/api/v1/events").status_code == 403
