"""The mediation monthly report: the figures of DOMAIN.md ("Reports") as defined, counts by category, room and
mediator, the definitions printed; JSON, CSV (BOM, Chinese headings) and XLSX read back; who may read it."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from tests.mediation.mediation_kit import BASE, at, today, uniq, working_day
from tests.problem_kit import problem

URL = f"{BASE}/reports/monthly"


def deliver_intake(suite, case_no: str, category: str) -> None:
    """A case handed to mediation (访调对接) with its category, as the gateway's hub delivers it."""
    event = {"id": uniq("ev"), "source": "gateway", "type": "handoff.requested", "subject": case_no,
             "time": "2026-12-01T09:00:00+08:00",
             "data": {"handoff_id": uniq("h"), "case_no": case_no, "target": "mediation", "category": category,
                      "summary": "拖欠工资", "parties": [{"name": "甲", "role": "petitioner"}]}}
    r = suite.direct("mediation", "mediation-service").post("/internal/events", json={"events": [event]})
    assert r.status_code == 200 and r.json()["applied"] == 1, r.text


def conclude(api, s: dict, outcome: str, **agreement) -> dict:
    body = {"outcome": outcome}
    if outcome in ("agreement", "partial_agreement"):
        body["agreement"] = {"form": "written", "terms": ["按期支付"],
                             "performance_due": (today() + timedelta(days=20)).isoformat(), **agreement}
    r = api().post(f"{BASE}/sessions/{s['id']}/conclude", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_roles(api):
    month = today().strftime("%Y-%m")
    for who in ("lawyer1", "mediator1", "petition-system"):
        problem(api(who).get(URL, params={"month": month}), 403, "forbidden")
    assert api("auditor").get(URL, params={"month": month}).status_code == 200
    problem(api().get(URL, params={"month": "2026-13"}), 422, "validation_error")
    problem(api().get(URL, params={"month": month, "format": "pdf"}), 422, "validation_error")
    problem(api().get(URL), 422, "validation_error")


def test_figures_and_groups(suite, api, day):
    room_a, room_b = api.room(name=uniq("一号调解室")), api.room(name=uniq("二号调解室"))
    m1, m2 = api.mediator(name=uniq("甲调解员")), api.mediator(name=uniq("乙调解员"))
    labour = uniq("L")
    deliver_intake(suite, labour, "labour_social_security")

    def book(room, meds, hhmm, d=day, **kw):
        return api.book(room, meds, at(d, hhmm), at(d, f"{int(hhmm[:2]) + 1:02d}{hhmm[2:]}"), **kw)

    s1 = book(room_a, [m1], "09:00", case_no=labour)                    # agreement, 2 parties rate
    s2 = book(room_a, [m1, m2], "14:00")                                # partial agreement
    s3 = book(room_b, [m2], "09:00")                                    # no agreement
    s4 = book(room_b, [m2], "15:30")                                    # no-show: not in the success rate
    s5 = book(room_b, [m1], "09:00", d=working_day(1))                  # cancelled
    done = conclude(api, s1, "agreement")
    conclude(api, s2, "partial_agreement")
    conclude(api, s3, "no_agreement")
    conclude(api, s4, "no_show")
    assert api().post(f"{BASE}/sessions/{s5['id']}/cancel", json={"reason": "撤回"}).status_code == 200
    for p, rating in zip(s1["parties"], ("satisfied", "dissatisfied"), strict=True):
        r = api().post(f"{BASE}/sessions/{s1['id']}/satisfaction", json={"rating": rating, "party_name": p["name"]})
        assert r.status_code == 201, r.text
    api().post(f"{BASE}/sessions/{s3['id']}/satisfaction", json={"rating": "basically_satisfied"})
    api().post(f"{BASE}/sessions/{s1['id']}/agreement/signatures",
               json={"signed_by": [p["name"] for p in s1["parties"]]})

    month = done["concluded_at"][:7]
    data = api("auditor").get(URL, params={"month": month}).json()
    f = {x["code"]: x for x in data["figures"]}
    assert (f["success_rate"]["numerator"], f["success_rate"]["denominator"]) == (2, 3)
    assert f["success_rate"]["value"] == round(2 / 3, 4)
    assert (f["rating_participation_rate"]["numerator"], f["rating_participation_rate"]["denominator"]) == (3, 8)
    assert (f["satisfaction_rate"]["numerator"], f["satisfaction_rate"]["denominator"]) == (2, 3)
    assert f["sessions_concluded"]["value"] == 4 and f["agreements"]["value"] == 2
    assert f["written_agreements_signed"]["value"] == 1
    outcomes = {o["outcome"]: o["count"] for o in data["by_outcome"]}
    assert outcomes == {"agreement": 1, "partial_agreement": 1, "no_agreement": 1, "no_show": 1}

    rooms = {r["room_id"]: r for r in data["by_room"]}
    assert rooms[room_a["id"]]["name"] == room_a["name"]
    assert (rooms[room_a["id"]]["concluded"], rooms[room_a["id"]]["agreed"]) == (2, 2)
    assert rooms[room_a["id"]]["success_rate"] == 1.0
    assert (rooms[room_b["id"]]["concluded"], rooms[room_b["id"]]["no_show"]) == (2, 1)
    assert rooms[room_b["id"]]["success_rate"] == 0.0
    meds = {m["mediator_id"]: m for m in data["by_mediator"]}
    assert (meds[m1["id"]]["concluded"], meds[m1["id"]]["agreed"]) == (2, 2)
    assert (meds[m2["id"]]["concluded"], meds[m2["id"]]["agreed"]) == (3, 1)
    assert meds[m2["id"]]["name"] == m2["name"]
    cats = {c["category"]: c for c in data["by_category"]}
    assert cats["labour_social_security"]["name"] == "劳动和社会保障"
    assert (cats["labour_social_security"]["concluded"], cats["labour_social_security"]["agreed"]) == (1, 1)
    assert cats[""]["name"] == "未分类" and cats[""]["concluded"] == 3
    assert {d["figure"] for d in data["definitions"]} >= {"调解成功率", "参评率", "满意率", "司法确认申请率",
                                                          "回访完成率"}
    # Bookings and cancellations count in the month of the booked start.
    start_month = working_day(1).strftime("%Y-%m")
    booked = {x["code"]: x for x in api().get(URL, params={"month": start_month}).json()["figures"]}
    assert booked["sessions_cancelled"]["value"] == 1

    # CSV: BOM, Chinese headings, the definitions printed.
    r = api().get(URL, params={"month": month, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode()) and f"mediation-{month}.csv" in r.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0] == ["指标", "数值", "分子", "分母", "单位"]
    assert lines[1][:4] == ["调解成功率", "66.67%", "2", "3"]
    flat = [cell for line in lines for cell in line]
    for words in ("【按调解室】", "【按调解员】", "【按类别】", "【指标定义】", room_a["name"], m1["name"],
                  "劳动和社会保障"):
        assert words in flat, words
    definitions = lines[lines.index(["【指标定义】"]) + 2:]
    assert any(d[0] == "司法确认申请率" and "第三十三条" in d[1] for d in definitions if len(d) == 2)

    # XLSX: one sheet per part with Chinese headings, and the definitions.
    x = api().get(URL, params={"month": month, "format": "xlsx"})
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames == ["汇总指标", "按调解结果", "按类别", "按调解室", "按调解员", "指标定义"]
    summary = [[c.value for c in row] for row in wb["汇总指标"].iter_rows()]
    assert summary[0] == ["指标", "数值", "分子", "分母", "单位"] and summary[1][:4] == ["调解成功率", round(2 / 3, 4),
                                                                               2, 3]
    by_room = [[c.value for c in row] for row in wb["按调解室"].iter_rows()]
    assert by_room[0][:3] == ["调解室编号", "调解室", "预约场次"]
    assert {row[1] for row in by_room[1:]} == {room_a["name"], room_b["name"]}
    defs = {row[0].value: row[1].value for row in wb["指标定义"].iter_rows(min_row=2)}
    assert "不含当事人未到场" in defs["调解成功率"] and "基本满意" in defs["满意率"]


def test_judicial_confirmation_and_followup_rates(api, day):
    """Written agreements whose 30-day window and follow-up date fell in a past month."""
    effective = today() - timedelta(days=70)
    agreements = []
    for hhmm in ("09:00", "14:00"):
        s = api.book(api.room(), [api.mediator()], at(day, hhmm), at(day, f"{int(hhmm[:2]) + 1:02d}:00"))
        conclude(api, s, "agreement", effective_on=effective.isoformat(),
                 performance_due=(effective + timedelta(days=5)).isoformat())
        agreements.append((s, api().get(f"{BASE}/sessions/{s['id']}/agreement").json()))
    (s1, a1), (s2, a2) = agreements
    assert a1["judicial_confirmation_deadline"] == a2["judicial_confirmation_deadline"]
    r = api().post(f"{BASE}/sessions/{s1['id']}/agreement/judicial-confirmation",
                   json={"applied_on": (effective + timedelta(days=3)).isoformat(), "court": "某区人民法院"})
    assert r.status_code == 201, r.text
    late_visit = (today() - timedelta(days=1)).isoformat()
    assert api().post(f"{BASE}/sessions/{s1['id']}/agreement/followups",
                      json={"visited_on": a1["followup_on"], "performance": "performed"}).status_code == 201
    assert api().post(f"{BASE}/sessions/{s2['id']}/agreement/followups",
                      json={"visited_on": late_visit, "performance": "partly_performed"}).json()["on_time"] is False

    jc_month = a1["judicial_confirmation_deadline"][:7]
    f = {x["code"]: x for x in api().get(URL, params={"month": jc_month}).json()["figures"]}
    assert (f["judicial_confirmation_rate"]["numerator"], f["judicial_confirmation_rate"]["denominator"]) == (1, 2)
    fu_month = a1["followup_on"][:7]
    f = {x["code"]: x for x in api().get(URL, params={"month": fu_month}).json()["figures"]}
    assert (f["followup_completion_rate"]["numerator"], f["followup_completion_rate"]["denominator"]) == (1, 2)
    assert f["followup_completion_rate"]["value"] == 0.5
