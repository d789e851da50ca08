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
carry names only. A session's party is looked up under the session's rules by flows.party_cases,
which then calls `cases_of` here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.mediation.access import Caller
from services.mediation.casefile.models import CaseIntake, IntakeParty
from services.mediation.party import crypto as pii
from services.mediation.party import repository as repo
from services.mediation.session.models import MediationSession, SessionParty
from shared.errors import NotFound
from shared.timeutil import to_local

MAX_ROWS = 2000


def not_found() -> NotFound:
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

    def same(self, T: repo.PartyTable) -> Any:
        """The rows of table `T` (SessionParty or IntakeParty) that are this person."""
        return repo.same_person(T, self.name_key, self.phone_hash, self.id_hash)

    def possible(self, T: repo.PartyTable) -> Any:
        """For a name alone: the rows of that name with a phone or ID number (perhaps the same person)."""
        if self.matched_on != "name":
            return None
        return repo.possibly_same_person(T, self.name_key)


def _restricted_to(caller: Caller) -> str | None:
    """None for a caller who sees all; else the mediator whose sessions and cases the caller sees."""
    return None if caller.sees_all else (caller.mediator_id or "-")


def intake_person(session: Session, caller: Caller, intake_id: str, pos: int) -> Person | None:
    """The party at `pos` of a case intake, when the caller may see that case (a session's party:
    flows.party_cases, which applies the session's own rules)."""
    intake = repo.intake(session, intake_id)
    row = repo.intake_party(session, intake_id, pos) if intake is not None else None
    if intake is None or row is None:
        return None
    mediates = not caller.sees_all and repo.mediates_case(session, caller.mediator_id or "-", intake.case_no)
    if not (caller.sees_all or mediates):
        return None
    party = intake.parties[pos] if pos < len(intake.parties or []) and isinstance(intake.parties[pos], dict) else {}
    shown = {"id": pii.party_id(intake.id, pos),
             **pii.current().show_intake_party(party, caller.manages_all or mediates)}
    return Person(row.name_key, row.phone_hash, row.id_hash, shown)


def _session_rows(session: Session, caller: Caller, cond: Any) -> list[tuple[SessionParty, MediationSession]]:
    return repo.sessions_with_party(session, cond, only_mediator=_restricted_to(caller), limit=MAX_ROWS)


def _intake_rows(session: Session, caller: Caller, cond: Any) -> list[tuple[IntakeParty, CaseIntake]]:
    return repo.intakes_with_party(session, cond, only_mediator=_restricted_to(caller), limit=MAX_ROWS)


def _local(value: datetime) -> str:
    return to_local(value).isoformat()


def cases_of(session: Session, caller: Caller, who: Person) -> dict[str, Any]:
    """The cases in which `who` is a party, as the caller may see them (`who`: flows.party_cases)."""
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
