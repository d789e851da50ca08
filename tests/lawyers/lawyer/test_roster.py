"""Roster: kinds, licence format, contracts, qualification, leave, active flag, who sees what."""
from __future__ import annotations

from tests.lawyers.conftest import BASE, lawyer_body, licence, make_lawyer


def test_create_each_kind_and_list_filters(api):
    rc = make_lawyer(api, "retained_counsel", name="王律师", specialties=["labour", "contract"],
                     languages=["zh", "yue"])
    pl = make_lawyer(api, "public_lawyer", name="李律师", specialties=["administrative"])
    st = make_lawyer(api, "studio_lawyer", name="赵律师", specialties=["petition"])
    assert rc["kind"] == "retained_counsel" and rc["contract"]["annual_hours"] == 100
    assert pl["qualification"]["certificate_no"] and st["contract"] is None
    c = api("coordinator")
    kinds = {x["id"]: x["kind"] for x in c.get(f"{BASE}/lawyers").json()["items"]}
    assert kinds == {rc["id"]: "retained_counsel", pl["id"]: "public_lawyer", st["id"]: "studio_lawyer"}
    assert [x["id"] for x in c.get(f"{BASE}/lawyers", params={"kind": "public_lawyer"}).json()["items"]] == [pl["id"]]
    assert [x["id"] for x in c.get(f"{BASE}/lawyers", params={"specialty": "contract"}).json()["items"]] == [rc["id"]]
    assert c.get(f"{BASE}/lawyers", params={"kind": "judge"}).status_code == 422
    page = c.get(f"{BASE}/lawyers", params={"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = c.get(f"{BASE}/lawyers", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_licence_format_is_a_setting(api, settings):
    c = api("coordinator")
    r = c.post(f"{BASE}/lawyers", json=lawyer_body(license_no="1234"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_license_no"
    assert r.json()["errors"][0]["field"] == "license_no"
    assert c.post(f"{BASE}/lawyers", json=lawyer_body(license_no="1" * 16 + "X")).status_code == 422
    settings["license_no_pattern"] = r"^[A-Z]\d{5}$"
    assert c.post(f"{BASE}/lawyers", json=lawyer_body(license_no="A12345")).status_code == 201


def test_duplicate_licence_and_login(api):
    lic = licence()
    make_lawyer(api, license_no=lic, user="lawyer1")
    c = api("coordinator")
    assert c.post(f"{BASE}/lawyers", json=lawyer_body(license_no=lic)).json()["code"] == "license_no_taken"
    assert c.post(f"{BASE}/lawyers", json=lawyer_body(user="lawyer1")).json()["code"] == "user_taken"


def test_kind_specific_rules(api):
    c = api("coordinator")
    body = lawyer_body("retained_counsel")
    body.pop("contract")
    r = c.post(f"{BASE}/lawyers", json=body)
    assert r.status_code == 422 and "contract" in r.json()["detail"]
    bad = lawyer_body(contract={"start": "2026-12-31", "end": "2026-01-01", "annual_hours": 10})
    assert c.post(f"{BASE}/lawyers", json=bad).status_code == 422
    junior = lawyer_body("public_lawyer", qualification={"certificate_no": "X", "legal_work_since": "2025-06-01"})
    r = c.post(f"{BASE}/lawyers", json=junior)
    assert r.status_code == 422 and r.json()["code"] == "not_qualified"
    none = lawyer_body("public_lawyer")
    none.pop("qualification")
    assert c.post(f"{BASE}/lawyers", json=none).json()["code"] == "not_qualified"


def test_contracts_leave_and_active_flag(api):
    lw = make_lawyer(api, contract={"start": "2025-01-01", "end": "2025-12-31", "annual_hours": 80})
    c = api("coordinator")
    overlap = c.post(f"{BASE}/lawyers/{lw['id']}/contracts", json={"start": "2025-06-01", "end": "2026-05-31",
                                                                     "annual_hours": 50})
    assert overlap.status_code == 409 and overlap.json()["code"] == "contract_overlap"
    r = c.post(f"{BASE}/lawyers/{lw['id']}/contracts", json={"start": "2026-01-01", "end": "2026-12-31",
                                                               "annual_hours": 120})
    assert r.status_code == 201
    assert len(c.get(f"{BASE}/lawyers/{lw['id']}/contracts").json()["items"]) == 2
    leave = c.post(f"{BASE}/lawyers/{lw['id']}/leaves", json={"start": "2026-03-01", "end": "2026-03-05",
                                                                "reason": "年休假"})
    assert leave.status_code == 201
    assert c.get(f"{BASE}/lawyers/{lw['id']}/leaves").json()["items"][0]["reason"] == "年休假"
    assert c.post(f"{BASE}/lawyers/{lw['id']}/leaves", json={"start": "2026-03-05", "end": "2026-03-01"}
                  ).status_code == 422
    assert c.delete(f"{BASE}/lawyers/{lw['id']}/leaves/{leave.json()['id']}").status_code == 204
    r = c.patch(f"{BASE}/lawyers/{lw['id']}", json={"active": False, "specialties": ["land", "land", " family "]})
    assert r.status_code == 200 and r.json()["active"] is False
    assert r.json()["specialties"] == ["natural_resources", "civil_affairs"]  # codes (shared/vocabulary.py)
    assert [x["id"] for x in c.get(f"{BASE}/lawyers", params={"active": "false"}).json()["items"]] == [lw["id"]]


def test_roles_and_visibility(api, suite):
    mine = make_lawyer(api, user="lawyer1")
    other = make_lawyer(api, user="lawyer2")
    body = lawyer_body()
    for who in ("lawyer1", "auditor", "mediator1", "petition-system"):
        assert api(who).post(f"{BASE}/lawyers", json=body).status_code == 403, who
        assert api(who).patch(f"{BASE}/lawyers/{mine['id']}", json={"active": False}).status_code in (403,), who
    assert api(None).get(f"{BASE}/lawyers").status_code == 401
    # a lawyer sees only their own record; anyone else's is absent
    l1 = api("lawyer1")
    assert [x["id"] for x in l1.get(f"{BASE}/lawyers").json()["items"]] == [mine["id"]]
    assert l1.get(f"{BASE}/lawyers/{mine['id']}").status_code == 200
    assert l1.get(f"{BASE}/lawyers/{other['id']}").status_code == 404
    assert api("lawyer3").get(f"{BASE}/lawyers").json()["items"] == []
    assert api("auditor").get(f"{BASE}/lawyers/{other['id']}").status_code == 200
    assert api("coordinator").get(f"{BASE}/lawyers/nope").status_code == 404
