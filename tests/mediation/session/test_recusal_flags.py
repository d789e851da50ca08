"""A recusal relation (回避) added after a booking flags the mediator's scheduled sessions with that party:
the session's answer carries `flags: ["recusal_conflict"]`, `mediation.session.flagged` is emitted (and
reaches the webhooks), and the flag is resolved when the session is rescheduled to another mediator."""
from __future__ import annotations

from sqlalchemy import select

from tests.mediation.mediation_kit import BASE, at, outbox, working_day
from tests.problem_kit import problem


def test_a_relation_added_later_flags_the_booked_sessions(suite, api):
    c = api()
    room, med, other = api.room(), api.mediator(), api.mediator()
    d = working_day(1)
    parties = [{"name": "张三", "role": "petitioner"}, {"name": "李四", "role": "respondent"}]
    s1 = api.book(room, [med], at(d, "09:00"), at(d, "10:00"), parties=parties)
    s2 = api.book(room, [med], at(d, "14:00"), at(d, "15:00"),
                  parties=[{"name": "王五", "role": "petitioner"}, {"name": "赵六", "role": "respondent"}])
    s3 = api.book(room, [other], at(d, "11:00"), at(d, "12:00"),
                  parties=[{"name": "张三", "role": "petitioner"}, {"name": "孙七", "role": "respondent"}])
    assert s1["flags"] == [] and s1["flag_details"] == []

    r = c.post(f"{BASE}/mediators/{med['id']}/relations", json={"party_name": " 张三 ", "relation": "近亲属（表兄）"})
    assert r.status_code == 201, r.text
    assert r.json()["flagged_session_ids"] == [s1["id"]]

    got = c.get(f"{BASE}/sessions/{s1['id']}").json()
    assert got["status"] == "scheduled" and got["flags"] == ["recusal_conflict"]
    detail = got["flag_details"][0]
    assert detail["mediator_id"] == med["id"] and detail["party_name"] == "张三" and detail["label"]
    assert c.get(f"{BASE}/sessions/{s2['id']}").json()["flags"] == []   # other parties
    assert c.get(f"{BASE}/sessions/{s3['id']}").json()["flags"] == []   # another mediator
    listed = {x["id"]: x["flags"] for x in c.get(f"{BASE}/sessions", params={"case_no": s1["case_no"]}).json()["items"]}
    assert listed == {s1["id"]: ["recusal_conflict"]}

    events = outbox(suite, "mediation.session.flagged", s1["case_no"])
    assert len(events) == 1
    data = events[0]["data"]
    assert data["session_id"] == s1["id"] and data["flag"] == "recusal_conflict"
    assert data["mediator_id"] == med["id"] and data["notify"] == ["coordinator"]
    assert all("phone" not in p for p in data["parties"])

    # the event reaches the webhooks through the hub
    hook = suite.client("petition-system").post("/api/v1/webhooks", json={
        "url": "http://127.0.0.1:9/hook", "event_types": ["mediation.session.flagged"]})
    assert hook.status_code == 201, hook.text
    c.post(f"{BASE}/mediators/{med['id']}/relations", json={"party_name": "李四", "relation": "同事"})
    suite.drain()
    from services.gateway.webhook.models import WebhookDelivery
    with suite.db("gateway").session() as s:
        kinds = list(s.execute(select(WebhookDelivery.event_type, WebhookDelivery.subject)
                               .where(WebhookDelivery.endpoint_id == hook.json()["id"])).all())
    assert ("mediation.session.flagged", s1["case_no"]) in kinds

    # keeping the recused mediator is refused; moving to another mediator resolves the flag
    same = c.post(f"{BASE}/sessions/{s1['id']}/reschedule", json={"start": at(d, "16:00"), "end": at(d, "17:00")})
    problem(same, 409, "mediator_recused")
    moved = c.post(f"{BASE}/sessions/{s1['id']}/reschedule", json={
        "start": at(d, "16:00"), "end": at(d, "17:00"), "mediator_ids": [other["id"]], "reason": "回避，更换调解员"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["flags"] == []


def test_cancelling_a_flagged_session_clears_the_flag(suite, api):
    c = api()
    room, med = api.room(), api.mediator()
    d = working_day(2)
    s = api.book(room, [med], at(d, "09:00"), at(d, "10:00"),
                 parties=[{"name": "周八", "role": "petitioner"}, {"name": "吴九", "role": "respondent"}])
    c.post(f"{BASE}/mediators/{med['id']}/relations", json={"party_name": "吴九", "relation": "利害关系"})
    assert c.get(f"{BASE}/sessions/{s['id']}").json()["flags"] == ["recusal_conflict"]
    r = c.post(f"{BASE}/sessions/{s['id']}/cancel", json={"reason": "调解员回避"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["flags"] == []


def test_a_relation_with_nobody_booked_flags_nothing(suite, api):
    med = api.mediator()
    r = api().post(f"{BASE}/mediators/{med['id']}/relations", json={"party_name": "无关人员", "relation": "邻居"})
    assert r.status_code == 201 and r.json()["flagged_session_ids"] == []
    assert outbox(suite, "mediation.session.flagged") == []
