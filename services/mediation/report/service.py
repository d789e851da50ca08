"""The mediation monthly report (调解工作月报): the figures of DOMAIN.md ("Reports") with their
definitions printed, and counts by category, by room and by mediator.

A month is a calendar month in Asia/Shanghai. Sessions are counted in the month they were concluded
(a session held early counts when it was held); bookings and cancellations in the month of the booked
start. Ratings count with their session. A window or a follow-up counts once its date has passed (or it
was met); the running month is read as of today.
"""
from __future__ import annotations

import calendar as _calendar
from collections import defaultdict
from datetime import date, time, timedelta
from typing import Any

from sqlmodel import Session

from services.mediation import labels
from services.mediation.report import repository as repo
from shared.calendar import RULES
from shared.errors import Unprocessable
from shared.reports import RATIO_UNIT, Column, Section, TabularReport, ratio
from shared.timeutil import local_dt

AGREED = ("agreement", "partial_agreement")
FAVOURABLE = ("satisfied", "basically_satisfied")

DEFINITIONS = [
    ("调解成功率",
     "本月结束的调解中，达成协议（含达成部分协议）的场次 ÷ 本月结束的调解场次（不含当事人未到场的场次）。"),
    ("参评率", "本月结束的调解中，作出满意度评价的当事人人数 ÷ 这些调解的当事人人数。"),
    ("满意率", "（满意 + 基本满意）的评价数 ÷ 评价总数（本月结束的调解所收到的评价）。"),
    ("司法确认申请率",
     f"司法确认申请期限（协议生效之日起 {RULES['judicial_confirmation'].amount} 日，《人民调解法》第三十三条）"
                "在本月届满的书面调解协议中，"
                "当事人在期限内申请司法确认的件数 ÷ 这些协议的件数；期限尚未届满且尚未申请的不计入。"),
    ("回访完成率", "回访日期在本月的调解协议中，在回访日期当日或之前完成回访的件数 ÷ 这些协议的件数；"
              "回访日期尚未到且尚未回访的不计入。"),
    ("预约场次", "预约开始时间在本月的调解场次（含已取消的）；取消场次另列。"),
    ("结束场次", "本月结束（结案）的调解场次，按结束时间计入当月（提前举行的调解按实际举行时间计）。"),
    ("类别", "案件移交调解时（访调对接）登记的信访事项类别；未经移交直接预约的调解计为“未分类”。"),
    ("月份", "按北京时间（Asia/Shanghai）的自然月计算；当月报表统计至今日。"),
]

FIGURE_COLUMNS = [Column("label", "指标"), Column("value", "数值", "figure"), Column("numerator", "分子", "int"),
                  Column("denominator", "分母", "int"), Column("unit", "单位")]


def _group_columns(first_key: str, first_header: str, name_header: str) -> list[Column]:
    return [Column(first_key, first_header), Column("name", name_header),
            Column("booked", "预约场次", "int"), Column("cancelled", "取消场次", "int"),
            Column("concluded", "结束场次", "int"), Column("agreed", "达成协议", "int"),
            Column("no_agreement", "未达成协议", "int"), Column("no_show", "当事人未到场", "int"),
            Column("success_rate", "调解成功率", "ratio"), Column("ratings", "评价数", "int"),
            Column("satisfaction_rate", "满意率", "ratio")]


CATEGORY_COLUMNS = _group_columns("category", "类别代码", "类别")
ROOM_COLUMNS = _group_columns("room_id", "调解室编号", "调解室")
MEDIATOR_COLUMNS = _group_columns("mediator_id", "调解员编号", "调解员")
OUTCOME_COLUMNS = [Column("outcome", "结果代码"), Column("label", "调解结果"), Column("count", "场次", "int")]


def month_bounds(month: str) -> tuple[date, date]:
    try:
        y, m = (int(x) for x in month.split("-"))
        return date(y, m, 1), date(y, m, _calendar.monthrange(y, m)[1])
    except Exception:
        raise Unprocessable("month: expected YYYY-MM", code="validation_error", detail_zh="month：格式应为 YYYY-MM",
                            errors=[{"field": "month", "message": "expected YYYY-MM", "message_zh": "格式应为 YYYY-MM",
                                     "type": "value_error"}]) from None


def _figure(code: str, label: str, value: Any, unit: str, numerator: Any = None, denominator: Any = None) -> dict:
    return {"code": code, "label": label, "value": value, "unit": unit, "numerator": numerator,
            "denominator": denominator}


def build(session: Session, month: str, today: date) -> dict[str, Any]:
    start, end = month_bounds(month)
    start_at, end_at = local_dt(start, time(0)), local_dt(end + timedelta(days=1), time(0))
    as_of = min(today, end)

    concluded = repo.concluded_between(session, start_at, end_at)
    booked = repo.starting_between(session, start_at, end_at)
    all_ids = {s.id for s in concluded} | {s.id for s in booked}
    mediators = repo.mediators_of(session, all_ids)
    parties = repo.party_counts(session, [s.id for s in concluded])
    ratings = repo.ratings_of(session, [s.id for s in concluded])
    agreements = repo.agreements_of(session, [s.id for s in concluded])
    case_category = repo.categories_of(session, {s.case_no for s in concluded} | {s.case_no for s in booked})

    ratings_by_session: dict[str, list[str]] = defaultdict(list)
    for r in ratings:
        ratings_by_session[r.session_id].append(r.rating)

    groups: dict[str, dict[str, dict[str, Any]]] = {"category": {}, "room": {}, "mediator": {}}

    def group_rows(s) -> list[dict[str, Any]]:
        keys = [("category", case_category.get(s.case_no, ""))]
        keys.append(("room", s.room_id))
        keys += [("mediator", m) for m in mediators.get(s.id, [])]
        out = []
        for kind, key in keys:
            g = groups[kind].setdefault(key, {"key": key, "booked": 0, "cancelled": 0, "concluded": 0, "agreed": 0,
                                              "no_agreement": 0, "no_show": 0, "ratings": 0, "favourable": 0})
            out.append(g)
        return out

    for s in booked:
        for g in group_rows(s):
            g["booked"] += 1
            if s.status == "cancelled":
                g["cancelled"] += 1
    outcomes: dict[str, int] = dict.fromkeys(labels.OUTCOME_ZH, 0)
    for s in concluded:
        outcome = s.outcome or ""
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        given = ratings_by_session.get(s.id, [])
        for g in group_rows(s):
            g["concluded"] += 1
            if outcome in AGREED:
                g["agreed"] += 1
            elif outcome in ("no_agreement", "no_show"):
                g[outcome] += 1
            g["ratings"] += len(given)
            g["favourable"] += sum(1 for r in given if r in FAVOURABLE)

    held = sum(1 for s in concluded if s.outcome != "no_show")
    agreed = sum(1 for s in concluded if s.outcome in AGREED)
    party_total = sum(parties.get(s.id, 0) for s in concluded)
    raters = len(ratings)
    favourable = sum(1 for r in ratings if r.rating in FAVOURABLE)

    # 司法确认: written agreements whose 30-day window closed in the month (or was already met).
    windows = repo.written_with_deadline_between(session, start, end)
    applied = repo.applications(session, [a.id for a in windows])
    jc_counted = jc_met = 0
    for a in windows:
        j = applied.get(a.id)
        met = j is not None and j.applied_on <= a.judicial_confirmation_deadline
        if met or a.judicial_confirmation_deadline < today:
            jc_counted += 1
            jc_met += met
    # 回访: agreements whose follow-up date falls in the month.
    due = repo.followups_due_between(session, start, end)
    visits = repo.first_visits(session, [a.id for a in due])
    fu_counted = fu_met = 0
    for a in due:
        v = visits.get(a.id)
        met = v is not None and v <= a.followup_on
        if met or a.followup_on < today:
            fu_counted += 1
            fu_met += met
    written = [a for a in agreements.values() if a.form == "written"]
    fully_signed = repo.signatures_complete(session, [a.id for a in written])

    figures = [
        _figure("success_rate", "调解成功率", ratio(agreed, held), RATIO_UNIT, agreed, held),
        _figure("rating_participation_rate", "参评率", ratio(raters, party_total), RATIO_UNIT, raters, party_total),
        _figure("satisfaction_rate", "满意率", ratio(favourable, raters), RATIO_UNIT, favourable, raters),
        _figure("judicial_confirmation_rate", "司法确认申请率", ratio(jc_met, jc_counted), RATIO_UNIT, jc_met,
                jc_counted),
        _figure("followup_completion_rate", "回访完成率", ratio(fu_met, fu_counted), RATIO_UNIT, fu_met, fu_counted),
        _figure("sessions_booked", "预约场次", len(booked), "场"),
        _figure("sessions_cancelled", "取消场次", sum(1 for s in booked if s.status == "cancelled"), "场"),
        _figure("sessions_concluded", "结束场次", len(concluded), "场"),
        _figure("agreements", "达成调解协议", len(agreements), "件"),
        _figure("written_agreements", "其中书面协议", len(written), "件"),
        _figure("written_agreements_signed", "其中各方当事人均已签署", len(fully_signed), "件"),
        _figure("oral_agreements", "其中口头协议", len(agreements) - len(written), "件"),
    ]
    for code, label in labels.RATING_ZH.items():
        figures.append(_figure(f"ratings_{code}", f"评价：{label}", sum(1 for r in ratings if r.rating == code),
                               "人次"))

    rooms = repo.room_names(session, groups["room"].keys())
    meds = repo.mediator_names(session, groups["mediator"].keys())

    def finish(kind: str, key_name: str, name_of) -> list[dict[str, Any]]:
        rows = []
        for g in groups[kind].values():
            held_g = g["concluded"] - g["no_show"]
            rows.append({key_name: g["key"], "name": name_of(g["key"]), "booked": g["booked"],
                         "cancelled": g["cancelled"], "concluded": g["concluded"], "agreed": g["agreed"],
                         "no_agreement": g["no_agreement"], "no_show": g["no_show"],
                         "success_rate": ratio(g["agreed"], held_g), "ratings": g["ratings"],
                         "satisfaction_rate": ratio(g["favourable"], g["ratings"])})
        return sorted(rows, key=lambda r: (-r["concluded"], -r["booked"], r["name"], r[key_name]))

    return {
        "month": month, "from": start.isoformat(), "to": end.isoformat(), "as_of": as_of.isoformat(),
        "title": f"信访调解工作月报（{start.year}年{start.month}月）",
        "figures": figures,
        "by_outcome": [{"outcome": o, "label": labels.OUTCOME_ZH.get(o, o), "count": n} for o, n in outcomes.items()],
        "by_category": finish("category", "category", labels.category_label),
        "by_room": finish("room", "room_id", lambda k: rooms.get(k, k)),
        "by_mediator": finish("mediator", "mediator_id", lambda k: meds.get(k, k)),
        "definitions": [{"figure": f, "definition": d} for f, d in DEFINITIONS],
    }


def tabular(data: dict[str, Any]) -> TabularReport:
    return TabularReport(
        title=data["title"],
        sections=[Section("figures", "汇总指标", FIGURE_COLUMNS, data["figures"]),
                  Section("by_outcome", "按调解结果", OUTCOME_COLUMNS, data["by_outcome"]),
                  Section("by_category", "按类别", CATEGORY_COLUMNS, data["by_category"]),
                  Section("by_room", "按调解室", ROOM_COLUMNS, data["by_room"]),
                  Section("by_mediator", "按调解员", MEDIATOR_COLUMNS, data["by_mediator"])],
        definitions=DEFINITIONS,
        notes=[f"统计期间：{data['from']} 至 {data['to']}（北京时间），统计截至 {data['as_of']}。"])


