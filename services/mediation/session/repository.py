"""Every query about sessions, their mediators, parties and reminders."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import cast, delete, func, insert, literal, null, select, text, union_all
from sqlmodel import Session, col

from services.mediation.mediator.models import MediatorLeave, MediatorRelation
from services.mediation.room.models import Room, RoomClosure
from services.mediation.session.models import (
    MediationSession,
    SessionMediator,
    SessionParty,
    SessionReminder,
    SessionStatus,
)
from shared.db import UTCDateTime

ACTIVE = (SessionStatus.scheduled.value, SessionStatus.in_progress.value)


def get(session: Session, session_id: str, *, lock: bool = False) -> MediationSession | None:
    if lock and session.get_bind().dialect.name == "postgresql":
        q = select(MediationSession).where(col(MediationSession.id) == session_id).with_for_update()
        return session.execute(q).scalar()
    return session.get(MediationSession, session_id)


def mediator_ids(session: Session, session_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    if not session_ids:
        return out
    q = (select(col(SessionMediator.session_id), col(SessionMediator.mediator_id))
         .where(col(SessionMediator.session_id).in_(session_ids)).order_by(col(SessionMediator.position)))
    for sid, mid in session.execute(q):
        out[sid].append(mid)
    return out


def parties(session: Session, session_ids: list[str]) -> dict[str, list[SessionParty]]:
    out: dict[str, list[SessionParty]] = defaultdict(list)
    if not session_ids:
        return out
    q = select(SessionParty).where(col(SessionParty.session_id).in_(session_ids)).order_by(col(SessionParty.position))
    for p in session.execute(q).scalars():
        out[p.session_id].append(p)
    return out


def page(session: Session, *, after: list | None, limit: int, case_no: str | None = None,
         room_id: str | None = None, mediator_id: str | None = None, status: str | None = None,
         start: datetime | None = None, end: datetime | None = None,
         only_mediator: str | None = None, case_prefix: str | None = None,
         party: str | None = None) -> list[MediationSession]:
    """Sessions in (start, id) order; `only_mediator` restricts to the sessions that mediator mediates.

    `case_prefix`: case numbers starting with it (ASCII case ignored); `party`: sessions with a party
    whose name is it or starts with it (whitespace normalised, case folded, as `party_key` stores it).
    """
    q = select(MediationSession)
    for mid in {m for m in (mediator_id, only_mediator) if m}:
        sub = select(col(SessionMediator.session_id)).where(col(SessionMediator.mediator_id) == mid)
        q = q.where(col(MediationSession.id).in_(sub))
    if case_no:
        q = q.where(col(MediationSession.case_no) == case_no)
    if case_prefix:
        q = q.where(func.upper(MediationSession.case_no).like(case_prefix.upper() + "%"))
    if party:
        sub = select(col(SessionParty.session_id)).where(
            col(SessionParty.name_key).startswith(party_name_key(party), autoescape=True))
        q = q.where(col(MediationSession.id).in_(sub))
    if room_id:
        q = q.where(col(MediationSession.room_id) == room_id)
    if status:
        q = q.where(col(MediationSession.status) == status)
    if start is not None:
        q = q.where(col(MediationSession.ends_at) > start)
    if end is not None:
        q = q.where(col(MediationSession.starts_at) < end)
    if after:
        t = datetime.fromisoformat(after[0])
        q = q.where((MediationSession.starts_at > t)
                    | ((MediationSession.starts_at == t) & (MediationSession.id > after[1])))
    q = q.order_by(col(MediationSession.starts_at), col(MediationSession.id)).limit(limit + 1)
    return list(session.execute(q).scalars())


def party_name_key(name: str) -> str:
    """A name as `session_party.name_key` stores it (whitespace normalised, case folded): what a search compares."""
    return " ".join(name.split()).casefold()


def of_case(session: Session, case_no: str) -> list[MediationSession]:
    q = (select(MediationSession).where(col(MediationSession.case_no) == case_no)
         .order_by(col(MediationSession.starts_at)))
    return list(session.execute(q).scalars())


def for_feed(session: Session, *, room_id: str | None = None, mediator_id: str | None = None,
             since: datetime) -> list[MediationSession]:
    q = select(MediationSession).where(col(MediationSession.ends_at) > since)
    if room_id:
        q = q.where(col(MediationSession.room_id) == room_id)
    if mediator_id:
        q = q.where(col(MediationSession.id).in_(
            select(col(SessionMediator.session_id)).where(col(SessionMediator.mediator_id) == mediator_id)))
    return list(session.execute(q.order_by(col(MediationSession.starts_at))).scalars())


def active_ids_overlapping(session: Session, *, start: datetime, end: datetime, room_id: str | None = None,
                           mediator_id: str | None = None) -> list[str]:
    q = select(col(MediationSession.id)).where(col(MediationSession.status).in_(ACTIVE),
                                          col(MediationSession.starts_at) < end, col(MediationSession.ends_at) > start)
    if room_id:
        q = q.where(col(MediationSession.room_id) == room_id)
    if mediator_id:
        q = q.where(col(MediationSession.id).in_(
            select(col(SessionMediator.session_id)).where(col(SessionMediator.mediator_id) == mediator_id)))
    return list(session.execute(q.order_by(col(MediationSession.starts_at))).scalars())


def insert_booking(session: Session, s: MediationSession, mediator_ids: list[str], parties: list[SessionParty],
                   reminders: dict[int, datetime]) -> None:
    """Write a new session with its mediators, parties and reminders (Core inserts: the hot path)."""
    session.execute(insert(MediationSession), [s.model_dump()])
    session.execute(insert(SessionMediator), [{"session_id": s.id, "mediator_id": m, "position": i}
                                              for i, m in enumerate(mediator_ids)])
    session.execute(insert(SessionParty), [p.model_dump() for p in parties])
    session.execute(insert(SessionReminder), [{"session_id": s.id, "lead_hours": h, "due_at": at, "sent_at": None,
                                               "delivered": True} for h, at in reminders.items()])


BOOKING_CTE = text("""
WITH s AS (
  INSERT INTO mediation_session (id, case_no, room_id, status, starts_at, ends_at, language, lawyer_id, notes,
                                 created_by, created_at, updated_at, version)
  VALUES (:id, :case_no, :room_id, :status, :starts_at, :ends_at, :language, :lawyer_id, :notes, :created_by,
          :now, :now, 0)),
m AS (
  INSERT INTO session_mediator (session_id, mediator_id, position)
  SELECT :id, t.mid, t.ord - 1 FROM unnest(CAST(:mids AS varchar[])) WITH ORDINALITY AS t(mid, ord)),
p AS (
  INSERT INTO session_party (session_id, position, name, role, party_key, name_key, phone_cipher,
                             id_number_cipher, pii_kid, phone_hash, id_hash)
  SELECT :id, t.ord - 1, t.n, t.r, t.k, t.nk, t.pc, t.ic, t.kid, t.ph, t.ih
  FROM unnest(CAST(:pnames AS varchar[]), CAST(:proles AS varchar[]), CAST(:pkeys AS varchar[]),
              CAST(:pnamekeys AS varchar[]), CAST(:pphonecs AS text[]), CAST(:pidcs AS text[]),
              CAST(:pkids AS varchar[]), CAST(:pphonehs AS varchar[]), CAST(:pidhs AS varchar[]))
       WITH ORDINALITY AS t(n, r, k, nk, pc, ic, kid, ph, ih, ord)),
r AS (
  INSERT INTO session_reminder (session_id, lead_hours, due_at, sent_at, delivered)
  SELECT :id, t.h, t.d, NULL, true FROM unnest(CAST(:leads AS integer[]), CAST(:dues AS timestamptz[])) AS t(h, d)),
i AS (
  UPDATE case_intake SET status = 'scheduled' WHERE case_no = :case_no AND status = 'pending')
INSERT INTO resource_claim (session_id, resource_kind, resource_key, starts_at, ends_at)
SELECT :id, t.k, t.key, :starts_at, :until
FROM unnest(CAST(:ckinds AS varchar[]), CAST(:ckeys AS varchar[])) AS t(k, key)
""")


def insert_booking_pg(session: Session, s: MediationSession, mediator_ids: list[str], parties: list[SessionParty],
                      reminders: dict[int, datetime], claim_rows: list[dict]) -> None:
    """PostgreSQL: the session, its mediators, parties, reminders, claims and the intake in one statement.

    One round trip instead of six; the exclusion constraint on the claims still decides.
    """
    session.execute(BOOKING_CTE, {
        "id": s.id, "case_no": s.case_no, "room_id": s.room_id, "status": s.status, "starts_at": s.starts_at,
        "ends_at": s.ends_at, "language": s.language, "lawyer_id": s.lawyer_id, "notes": s.notes,
        "created_by": s.created_by, "now": s.created_at, "mids": list(mediator_ids),
        "pnames": [p.name for p in parties], "proles": [p.role for p in parties],
        "pkeys": [p.party_key for p in parties], "pnamekeys": [p.name_key for p in parties],
        "pphonecs": [p.phone_cipher for p in parties], "pidcs": [p.id_number_cipher for p in parties],
        "pkids": [p.pii_kid for p in parties], "pphonehs": [p.phone_hash for p in parties],
        "pidhs": [p.id_hash for p in parties],
        "leads": list(reminders), "dues": list(reminders.values()),
        "until": claim_rows[0]["ends_at"], "ckinds": [c["resource_kind"] for c in claim_rows],
        "ckeys": [c["resource_key"] for c in claim_rows]})


def replace_reminders(session: Session, session_id: str, due: dict[int, datetime]) -> None:
    """Drop the unsent reminders of a session and plan `due` ({lead hours: due instant})."""
    session.execute(delete(SessionReminder).where(col(SessionReminder.session_id) == session_id,
                                                  col(SessionReminder.sent_at).is_(None)))
    sent = set(session.execute(select(col(SessionReminder.lead_hours))
                               .where(col(SessionReminder.session_id) == session_id)).scalars())
    for lead, at in due.items():
        if lead in sent:  # sent before a reschedule: plan it again
            session.execute(delete(SessionReminder).where(col(SessionReminder.session_id) == session_id,
                                                          col(SessionReminder.lead_hours) == lead))
        session.add(SessionReminder(session_id=session_id, lead_hours=lead, due_at=at))


def drop_pending_reminders(session: Session, session_id: str) -> None:
    session.execute(delete(SessionReminder).where(col(SessionReminder.session_id) == session_id,
                                                  col(SessionReminder.sent_at).is_(None)))


@dataclass
class Obstacles:
    """What may stop a booking, read in one round trip: the room's existence, closures, leave, relations."""

    room_exists: bool = False
    closures: list[tuple] = field(default_factory=list)   # (room_id, start, end, reason)
    leave: list[tuple] = field(default_factory=list)      # (mediator_id, start, end, reason)
    relations: list[tuple] = field(default_factory=list)  # (mediator_id, party_name, relation)


def obstacles(session: Session, room_id: str, mediator_ids: list[str], party_names: list[str],
              start: datetime, end: datetime) -> Obstacles:
    names = list({" ".join(n.split()).lower() for n in party_names})
    none_t = cast(null(), UTCDateTime)
    q = union_all(
        select(literal("room").label("kind"), col(Room.id).label("who"), none_t.label("s"), none_t.label("e"),
               literal("").label("a"), literal("").label("b")).where(col(Room.id) == room_id),
        select(literal("closure"), col(RoomClosure.room_id), col(RoomClosure.starts_at), col(RoomClosure.ends_at),
               col(RoomClosure.reason), literal(""))
        .where(col(RoomClosure.room_id) == room_id, col(RoomClosure.starts_at) < end, col(RoomClosure.ends_at) > start),
        select(literal("leave"), col(MediatorLeave.mediator_id), col(MediatorLeave.starts_at),
               col(MediatorLeave.ends_at),
               col(MediatorLeave.reason), literal(""))
        .where(col(MediatorLeave.mediator_id).in_(mediator_ids), col(MediatorLeave.starts_at) < end,
               col(MediatorLeave.ends_at) > start),
        select(literal("relation"), col(MediatorRelation.mediator_id), none_t, none_t, col(MediatorRelation.party_name),
               col(MediatorRelation.relation)).where(col(MediatorRelation.mediator_id).in_(mediator_ids),
                                                func.lower(MediatorRelation.party_name).in_(names)),
    )
    out = Obstacles()
    for kind, who, s, e, a, b in session.execute(q):
        if kind == "room":
            out.room_exists = True
        elif kind == "closure":
            out.closures.append((who, s, e, a))
        elif kind == "leave":
            out.leave.append((who, s, e, a))
        else:
            out.relations.append((who, a, b))
    return out
