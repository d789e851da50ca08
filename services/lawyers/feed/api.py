"""Calendar feed per lawyer (RFC 5545): duty shifts, reception assists, hearings, opinion and review due dates."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Response
from icalendar import Calendar, Event

from services.lawyers.access import OwnLawyer
from services.lawyers.duty import repository as duty_repo
from services.lawyers.duty.service import _hm
from services.lawyers.opinion import repository as opinion_repo
from services.lawyers.review import repository as review_repo
from shared.routing import OneHopRoute
from shared.timeutil import local_dt

router = APIRouter(prefix="/api/v1/lawyers", tags=["calendar"], route_class=OneHopRoute)
FEED_RESPONSES: dict[int | str, dict] = {200: {"description": "An iCalendar feed (RFC 5545).",
                                              "content": {"text/calendar": {"schema": {"type": "string"}}}}}
PRODID = "-//petition-suite//lawyers//ZH"


def _event(uid: str, summary: str, start, end, stamp: datetime, description: str = "", location: str = "") -> Event:
    ev = Event()
    ev.add("uid", f"{uid}@lawyers.petition-suite")
    ev.add("dtstamp", stamp)
    ev.add("summary", summary)
    ev.add("dtstart", start)
    ev.add("dtend", end)
    if description:
        ev.add("description", description)
    if location:
        ev.add("location", location)
    return ev


@router.get("/lawyers/{lawyer_id}/calendar.ics", response_class=Response, responses=FEED_RESPONSES)
def calendar_feed(lawyer: OwnLawyer) -> Response:
    """The lawyer's own feed (coordinators and auditors: anyone's; 404 for everyone else)."""
    ctx, lw = lawyer.ctx, lawyer.load()
    s, stamp = ctx.session, datetime.now(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{lw.name} 日程")
    start_t, end_t = _hm(ctx.settings.duty_start), _hm(ctx.settings.duty_end)
    for sh in duty_repo.shifts_between(s, ctx.today - timedelta(days=366), ctx.today + timedelta(days=400), lw.id):
        cal.add_component(_event(f"duty-{sh.id}", "接待大厅值班", local_dt(sh.day, start_t), local_dt(sh.day, end_t),
                                 stamp, location="信访接待大厅"))
    for a in duty_repo.assists_of(s, lw.id):
        cal.add_component(_event(f"assist-{a.id}", f"协助{a.leader}接访", a.start, a.end, stamp,
                                 description=a.topic))
    for h, r in review_repo.hearings_of_lawyer(s, lw.id):
        cal.add_component(_event(f"hearing-{h.id}", f"听证 {r.case_no}", h.start, h.end, stamp,
                                 description=h.note, location=h.location))
    for r in review_repo.reviews_of_lawyer(s, lw.id):
        if r.status == "open":
            cal.add_component(_event(f"review-due-{r.id}", f"复查复核意见到期 {r.case_no}", r.due_on,
                                     r.due_on + timedelta(days=1), stamp))
    for rq in opinion_repo.open_of(s, lw.id):
        cal.add_component(_event(f"opinion-due-{rq.id}", f"法律意见书到期 {rq.case_no}", rq.due_on,
                                 rq.due_on + timedelta(days=1), stamp, description=rq.question[:500]))
    return Response(cal.to_ical(), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="lawyer-{lw.id}.ics"'})
