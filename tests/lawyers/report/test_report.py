"""The lawyers' monthly report: duty days worked (not those still to come), no duty fee for public lawyers,
opinions and reviews on time / late / open with 按期办结率 and 平均办理时长, JSON, CSV (BOM, Chinese
headings, the old field-name CSV kept) and XLSX read back, and who may read it."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import update

from services.lawyers.opinion.models import OpinionRequest
from services.lawyers.review.models import ReviewMatter
from shared.calendar import WorkingCalendar
from tests.lawyers.conftest import BASE, OPINION, make_lawyer, make_request

SH = ZoneInfo("Asia/Shanghai")


def local_today() -> date:
    return datetime.now(SH).date()


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def shift_month(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def month_end(first: date) -> date:
    return shift_month(first, 1) - timedelta(days=1)


def contract() -> dict:
    t = local_today()
    return {"start": (t - timedelta(days=400)).isoformat(), "end": (t + timedelta(days=400)).isoformat(),
            "annual_hours": 100}


def report(api, month: str, who: str = "coordinator", **params) -> dict:
    r = api(who).get(f"{BASE}/reports/monthly", params={"month": month, **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_only_coordinators_and_auditors(api):
    month = month_of(local_today())
    make_lawyer(api, user="lawyer1", contract=contract())
    for who in ("lawyer1", "mediator1", "petition-system"):
        for path in ("/reports/monthly", "/reports/monthly.csv"):
            r = api(who).get(f"{BASE}{path}", params={"month": month})
            assert r.status_code == 403 and r.json()["code"] == "forbidden", (who, path)
    assert report(api, month, "auditor")["month"] == month
    assert api().get(f"{BASE}/reports/monthly", params={"month": "2026-13"}).status_code == 422
    assert api().get(f"{BASE}/reports/monthly", params={"month": month, "format": "pdf"}).status_code == 422


def test_duty_days_worked_and_no_duty_fee_for_public_lawyers(api):
    retained = make_lawyer(api, "retained_counsel", name="甲顾问", contract=contract())
    public = make_lawyer(api, "public_lawyer", name="乙公职律师")
    c = api()
    cal = WorkingCalendar()
    last_month = shift_month(local_today(), -1)
    next_month = shift_month(local_today(), 1)
    for first in (last_month, next_month):
        r = c.post(f"{BASE}/duty-shifts/generate", json={"from": first.isoformat(), "to": month_end(first).isoformat()})
        assert r.status_code == 201, r.text

    # Last month: every rostered day was worked; the public lawyer worked without a fee.
    rows = {x["lawyer_id"]: x for x in report(api, month_of(last_month))["items"]}
    days = len(cal.working_days(last_month, month_end(last_month)))
    assert rows[retained["id"]]["duty_days"] + rows[public["id"]]["duty_days"] == days
    assert rows[public["id"]]["duty_days"] > 0 and rows[public["id"]]["duty_fee"] == 0
    assert rows[retained["id"]]["duty_fee"] == rows[retained["id"]]["duty_days"] * 500
    assert rows[retained["id"]]["total_fee"] == rows[retained["id"]]["duty_fee"]
    assert rows[public["id"]]["kind"] == "public_lawyer" and rows[public["id"]]["kind_label"] == "公职律师"
    ledger = c.get(f"{BASE}/lawyers/{public['id']}/fees", params={"month": month_of(last_month)}).json()
    assert ledger["total"] == 0 and {x["amount"] for x in ledger["items"]} == {0}
    ledger = c.get(f"{BASE}/lawyers/{retained['id']}/fees", params={"month": month_of(last_month)}).json()
    assert ledger["total"] == rows[retained["id"]]["total_fee"]

    # Next month: rostered, not yet worked: no duty day counted, no fee; the days are listed apart.
    data = report(api, month_of(next_month))
    rows = {x["lawyer_id"]: x for x in data["items"]}
    assert all(r["duty_days"] == 0 and r["duty_fee"] == 0 for r in rows.values())
    assert sum(r["duty_days_scheduled"] for r in rows.values()) == len(cal.working_days(next_month,
                                                                                       month_end(next_month)))
    figures = {f["code"]: f for f in data["figures"]}
    assert figures["duty_days"]["value"] == 0 and figures["duty_days_scheduled"]["value"] > 0
    assert c.get(f"{BASE}/lawyers/{retained['id']}/fees", params={"month": month_of(next_month)}).json()["total"] == 0


def test_on_time_late_open_and_working_days(api, suite):
    """Requests and a review placed in June 2026 (no holiday before the 19th): the figures as defined."""
    lw = make_lawyer(api, name="丙顾问", user="lawyer1", contract={"start": "2026-01-01", "end": "2027-12-31",
                                                                    "annual_hours": 100})
    studio = [make_lawyer(api, "studio_lawyer", name=f"工作室律师{i}") for i in (1, 2)]
    made = {k: make_request(api, category="labour") for k in ("on_time", "late", "overdue", "later")}
    for k in ("on_time", "late"):
        assert api("lawyer1").post(f"{BASE}/opinion-requests/{made[k]['id']}/opinion", json=OPINION).status_code == 201
    rv = api().post(f"{BASE}/reviews", json={"case_no": "R-1", "kind": "review", "received_on": "2026-06-01",
                                             "parties": ["张三"]})
    assert rv.status_code == 201, rv.text
    assert set(rv.json()["panel"]) == {s["id"] for s in studio}

    def at(d: str, hhmm: str = "10:00") -> datetime:
        return datetime.fromisoformat(f"{d}T{hhmm}:00+08:00")

    with suite.db("lawyers").session() as s:
        def put(key, **values):
            s.execute(update(OpinionRequest).where(OpinionRequest.id == made[key]["id"]).values(**values))
        put("on_time", created_at=at("2026-06-01"), due_on=date(2026, 6, 10), answered_at=at("2026-06-08"))
        put("late", created_at=at("2026-06-01"), due_on=date(2026, 6, 10), answered_at=at("2026-06-12"))
        put("overdue", created_at=at("2026-06-02"), due_on=date(2026, 6, 15))
        far = shift_month(local_today(), 2) + timedelta(days=9)
        put("later", due_on=far)  # due in a month still to come: open, neither on time nor late
        s.execute(update(ReviewMatter).where(ReviewMatter.id == rv.json()["id"]).values(
            due_on=date(2026, 6, 30), status="decided", decided_at=at("2026-06-05")))
        s.commit()

    data = report(api, "2026-06")
    f = {x["code"]: x for x in data["figures"]}
    # opinions: on_time, late, overdue (never answered, due date passed); the review on time
    assert (f["opinion_on_time_rate"]["numerator"], f["opinion_on_time_rate"]["denominator"]) == (1, 3)
    assert (f["review_on_time_rate"]["numerator"], f["review_on_time_rate"]["denominator"]) == (1, 1)
    assert (f["on_time_rate"]["numerator"], f["on_time_rate"]["denominator"]) == (2, 4)
    assert f["on_time_rate"]["value"] == 0.5 and f["opinions_late"]["value"] == 2
    # working days from request to answer, start day not counted: 5 (06-01→06-08), 9 (06-01→06-12),
    # and the review 4 (06-01→06-05)
    assert f["average_working_days"]["value"] == 6.0 and f["average_working_days"]["denominator"] == 3
    mine = next(x for x in data["items"] if x["lawyer_id"] == lw["id"])
    assert (mine["opinions_due"], mine["opinions_on_time"], mine["opinions_late"]) == (3, 1, 2)
    assert mine["avg_working_days"] == 7.0 and mine["on_time_rate"] == round(1 / 3, 4)
    panel = [x for x in data["items"] if x["lawyer_id"] in {s["id"] for s in studio}]
    assert [(x["reviews_due"], x["reviews_on_time"]) for x in panel] == [(1, 1), (1, 1)]
    # "labour" is stored as its code (shared/vocabulary.py)
    labour = next(c for c in data["by_category"] if c["category"] == "labour_social_security")
    assert labour["label"] == "劳动和社会保障"
    assert (labour["due"], labour["on_time"], labour["late"], labour["answered"]) == (3, 1, 2, 2)
    assert {d["figure"] for d in data["definitions"]} >= {"按期办结率", "平均办理时长", "值班费", "值班天数"}

    later = report(api, month_of(far))
    f = {x["code"]: x for x in later["figures"]}
    assert f["opinions_open"]["value"] == 1 and f["on_time_rate"]["value"] is None
    assert next(x for x in later["items"] if x["lawyer_id"] == lw["id"])["opinions_open"] == 1


def test_csv_and_xlsx(api):
    a = make_lawyer(api, "retained_counsel", name="丁顾问", contract=contract())
    month = month_of(shift_month(local_today(), -1))
    api().post(f"{BASE}/time-entries", json={"lawyer_id": a["id"], "date": f"{month}-05", "hours": 2.5})
    c = api()
    r = c.get(f"{BASE}/reports/monthly", params={"month": month, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode()) and f"lawyers-{month}.csv" in r.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["月份", "律师编号", "姓名", "类型"] and "费用合计（元）" in lines[0]
    assert lines[1][2] == "丁顾问" and lines[1][3] == "常年法律顾问"
    assert float(lines[1][lines[0].index("工时（小时）")]) == 2.5
    flat = [cell for line in lines for cell in line]
    assert "【汇总指标】" in flat and "【指标定义】" in flat and "按期办结率" in flat and "平均办理时长" in flat
    # The old CSV path: field names by default, the same file as format=csv with lang=zh.
    old = c.get(f"{BASE}/reports/monthly.csv", params={"month": month})
    assert old.content.decode("utf-8-sig").startswith("month,lawyer_id,name,kind,duty_days")
    rows = list(csv.DictReader(io.StringIO(old.content.decode("utf-8-sig"))))
    assert [x["name"] for x in rows] == ["丁顾问"] and float(rows[0]["hours"]) == 2.5
    assert c.get(f"{BASE}/reports/monthly.csv", params={"month": month, "lang": "zh"}).content == r.content

    x = c.get(f"{BASE}/reports/monthly", params={"month": month, "format": "xlsx"})
    assert x.status_code == 200 and x.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames == ["按律师", "汇总指标", "按类别（法律意见）", "指标定义"]
    ws = wb["按律师"]
    header = [cell.value for cell in ws[1]]
    assert header[:4] == ["月份", "律师编号", "姓名", "类型"]
    row = [cell.value for cell in ws[2]]
    assert row[2] == "丁顾问" and row[header.index("工时（小时）")] == 2.5
    assert row[header.index("工时使用率")] is not None and ws.cell(2,
                                                              header.index("工时使用率") + 1).number_format == "0.00%"
    definitions = {r[0].value: r[1].value for r in wb["指标定义"].iter_rows(min_row=2) if r[0].value}
    assert "公职律师" in definitions["值班费"] and "工作日" in definitions["平均办理时长"]
