"""Use cases that span features of the mediation service (ARCHITECTURE.md: "Where a new thing goes").

The features import one another one way only (followthrough above agreement, above session, above
casefile, mediator and party); what needs two of them the other way round is composed here, and the
features' routers call it:

- the case file as read (调解卷宗): a case's intakes, sessions, agreements, ratings and legal opinions;
- agreements with what was done after them (签字, 司法确认, 回访: followthrough/);
- a mediator's new leave or relation, and the sessions it touches (改期, 回避);
- a person's cases across time (重复信访), starting from a session's party.
"""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from services.mediation.access import Caller
from services.mediation.agreement import repository as agreements_repo
from services.mediation.agreement import service as agreements
from services.mediation.agreement.models import Agreement, AgreementListed, AgreementPublic, SatisfactionPublic
from services.mediation.casefile import repository as casefile_repo
from services.mediation.casefile.models import LegalOpinionPublic
from services.mediation.casefile.service import intake_public
from services.mediation.followthrough import repository as followthrough_repo
from services.mediation.mediator import service as mediators
from services.mediation.mediator.models import LeaveCreate, LeavePublic, RelationCreate, RelationPublic
from services.mediation.party import crypto as pii
from services.mediation.party import repository as parties_repo
from services.mediation.party import service as parties
from services.mediation.session import repository as sessions_repo
from services.mediation.session import service as sessions
from services.mediation.session.flags import flag_recusal
from services.mediation.session.models import SessionStatus
from shared.errors import NotFound


# -- the case file as read (调解卷宗) -----------------------------------------------------------------
def case_file(session: Session, caller: Caller, case_no: str) -> dict[str, Any]:
    """The case file as `caller` may see it (404 when there is nothing, or nothing of theirs)."""
    rows = sessions_repo.of_case(session, case_no)
    intakes = casefile_repo.intakes_of_case(session, case_no)
    opinions = casefile_repo.opinions_of_case(session, case_no)
    shown = sessions.render_many(session, rows, caller)
    if not caller.sees_all:
        # A mediator sees the case file only when they mediate one of its sessions that is not cancelled
        # (booking and cancelling a session on any case number opens nothing), and in it only the sessions
        # they mediate, with those sessions' agreements and ratings (issue 13 item 3).
        shown = [s for s in shown if caller.mediates(s.mediator_ids)]
        if not any(s.status != SessionStatus.cancelled for s in shown):
            raise NotFound("No such case.", detail_zh="未找到该案件。")
    if not rows and not intakes and not opinions:
        raise NotFound("No such case.", detail_zh="未找到该案件。")
    found = agreements_repo.of_case(session, case_no)
    ratings = agreements_repo.ratings_of_case(session, case_no)
    if not caller.sees_all:  # only what belongs to the caller's own sessions
        own = {s.id for s in shown}
        found = [a for a in found if a.session_id in own]
        ratings = [r for r in ratings if r.session_id in own]
    current = intakes[-1] if intakes else None
    # The intake's parties in full for coordinators and the mediators of the case's sessions (party/crypto.py).
    unmasked = caller.manages_all or any(caller.mediates(s.mediator_ids) for s in shown)
    return {
        "case_no": case_no,
        "intake": intake_public(current, unmasked).model_dump(mode="json") if current else None,
        "handoffs": [intake_public(i, unmasked).model_dump(mode="json") for i in intakes],
        "sessions": [s.model_dump(mode="json") for s in shown],
        "agreement": agreements.agreement_public(found[-1]).model_dump(mode="json") if found else None,
        "agreements": [agreements.agreement_public(a).model_dump(mode="json") for a in found],
        "ratings": [SatisfactionPublic.model_validate(r, from_attributes=True).model_dump(mode="json")
                    for r in ratings],
        "legal_opinions": [LegalOpinionPublic.model_validate(o, from_attributes=True).model_dump(mode="json")
                           for o in opinions],
    }


# -- agreements and what was done after them (followthrough/) -------------------------------------
def agreement_of_session(session: Session, caller: Caller, session_id: str) -> AgreementPublic:
    """The session's agreement, with the parties who have signed it."""
    a = agreements.get_agreement(session, caller, session_id)
    signed = [x.party_name for x in followthrough_repo.signatures(session, [a.id])[a.id]]
    return agreements.agreement_public(a).model_copy(update={"signed_by": signed})


def agreements_listed(session: Session, rows: list[Agreement]) -> list[AgreementListed]:
    """Agreements as `GET /agreements` lists them: with the 司法确认 application and the latest 回访."""
    ids = [a.id for a in rows]
    applied = followthrough_repo.judicial_confirmations(session, ids)
    visits = followthrough_repo.followups(session, ids)
    return [AgreementListed(**agreements.agreement_public(a).model_dump(),
                            judicial_confirmation_applied_on=applied[a.id].applied_on if a.id in applied else None,
                            followed_up_on=visits[a.id][-1].visited_on if visits.get(a.id) else None)
            for a in rows]


# -- a mediator's facts change: the sessions already booked -----------------------------------------
def add_leave(session: Session, mediator_id: str, body: LeaveCreate) -> LeavePublic:
    """Record leave (请假); sessions already booked with that mediator then are listed for rescheduling."""
    lv = mediators.record_leave(session, mediator_id, body)
    affected = sessions_repo.active_ids_overlapping(session, mediator_id=mediator_id, start=body.start,
                                                    end=body.end)
    return mediators.leave_public(lv, affected)


def add_relation(session: Session, mediator_id: str, body: RelationCreate) -> RelationPublic:
    """Record a relation to a party: the mediator is then recused (回避) from that party's sessions."""
    r = mediators.record_relation(session, mediator_id, body)
    # Sessions already booked with that party are flagged for the coordinator, not left silently.
    flagged = flag_recusal(session, mediator_id=mediator_id, party_name=r.party_name, relation=r.relation,
                           relation_id=r.id)
    return mediators.relation_public(r).model_copy(update={"flagged_session_ids": flagged})


# -- a person's cases across time (重复信访) ---------------------------------------------------------
def _session_person(session: Session, caller: Caller, sid: str, pos: int) -> parties.Person | None:
    """The party at `pos` of session `sid`, when the caller may see that session."""
    try:
        s, mids = sessions.load_visible(session, caller, sid)
    except NotFound:
        return None
    p = parties_repo.session_party(session, s.id, pos)
    if p is None:
        return None
    shown = sessions.parties_public([p], caller.can_manage(mids))[0].model_dump(mode="json")
    return parties.Person(p.name_key, p.phone_hash, p.id_hash, shown)


def party_cases(session: Session, caller: Caller, party_id: str) -> dict[str, Any]:
    """`GET /parties/{party_id}/cases` (party/service.py)."""
    parsed = pii.parse_party_id(party_id)
    if parsed is None:
        raise parties.not_found()
    # A session's party, else a handoff's (both ids are `<opaque id>-<position>`).
    who = _session_person(session, caller, *parsed) or parties.intake_person(session, caller, *parsed)
    if who is None:
        raise parties.not_found()
    return parties.cases_of(session, caller, who)
