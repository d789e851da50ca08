"""A person's cases across time (重复信访) include the parties the petition system sent with handoffs.

`GET /api/v1/mediation/parties/{party_id}/cases` starts from a session's party or a case intake's party
(`parties[].id` of `GET /cases`) and finds the same person among both: by the ID number's keyed hash,
else name + phone; a name alone lists the others of that name apart (`possible_matches`). A mediator
sees only the sessions they mediate and the handoffs of the cases they mediate in; the party's phone
and ID number are masked except for coordinators and the case's mediators.
"""
from __future__ import annotations

from tests.mediation.mediation_kit import BASE, at, uniq, working_day
from tests.problem_kit import problem

ID_A = "11010519491231002X"
ID_B = "440106199001011235"
PHONE = "13812345678"


def hand_off(suite, case_no: str, **person) -> None:
    body = {"target": "mediation", "category": "婚姻家庭", "summary": "家庭纠纷，双方同意调解",
            "parties": [{"name": "张三", "role": "petitioner", **person},
                        {"name": uniq("被申请人"), "role": "respondent"}]}
    r = suite.client("petition-system").post(f"/api/v1/cases/{case_no}/handoffs", json=body)
    assert r.status_code == 202, r.text


def intake_party(api, who: str, case_no: str) -> dict:
    r = api(who).get(f"{BASE}/cases", params={"q": case_no})
    assert r.status_code == 200, r.text
    [intake] = r.json()["items"]
    return intake["parties"][0]


def cases(api, who: str, party_id: str) -> dict:
    r = api(who).get(f"{BASE}/parties/{party_id}/cases")
    assert r.status_code == 200, r.text
    return r.json()


def test_handoff_parties_are_found_across_time(suite, api):
    tag = uniq("RH")
    h = {n: f"{tag}-H{n}" for n in range(1, 5)}
    hand_off(suite, h[1], phone=PHONE, id_number=ID_A)   # the person, with ID number
    hand_off(suite, h[2], phone="139 0000 9999", id_number=ID_A.lower())  # same ID, another phone
    hand_off(suite, h[3], phone=PHONE)                   # same name + phone, no ID number
    hand_off(suite, h[4], phone=PHONE, id_number=ID_B)   # same name and phone, another ID number
    hand_off(suite, f"{tag}-H5")                          # the name alone
    suite.drain()

    me, other = api.mediator(user="mediator1"), api.mediator()
    d = working_day(0)
    s1 = api.book(api.room(), [me], at(d, "09:00"), at(d, "10:00"), case_no=f"{tag}-S1",
                  parties=[{"name": "张三", "role": "petitioner", "phone": PHONE, "id_number": ID_A},
                           {"name": uniq("被申请人"), "role": "respondent"}])
    api.book(api.room(), [other], at(d, "14:00"), at(d, "15:00"), case_no=h[2],
             parties=[{"name": uniq("甲"), "role": "petitioner"}, {"name": uniq("乙"), "role": "respondent"}])

    # From the session's party: the session and the handoffs of the same ID number, and of the same
    # name + phone without an ID number; not another ID number, not the name alone.
    got = cases(api, "coordinator", s1["parties"][0]["id"])
    assert got["matched_on"] == "id_number" and got["party"]["id_number"] == ID_A
    by_case = {x["case_no"]: x for x in got["items"]}
    assert set(by_case) == {h[1], h[2], h[3], f"{tag}-S1"}
    assert [x["case_no"] for x in got["items"]][:3] == [h[1], h[2], h[3]]  # oldest first: the handoffs came first
    hx = by_case[h[1]]["handoffs"]
    assert [(x["name"], x["role"], x["status"]) for x in hx] == [("张三", "petitioner", "pending")]
    assert hx[0]["handoff_id"] and hx[0]["target_on"] and hx[0]["party_id"].endswith("-0")
    assert by_case[h[2]]["handoffs"][0]["status"] == "scheduled" and by_case[h[1]]["sessions"] == []
    assert [x["session_id"] for x in by_case[f"{tag}-S1"]["sessions"]] == [s1["id"]]
    assert "phone" not in str(got["items"]) and PHONE not in str(got["items"])  # the matches carry names only

    # From a handoff's party (before any session is booked for it): the same person, the same cases.
    first = intake_party(api, "coordinator", h[1])
    assert first["phone"] == PHONE and first["id_number"] == ID_A      # in full for a coordinator
    got = cases(api, "coordinator", first["id"])
    assert got["matched_on"] == "id_number" and {x["case_no"] for x in got["items"]} == set(by_case)
    assert got["party"]["id"] == first["id"] and got["party"]["phone"] == PHONE
    # name + phone (no ID number): the same phone's handoffs and bookings without another ID number
    got = cases(api, "coordinator", intake_party(api, "coordinator", h[3])["id"])
    assert got["matched_on"] == "name_phone"
    assert [x["case_no"] for x in got["items"]] == [h[1], h[3], h[4], f"{tag}-S1"]
    # a name alone: only the name-alone handoff; the others of that name as possible matches
    got = cases(api, "coordinator", intake_party(api, "coordinator", f"{tag}-H5")["id"])
    assert got["matched_on"] == "name" and [x["case_no"] for x in got["items"]] == [f"{tag}-H5"]
    assert {x["case_no"] for x in got["possible_matches"]} == {h[1], h[2], h[3], h[4], f"{tag}-S1"}

    # Masked for the auditor, who sees every case.
    audited = cases(api, "auditor", first["id"])
    assert audited["party"]["phone"] == "138****5678" and audited["party"]["id_number"] == "110***********002X"
    assert {x["case_no"] for x in audited["items"]} == set(by_case)
    assert intake_party(api, "auditor", h[1])["phone"] == "138****5678"

    # A mediator: their own session, and the handoffs of the cases in which they mediate a session.
    mine = cases(api, "mediator1", s1["parties"][0]["id"])
    assert [x["case_no"] for x in mine["items"]] == [f"{tag}-S1"] and mine["party"]["phone"] == PHONE
    problem(api("mediator1").get(f"{BASE}/parties/{first['id']}/cases"), 404, "not_found")  # not their case
    later = working_day(1)
    api.book(api.room(), [me], at(later, "09:00"), at(later, "10:00"), case_no=h[1],
             parties=[{"name": uniq("丙"), "role": "petitioner"}, {"name": uniq("丁"), "role": "respondent"}])
    mine = cases(api, "mediator1", first["id"])  # now they mediate in that case: its handoff is theirs to see
    assert [x["case_no"] for x in mine["items"]] == [h[1], f"{tag}-S1"]
    assert mine["party"]["id_number"] == ID_A    # the case's mediator sees it in full
    problem(api("lawyer1").get(f"{BASE}/parties/{first['id']}/cases"), 403, "forbidden")
    for bad in (first["id"][:-1] + "7", "x-0"):
        problem(api().get(f"{BASE}/parties/{bad}/cases"), 404, "not_found")


def test_the_migration_indexes_the_parties_of_intakes_already_stored(tmp_path):
    """mediation_0070_intake on intakes written before it: their sealed parties indexed by keyed hash; and back."""
    import json
    import os

    import sqlalchemy as sa

    from services.mediation.party import crypto
    from shared import migrate
    from shared.testing import drop_postgres_databases, postgres_databases

    base = os.environ.get("TEST_DATABASE_URL")
    prefix = f"repeat_mig_{os.getpid()}"
    url = postgres_databases(base, prefix)["mediation"] if base else f"sqlite:///{tmp_path / 'old.db'}"
    engine = None
    try:
        migrate.upgrade("mediation", url, "mediation_trace_0060")
        c = crypto.current()
        sealed = c.seal_intake_party({"name": " 张三 ", "role": "petitioner", "phone": PHONE, "id_number": ID_A})
        parties = json.dumps([sealed, {"name": "某公司", "role": "respondent"}, "李四"], ensure_ascii=False)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO case_intake (id, case_no, status, category, summary, parties, "
                                 "received_at) VALUES ('i1', 'C1', 'pending', '', '', :parties, :t)"),
                         {"parties": parties, "t": "2026-12-03 01:00:00"})
        migrate.upgrade("mediation", url)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT position, case_no, name, role, name_key, phone_hash, id_hash "
                                        "FROM intake_party ORDER BY position")).all()
        assert [tuple(r) for r in rows] == [
            (0, "C1", "张三", "petitioner", "张三", c.phone_hash(PHONE), c.id_hash(ID_A)),
            (1, "C1", "某公司", "respondent", "某公司", None, None),
            (2, "C1", "李四", None, "李四", None, None)]
        migrate.downgrade("mediation", url, "mediation_trace_0060")
        with engine.connect() as conn:
            assert "intake_party" not in sa.inspect(conn).get_table_names()
            assert "deadline_missing_year" not in {x["name"] for x in sa.inspect(conn).get_columns("case_intake")}
    finally:
        if engine is not None:
            engine.dispose()
        if base:
            drop_postgres_databases(base, prefix)
