"""Calendar feeds (日历订阅) per mediator and per room: RFC 5545 with an Asia/Shanghai VTIMEZONE.

UIDs are stable (`<session id>@mediation.petition-suite`), SEQUENCE follows each reschedule or
cancellation, and cancelled sessions stay in the feed as STATUS:CANCELLED so calendars remove them.
"""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event, Timezone
from sqlmodel import Session, col

from services.mediation.room.models import Room
from services.mediation.session import repository as sessions_repo
from services.mediation.session.models import MediationSession
from shared.db import utcnow
from shared.timeutil import SHANGHAI

UID_DOMAIN = "mediation.petition-suite"
PAST_DAYS = 60
ROLE_ZH = {"petitioner": "申请人", "respondent": "被申请人", "third_party": "第三人"}
STATUS = {"scheduled": "CONFIRMED", "in_progress": "CONFIRMED", "concluded": "CONFIRMED", "cancelled": "CANCELLED"}


def build(session: Session, name: str, rows: list[MediationSession], *, with_parties: bool) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//petition-suite//mediation//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    ids = [s.id for s in rows]
    parties = sessions_repo.parties(session, ids) if with_parties else {}
    rooms = {r.id: r for r in session.query(Room).filter(col(Room.id).in_({s.room_id for s in rows}))} if rows else {}
    for s in rows:
        ev = Event()
        ev.add("uid", f"{s.id}@{UID_DOMAIN}")
        ev.add("dtstamp", s.updated_at)
        ev.add("last-modified", s.updated_at)
        ev.add("created", s.created_at)
        ev.add("sequence", s.version)
        ev.add("dtstart", s.starts_at.astimezone(SHANGHAI))
        ev.add("dtend", s.ends_at.astimezone(SHANGHAI))
        ev.add("summary", f"调解会 {s.case_no}" + ("（已取消）" if s.status == "cancelled" else ""))
        room = rooms.get(s.room_id)
        if room is not None:
            ev.add("location", " ".join(x for x in (room.name, room.location) if x))
        lines = [f"案件编号：{s.case_no}"]
        if with_parties:
            lines.append("当事人：" + "、".join(f"{p.name}（{ROLE_ZH.get(p.role, p.role)}）"
                                              for p in parties.get(s.id, [])))
        if s.status == "cancelled" and s.cancel_reason:
            lines.append(f"取消原因：{s.cancel_reason}")
        ev.add("description", "\n".join(lines))
        ev.add("status", STATUS[s.status])
        cal.add_component(ev)
    cal.add_missing_timezones()
    if not rows:  # still publish the zone, so clients know the feed's time zone
        cal.add_component(Timezone.from_tzid("Asia/Shanghai"))
    return cal.to_ical()


def mediator_feed(session: Session, mediator_id: str, name: str) -> bytes:
    rows = sessions_repo.for_feed(session, mediator_id=mediator_id, since=utcnow() - timedelta(days=PAST_DAYS))
    return build(session, f"调解员日程：{name}", rows, with_parties=True)


def room_feed(session: Session, room: Room) -> bytes:
    rows = sessions_repo.for_feed(session, room_id=room.id, since=utcnow() - timedelta(days=PAST_DAYS))
    return build(session, f"调解室日程：{room.name}", rows, with_parties=False)
