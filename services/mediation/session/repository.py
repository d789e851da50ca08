"""Every query about sessions, their mediators, parties and reminders."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    BindParameter,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    text,
    union_all,
)
from sqlmodel import Session, col

from services.mediation.agreement.models import Agreement
from services.mediation.casefile import repository as casefile_repo
from services.mediation.mediator.models import Mediator, MediatorLeave, MediatorRelation
from services.mediation.room.models import Room, RoomClosure
from services.mediation.session import repository_claims as claims_repo
from services.mediation.session.models import (
    MAX_CLAIM,
    MediationSession,
    ResourceClaim,
    SessionMediator,
    SessionParty,
    SessionReminder,
    SessionStatus,
)
from shared.db import UTCDateTime, table_of
from shared.pii import name_key

ACTIVE = (SessionStatus.scheduled.value, SessionStatus.in_progress.value)


def _ends_after(start: datetime) -> Any:
    """Sessions that end after `start`. A session is shorter than a day (max_session_minutes ≤ 600, as its
    claims: MAX_CLAIM), so their start is bounded from below too: an index range, not every earlier session."""
    return and_(col(MediationSession.ends_at) > start, col(MediationSession.starts_at) > start - MAX_CLAIM)


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
            col(SessionParty.name_key).startswith(name_key(party), autoescape=True))
        q = q.where(col(MediationSession.id).in_(sub))
    if room_id:
        q = q.where(col(MediationSession.room_id) == room_id)
    if status:
        q = q.where(col(MediationSession.status) == status)
    if start is not None:
        q = q.where(_ends_after(start))
    if end is not None:
        q = q.where(col(MediationSession.starts_at) < end)
    return by_start_page(session, q, after, limit)


def by_start_page(session: Session, q, after: list | None, limit: int) -> list[MediationSession]:
    """One page of a sessions query in (start, id) order after the cursor `after` ([start, id]), `limit` + 1
    rows (the extra one tells there is a next page)."""
    if after:
        t = datetime.fromisoformat(after[0])
        q = q.where((MediationSession.starts_at > t)
                    | ((MediationSession.starts_at == t) & (MediationSession.id > after[1])))
    q = q.order_by(col(MediationSession.starts_at), col(MediationSession.id)).limit(limit + 1)
    return list(session.execute(q).scalars())


def occupying(session: Session, *, start: datetime, end: datetime, room_id: str | None, after: list | None,
              limit: int) -> list[MediationSession]:
    """Sessions not cancelled that overlap [start, end), in (start, id) order, `limit` + 1 of them."""
    q = select(MediationSession).where(col(MediationSession.status) != SessionStatus.cancelled.value,
                                       _ends_after(start), col(MediationSession.starts_at) < end)
    if room_id:
        q = q.where(col(MediationSession.room_id) == room_id)
    return by_start_page(session, q, after, limit)


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
                                          col(MediationSession.starts_at) < end, _ends_after(start))
    if room_id:
        q = q.where(col(MediationSession.room_id) == room_id)
    if mediator_id:
        q = q.where(col(MediationSession.id).in_(
            select(col(SessionMediator.session_id)).where(col(SessionMediator.mediator_id) == mediator_id)))
    return list(session.execute(q.order_by(col(MediationSession.starts_at))).scalars())


def _insert_rows(session: Session, s: MediationSession, mediator_ids: list[str], parties: list[SessionParty],
                 reminders: dict[int, datetime]) -> None:
    """A new session with its mediators, parties and reminders (Core inserts on the tables: the hot path;
    an insert of the ORM class would go through the ORM's bulk persistence, twice the CPU under the
    SQLite write lock)."""
    session.execute(INSERT_SESSION, [s.model_dump()])
    session.execute(INSERT_SESSION_MEDIATOR, [{"session_id": s.id, "mediator_id": m, "position": i}
                                              for i, m in enumerate(mediator_ids)])
    session.execute(INSERT_SESSION_PARTY, [p.model_dump() for p in parties])
    session.execute(INSERT_SESSION_REMINDER, [{"session_id": s.id, "lead_hours": h, "due_at": at, "sent_at": None,
                                               "delivered": True} for h, at in reminders.items()])


INSERT_SESSION = insert(table_of(MediationSession))
INSERT_SESSION_MEDIATOR = insert(table_of(SessionMediator))
INSERT_SESSION_PARTY = insert(table_of(SessionParty))
INSERT_SESSION_REMINDER = insert(table_of(SessionReminder))


def _cte(name: str, sql: str) -> CTE:
    return text(sql).columns().cte(name)


# PostgreSQL: a booking in one statement. The intake's step is the case file's own statement
# (casefile/repository.py `booked_intake_update`, the one copy of that rule).
# Every parameter is named b_*: one named like a case_intake column would join the UPDATE's SET clause.
BOOKING_STATEMENT = insert(table_of(ResourceClaim)).from_select(
    ["session_id", "resource_kind", "resource_key", "starts_at", "ends_at"],
    text("SELECT :b_id, t.k, t.key, :b_starts_at, :b_until "
         "FROM unnest(CAST(:b_ckinds AS varchar[]), CAST(:b_ckeys AS varchar[])) AS t(k, key)").columns(),
).add_cte(_cte("s", """
  INSERT INTO mediation_session (id, case_no, room_id, status, starts_at, ends_at, language, lawyer_id, notes,
                                 created_by, created_at, updated_at, version)
  VALUES (:b_id, :b_case_no, :b_room_id, :b_status, :b_starts_at, :b_ends_at, :b_language, :b_lawyer_id,
          :b_notes, :b_created_by, :b_now, :b_now, 0)"""), _cte("m", """
  INSERT INTO session_mediator (session_id, mediator_id, position)
  SELECT :b_id, t.mid, t.ord - 1 FROM unnest(CAST(:b_mids AS varchar[])) WITH ORDINALITY AS t(mid, ord)"""),
  _cte("p", """
  INSERT INTO session_party (session_id, position, name, role, party_key, name_key, phone_cipher,
                             id_number_cipher, pii_kid, phone_hash, id_hash)
  SELECT :b_id, t.ord - 1, t.n, t.r, t.k, t.nk, t.pc, t.ic, t.kid, t.ph, t.ih
  FROM unnest(CAST(:b_pnames AS varchar[]), CAST(:b_proles AS varchar[]), CAST(:b_pkeys AS varchar[]),
              CAST(:b_pnamekeys AS varchar[]), CAST(:b_pphonecs AS text[]), CAST(:b_pidcs AS text[]),
              CAST(:b_pkids AS varchar[]), CAST(:b_pphonehs AS varchar[]), CAST(:b_pidhs AS varchar[]))
       WITH ORDINALITY AS t(n, r, k, nk, pc, ic, kid, ph, ih, ord)"""), _cte("r", """
  INSERT INTO session_reminder (session_id, lead_hours, due_at, sent_at, delivered)
  SELECT :b_id, t.h, t.d, NULL, true
  FROM unnest(CAST(:b_leads AS integer[]), CAST(:b_dues AS timestamptz[])) AS t(h, d)"""),
  casefile_repo.booked_intake_update(bindparam("b_case_no")).cte("i"))


def _booking_params(s: MediationSession, mediator_ids: list[str], parties: list[SessionParty],
                    reminders: dict[int, datetime], claim_rows: list[dict]) -> dict:
    return {
        "b_id": s.id, "b_case_no": s.case_no, "b_room_id": s.room_id, "b_status": s.status,
        "b_starts_at": s.starts_at, "b_ends_at": s.ends_at, "b_language": s.language, "b_lawyer_id": s.lawyer_id,
        "b_notes": s.notes,
        "b_created_by": s.created_by, "b_now": s.created_at, "b_mids": list(mediator_ids),
        "b_pnames": [p.name for p in parties], "b_proles": [p.role for p in parties],
        "b_pkeys": [p.party_key for p in parties], "b_pnamekeys": [p.name_key for p in parties],
        "b_pphonecs": [p.phone_cipher for p in parties], "b_pidcs": [p.id_number_cipher for p in parties],
        "b_pkids": [p.pii_kid for p in parties], "b_pphonehs": [p.phone_hash for p in parties],
        "b_pidhs": [p.id_hash for p in parties],
        "b_leads": list(reminders), "b_dues": list(reminders.values()),
        "b_until": claim_rows[0]["ends_at"], "b_ckinds": [c["resource_kind"] for c in claim_rows],
        "b_ckeys": [c["resource_key"] for c in claim_rows]}


def insert_booking(session: Session, s: MediationSession, mediator_ids: list[str], parties: list[SessionParty],
                   reminders: dict[int, datetime], claim_rows: list[dict], *,
                   check_names: claims_repo.NameCheck) -> Sequence[Any]:
    """Write a new session with its mediators, parties, reminders and claims (`claim_rows`, all over one
    range), and move its case intake on (casefile/repository.booked_intake_update); or return the claims in the way.

    PostgreSQL: one statement (one round trip instead of six) under the slot locks; the exclusion
    constraint on the claims decides. SQLite: the claims as `repository_claims.take`, the session's rows
    written once the slot is known to be free.
    `check_names`: the same-name check, run where this database needs it (repository_claims.take).
    """
    start, until = claim_rows[0]["starts_at"], claim_rows[0]["ends_at"]
    if claims_repo.on_postgres(session):
        keys = list(dict.fromkeys((c["resource_kind"], c["resource_key"]) for c in claim_rows))
        # The name locks of the same-name check and the slot locks in one round trip, names first (the order
        # every booking takes them in); the check then runs under both.
        claims_repo.lock_slots(session, keys, start, until, names=sorted({p.name_key for p in parties if p.name_key}))
        check_names(False, True)
        params = _booking_params(s, mediator_ids, parties, reminders, claim_rows)

        def write() -> None:
            session.execute(BOOKING_STATEMENT, params)
        return claims_repo.guarded(session, s.id, keys, start, until, write, locked=True)
    found = claims_repo.take(session, s.id, claim_rows, start, until, check_names=check_names,
                             before_insert=lambda: _insert_rows(session, s, mediator_ids, parties, reminders))
    if not found:
        casefile_repo.schedule_pending_intake(session, s.case_no)
    return found


def replace_mediators(session: Session, session_id: str, mediator_ids: list[str]) -> None:
    """The session's mediators become `mediator_ids` (in that order)."""
    session.execute(delete(SessionMediator).where(col(SessionMediator.session_id) == session_id))
    session.add_all([SessionMediator(session_id=session_id, mediator_id=m, position=i)
                     for i, m in enumerate(mediator_ids)])


def agreement_ids(session: Session, session_ids: list[str]) -> dict[str, str]:
    """{session id: id of the agreement reached in it} for those of `session_ids` that have one."""
    q = select(col(Agreement.session_id), col(Agreement.id)).where(col(Agreement.session_id).in_(session_ids))
    return dict(session.execute(q).tuples().all())


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
    """What may stop a booking, read in one round trip: the room's existence, the chosen mediators (by id),
    closures, leave, relations."""

    room_exists: bool = False
    mediators: dict[str, BookingMediator] = field(default_factory=dict)
    closures: list[tuple] = field(default_factory=list)   # (room_id, start, end, reason)
    leave: list[tuple] = field(default_factory=list)      # (mediator_id, start, end, reason)
    relations: list[tuple] = field(default_factory=list)  # (mediator_id, party_name, relation)


@dataclass(frozen=True)
class BookingMediator:
    """What a booking reads of a chosen mediator."""

    id: str
    languages: list[str]
    working_hours: list[dict] | None


def _obstacles_query() -> Any:
    """The facts of a booking in one statement, built once (bind parameters `room_id`, `start`, `end`, `mids`,
    `names`): the room's existence, the chosen mediators, closures, leave, relations."""
    none_t = cast(null(), UTCDateTime)
    room_id: BindParameter[Any] = bindparam("room_id")
    start: BindParameter[Any] = bindparam("start")
    end: BindParameter[Any] = bindparam("end")
    mids: BindParameter[Any] = bindparam("mids", expanding=True)
    names: BindParameter[Any] = bindparam("names", expanding=True)
    return union_all(
        select(literal("room").label("kind"), col(Room.id).label("who"), none_t.label("s"), none_t.label("e"),
               literal("").label("a"), literal("").label("b")).where(col(Room.id) == room_id),
        select(literal("mediator"), col(Mediator.id), none_t, none_t, cast(Mediator.languages, Text),
               cast(Mediator.working_hours, Text)).where(col(Mediator.id).in_(mids)),
        select(literal("closure"), col(RoomClosure.room_id), col(RoomClosure.starts_at), col(RoomClosure.ends_at),
               col(RoomClosure.reason), literal(""))
        .where(col(RoomClosure.room_id) == room_id, col(RoomClosure.starts_at) < end, col(RoomClosure.ends_at) > start),
        select(literal("leave"), col(MediatorLeave.mediator_id), col(MediatorLeave.starts_at),
               col(MediatorLeave.ends_at),
               col(MediatorLeave.reason), literal(""))
        .where(col(MediatorLeave.mediator_id).in_(mids), col(MediatorLeave.starts_at) < end,
               col(MediatorLeave.ends_at) > start),
        select(literal("relation"), col(MediatorRelation.mediator_id), none_t, none_t, col(MediatorRelation.party_name),
               col(MediatorRelation.relation)).where(col(MediatorRelation.mediator_id).in_(mids),
                                                func.lower(MediatorRelation.party_name).in_(names)),
    )


# Built once: building and keying the union per request cost more than running it.
OBSTACLES = _obstacles_query()


def _json(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def obstacles(session: Session, room_id: str, mediator_ids: list[str], party_names: list[str],
              start: datetime, end: datetime) -> Obstacles:
    names = list({" ".join(n.split()).lower() for n in party_names})
    out = Obstacles()
    params = {"room_id": room_id, "start": start, "end": end, "mids": list(mediator_ids), "names": names}
    for kind, who, s, e, a, b in session.execute(OBSTACLES, params):
        if kind == "room":
            out.room_exists = True
        elif kind == "mediator":
            out.mediators[who] = BookingMediator(who, _json(a) or [], _json(b))
        elif kind == "closure":
            out.closures.append((who, s, e, a))
        elif kind == "leave":
            out.leave.append((who, s, e, a))
        else:
            out.relations.append((who, a, b))
    return out
