"""Opinion requests: automatic assignment, manual assignment, decline, filing, amendments, deadlines."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.lawyers.opinion.jobs import mark_opinion_deadlines
from shared.calendar import rule_deadline
from shared.timeutil import SHANGHAI
from tests.lawyers.conftest import BASE, OPINION, events, make_lawyer, make_request


def today() -> date:
    return datetime.now(SHANGHAI).date()


def test_assignment_by_specialty_language_and_load(api, suite):
    labour = make_lawyer(api, specialties=["labour"], languages=["zh"])
    yue = make_lawyer(api, specialties=["labour"], languages=["zh", "yue"])
    make_lawyer(api, specialties=["land"])
    make_lawyer(api, "studio_lawyer", specialties=["labour"])  # not an opinion kind
    r = make_request(api, language="yue")
    assert r["status"] == "assigned" and r["assignee_id"] == yue["id"]
    # yue now has 1 open request: the next labour request goes to the less loaded lawyer
    r2 = make_request(api)
    assert r2["assignee_id"] == labour["id"]
    # equal load: least recently assigned wins (yue was assigned first)
    r3 = make_request(api)
    assert r3["assignee_id"] == yue["id"]
    ev = events(suite, "lawyers.opinion.assigned", r["case_no"])
    assert ev and ev[0].data["lawyer_id"] == yue["id"] and ev[0].data["request_id"] == r["id"]
    nobody = make_request(api, category="maritime")
    assert nobody["status"] == "unassigned" and nobody["assignee_id"] is None
    listed = api("coordinator").get(f"{BASE}/opinion-requests", params={"status": "unassigned"}).json()["items"]
    assert [x["id"] for x in listed] == [nobody["id"]]


def test_due_date_default_and_explicit(api, suite):
    make_lawyer(api)
    r = make_request(api)
    app = suite.app["lawyers"]
    with app.state.db.session() as s:
        expected = rule_deadline(app.state.calendar.get(s), "legal_opinion_due", today())
    assert r["due_on"] == expected.isoformat()
    explicit = (today() + timedelta(days=40)).isoformat()
    assert make_request(api, due_on=explicit)["due_on"] == explicit
    past = api("coordinator").post(f"{BASE}/opinion-requests", json={"case_no": "P-1", "question": "q",
                                                                       "due_on": "2020-01-01"})
    assert past.status_code == 422


def test_cap_on_open_requests(api, settings):
    settings["open_request_cap"] = 2
    a = make_lawyer(api)
    b = make_lawyer(api)
    got = [make_request(api)["assignee_id"] for _ in range(4)]
    assert sorted(got) == sorted([a["id"], a["id"], b["id"], b["id"]])
    fifth = make_request(api)
    assert fifth["status"] == "unassigned"
    log = api("coordinator").get(f"{BASE}/opinion-requests/{fifth['id']}/assignment-log").json()["items"]
    reasons = {x["lawyer_id"]: x["reasons"] for x in log[0]["skipped"]}
    assert reasons == {a["id"]: ["at_cap"], b["id"]: ["at_cap"]}


def test_inactive_on_leave_and_outside_contract_never_assigned(api):
    c = api("coordinator")
    inactive = make_lawyer(api, active=False)
    expired = make_lawyer(api, contract={"start": "2024-01-01", "end": "2024-12-31", "annual_hours": 10})
    away = make_lawyer(api)
    t = today()
    c.post(f"{BASE}/lawyers/{away['id']}/leaves", json={"start": t.isoformat(),
                                                          "end": (t + timedelta(days=3)).isoformat()})
    public = make_lawyer(api, "public_lawyer")  # no contract needed for public lawyers
    r = make_request(api)
    assert r["assignee_id"] == public["id"]
    log = c.get(f"{BASE}/opinion-requests/{r['id']}/assignment-log").json()["items"][0]
    reasons = {x["lawyer_id"]: x["reasons"] for x in log["skipped"]}
    assert reasons[inactive["id"]] == ["inactive"]
    assert reasons[expired["id"]] == ["outside_contract"]
    assert reasons[away["id"]] == ["on_leave"]
    assert log["chosen_id"] == public["id"] and log["mode"] == "auto"
    c.patch(f"{BASE}/lawyers/{public['id']}", json={"active": False})
    # deactivation moves open requests on; nobody else fits, so it is unassigned
    assert c.get(f"{BASE}/opinion-requests/{r['id']}").json()["status"] == "unassigned"


def test_decline_reassigns_and_records_why(api, suite):
    one = make_lawyer(api, user="lawyer1")
    two = make_lawyer(api, user="lawyer2")
    r = make_request(api)
    # equal load, never assigned before: either may be first; name them by the outcome
    first, second = (one, two) if r["assignee_id"] == one["id"] else (two, one)
    first_user, second_user = ("lawyer1", "lawyer2") if first is one else ("lawyer2", "lawyer1")
    assert api(second_user).post(f"{BASE}/opinion-requests/{r['id']}/decline", json={"reason": "x"}).status_code == 404
    assert api("coordinator").post(f"{BASE}/opinion-requests/{r['id']}/decline",
                                   json={"reason": "x"}).status_code == 403
    d = api(first_user).post(f"{BASE}/opinion-requests/{r['id']}/decline", json={"reason": "与当事人有私交"})
    assert d.status_code == 200 and d.json()["assignee_id"] == second["id"]
    assert first["id"] in d.json()["declined_by"]
    ev = events(suite, "lawyers.opinion.declined", r["case_no"])
    assert ev[0].data["reason"] == "与当事人有私交" and ev[0].data["lawyer_id"] == first["id"]
    # the decliner no longer sees it
    assert api(first_user).get(f"{BASE}/opinion-requests/{r['id']}").status_code == 404
    log = api("auditor").get(f"{BASE}/opinion-requests/{r['id']}/assignment-log").json()["items"]
    assert [x["mode"] for x in log] == ["auto", "reassign"]
    assert {x["lawyer_id"]: x["reasons"] for x in log[1]["skipped"]} == {first["id"]: ["declined_before"]}
    # second declines too: nobody left
    d2 = api(second_user).post(f"{BASE}/opinion-requests/{r['id']}/decline", json={"reason": "工作冲突"})
    assert d2.json()["status"] == "unassigned"
    counts = {x["id"]: x["open_requests"] for x in api("coordinator").get(f"{BASE}/lawyers").json()["items"]}
    assert counts == {first["id"]: 0, second["id"]: 0}


def test_manual_assignment_is_conflict_checked(api, suite):
    c = api("coordinator")
    r = make_request(api, category="maritime")
    assert r["status"] == "unassigned"
    conflicted = make_lawyer(api, specialties=["land"])
    c.post(f"{BASE}/lawyers/{conflicted['id']}/conflicts", json={"party_name": "某某公司", "matter": "常年顾问"})
    free = make_lawyer(api, specialties=["land"], user="lawyer1")
    bad = c.post(f"{BASE}/opinion-requests/{r['id']}/assign", json={"lawyer_id": conflicted["id"]})
    assert bad.status_code == 409 and bad.json()["code"] == "conflict_of_interest"
    assert api("lawyer1").post(f"{BASE}/opinion-requests/{r['id']}/assign",
                               json={"lawyer_id": free["id"]}).status_code == 403
    assert api("auditor").post(f"{BASE}/opinion-requests/{r['id']}/assign",
                               json={"lawyer_id": free["id"]}).status_code == 403
    ok = c.post(f"{BASE}/opinion-requests/{r['id']}/assign", json={"lawyer_id": free["id"], "note": "海事经验"})
    assert ok.status_code == 200 and ok.json()["assignee_id"] == free["id"] and ok.json()["status"] == "assigned"
    log = c.get(f"{BASE}/opinion-requests/{r['id']}/assignment-log").json()["items"]
    assert log[-1]["mode"] == "manual" and log[-1]["actor"] == "coordinator"
    skipped = {x["lawyer_id"]: x for x in log[-1]["skipped"]}
    assert "conflict_of_interest" in skipped[conflicted["id"]]["reasons"]
    assert skipped[conflicted["id"]]["conflicts"][0]["party_name"] == "某某公司"
    assert c.post(f"{BASE}/opinion-requests/{r['id']}/assign", json={"lawyer_id": "nope"}).status_code == 422


def test_only_the_assignee_reads_and_files(api, suite):
    mine = make_lawyer(api, user="lawyer1")
    r = make_request(api)
    assert r["assignee_id"] == mine["id"]
    make_lawyer(api, user="lawyer2", specialties=["tax"])
    l2 = api("lawyer2")
    assert l2.get(f"{BASE}/opinion-requests/{r['id']}").status_code == 404
    assert l2.post(f"{BASE}/opinion-requests/{r['id']}/opinion", json=OPINION).status_code == 404
    assert l2.get(f"{BASE}/opinion-requests").json()["items"] == []
    assert l2.get(f"{BASE}/opinion-requests", params={"assignee": mine["id"]}).json()["items"] == []
    assert api("coordinator").post(f"{BASE}/opinion-requests/{r['id']}/opinion", json=OPINION).status_code == 403
    assert api("auditor").post(f"{BASE}/opinion-requests/{r['id']}/opinion", json=OPINION).status_code == 403
    assert api("mediator1").get(f"{BASE}/opinion-requests/{r['id']}").status_code == 404
    l1 = api("lawyer1")
    assert [x["id"] for x in l1.get(f"{BASE}/opinion-requests", params={"assignee": "me"}).json()["items"]] == [r["id"]]
    mine_log = l1.get(f"{BASE}/opinion-requests/{r['id']}/assignment-log")
    assert mine_log.status_code == 200 and mine_log.json()["items"][0]["chosen_id"] == mine["id"]
    assert l2.get(f"{BASE}/opinion-requests/{r['id']}/assignment-log").status_code == 404
    bad = l1.post(f"{BASE}/opinion-requests/{r['id']}/opinion", json=OPINION | {"legality": "maybe"})
    assert bad.status_code == 422
    filed = l1.post(f"{BASE}/opinion-requests/{r['id']}/opinion", json=OPINION)
    assert filed.status_code == 201, filed.text
    o = filed.json()
    assert o["version"] == 1 and o["lawyer_id"] == mine["id"] and o["petitioner_request"] == r["question"]
    got = api("coordinator").get(f"{BASE}/opinion-requests/{r['id']}").json()
    assert got["status"] == "answered" and got["opinion"]["id"] == o["id"]
    ev = events(suite, "lawyers.opinion.filed", r["case_no"])[0].data
    for k in ("request_id", "case_no", "opinion_id", "version", "summary", "analysis", "legality",
              "recommended_channel", "legal_basis", "lawyer_id", "handoff_id"):
        assert k in ev, k
    assert ev["opinion_id"] == o["id"] and ev["handoff_id"] is None and ev["legal_basis"] == OPINION["legal_basis"]
    # the petition system reads the opinions of its cases; auditors read
    ps = api("petition-system").get(f"{BASE}/opinions", params={"case_no": r["case_no"]}).json()["items"]
    assert [x["id"] for x in ps] == [o["id"]]
    assert api("auditor").get(f"{BASE}/opinions/{o['id']}").status_code == 200
    assert l2.get(f"{BASE}/opinions/{o['id']}").status_code == 404
    assert api("mediator1").get(f"{BASE}/opinions").status_code == 403


def test_filed_opinion_is_never_edited_amendment_is_a_new_version(api, suite):
    make_lawyer(api, user="lawyer1")
    r = make_request(api)
    l1 = api("lawyer1")
    v1 = l1.post(f"{BASE}/opinion-requests/{r['id']}/opinion", json=OPINION).json()
    for method in ("put", "patch", "delete"):
        assert getattr(l1, method)(f"{BASE}/opinions/{v1['id']}").status_code == 405
    no_reason = l1.post(f"{BASE}/opinion-requests/{r['id']}/opinion", json=OPINION)
    assert no_reason.status_code == 422
    v2 = l1.post(f"{BASE}/opinion-requests/{r['id']}/opinion",
                 json=OPINION | {"legality": "partly_lawful", "amendment_reason": "补充证据"}).json()
    assert v2["version"] == 2 and v2["amends_id"] == v1["id"]
    versions = l1.get(f"{BASE}/opinion-requests/{r['id']}/opinions").json()["items"]
    assert [(x["version"], x["legality"]) for x in versions] == [(1, "lawful"), (2, "partly_lawful")]
    assert [e.data["version"] for e in events(suite, "lawyers.opinion.filed", r["case_no"])] == [1, 2]
    me = l1.get(f"{BASE}/lawyers").json()["items"][0]
    assert me["open_requests"] == 0


def test_due_soon_and_overdue_jobs(api, suite):
    make_lawyer(api)
    r = make_request(api)
    app = suite.app["lawyers"]
    due = date.fromisoformat(r["due_on"])
    early = datetime.combine(due - timedelta(days=10), datetime.min.time(), SHANGHAI) + timedelta(hours=9)
    assert mark_opinion_deadlines(app, early) == {"due_soon": 0, "overdue": 0}
    soon = datetime.combine(due - timedelta(days=2), datetime.min.time(), SHANGHAI) + timedelta(hours=9)
    assert mark_opinion_deadlines(app, soon) == {"due_soon": 1, "overdue": 0}
    assert mark_opinion_deadlines(app, soon) == {"due_soon": 0, "overdue": 0}
    late = datetime.combine(due + timedelta(days=1), datetime.min.time(), SHANGHAI).astimezone(UTC)
    assert mark_opinion_deadlines(app, late) == {"due_soon": 0, "overdue": 1}
    assert mark_opinion_deadlines(app, late)["overdue"] == 0
    got = api("coordinator").get(f"{BASE}/opinion-requests/{r['id']}").json()
    assert got["due_soon"] and got["overdue"]
    ev = events(suite, "lawyers.opinion.overdue", r["case_no"])
    assert len(ev) == 1 and "超过期限" in ev[0].data["message"]
    assert len(events(suite, "lawyers.opinion.due_soon", r["case_no"])) == 1


def test_bad_input_is_4xx(api):
    c = api("coordinator")
    assert c.post(f"{BASE}/opinion-requests", json={"case_no": "bad case!", "question": "q"}).status_code == 422
    assert c.post(f"{BASE}/opinion-requests", json={"case_no": "A-1"}).status_code == 422
    assert c.post(f"{BASE}/opinion-requests", content=b"{nope", headers={"content-type": "application/json"}
                  ).status_code == 400
    assert c.get(f"{BASE}/opinion-requests", params={"cursor": "zzz"}).status_code == 422
    assert c.get(f"{BASE}/opinion-requests/none").status_code == 404
    assert api("mediator1").post(f"{BASE}/opinion-requests", json={"case_no": "A-1", "question": "q"}
                                 ).status_code == 403
    assert api("petition-system").post(f"{BASE}/opinion-requests", json={"case_no": "A-1", "question": "q",
                                                                          "parties": ["张三"]}).status_code == 201


def test_decisions_on_one_roster_share_their_roster_rule_skips(api, suite):
    """Every decision lists every skipped lawyer, but the roster-rule part is stored once."""
    from sqlalchemy import func, select

    from services.lawyers.opinion.models import AssignmentDecision, AssignmentSkipSet

    land = [make_lawyer(api, specialties=["land"]) for _ in range(3)]
    labour = [make_lawyer(api, specialties=["labour"]) for _ in range(2)]
    first, second = make_request(api), make_request(api)
    assert {first["assignee_id"], second["assignee_id"]} == {lw["id"] for lw in labour}
    c = api("coordinator")
    for r in (first, second):
        log = c.get(f"{BASE}/opinion-requests/{r['id']}/assignment-log").json()["items"][0]
        reasons = {x["lawyer_id"]: x["reasons"] for x in log["skipped"]}
        other = next(lw["id"] for lw in labour if lw["id"] != r["assignee_id"])
        assert reasons == {**{lw["id"]: ["specialty_mismatch"] for lw in land}, other: ["ranked_lower"]}
        assert r["assignee_id"] not in reasons
    with suite.app["lawyers"].state.db.session() as s:
        assert s.execute(select(func.count()).select_from(AssignmentSkipSet)).scalar_one() == 1
        ids = set(s.execute(select(AssignmentDecision.skip_set_id)).scalars())
        assert len(ids) == 1 and None not in ids


def test_assignee_reads_the_assignment_reasons_counted_without_other_lawyers(api):
    mine = make_lawyer(api, user="lawyer1", specialties=["labour"])
    other = make_lawyer(api, specialties=["land"])
    away = make_lawyer(api, specialties=["labour"])
    t = today()
    api("coordinator").post(f"{BASE}/lawyers/{away['id']}/leaves",
                            json={"start": t.isoformat(), "end": (t + timedelta(days=2)).isoformat()})
    r = make_request(api)
    assert r["assignee_id"] == mine["id"]
    full = api("coordinator").get(f"{BASE}/opinion-requests/{r['id']}/assignment-log").json()["items"][0]
    assert {x["lawyer_id"] for x in full["skipped"]} == {other["id"], away["id"]}
    assert full["reason_counts"] == {"specialty_mismatch": 1, "on_leave": 1}
    own = api("lawyer1").get(f"{BASE}/opinion-requests/{r['id']}/assignment-log")
    assert own.status_code == 200
    item = own.json()["items"][0]
    assert item["chosen_id"] == mine["id"] and item["mode"] == "auto"
    assert item["skipped"] == [] and item["reason_counts"] == {"specialty_mismatch": 1, "on_leave": 1}
    assert api("petition-system").get(f"{BASE}/opinion-requests/{r['id']}/assignment-log").status_code == 403
