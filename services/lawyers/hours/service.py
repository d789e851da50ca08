"""Hours against contracted annual hours (with an 80% warning) and the fee ledger (the monthly report: report/)."""
from __future__ import annotations

import calendar as _calendar
from datetime import date, time
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.lawyers.context import SOURCE, Ctx, day, iso, new_id
from services.lawyers.hours import repository as repo
from services.lawyers.hours.models import FeeCreate, FeeEntry, HoursWarning, TimeEntry, TimeEntryCreate
from services.lawyers.lawyer import repository as lawyers_repo
from services.lawyers.opinion.models import LegalOpinion
from shared.errors import Forbidden, Unprocessable
from shared.events import emit
from shared.timeutil import to_local


def entry_public(e: TimeEntry) -> dict[str, Any]:
    return {"id": e.id, "lawyer_id": e.lawyer_id, "date": day(e.day), "hours": e.hours, "case_no": e.case_no,
            "activity": e.activity, "created_at": iso(e.created_at)}


def fee_public(f: FeeEntry) -> dict[str, Any]:
    return {"id": f.id, "lawyer_id": f.lawyer_id, "date": day(f.day), "kind": f.kind, "amount": f.amount,
            "case_no": f.case_no, "ref_id": f.ref_id, "difficulty": f.difficulty, "note": f.note}


def month_bounds(month: str) -> tuple[date, date]:
    try:
        y, m = (int(x) for x in month.split("-"))
        return date(y, m, 1), date(y, m, _calendar.monthrange(y, m)[1])
    except Exception:
        raise Unprocessable("month: expected YYYY-MM", code="validation_error",
                            errors=[{"field": "month", "message": "expected YYYY-MM", "type": "value_error"}]) from None


def usage(ctx: Ctx, lawyer_id: str, year: int) -> dict[str, Any]:
    c = repo.contract_for_year(ctx.session, lawyer_id, year)
    used = repo.hours_between(ctx.session, lawyer_id, date(year, 1, 1), date(year, 12, 31))
    annual = c.annual_hours if c else None
    ratio = round(used / annual, 4) if annual else None
    return {"lawyer_id": lawyer_id, "year": year, "used": round(used, 2), "annual_hours": annual,
            "remaining": round(annual - used, 2) if annual else None, "ratio": ratio,
            "warning": bool(ratio is not None and ratio >= ctx.settings.hours_warning_ratio)}


def log_time(ctx: Ctx, body: TimeEntryCreate) -> TimeEntry:
    lw = lawyers_repo.get(ctx.session, body.lawyer_id)
    if not ctx.has("coordinator"):
        if not ctx.has("lawyer"):
            raise Forbidden("This call needs one of the roles: coordinator, lawyer.")
        if lw is None or ctx.me != lw.id:
            raise Forbidden("A lawyer logs only their own hours.")
    if lw is None:
        raise Unprocessable("lawyer_id: unknown lawyer", code="validation_error",
                            errors=[{"field": "lawyer_id", "message": "unknown lawyer", "type": "value_error"}])
    e = TimeEntry(id=new_id(), lawyer_id=lw.id, day=body.date, hours=body.hours, case_no=body.case_no,
                  activity=body.activity, created_at=ctx.now, created_by=ctx.actor)
    ctx.session.add(e)
    ctx.session.flush()
    u = usage(ctx, lw.id, body.date.year)
    if u["warning"]:
        try:
            with ctx.session.begin_nested():
                ctx.session.add(HoursWarning(lawyer_id=lw.id, year=body.date.year, sent_at=ctx.now))
                ctx.session.flush()
        except IntegrityError:
            return e  # already warned this year
        emit(ctx.session, source=SOURCE, type="lawyers.hours.warning", subject=body.case_no,
             data={**u, "name": lw.name,
                   "message": f"{lw.name} {body.date.year} 年度已用工时 {u['used']} 小时，"
                              f"达到合同工时 {u['annual_hours']} 小时的 {round(u['ratio'] * 100)}%。"})
    return e


def record_opinion_fee(ctx: Ctx, o: LegalOpinion) -> None:
    """A written opinion's fee (书面意见, practice amount) on first filing."""
    ctx.session.add(FeeEntry(id=new_id(), lawyer_id=o.lawyer_id, day=ctx.today, kind="written_opinion",
                             amount=ctx.settings.fee_written_opinion, case_no=o.case_no, ref_id=o.id,
                             created_at=ctx.now))


def add_fee(ctx: Ctx, body: FeeCreate) -> FeeEntry:
    if lawyers_repo.get(ctx.session, body.lawyer_id) is None:
        raise Unprocessable("lawyer_id: unknown lawyer", code="validation_error")
    amount = body.amount
    if body.kind == "case_resolution":
        if body.difficulty is None:
            raise Unprocessable("difficulty: a case resolution fee needs the difficulty", code="validation_error",
                                errors=[{"field": "difficulty", "message": "required", "type": "missing"}])
        low, high = ctx.settings.fee_case_resolution[body.difficulty]
        amount = low if amount is None else amount
        if not low <= amount <= high:
            raise Unprocessable(f"amount: a {body.difficulty} case pays {low}..{high} yuan", code="fee_out_of_range")
    elif amount is None:
        raise Unprocessable("amount: required for this kind", code="validation_error",
                            errors=[{"field": "amount", "message": "required", "type": "missing"}])
    f = FeeEntry(id=new_id(), lawyer_id=body.lawyer_id, day=body.date, kind=body.kind, amount=amount,
                 case_no=body.case_no, difficulty=body.difficulty, note=body.note, created_at=ctx.now)
    ctx.session.add(f)
    ctx.session.flush()
    return f


def duty_day_worked(ctx: Ctx, d: date) -> bool:
    """A duty day counts as worked once it is over: an earlier day, or today after the duty hours end."""
    if d != ctx.today:
        return d < ctx.today
    return to_local(ctx.now).time() >= time.fromisoformat(ctx.settings.duty_end)


def duty_fee(ctx: Ctx, lawyer_kind: str) -> int:
    """The fee of one worked duty day: none for public lawyers (公职律师 are civil servants, paid a salary)."""
    return 0 if lawyer_kind in ctx.settings.duty_fee_exempt_kinds else ctx.settings.fee_duty_day


def ledger(ctx: Ctx, lawyer_id: str, month: str) -> dict[str, Any]:
    """The month's fee lines: duty days worked (not those still to come) and the recorded fees."""
    start, end = month_bounds(month)
    lw = lawyers_repo.get(ctx.session, lawyer_id)
    fee = duty_fee(ctx, lw.kind if lw else "")
    lines = [{"id": sh.id, "lawyer_id": sh.lawyer_id, "date": day(sh.day), "kind": "duty_day",
              "amount": fee, "case_no": None, "ref_id": sh.id, "difficulty": None,
              "note": "" if fee else "公职律师不计值班费"}
             for sh in repo.shifts_between(ctx.session, start, end, lawyer_id) if duty_day_worked(ctx, sh.day)]
    lines += [fee_public(f) for f in repo.fees_between(ctx.session, start, end, lawyer_id)]
    lines.sort(key=lambda x: (x["date"], x["kind"], x["id"]))
    return {"lawyer_id": lawyer_id, "month": month, "items": lines, "total": sum(x["amount"] for x in lines)}
