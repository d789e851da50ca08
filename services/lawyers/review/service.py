"""Review studio (复查复核律师工作室): deadlines, panel, hearings, opinions.

`due_on` = `received_on` + 30 calendar days by the shared rule (start day not
counted, moved off rest days); calendar days taken by hearings (听证) are not
counted (art. 36). After a re-examination the same matter is not accepted again
(不再受理): a second re-examination is a 409 `already_re_examined`.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.lawyers.conflict import service as conflicts
from services.lawyers.context import SOURCE, Ctx, day, iso, new_id
from services.lawyers.hours.service import record_opinion_fee
from services.lawyers.lawyer import repository as lawyers_repo
from services.lawyers.opinion import repository as opinions_repo
from services.lawyers.opinion.models import LegalOpinion, OpinionCreate, as_parties
from services.lawyers.opinion.service import opinion_public
from services.lawyers.review import repository as repo
from services.lawyers.review.models import (
    RULE_OF_KIND,
    HearingIn,
    ReviewCreate,
    ReviewHearing,
    ReviewMatter,
    ReviewPanelMember,
)
from shared.calendar import provisional_fields, rule_deadline, rule_deadline_checked
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import emit
from shared.handoff_contract import LAWYERS, ReviewHandoffCompleted, answer_type
from shared.timeutil import local_date

READ_ALL = ("coordinator", "auditor", "petition_system")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def hearing_public(h: ReviewHearing) -> dict[str, Any]:
    return {"id": h.id, "review_id": h.review_id, "start": iso(h.start), "end": iso(h.end), "location": h.location,
            "note": h.note}


def public(ctx: Ctx, r: ReviewMatter) -> dict[str, Any]:
    ops = opinions_repo.opinions_of_review(ctx.session, r.id)
    return {"id": r.id, "case_no": r.case_no, "kind": r.kind, "received_on": day(r.received_on),
            "due_on": day(r.due_on), "hearing_days": r.hearing_days, "parties": r.parties, "summary": r.summary,
            "status": r.status, "panel": repo.panel(ctx.session, r.id), "panel_complete": r.panel_complete,
            "hearings": [hearing_public(h) for h in repo.hearings(ctx.session, r.id)],
            "due_soon": r.due_soon_at is not None, "overdue": r.overdue_at is not None and r.status == "open",
            "decided_at": iso(r.decided_at), "handoff_id": r.handoff_id, "created_at": iso(r.created_at),
            "opinion": opinion_public(ops[-1]) if ops else None, **provisional_fields(r.deadline_missing_year)}


def visible(ctx: Ctx, review_id: str) -> ReviewMatter:
    r = repo.get(ctx.session, review_id)
    if r is None or not (ctx.has(*READ_ALL) or (ctx.me is not None and ctx.me in repo.panel(ctx.session, r.id))):
        raise NotFound(f"No review {review_id}.")
    return r


def deadline(ctx: Ctx, kind: str, received_on: date, hearing_days: int = 0) -> date:
    return rule_deadline(ctx.cal, RULE_OF_KIND[kind], received_on, excluded_days=hearing_days)


def deadline_missing_year(ctx: Ctx, kind: str, received_on: date, hearing_days: int = 0) -> int | None:
    """The year whose holidays the deadline lacked (Monday–Friday fallback), None when it is sure."""
    return rule_deadline_checked(ctx.cal, RULE_OF_KIND[kind], received_on, excluded_days=hearing_days)[1]


def choose_panel(ctx: Ctx, names: list[str], case_no: str, exclude: Collection[str] = frozenset()) -> list[str]:
    """Studio lawyers with no conflict, available today, fewest open reviews first."""
    today = ctx.today
    studio = lawyers_repo.active_of_kinds(ctx.session, ["studio_lawyer"])
    on_leave = lawyers_repo.on_leave_ids(ctx.session, today)
    hits = conflicts.check(ctx, names, case_no=case_no)
    loads = repo.open_loads(ctx.session)
    pool = [lw.id for lw in studio if lw.id not in on_leave and lw.id not in hits and lw.id not in exclude]
    pool.sort(key=lambda lid: (loads.get(lid, (0, None))[0], loads.get(lid, (0, None))[1] or EPOCH, lid))
    return pool[: ctx.settings.review_panel_size]


def _set_panel(ctx: Ctx, r: ReviewMatter, ids: list[str]) -> None:
    repo.clear_panel(ctx.session, r.id)
    for i, lid in enumerate(ids):
        ctx.session.add(ReviewPanelMember(review_id=r.id, lawyer_id=lid, position=i, assigned_at=ctx.now))
    r.panel_complete = len(ids) >= ctx.settings.review_panel_size
    ctx.session.flush()


def open_review(ctx: Ctx, body: ReviewCreate, *, handoff_id: str | None = None) -> ReviewMatter:
    if body.received_on > ctx.today + timedelta(days=366):
        raise Unprocessable("received_on: the date is too far in the future", code="validation_error",
                            errors=[{"field": "received_on", "message": "too far ahead", "type": "value_error"}])
    if repo.re_examination_of(ctx.session, body.case_no):
        raise Conflict(f"{body.case_no} has been re-examined; the same matter is not accepted again (不再受理).",
                       code="already_re_examined")
    r = ReviewMatter(id=new_id(), case_no=body.case_no, kind=body.kind, received_on=body.received_on,
                     due_on=deadline(ctx, body.kind,
                                     body.received_on), parties=[p.model_dump() for p in as_parties(body.parties)],
                     summary=body.summary, status="open", handoff_id=handoff_id, created_at=ctx.now,
                     created_by=ctx.actor,
                     deadline_missing_year=deadline_missing_year(ctx, body.kind, body.received_on))
    try:
        with ctx.session.begin_nested():
            ctx.session.add(r)
            ctx.session.flush()
    except IntegrityError:
        raise Conflict(f"{body.case_no} has been re-examined; the same matter is not accepted again (不再受理).",
                       code="already_re_examined") from None
    panel = choose_panel(ctx, [p.name for p in as_parties(body.parties)], body.case_no)
    _set_panel(ctx, r, panel)
    emit(ctx.session, source=SOURCE, type="lawyers.review.opened", subject=r.case_no,
         data={"review_id": r.id, "case_no": r.case_no, "kind": r.kind, "received_on": day(r.received_on),
               "due_on": day(r.due_on), "panel": panel, "panel_complete": r.panel_complete,
               "handoff_id": handoff_id, **provisional_fields(r.deadline_missing_year)})
    return r


def set_panel(ctx: Ctx, review_id: str, lawyer_ids: list[str]) -> ReviewMatter:
    """Coordinator sets the panel by hand: studio lawyers, active, with no conflict."""
    r = visible(ctx, review_id)
    if len(set(lawyer_ids)) != len(lawyer_ids):
        raise Unprocessable("lawyer_ids: a lawyer is listed twice", code="validation_error")
    hits = conflicts.check(ctx, [p["name"] for p in r.parties], case_no=r.case_no, lawyer_ids=lawyer_ids)
    for lid in lawyer_ids:
        lw = lawyers_repo.get(ctx.session, lid)
        if lw is None or lw.kind != "studio_lawyer":
            raise Unprocessable(f"lawyer_ids: {lid} is not a studio lawyer", code="validation_error")
        if not lw.active:
            raise Conflict(f"{lw.name} is inactive.", code="lawyer_unavailable")
        if lid in hits:
            raise Conflict(f"{lw.name} has a conflict of interest with a party.", code="conflict_of_interest",
                           conflicts=[h.wire() for h in hits[lid]])
    _set_panel(ctx, r, lawyer_ids)
    return r


def hearing_day_count(hearings: list[ReviewHearing]) -> int:
    days: set[date] = set()
    for h in hearings:
        d, last = local_date(h.start), local_date(h.end)
        while d <= last:
            days.add(d)
            d += timedelta(days=1)
    return len(days)


def add_hearing(ctx: Ctx, review_id: str, body: HearingIn) -> ReviewHearing:
    """Schedule a hearing (听证); its days are not counted, so the deadline moves."""
    r = visible(ctx, review_id)
    if r.status != "open":
        raise Conflict("The review is already decided.", code="already_decided")
    if body.end <= body.start:
        raise Unprocessable("end: the hearing ends before it starts", code="validation_error")
    if local_date(body.start) < r.received_on:
        raise Unprocessable("start: the hearing is before the request was received", code="validation_error")
    h = ReviewHearing(id=new_id(), review_id=r.id, start=body.start, end=body.end, location=body.location,
                      note=body.note, created_at=ctx.now)
    ctx.session.add(h)
    ctx.session.flush()
    r.hearing_days = hearing_day_count(repo.hearings(ctx.session, r.id))
    new_due = deadline(ctx, r.kind, r.received_on, r.hearing_days)
    r.deadline_missing_year = deadline_missing_year(ctx, r.kind, r.received_on, r.hearing_days)
    if new_due != r.due_on:
        r.due_on = new_due
        r.due_soon_at = None
        r.overdue_at = None
    ctx.session.flush()
    emit(ctx.session, source=SOURCE, type="lawyers.review.hearing_scheduled", subject=r.case_no,
         data={"review_id": r.id, "case_no": r.case_no, "hearing_id": h.id, "start": iso(h.start), "end": iso(h.end),
               "due_on": day(r.due_on), "hearing_days": r.hearing_days})
    return h


def file_opinion(ctx: Ctx, review_id: str, body: OpinionCreate) -> LegalOpinion:
    """A panel member files the studio's opinion; the first one decides the review."""
    r = visible(ctx, review_id)
    if ctx.me is None or ctx.me not in repo.panel(ctx.session, r.id):
        raise Forbidden("Only a member of the review's panel may file its opinion.",
                        detail_zh="只有审查小组成员才能提交审查意见。")
    previous = opinions_repo.opinions_of_review(ctx.session, r.id)
    if previous and not body.amendment_reason.strip():
        raise Unprocessable("amendment_reason: an amendment (new version) needs a reason", code="validation_error",
                            detail_zh="amendment_reason：修改意见（新版本）须说明理由",
                            errors=[{"field": "amendment_reason", "message": "required for an amendment",
                                     "message_zh": "修改意见时必填", "type": "missing"}])
    o = LegalOpinion(id=new_id(), review_id=r.id, case_no=r.case_no, version=len(previous) + 1, lawyer_id=ctx.me,
                     petitioner_request=body.petitioner_request or r.summary, facts=body.facts, summary=body.summary,
                     analysis=body.analysis, legality=body.legality, recommended_channel=body.recommended_channel,
                     legal_basis=body.legal_basis, amends_id=previous[-1].id if previous else None,
                     amendment_reason=body.amendment_reason, filed_at=ctx.now)
    ctx.session.add(o)
    first = not previous
    if first:
        r.status, r.decided_at = "decided", ctx.now
        record_opinion_fee(ctx, o)
    ctx.session.flush()
    emit(ctx.session, source=SOURCE, type="lawyers.review.decided", subject=r.case_no,
         data={"review_id": r.id, "case_no": r.case_no, "kind": r.kind, "opinion_id": o.id, "version": o.version,
               "summary": o.summary, "analysis": o.analysis, "legality": o.legality,
               "recommended_channel": o.recommended_channel, "legal_basis": o.legal_basis,
               "lawyer_id": o.lawyer_id, "due_on": day(r.due_on), "on_time": local_date(ctx.now) <= r.due_on,
               "handoff_id": r.handoff_id})
    if first and r.handoff_id:
        emit(ctx.session, source=SOURCE, type=answer_type(LAWYERS, "completed"), subject=r.case_no,
             data=ReviewHandoffCompleted(handoff_id=r.handoff_id, case_no=r.case_no, review_id=r.id,
                                         opinion_id=o.id).data())
    return o
