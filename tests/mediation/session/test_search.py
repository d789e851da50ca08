"""Finding things (API.md): `party` (a name, exact or prefix) and `q` (case number prefix) on
GET /sessions and GET /cases, each answering only what the caller may see."""
from __future__ import annotations

from tests.mediation.mediation_kit import BASE, at, uniq
from tests.problem_kit import problem


def deliver(suite, *events):
    r = suite.direct("mediation", "mediation-service").post("/internal/events", json={"events": list(events)})
    assert r.status_code == 200, r.text


def handoff(case_no, *names):
    data = {"handoff_id": uniq("h"), "case_no": case_no, "target": "mediation", "category": "neighbour_dispute",
            "summary": "邻里纠纷", "parties": [{"name": n, "role": "petitioner"} for n in names]}
    return {"id": uniq("ev"), "source": "gateway", "type": "handoff.requested", "subject": case_no,
            "time": "2026-12-01T09:00:00+08:00", "data": data}


def ids(r) -> list[str]:
    assert r.status_code == 200, r.text
    return [x["id"] for x in r.json()["items"]]


def cases(r) -> list[str]:
    """The case numbers answered, sorted (intakes received at the same instant come in id order)."""
    assert r.status_code == 200, r.text
    return sorted(x["case_no"] for x in r.json()["items"])


def test_sessions_by_party_and_case_number_prefix(api, day):
    me = api.mediator(user="mediator1")
    other = api.mediator()
    tag = uniq("Q")  # unique per run: a case-number prefix no other test uses
    a = api.book(api.room(), [me], at(day, "09:00"), at(day, "10:00"), case_no=f"{tag}-A1",
                 parties=[{"name": "欧阳 明远", "role": "petitioner"}, {"name": "某物业公司", "role": "respondent"}])
    b = api.book(api.room(), [other], at(day, "09:00"), at(day, "10:00"), case_no=f"{tag}-A2",
                 parties=[{"name": "欧阳明", "role": "petitioner"}, {"name": "Li Lei", "role": "respondent"}])
    c = api.book(api.room(), [other], at(day, "14:00"), at(day, "15:00"), case_no=f"{tag}-B1",
                 parties=[{"name": "王五", "role": "petitioner"}])
    s = api()
    # party: exact name or a prefix of it; spaces normalised, Latin letters case-insensitive
    assert ids(s.get(f"{BASE}/sessions", params={"party": "欧阳明"})) == [b["id"]]
    assert sorted(ids(s.get(f"{BASE}/sessions", params={"party": "欧阳"}))) == sorted([a["id"], b["id"]])
    assert ids(s.get(f"{BASE}/sessions", params={"party": "欧阳  明远"})) == [a["id"]]
    assert ids(s.get(f"{BASE}/sessions", params={"party": "li lei"})) == [b["id"]]
    assert ids(s.get(f"{BASE}/sessions", params={"party": "100%"})) == []
    # q: case numbers starting with it (case ignored); combined with the other filters
    assert sorted(ids(s.get(f"{BASE}/sessions", params={"q": f"{tag}-A"}))) == sorted([a["id"], b["id"]])
    assert sorted(ids(s.get(f"{BASE}/sessions", params={"q": tag.lower()}))) == sorted([a["id"], b["id"], c["id"]])
    assert ids(s.get(f"{BASE}/sessions", params={"q": f"{tag}-B1"})) == [c["id"]]
    assert ids(s.get(f"{BASE}/sessions", params={"q": tag, "party": "王"})) == [c["id"]]
    assert ids(s.get(f"{BASE}/sessions", params={"q": tag, "mediator_id": me["id"]})) == [a["id"]]
    # only what the caller may see: a mediator finds only the sessions they mediate
    assert ids(api("mediator1").get(f"{BASE}/sessions", params={"party": "欧阳"})) == [a["id"]]
    assert ids(api("mediator1").get(f"{BASE}/sessions", params={"q": tag})) == [a["id"]]
    assert sorted(ids(api("auditor").get(f"{BASE}/sessions", params={"q": tag}))) == \
        sorted([a["id"], b["id"], c["id"]])
    problem(api("lawyer1").get(f"{BASE}/sessions", params={"q": tag}), 403, "forbidden")
    # bad input is a 422 naming the field, never a 500
    for params, field in (({"q": "A B"}, "q"), ({"q": "x" * 65}, "q"), ({"party": "   "}, "party"),
                          ({"party": "名" * 201}, "party")):
        body = problem(s.get(f"{BASE}/sessions", params=params), 422, "validation_error")
        assert field in str(body["errors"])


def test_sessions_search_pages(api, day):
    tag = uniq("P")
    m = api.mediator()
    booked = [api.book(api.room(), [m], at(day, f"{9 + i:02d}:00"), at(day, f"{9 + i:02d}:30"),
                       case_no=f"{tag}-{i}", parties=[{"name": f"翻页{i}", "role": "petitioner"}])["id"]
              for i in range(3)]
    first = api().get(f"{BASE}/sessions", params={"party": "翻页", "limit": 2}).json()
    second = api().get(f"{BASE}/sessions", params={"party": "翻页", "limit": 2,
                                                   "cursor": first["next_cursor"]}).json()
    assert [x["id"] for x in first["items"] + second["items"]] == booked and second["next_cursor"] is None


def test_cases_by_party_and_case_number_prefix(suite, api, day, monkeypatch):
    from services.mediation.casefile import service

    monkeypatch.setattr(service, "PARTY_SCAN_BATCH", 2)  # the party scan reads several batches
    tag = uniq("K")
    nos = [f"{tag}-{i}" for i in range(5)]
    deliver(suite, handoff(nos[0], "钱七", "孙八"), handoff(nos[1], "周九"), handoff(nos[2], "钱七星"),
            handoff(nos[3], "吴十"), handoff(nos[4], "Qian Qi"))
    s = api()
    assert cases(s.get(f"{BASE}/cases", params={"q": tag})) == nos
    assert cases(s.get(f"{BASE}/cases", params={"q": f"{tag.lower()}-1"})) == [nos[1]]
    assert cases(s.get(f"{BASE}/cases", params={"party": "钱七"})) == [nos[0], nos[2]]
    assert cases(s.get(f"{BASE}/cases", params={"party": "钱七", "q": tag, "status": "pending"})) == [nos[0], nos[2]]
    assert cases(s.get(f"{BASE}/cases", params={"party": "qian qi"})) == [nos[4]]
    first = s.get(f"{BASE}/cases", params={"party": "钱", "limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = s.get(f"{BASE}/cases", params={"party": "钱", "limit": 1, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert sorted(x["case_no"] for x in first["items"] + rest["items"]) == [nos[0], nos[2]]
    assert cases(api("auditor").get(f"{BASE}/cases", params={"q": tag})) == nos
    # a mediator finds only the cases in which they mediate a session (like the case file itself)
    me = api.mediator(user="mediator1")
    assert cases(api("mediator1").get(f"{BASE}/cases", params={"q": tag})) == []
    api.book(api.room(), [me], at(day, "09:00"), at(day, "10:00"), case_no=nos[2],
             parties=[{"name": "钱七星", "role": "petitioner"}])
    assert cases(api("mediator1").get(f"{BASE}/cases", params={"party": "钱七"})) == [nos[2]]
    assert cases(api("mediator1").get(f"{BASE}/cases")) == [nos[2]]
    problem(api("lawyer1").get(f"{BASE}/cases", params={"q": tag}), 403, "forbidden")
    problem(s.get(f"{BASE}/cases", params={"q": "A_B"}), 422, "validation_error")
    problem(s.get(f"{BASE}/cases", params={"party": " "}), 422, "validation_error")
