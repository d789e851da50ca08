"""A person's cases across time (重复信访): `GET /api/v1/mediation/parties/{party_id}/cases`.

The party is one booked in a session (`parties[].id` of a session answer) or one the petition system
sent with a handoff (`parties[].id` of a case intake, in `GET /cases` and the case file). The same
person is looked for among both: the parties of every session, and the parties of every handoff
(indexed in `intake_party`, casefile/parties.py). Matched on the ID number's keyed hash when known
(a party without an ID number still matches on name + phone), otherwise on name + phone; a party
known by name alone matches the other name-only parties of that name, and those of that name with a
phone or ID number are listed apart as `possible_matches` (perhaps the same person).

Only what the caller may see is answered: coordinators, auditors and the petition system see all; a
mediator sees the sessions they mediate and the handoffs of the cases in which they mediate a
session that is not cancelled (as the case list). The party's phone and ID number are shown in full
to coordinators and the mediators of that session (or case), masked to everyone else; the matches
carry names only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from services.mediation.access import Caller
from services.mediation.casefile.models import CaseIntake, IntakeParty
from services.mediation.party import crypto as pii
from services.mediation.session.models import MediationSession, SessionMediator, SessionParty, SessionStatus
from services.mediation.session.service import load_visible, parties_public
from shared.errors import NotFound
from shared.timeutil import to_local

MAX_ROWS = 2000


def _not_found() -> NotFound:
    return NotFound("No such party.", detail_zh="未找到该当事人。")


@dataclass(frozen=True)
class Person:
    """Who is looked for: the name as compared and the keyed hashes, and the party as answered."""

    name_key: str
    phone_hash: str | None
    id_hash: str | None
    shown: dict[str, Any]

    @property
    def matched_on(self) -> str:
        return "id_number" if self.id_hash else "name_phone" if self.phone_hash else "name"

    def same(self, T):
        """The rows of table `T` (SessionParty or IntakeParty) that are this person."""
        if self.id_hash:
            by_phone = (and_(col(T.id_hash).is_(None), col(T.name_key) == self.name_key,
                             col(T.phone_hash) == self.phone_hash) if self.phone_hash else None)
            return or_(col(T.id_hash) == self.id_hash, by_phone) if by_phone is not None \
                else col(T.id_hash) == self.id_hash
        if self.phone_hash:
            return and_(col(T.name_key) == self.name_key, col(T.phone_hash) == self.phone_hash)
        return and_(col(T.name_key) == self.name_key, col(T.phone_hash).is_(None), col(T.id_hash).is_(None))

    def possible(self, T):
        """For a name alone: the rows of that name with a phone or ID number (perhaps the same person)."""
        if self.matched_on != "name":
            return None
        return and_(col(T.name_key) == self.name_key, or_(col(T.phone_hash).is_not(None), col(T.id_hash).is_not(None)))


def _mediated_cases(caller: Caller):
    """The case numbers in which the caller mediates a session that is not cancelled."""
    return (select(col(MediationSession.case_no))
            .join(SessionMediator, col(SessionMediator.session_id) == MediationSession.id)
            .where(col(SessionMediator.mediator_id) == (caller.mediator_id or "-"),
                   col(MediationSession.status) != SessionStatus.cancelled.value))


def _session_person(session: Session, caller: Caller, sid: str, pos: int) -> Person | None:
    try:
        s, mids = load_visible(session, caller, sid)
    except NotFound:
        return None
    p = session.get(SessionParty, (s.id, pos))
    if p is None:
        return None
    shown = parties_public([p], caller.can_manage(mids))[0].model_dump(mode="json")
    return Person(p.name_key, p.phone_hash, p.id_hash, shown)


def _intake_person(session: Session, caller: Caller, intake_id: str, pos: int) -> Person | None:
    intake = session.get(CaseIntake, intake_id)
    row = session.get(IntakeParty, (intake_id, pos)) if intake is not None else None
    if intake is None or row is None:
        return None
    mediates = (not caller.sees_all and session.execute(
        _mediated_cases(caller).where(col(MediationSession.case_no) == intake.case_no).limit(1)).first() is not None)
    if not (caller.sees_all or mediates):
        return None
    party = intake.parties[pos] if pos < len(intake.parties or []) and isinstance(intake.parties[pos], dict) else {}
    shown = {"id": pii.party_id(intake.id, pos),
             **pii.current().show_intake_party(party, caller.manages_all or mediates)}
    return Person(row.name_key, row.phone_hash, row.id_hash, shown)


def _session_rows(session: Session, caller: Caller, cond) -> list[tuple[SessionParty, MediationSession]]:
    P = SessionParty
    q = select(P, MediationSession).join(MediationSession, col(MediationSession.id) == P.session_id).where(cond)
    if not caller.sees_all:
        own = select(col(SessionMediator.session_id)).where(
            col(SessionMediator.mediator_id) == (caller.mediator_id or "-"))
        q = q.where(col(MediationSession.id).in_(own))
    q = q.order_by(col(MediationSession.starts_at), col(MediationSession.id), col(P.position)).limit(MAX_ROWS)
    return list(session.execute(q).tuples())


def _intake_rows(session: Session, caller: Caller, cond) -> list[tuple[IntakeParty, CaseIntake]]:
    T = IntakeParty
    q = select(T, CaseIntake).join(CaseIntake, col(CaseIntake.id) == T.intake_id).where(cond)
    if not caller.sees_all:
        q = q.where(col(CaseIntake.case_no).in_(_mediated_cases(caller)))
    q = q.order_by(col(CaseIntake.received_at), col(CaseIntake.id), col(T.position)).limit(MAX_ROWS)
    return list(session.execute(q).tuples())


def _local(value: datetime) -> str:
    return to_local(value).isoformat()


def cases_of(session: Session, caller: Caller, party_id: str) -> dict[str, Any]:
    parsed = pii.parse_party_id(party_id)
    if parsed is None:
        raise _not_found()
    # A session's party, else a handoff's (both ids are `<opaque id>-<position>`).
    who = _session_person(session, caller, *parsed) or _intake_person(session, caller, *parsed)
    if who is None:
        raise _not_found()

    cases: dict[str, dict[str, Any]] = {}
    first: dict[str, datetime] = {}  # when each case was first seen: the items are oldest first

    def case(case_no: str, at: datetime) -> dict[str, Any]:
        first[case_no] = min(first.get(case_no, at), at)
        return cases.setdefault(case_no, {"case_no": case_no, "sessions": [], "handoffs": [], "first_start": None,
                                          "last_start": None, "first_received": None})

    for party, sess in _session_rows(session, caller, who.same(SessionParty)):
        c = case(sess.case_no, sess.starts_at)
        start = _local(sess.starts_at)
        c["sessions"].append({"session_id": sess.id, "party_id": pii.party_id(party.session_id, party.position),
                              "name": party.name, "role": party.role, "start": start, "status": sess.status,
                              "outcome": sess.outcome})
        c["first_start"] = c["first_start"] or start
        c["last_start"] = start
    for intake_party, intake in _intake_rows(session, caller, who.same(IntakeParty)):
        c = case(intake.case_no, intake.received_at)
        received = _local(intake.received_at)
        c["handoffs"].append({"intake_id": intake.id, "handoff_id": intake.handoff_id,
                              "party_id": pii.party_id(intake.id, intake_party.position), "name": intake_party.name,
                              "role": intake_party.role, "received_at": received, "status": intake.status,
                              "target_on": intake.target_on.isoformat() if intake.target_on else None})
        c["first_received"] = c["first_received"] or received

    maybe: list[dict[str, Any]] = []
    if (cond := who.possible(SessionParty)) is not None:
        maybe += [{"case_no": sess.case_no, "session_id": sess.id,
                   "party_id": pii.party_id(party.session_id, party.position), "name": party.name,
                   "start": _local(sess.starts_at)} for party, sess in _session_rows(session, caller, cond)]
    if (cond := who.possible(IntakeParty)) is not None:
        maybe += [{"case_no": intake.case_no, "intake_id": intake.id, "handoff_id": intake.handoff_id,
                   "party_id": pii.party_id(intake.id, party.position), "name": party.name,
                   "received_at": _local(intake.received_at)} for party, intake in _intake_rows(session, caller, cond)]
    items = sorted(cases.values(), key=lambda c: (first[c["case_no"]], c["case_no"]))
    return {"party": who.shown, "matched_on": who.matched_on, "items": items, "possible_matches": maybe}
