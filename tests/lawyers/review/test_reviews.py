"""Review studio (复查 / 复核): deadlines by the shared rule, hearings, panel, 不再受理, events."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.lawyers.review.jobs import mark_review_deadlines
from shared.timeutil import SHANGHAI
from tests.lawyers.conftest import BASE, OPINION, events, make_lawyer, set_day


def _studio(api, n=2, **kw):
    return [make_lawyer(api, "studio_lawyer", **kw) for _ in range(n)]


def _open(api, case_no, kind="review", received_on="2026-03-02", **kw):
    r = api("coordinator").post(f"{BASE}/reviews", json={"case_no": case_no, "kind": kind,
                                                         "received_on": received_on, **kw})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("kind,received,due", [
    ("review", "2026-03-02", "2026-04-01"),          # a plain working day
    ("review", "2026-09-05", "2026-10-08"),          # lands on the National Day holiday -> next working day
    ("re_examination", "2026-01-15", "2026-02-14"),  # lands on a working Saturday (调休): stays
    ("review", "2026-01-29", "2026-02-28"),          # another working Saturday
    ("re_examination", "2026-01-17", "2026-02-24"),  # lands in the Spring Festival -> first working day after
])
def test_deadline_by_shared_rule(api, kind, received, due):
    _studio(api)
    assert _open(api, f"R-{received}", kind, received)["due_on"] == due


def test_deadline_into_2027_beyond_packaged_data(api, suite):
    _studio(api)
    # 2026-12-04 + 30 days = Sunday 2027-01-03: no packaged data -> Monday to Friday fallback
    assert _open(api, "Y-1", received_on="2026-12-04")["due_on"] == "2027-01-04"
    # 2026-12-20 + 30 = Tuesday 2027-01-19 stays
    assert _open(api, "Y-2", received_on="2026-12-20")["due_on"] == "2027-01-19"
    # with the bureau's override (the published holiday notice for 2027) the deadline follows it
    set_day(suite, date(2027, 1, 4), "holiday", "元旦调休")
    set_day(suite, date(2027, 1, 19), "holiday", "测试假日")
    assert _open(api, "Y-3", received_on="2026-12-04")["due_on"] == "2027-01-05"
    assert _open(api, "Y-4", received_on="2026-12-20")["due_on"] == "2027-01-20"
    # an override making a weekend day a working day (调休)
    set_day(suite, date(2027, 1, 3), "workday", "调休上班")
    assert _open(api, "Y-5", received_on="2026-12-04")["due_on"] == "2027-01-03"


def test_hearing_days_are_not_counted(api, suite):
    _studio(api)
    r = _open(api, "H-1", "re_examination", "2026-03-02")
    assert r["due_on"] == "2026-04-01"
    c = api("coordinator")
    h = c.post(f"{BASE}/reviews/{r['id']}/hearings", json={"start": "2026-03-10T09:00:00+08:00",
                                                             "end": "2026-03-10T11:30:00+08:00", "location": "听证室"})
    assert h.status_code == 201 and h.json()["review"]["due_on"] == "2026-04-02"
    # a two-day hearing adds two more days, a second one on an already counted day adds none
    c.post(f"{BASE}/reviews/{r['id']}/hearings", json={"start": "2026-03-12T09:00:00+08:00",
                                                        "end": "2026-03-13T17:00:00+08:00"})
    c.post(f"{BASE}/reviews/{r['id']}/hearings", json={"start": "2026-03-13T18:00:00+08:00",
                                                        "end": "2026-03-13T19:00:00+08:00"})
    got = c.get(f"{BASE}/reviews/{r['id']}").json()
    assert got["hearing_days"] == 3 and got["due_on"] == "2026-04-07"  # 04-04..06 Qingming
    ev = events(suite, "lawyers.review.hearing_scheduled", "H-1")
    assert [e.data["due_on"] for e in ev] == ["2026-04-02", "2026-04-07", "2026-04-07"]
    assert c.post(f"{BASE}/reviews/{r['id']}/hearings", json={"start": "2026-03-14T09:00:00+08:00",
                                                               "end": "2026-03-14T08:00:00+08:00"}).status_code == 422
    assert api("lawyer1").post(f"{BASE}/reviews/{r['id']}/hearings", json={
        "start": "2026-03-14T09:00:00+08:00", "end": "2026-03-14T10:00:00+08:00"}).status_code == 403


def test_second_re_examination_refused(api, suite):
    _studio(api)
    _open(api, "RE-1", "review", "2026-03-02")
    _open(api, "RE-1", "re_examination", "2026-04-10")
    c = api("coordinator")
    again = c.post(f"{BASE}/reviews", json={"case_no": "RE-1", "kind": "re_examination", "received_on": "2026-05-01"})
    assert again.status_code == 409 and again.json()["code"] == "already_re_examined"
    assert "不再受理" in again.json()["detail"]
    review = c.post(f"{BASE}/reviews", json={"case_no": "RE-1", "kind": "review", "received_on": "2026-05-01"})
    assert review.status_code == 409
    assert len(events(suite, "lawyers.review.opened", "RE-1")) == 2


def test_panel_of_two_without_conflicts(api, suite, settings):
    a, b, _c3 = _studio(api, 3)
    make_lawyer(api, "public_lawyer")  # not a studio lawyer
    api("coordinator").post(f"{BASE}/lawyers/{a['id']}/conflicts", json={"party_name": "某街道办", "matter": "法律顾问",
                                                                          "relation": "current_client"})
    r = _open(api, "P-1", parties=[{"name": "钱某", "role": "petitioner"}, {"name": "某街道办 ", "role": "respondent"}])
    assert len(r["panel"]) == 2 and a["id"] not in r["panel"] and r["panel_complete"]
    ev = events(suite, "lawyers.review.opened", "P-1")[0].data
    assert ev["panel"] == r["panel"] and ev["due_on"] == r["due_on"]
    # load balancing: the next matter goes to the least loaded studio lawyers
    r2 = _open(api, "P-2")
    assert a["id"] in r2["panel"]
    settings["review_panel_size"] = 3
    r3 = _open(api, "P-3", parties=["某街道办"])
    assert len(r3["panel"]) == 2 and not r3["panel_complete"]
    bad = api("coordinator").post(f"{BASE}/reviews/{r3['id']}/panel", json={"lawyer_ids": [a["id"], b["id"]]})
    assert bad.status_code == 409 and bad.json()["code"] == "conflict_of_interest"


def test_opinion_by_panel_member_decides(api, suite):
    a = make_lawyer(api, "studio_lawyer", user="lawyer1")
    b = make_lawyer(api, "studio_lawyer", user="lawyer2")
    make_lawyer(api, "studio_lawyer", user="lawyer3", active=False)
    r = _open(api, "D-1")
    assert set(r["panel"]) == {a["id"], b["id"]}
    assert api("lawyer3").get(f"{BASE}/reviews/{r['id']}").status_code == 404
    assert api("lawyer3").post(f"{BASE}/reviews/{r['id']}/opinion", json=OPINION).status_code == 404
    assert api("coordinator").post(f"{BASE}/reviews/{r['id']}/opinion", json=OPINION).status_code == 403
    assert [x["id"] for x in api("lawyer2").get(f"{BASE}/reviews").json()["items"]] == [r["id"]]
    o = api("lawyer2").post(f"{BASE}/reviews/{r['id']}/opinion", json=OPINION | {"legality": "unlawful",
                                                                                "recommended_channel": "litigation"})
    assert o.status_code == 201
    got = api("petition-system").get(f"{BASE}/reviews/{r['id']}").json()
    assert got["status"] == "decided" and got["opinion"]["id"] == o.json()["id"]
    ev = events(suite, "lawyers.review.decided", "D-1")[0].data
    assert ev["opinion_id"] == o.json()["id"] and ev["recommended_channel"] == "litigation"


def test_due_soon_and_overdue_events(api, suite):
    _studio(api)
    r = _open(api, "J-1", received_on="2026-03-02")  # due 2026-04-01
    app = suite.app["lawyers"]

    def at(d: str) -> datetime:
        return datetime.fromisoformat(d + "T08:00:00").replace(tzinfo=SHANGHAI)

    assert mark_review_deadlines(app, at("2026-03-26")) == {"due_soon": 0, "overdue": 0}
    assert mark_review_deadlines(app, at("2026-03-27")) == {"due_soon": 1, "overdue": 0}
    assert mark_review_deadlines(app, at("2026-03-28"))["due_soon"] == 0
    assert mark_review_deadlines(app, at("2026-04-01"))["overdue"] == 0
    assert mark_review_deadlines(app, at("2026-04-02")) == {"due_soon": 0, "overdue": 1}
    soon = events(suite, "lawyers.review.due_soon", "J-1")
    assert len(soon) == 1 and soon[0].data["days_left"] == 5 and "将于 2026-04-01 到期" in soon[0].data["message"]
    assert len(events(suite, "lawyers.review.overdue", "J-1")) == 1
    assert api("auditor").get(f"{BASE}/reviews/{r['id']}").json()["overdue"] is True


def test_review_roles_and_input(api):
    _studio(api)
    c = api("coordinator")
    assert api("lawyer1").post(f"{BASE}/reviews", json={"case_no": "X-1", "kind": "review",
                                                        "received_on": "2026-03-02"}).status_code == 403
    assert c.post(f"{BASE}/reviews", json={"case_no": "X-1", "kind": "appeal", "received_on": "2026-03-02"}
                  ).status_code == 422
    assert c.post(f"{BASE}/reviews", json={"case_no": "X-1", "kind": "review", "received_on": "03/02/2026"}
                  ).status_code == 422
    far = (datetime.now(SHANGHAI).date() + timedelta(days=800)).isoformat()
    assert c.post(f"{BASE}/reviews", json={"case_no": "X-1", "kind": "review", "received_on": far}).status_code == 422
    assert api("petition-system").post(f"{BASE}/reviews", json={"case_no": "X-2", "kind": "review",
                                                                "received_on": "2026-03-02"}).status_code == 201
    assert api("mediator1").get(f"{BASE}/reviews").status_code == 403
