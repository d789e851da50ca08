"""The lawyers' monthly report (律师工作月报): opinions and reviews (on time, late, open), duty days,
reception assists, hours against the contracted hours and fees, by lawyer and by category, with the
definitions of DOMAIN.md ("Reports") printed.

A month is a calendar month in Asia/Shanghai. The report is read as of today for the running month:
a duty day counts as worked (and earns its fee) only once it is over, and an item not yet due is open,
neither on time nor late. Public lawyers (公职律师, civil servants) earn no duty-day fee.
"""
from __future__ import annotations

import csv
import io
from datetime import date, time, timedelta
from typing import Any

from services.lawyers.context import Ctx
from services.lawyers.hours.service import duty_day_worked, duty_fee, month_bounds
from services.lawyers.labels import KIND_ZH, category_label
from services.lawyers.report import repository as repo
from shared.errors import NotFound
from shared.reports import RATIO_UNIT, Column, Section, TabularReport, ratio
from shared.timeutil import local_date, local_dt

# The per-lawyer row. The first 13 keys are the report's original fields (kept, in that order, for the
# programs that read `items` or the CSV with field-name headings).
LEGACY_COLUMNS = ["month", "lawyer_id", "name", "kind", "duty_days", "duty_fee", "opinions", "opinion_fee",
                  "case_resolutions", "case_resolution_fee", "other_fee", "total_fee", "hours"]
LAWYER_COLUMNS = [
    Column("month", "月份"), Column("lawyer_id", "律师编号"), Column("name", "姓名"), Column("kind_label", "类型"),
    Column("duty_days", "值班天数", "int"), Column("duty_fee", "值班费（元）", "int"),
    Column("opinions", "书面法律意见（件）", "int"), Column("opinion_fee", "法律意见费（元）", "int"),
    Column("case_resolutions", "案件化解（件）", "int"), Column("case_resolution_fee", "案件化解费（元）", "int"),
    Column("other_fee", "其他费用（元）", "int"), Column("total_fee", "费用合计（元）", "int"),
    Column("hours", "工时（小时）", "float"),
    Column("duty_days_scheduled", "已排班未值班天数", "int"), Column("assists", "协助接访（次）", "int"),
    Column("hours_year", "本年累计工时（小时）", "float"), Column("annual_hours", "合同年度工时（小时）", "float"),
    Column("hours_ratio", "工时使用率", "ratio"),
    Column("opinions_due", "本月到期法律意见（件）", "int"), Column("opinions_on_time", "按期办结（件）", "int"),
    Column("opinions_late", "逾期（件）", "int"), Column("opinions_open", "未到期办理中（件）", "int"),
    Column("reviews_due", "本月到期复查复核（件）", "int"), Column("reviews_on_time", "复查复核按期（件）", "int"),
    Column("reviews_late", "复查复核逾期（件）", "int"), Column("reviews_open", "复查复核办理中（件）", "int"),
    Column("on_time_rate", "按期办结率", "ratio"), Column("avg_working_days", "平均办理时长（工作日）", "float"),
]
FIGURE_COLUMNS = [Column("label", "指标"), Column("value", "数值", "figure"), Column("numerator", "分子", "int"),
                  Column("denominator", "分母", "int"), Column("unit", "单位")]
CATEGORY_COLUMNS = [Column("category", "类别代码"), Column("label", "类别"),
                    Column("received", "本月收到（件）", "int"),
                    Column("answered", "本月办结（件）", "int"), Column("due", "本月到期（件）", "int"),
                    Column("on_time", "按期办结（件）", "int"), Column("late", "逾期（件）", "int"),
                    Column("on_time_rate", "按期办结率", "ratio")]


DIFFICULTY_ZH = {"simple": "简单", "moderate": "较复杂", "complex": "疑难复杂"}


def definitions(ctx: Ctx) -> list[tuple[str, str]]:
    st = ctx.settings
    exempt = "、".join(KIND_ZH.get(k, k) for k in st.duty_fee_exempt_kinds) or "无"
    return [
        ("按期办结率", "本月到期的法律意见请求和复查复核事项中，在到期日当日或之前办结的件数 ÷ 本月到期且已有结果的件数"
                   "（已办结的，加上到期日已过仍未办结的）。尚未到期且未办结的计为“办理中”，不计入分母。"),
        ("平均办理时长", "本月办结的法律意见请求（自请求登记日至出具意见日）和复查复核事项（自收到申请日至作出意见日）"
                     "所用工作日数的平均值，起始日不计，节假日和休息日不计（依国务院节假日安排，含调休）。"),
        ("值班天数", "本月在接待大厅值班且当日值班已结束（值班日已过，或当日已过下班时间 "
                  f"{st.duty_end}）的天数。已排班但尚未值班的天数另列，不计值班费。"),
        ("值班费", f"已值班天数 × {st.fee_duty_day} 元（地方实践标准，可配置）；{exempt}为公务员，不计值班费。"),
        ("书面法律意见费", f"每件首次出具的书面法律意见 {st.fee_written_opinion} 元（地方实践标准，可配置），"
                    "按出具日期计入当月。"),
        ("案件化解费", "按案件难易程度登记的化解费用（" + "，".join(
            f"{DIFFICULTY_ZH.get(k, k)} {lo:,}" + (f"–{hi:,}" if hi != lo else "") + " 元"
            for k, (lo, hi) in st.fee_case_resolution.items()) + "）。"),
        ("工时使用率", "本年 1 月 1 日至本月末登记的工时 ÷ 常年法律顾问合同约定的年度工时。"),
        ("协助接访", "本月公职律师陪同区领导接访（协助接访）的次数，按接访开始时间计入当月；尚未进行的另列。"),
        ("月份", "按北京时间（Asia/Shanghai）的自然月计算；当月报表统计至今日。"),
    ]


def _finish_class(due_on: date, finished: date | None, today: date) -> str:
    if finished is not None:
        return "on_time" if finished <= due_on else "late"
    return "late" if due_on < today else "open"


def _working_days(ctx: Ctx, start: date, end: date) -> int:
    return len(ctx.cal.working_days(start + timedelta(days=1), end)) if end > start else 0


def build(ctx: Ctx, month: str, lawyer_id: str | None = None) -> dict[str, Any]:
    start, end = month_bounds(month)
    start_at, end_at = local_dt(start, time(0)), local_dt(end + timedelta(days=1), time(0))
    today = ctx.today
    as_of = min(today, end)
    rows: dict[str, dict[str, Any]] = {}

    def row(lid: str) -> dict[str, Any]:
        if lid not in rows:
            rows[lid] = {c.key: 0 for c in LAWYER_COLUMNS} | {
                "month": month, "lawyer_id": lid, "name": "", "kind": "", "kind_label": "", "hours": 0.0,
                "hours_year": 0.0, "annual_hours": None, "hours_ratio": None, "on_time_rate": None,
                "avg_working_days": None, "_durations": []}
        return rows[lid]

    shifts = repo.shifts(ctx.session, start, end)
    fees = repo.fees(ctx.session, start, end)
    hours = repo.hours_by_lawyer(ctx.session, start, end)
    assists = repo.assists(ctx.session, start_at, end_at)
    requests = repo.opinion_requests(ctx.session, start, end, start_at, end_at)
    reviews = repo.reviews(ctx.session, start, end, start_at, end_at)
    panels = repo.panels(ctx.session, [r.id for r in reviews])
    ids = ({s.lawyer_id for s in shifts} | {f.lawyer_id for f in fees} | set(hours) | {a.lawyer_id for a in assists}
           | {r.assignee_id for r in requests if r.assignee_id} | {m for p in panels.values() for m in p})
    if lawyer_id is not None:
        ids.add(lawyer_id)
    lawyers = repo.lawyers(ctx.session, ids)
    if lawyer_id is not None and lawyer_id not in lawyers:
        raise NotFound(f"No lawyer {lawyer_id}.", detail_zh="未找到该律师。")

    def kind_of(lid: str) -> str:
        lw = lawyers.get(lid)
        return lw.kind if lw else ""

    totals = {"duty_days": 0, "duty_days_scheduled": 0, "assists": 0, "assists_scheduled": 0}
    for sh in shifts:
        r = row(sh.lawyer_id)
        if duty_day_worked(ctx, sh.day):
            r["duty_days"] += 1
            r["duty_fee"] += duty_fee(ctx, kind_of(sh.lawyer_id))
            totals["duty_days"] += 1
        else:
            r["duty_days_scheduled"] += 1
            totals["duty_days_scheduled"] += 1
    for f in fees:
        r = row(f.lawyer_id)
        if f.kind == "written_opinion":
            r["opinions"] += 1
            r["opinion_fee"] += f.amount
        elif f.kind == "case_resolution":
            r["case_resolutions"] += 1
            r["case_resolution_fee"] += f.amount
        else:
            r["other_fee"] += f.amount
    for lid, h in hours.items():
        row(lid)["hours"] = round(h, 2)
    for a in assists:
        if a.end <= ctx.now:
            row(a.lawyer_id)["assists"] += 1
            totals["assists"] += 1
        else:
            totals["assists_scheduled"] += 1

    # Opinions and reviews: on time, late, open; durations of those finished in the month.
    counts = {k: {"due": 0, "on_time": 0, "late": 0, "open": 0} for k in ("opinions", "reviews")}
    durations: list[int] = []
    categories: dict[str, dict[str, Any]] = {}

    def category(code: str) -> dict[str, Any]:
        key = code or ""
        if key not in categories:
            categories[key] = {"category": key, "label": category_label(key), "received": 0, "answered": 0,
                               "due": 0, "on_time": 0, "late": 0, "on_time_rate": None}
        return categories[key]

    for q in requests:
        finished = local_date(q.answered_at) if q.answered_at else None
        if finished is not None and finished > as_of:
            finished = None  # answered after the day the report is read for
        cat = category(q.category)
        if start_at <= q.created_at < end_at:
            cat["received"] += 1
        if finished is not None and start <= finished <= end:
            cat["answered"] += 1
            days = _working_days(ctx, local_date(q.created_at), finished)
            durations.append(days)
            if q.assignee_id:
                row(q.assignee_id)["_durations"].append(days)
        if start <= q.due_on <= end:
            cls = _finish_class(q.due_on, finished, today)
            counts["opinions"]["due" if cls != "open" else "open"] += 1
            if cls != "open":
                counts["opinions"][cls] += 1
                cat["due"] += 1
                cat[cls] += 1
            if q.assignee_id:
                r = row(q.assignee_id)
                r[f"opinions_{cls}"] += 1
                if cls != "open":
                    r["opinions_due"] += 1
    for rv in reviews:
        finished = local_date(rv.decided_at) if rv.decided_at else None
        if finished is not None and finished > as_of:
            finished = None
        members = panels.get(rv.id, [])
        if finished is not None and start <= finished <= end:
            days = _working_days(ctx, rv.received_on, finished)
            durations.append(days)
            for m in members:
                row(m)["_durations"].append(days)
        if start <= rv.due_on <= end:
            cls = _finish_class(rv.due_on, finished, today)
            counts["reviews"]["due" if cls != "open" else "open"] += 1
            if cls != "open":
                counts["reviews"][cls] += 1
            for m in members:
                r = row(m)
                r[f"reviews_{cls}"] += 1
                if cls != "open":
                    r["reviews_due"] += 1

    if lawyer_id is not None:
        row(lawyer_id)
    contracts = repo.contracts_overlapping(ctx.session, start, end, set(rows))
    year_hours = repo.hours_by_lawyer(ctx.session, date(start.year, 1, 1), end)
    for lid, r in rows.items():
        lw = lawyers.get(lid)
        r["name"], r["kind"] = (lw.name, lw.kind) if lw else ("", "")
        r["kind_label"] = KIND_ZH.get(r["kind"], r["kind"])
        r["total_fee"] = r["duty_fee"] + r["opinion_fee"] + r["case_resolution_fee"] + r["other_fee"]
        r["hours_year"] = round(year_hours.get(lid, 0.0), 2)
        c = contracts.get(lid)
        r["annual_hours"] = c.annual_hours if c else None
        r["hours_ratio"] = ratio(r["hours_year"], c.annual_hours) if c else None
        due = r["opinions_due"] + r["reviews_due"]
        r["on_time_rate"] = ratio(r["opinions_on_time"] + r["reviews_on_time"], due)
        d = r.pop("_durations")
        r["avg_working_days"] = round(sum(d) / len(d), 1) if d else None
    for cat in categories.values():
        cat["on_time_rate"] = ratio(cat["on_time"], cat["due"])

    items = sorted(rows.values(), key=lambda r: (r["name"], r["lawyer_id"]))
    if lawyer_id is not None:
        items = [r for r in items if r["lawyer_id"] == lawyer_id]
    o, v = counts["opinions"], counts["reviews"]
    all_due, all_on_time = o["due"] + v["due"], o["on_time"] + v["on_time"]
    received = sum(1 for q in requests if start_at <= q.created_at < end_at)
    unassigned = sum(1 for q in requests if start_at <= q.created_at < end_at and q.status == "unassigned")

    def figure(code: str, label: str, value: Any, unit: str = "件", numerator: Any = None,
               denominator: Any = None) -> dict[str, Any]:
        return {"code": code, "label": label, "value": value, "unit": unit, "numerator": numerator,
                "denominator": denominator}

    figures = [
        figure("on_time_rate", "按期办结率", ratio(all_on_time, all_due), RATIO_UNIT, all_on_time, all_due),
        figure("opinion_on_time_rate", "法律意见按期办结率", ratio(o["on_time"], o["due"]), RATIO_UNIT, o["on_time"],
               o["due"]),
        figure("review_on_time_rate", "复查复核按期办结率", ratio(v["on_time"], v["due"]), RATIO_UNIT, v["on_time"],
               v["due"]),
        figure("average_working_days", "平均办理时长", round(sum(durations) / len(durations), 1) if durations else None,
               "工作日", sum(durations), len(durations)),
        figure("opinions_late", "逾期（法律意见、复查复核）", o["late"] + v["late"]),
        figure("opinions_open", "本月到期办理中（法律意见、复查复核）", o["open"] + v["open"]),
        figure("opinion_requests_received", "本月收到法律意见请求", received),
        figure("opinion_requests_unassigned", "其中未能分派", unassigned),
        figure("duty_days", "已值班天数", totals["duty_days"], "天"),
        figure("duty_days_scheduled", "已排班未值班天数", totals["duty_days_scheduled"], "天"),
        figure("assists", "协助接访", totals["assists"], "次"),
        figure("assists_scheduled", "已安排未进行的协助接访", totals["assists_scheduled"], "次"),
        figure("hours", "工时合计", round(sum(r["hours"] for r in items), 2), "小时"),
        figure("total_fee", "费用合计", sum(r["total_fee"] for r in items), "元"),
    ]
    return {"month": month, "from": start.isoformat(), "to": end.isoformat(), "as_of": as_of.isoformat(),
            "title": f"律师工作月报（{start.year}年{start.month}月）", "items": items, "figures": figures,
            "by_category": sorted(categories.values(), key=lambda c: (-c["received"], c["category"])),
            "definitions": [{"figure": f, "definition": d} for f, d in definitions(ctx)], "next_cursor": None}


def tabular(ctx: Ctx, data: dict[str, Any]) -> TabularReport:
    return TabularReport(
        title=data["title"],
        sections=[Section("items", "按律师", LAWYER_COLUMNS, data["items"]),
                  Section("figures", "汇总指标", FIGURE_COLUMNS, data["figures"]),
                  Section("by_category", "按类别（法律意见）", CATEGORY_COLUMNS, data["by_category"])],
        definitions=definitions(ctx),
        notes=[f"统计期间：{data['from']} 至 {data['to']}（北京时间），统计截至 {data['as_of']}。"])


def legacy_csv(items: list[dict[str, Any]]) -> bytes:
    """The per-lawyer rows with the field names as headings (the report's original CSV, new columns
    appended), UTF-8 with a BOM."""
    keys = LEGACY_COLUMNS + [c.key for c in LAWYER_COLUMNS if c.key not in LEGACY_COLUMNS and c.key != "kind_label"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(keys)
    for r in items:
        w.writerow(["" if r.get(k) is None else r.get(k) for k in keys])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


