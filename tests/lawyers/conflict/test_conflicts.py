"""Conflict register (利益冲突审查): normalisation, relations, end dates, waivers, both parties checked."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.lawyers.conflict.models import normalise_name
from shared.timeutil import SHANGHAI
from tests.lawyers.conftest import BASE, make_lawyer, make_request


def today() -> date:
    return datetime.now(SHANGHAI).date()


@pytest.mark.parametrize("a,b", [
    ("某某 公司", "某某公司"),
    ("ＡＢＣ　Ｃｏ．", "abc co."),
    ("Zhang San", "zhangsan"),
    ("阿卜杜·热合曼", "阿卜杜热合曼"),
    ("  李四\t", "李四"),
])
def test_names_normalise(a, b):
    assert normalise_name(a) == normalise_name(b)


def _conflict(api, lawyer_id, **kw):
    r = api("coordinator").post(f"{BASE}/lawyers/{lawyer_id}/conflicts", json=kw)
    assert r.status_code == 201, r.text
    return r.json()


def test_full_width_and_spaced_names_still_block(api):
    blocked = make_lawyer(api)
    free = make_lawyer(api)
    _conflict(api, blocked["id"], party_name="ＸＹＺ 科技 有限公司", matter="常年法律顾问", relation="current_client")
    r = make_request(api, parties=[{"name": "张三", "role": "petitioner"},
                                   {"name": "xyz科技有限公司", "role": "respondent"}])
    assert r["assignee_id"] == free["id"]
    log = api("auditor").get(f"{BASE}/opinion-requests/{r['id']}/assignment-log").json()["items"][0]
    entry = {x["lawyer_id"]: x for x in log["skipped"]}[blocked["id"]]
    assert entry["reasons"] == ["conflict_of_interest"]
    assert entry["conflicts"][0]["relation"] == "current_client"


def test_petitioner_and_respondent_both_checked(api):
    a = make_lawyer(api)
    b = make_lawyer(api)
    _conflict(api, a["id"], party_name="王五", matter="离婚诉讼代理", relation="current_client")
    _conflict(api, b["id"], party_name="某建设集团", matter="合同纠纷", relation="opposing_party")
    r = make_request(api, parties=[{"name": "王五", "role": "petitioner"}, {"name": "某建设集团",
                                                                          "role": "respondent"}])
    assert r["status"] == "unassigned"
    r2 = make_request(api, parties=["王五"])
    assert r2["assignee_id"] == b["id"]
    r3 = make_request(api, parties=["某建设集团"])
    assert r3["assignee_id"] == a["id"]


def test_former_client_blocks_for_one_year(api):
    lw = make_lawyer(api)
    t = today()
    _conflict(api, lw["id"], party_name="赵六", matter="房屋买卖", relation="former_client",
              ends_on=(t - timedelta(days=200)).isoformat())
    assert make_request(api, parties=["赵六"])["status"] == "unassigned"
    lw2 = make_lawyer(api)
    e = _conflict(api, lw2["id"], party_name="孙七", matter="借款", relation="former_client",
                  ends_on=(t - timedelta(days=400)).isoformat())
    ended = date.fromisoformat(e["ends_on"])
    assert e["blocks_until"] == ended.replace(year=ended.year + 1).isoformat()
    assert date.fromisoformat(e["blocks_until"]) < t
    api("coordinator").patch(f"{BASE}/lawyers/{lw['id']}", json={"active": False})
    assert make_request(api, parties=["孙七"])["assignee_id"] == lw2["id"]
    # a plain relation with an end date in the past no longer blocks; with none it blocks for good
    lw3 = make_lawyer(api, specialties=["tax"])
    _conflict(api, lw3["id"], party_name="周八", matter="x", relation="other",
              ends_on=(t - timedelta(days=1)).isoformat())
    assert make_request(api, category="tax", parties=["周八"])["assignee_id"] == lw3["id"]
    _conflict(api, lw3["id"], party_name="吴九", matter="x", relation="near_relative")
    assert make_request(api, category="tax", parties=["吴九"])["status"] == "unassigned"


def test_former_judge_blocks_for_two_years(api):
    lw = make_lawyer(api)
    t = today()
    e = _conflict(api, lw["id"], party_name="某区人民法院", matter="曾任审判员", relation="former_judicial_office",
                  ends_on=(t - timedelta(days=500)).isoformat())
    assert date.fromisoformat(e["blocks_until"]) > t
    assert make_request(api, parties=["某区人民法院"])["status"] == "unassigned"


def test_waiver_needs_informed_consent(api):
    c = api("coordinator")
    lw = make_lawyer(api)
    e = _conflict(api, lw["id"], party_name="郑十", matter="曾代理", relation="former_client",
                  ends_on=(today() - timedelta(days=30)).isoformat())
    assert make_request(api, parties=["郑十"])["status"] == "unassigned"
    assert c.post(f"{BASE}/conflicts/{e['id']}/waivers", json={"signed_on": "2026-11-01"}).status_code == 422
    assert api("auditor").post(f"{BASE}/conflicts/{e['id']}/waivers",
                               json={"consent_ref": "ZQ-1", "signed_on": "2026-11-01"}).status_code == 403
    w = c.post(f"{BASE}/conflicts/{e['id']}/waivers", json={"consent_ref": "知情同意书 2026-017", "signed_on":
                                                              "2026-11-01", "signed_by": "郑十"})
    assert w.status_code == 201 and w.json()["consent_ref"] == "知情同意书 2026-017"
    assert make_request(api, parties=["郑十"])["assignee_id"] == lw["id"]
    listed = c.get(f"{BASE}/lawyers/{lw['id']}/conflicts").json()["items"]
    assert listed[0]["waivers"][0]["signed_by"] == "郑十"
    # acting against a current opposing party cannot be waived
    e2 = _conflict(api, lw["id"], party_name="某银行", matter="诉讼对方", relation="opposing_party")
    bad = c.post(f"{BASE}/conflicts/{e2['id']}/waivers", json={"consent_ref": "X", "signed_on": "2026-11-01"})
    assert bad.status_code == 422 and bad.json()["code"] == "conflict_not_waivable"


def test_waiver_for_one_case_only(api):
    c = api("coordinator")
    lw = make_lawyer(api)
    e = _conflict(api, lw["id"], party_name="钱一", matter="x", relation="near_relative")
    c.post(f"{BASE}/conflicts/{e['id']}/waivers", json={"consent_ref": "ZQ-9", "signed_on": "2026-11-01",
                                                          "case_no": "W-1"})
    assert make_request(api, case_no="W-1", parties=["钱一"])["assignee_id"] == lw["id"]
    assert make_request(api, case_no="W-2", parties=["钱一"])["status"] == "unassigned"


def test_register_roles_and_check_endpoint(api):
    mine = make_lawyer(api, user="lawyer1")
    other = make_lawyer(api, user="lawyer2")
    # a lawyer may declare their own conflicts, not anyone else's
    assert api("lawyer1").post(f"{BASE}/lawyers/{mine['id']}/conflicts",
                               json={"party_name": "甲", "matter": "自报"}).status_code == 201
    assert api("lawyer1").post(f"{BASE}/lawyers/{other['id']}/conflicts",
                               json={"party_name": "甲", "matter": "x"}).status_code == 404
    assert api("auditor").post(f"{BASE}/lawyers/{mine['id']}/conflicts",
                               json={"party_name": "甲", "matter": "x"}).status_code == 403
    assert api("lawyer2").get(f"{BASE}/lawyers/{mine['id']}/conflicts").status_code == 404
    assert api("coordinator").post(f"{BASE}/lawyers/{mine['id']}/conflicts",
                                   json={"party_name": "  ", "matter": "x"}).status_code == 422
    check = api("auditor").get(f"{BASE}/conflict-check", params={"party": ["甲 ", "乙"]}).json()
    assert [x["lawyer_id"] for x in check["conflicted"]] == [mine["id"]]
    assert api("lawyer1").get(f"{BASE}/conflict-check", params={"party": "甲"}).status_code == 403
