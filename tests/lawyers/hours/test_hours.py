"""Hours against contracted hours (80% warning), fee ledger and the monthly report (also CSV)."""
from __future__ import annotations

import csv
import io

from tests.lawyers.conftest import BASE, OPINION, events, make_lawyer, make_request


def test_hours_used_against_contract_and_warning_once(api, suite):
    lw = make_lawyer(api, user="lawyer1", contract={"start": "2026-01-01", "end": "2026-12-31", "annual_hours": 10})
    l1 = api("lawyer1")

    def log(hours, day="2026-06-01"):
        r = l1.post(f"{BASE}/time-entries", json={"lawyer_id": lw["id"], "date": day, "hours": hours,
                                                  "case_no": "T-1", "activity": "接待来访"})
        assert r.status_code == 201, r.text
        return r.json()

    assert log(7)["usage"]["warning"] is False
    assert not events(suite, "lawyers.hours.warning")
    assert log(1)["usage"] == {"lawyer_id": lw["id"], "year": 2026, "used": 8.0, "annual_hours": 10.0,
                               "remaining": 2.0, "ratio": 0.8, "warning": True}
    log(1.5)
    ev = events(suite, "lawyers.hours.warning")
    assert len(ev) == 1 and ev[0].data["used"] == 8.0 and "80%" in ev[0].data["message"]
    got = api("coordinator").get(f"{BASE}/lawyers/{lw['id']}/hours", params={"year": 2026}).json()
    assert got["used"] == 9.5 and got["annual_hours"] == 10
    assert l1.get(f"{BASE}/lawyers/{lw['id']}/hours", params={"year": 2027}).json()["used"] == 0
    other = make_lawyer(api, user="lawyer2")
    assert api("lawyer2").get(f"{BASE}/lawyers/{lw['id']}/hours").status_code == 404
    assert api("lawyer2").post(f"{BASE}/time-entries", json={"lawyer_id": lw["id"], "date": "2026-06-01",
                                                             "hours": 1}).status_code == 403
    assert api("auditor").post(f"{BASE}/time-entries", json={"lawyer_id": other["id"], "date": "2026-06-01",
                                                             "hours": 1}).status_code == 403
    assert l1.post(f"{BASE}/time-entries", json={"lawyer_id": lw["id"], "date": "2026-06-01", "hours": 25}
                   ).status_code == 422
    assert len(l1.get(f"{BASE}/lawyers/{lw['id']}/time-entries", params={"month": "2026-06"}).json()["items"]) == 3


def test_fee_ledger_and_monthly_report(api, suite):
    a = make_lawyer(api, "public_lawyer", name="甲律师", user="lawyer1")
    b = make_lawyer(api, "public_lawyer", name="乙律师", user="lawyer2")
    c = api("coordinator")
    c.post(f"{BASE}/duty-shifts/generate", json={"from": "2026-11-02", "to": "2026-11-06"})  # 5 working days
    r = make_request(api)
    api("lawyer1" if r["assignee_id"] == a["id"] else "lawyer2").post(
        f"{BASE}/opinion-requests/{r['id']}/opinion", json=OPINION)
    writer = r["assignee_id"]
    fee = c.post(f"{BASE}/fees", json={"lawyer_id": a["id"], "date": "2026-11-20", "kind": "case_resolution",
                                      "difficulty": "moderate", "amount": 5500, "case_no": "F-1"})
    assert fee.status_code == 201 and fee.json()["amount"] == 5500
    out = c.post(f"{BASE}/fees", json={"lawyer_id": a["id"], "date": "2026-11-20", "kind": "case_resolution",
                                       "difficulty": "simple", "amount": 9000})
    assert out.status_code == 422 and out.json()["code"] == "fee_out_of_range"
    assert c.post(f"{BASE}/fees", json={"lawyer_id": a["id"], "date": "2026-11-20", "kind": "case_resolution"}
                  ).status_code == 422
    api("lawyer1").post(f"{BASE}/time-entries", json={"lawyer_id": a["id"], "date": "2026-11-03", "hours": 2.5})
    month = r["created_at"][:7]
    ledger = api("lawyer1").get(f"{BASE}/lawyers/{a['id']}/fees", params={"month": "2026-11"}).json()
    kinds = sorted(x["kind"] for x in ledger["items"])
    assert kinds.count("duty_day") in (2, 3) and "case_resolution" in kinds
    report = c.get(f"{BASE}/reports/monthly", params={"month": "2026-11"}).json()["items"]
    rows = {x["lawyer_id"]: x for x in report}
    assert rows[a["id"]]["duty_days"] + rows[b["id"]]["duty_days"] == 5
    assert rows[a["id"]]["duty_fee"] == 0  # public lawyers (civil servants) earn no duty fee
    if month == "2026-11":
        assert rows[writer]["opinions"] == 1 and rows[writer]["opinion_fee"] == 1500
    assert rows[a["id"]]["case_resolution_fee"] == 5500 and rows[a["id"]]["hours"] == 2.5
    assert rows[a["id"]]["total_fee"] == (rows[a["id"]]["duty_fee"] + rows[a["id"]]["opinion_fee"] + 5500)
    assert ledger["total"] == rows[a["id"]]["total_fee"]
    csv_r = c.get(f"{BASE}/reports/monthly", params={"month": "2026-11", "format": "csv", "lang": "codes"})
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(csv_r.content.decode("utf-8-sig"))))
    assert {p["name"] for p in parsed} == {"甲律师", "乙律师"}
    assert int(next(p for p in parsed if p["name"] == "甲律师")["total_fee"]) == rows[a["id"]]["total_fee"]
    alias = c.get(f"{BASE}/reports/monthly.csv", params={"month": "2026-11", "lawyer_id": b["id"]})
    assert [p["name"] for p in csv.DictReader(io.StringIO(alias.content.decode("utf-8-sig")))] == ["乙律师"]
    # the report is for coordinators and auditors (a lawyer reads their own ledger); others' ledgers are absent
    assert api("lawyer2").get(f"{BASE}/reports/monthly", params={"month": "2026-11"}).status_code == 403
    assert api("lawyer2").get(f"{BASE}/lawyers/{a['id']}/fees", params={"month": "2026-11"}).status_code == 404
    assert c.get(f"{BASE}/reports/monthly", params={"month": "2026-13"}).status_code == 422
    assert api("mediator1").get(f"{BASE}/reports/monthly", params={"month": "2026-11"}).status_code == 403
