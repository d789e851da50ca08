"""Signatures on a written agreement, the 司法确认 application and follow-up visits (回访).

Recorded by a coordinator or a mediator of the session (404 for a session the caller may not see,
403 for one they may see but not manage). A signature is recorded once per party: recording the
same party again keeps the first date. Each record is announced as an event in the same transaction.
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.mediation.access import Caller
from services.mediation.agreement import repository as agreements_repo
from services.mediation.agreement.models import Agreement, AgreementForm
from services.mediation.followthrough import repository as repo
from services.mediation.followthrough.models import (
    AgreementSignature,
    FollowupIn,
    FollowupPublic,
    FollowupVisit,
    JudicialConfirmation,
    JudicialConfirmationIn,
    JudicialConfirmationPublic,
    SignaturesIn,
    SignaturesPublic,
    SignedParty,
)
from services.mediation.ids import new_id
from services.mediation.rules import field_error
from services.mediation.session import events
from services.mediation.session import repository as sessions_repo
from services.mediation.session import service as sessions
from services.mediation.session.models import MediationSession, SessionParty
from shared.db import utcnow
from shared.errors import Conflict, NotFound
from shared.timeutil import local_date

SIGNED = "mediation.agreement.signed"
JUDICIAL_CONFIRMATION_APPLIED = "mediation.judicial_confirmation.applied"
FOLLOWUP_RECORDED = "mediation.followup.recorded"


def _agreement(session: Session, s: MediationSession) -> Agreement:
    a = agreements_repo.of_session(session, s.id)
    if a is None:
        raise NotFound("This session has no agreement.", detail_zh="该调解没有调解协议。")
    return a


def signatures_public(s: MediationSession, a: Agreement, parties: list[SessionParty],
                      signed: list[AgreementSignature]) -> SignaturesPublic:
    by_position = {x.party_position: x for x in signed}
    return SignaturesPublic(
        session_id=s.id, agreement_id=a.id,
        signed_by=[SignedParty(name=p.name, role=p.role, signed_on=by_position[p.position].signed_on)
                   for p in parties if p.position in by_position],
        unsigned=[p.name for p in parties if p.position not in by_position],
        all_signed=all(p.position in by_position for p in parties))


def get_signatures(session: Session, caller: Caller, session_id: str) -> SignaturesPublic:
    s, _ = sessions.load_visible(session, caller, session_id)
    a = _agreement(session, s)
    parties = sessions_repo.parties(session, [s.id])[s.id]
    return signatures_public(s, a, parties, repo.signatures(session, [a.id])[a.id])


def sign(session: Session, caller: Caller, session_id: str, body: SignaturesIn) -> SignaturesPublic:
    """Record which parties signed the written agreement (调解协议书 takes effect when all have signed)."""
    s, _ = sessions.load_manageable(session, caller, session_id)
    a = _agreement(session, s)
    if a.form != AgreementForm.written.value:
        raise Conflict("An oral agreement is recorded by the mediator, not signed by the parties.",
                       code="oral_agreement", detail_zh="口头协议由调解员记录，无需当事人签字。")
    parties = sessions_repo.parties(session, [s.id])[s.id]
    by_name: dict[str, list[SessionParty]] = {}
    for p in parties:
        by_name.setdefault(" ".join(p.name.split()).casefold(), []).append(p)
    wanted: list[SessionParty] = []
    for name in body.signed_by:
        found = by_name.get(name.casefold(), [])
        if not found:
            raise field_error("signed_by", f"{name} is not a party of this session", zh=f"{name} 不是本次调解的当事人")
        if len(found) > 1:
            raise field_error("signed_by", f"more than one party is called {name}", zh=f"有多名当事人名为 {name}")
        wanted.append(found[0])
    now = utcnow()
    signed_on = body.signed_on or local_date(now)
    if signed_on > local_date(now):
        raise field_error("signed_on", "in the future", zh="签字日期不能晚于今天")
    have = {x.party_position for x in repo.signatures(session, [a.id])[a.id]}
    new = [p for p in {p.position: p for p in wanted}.values() if p.position not in have]
    for p in new:
        session.add(AgreementSignature(agreement_id=a.id, party_position=p.position, party_name=p.name,
                                       signed_on=signed_on, recorded_by=caller.login, created_at=now))
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same signature recorded concurrently: it stands once
        raise Conflict("The signatures changed meanwhile; read them again.", code="concurrent_update",
                       detail_zh="签字记录已被他人更新，请刷新后重试。") from None
    out = signatures_public(s, a, parties, repo.signatures(session, [a.id])[a.id])
    if new:
        events.publish(session, SIGNED, s.case_no, {
            "session_id": s.id, "agreement_id": a.id, "case_no": s.case_no,
            "signed_by": [p.name for p in new], "signed_on": signed_on.isoformat(), "all_signed": out.all_signed})
    return out


def _jc_public(s: MediationSession, a: Agreement, j: JudicialConfirmation) -> JudicialConfirmationPublic:
    return JudicialConfirmationPublic(session_id=s.id, agreement_id=a.id, applied_on=j.applied_on, court=j.court,
                                      deadline=a.judicial_confirmation_deadline,
                                      within_window=a.effective_on <= j.applied_on <= a.judicial_confirmation_deadline,
                                      created_at=j.created_at)


def get_judicial_confirmation(session: Session, caller: Caller, session_id: str) -> JudicialConfirmationPublic:
    s, _ = sessions.load_visible(session, caller, session_id)
    a = _agreement(session, s)
    j = repo.judicial_confirmations(session, [a.id]).get(a.id)
    if j is None:
        raise NotFound("No judicial confirmation application is recorded.", detail_zh="尚未登记司法确认申请。")
    return _jc_public(s, a, j)


def apply_judicial_confirmation(session: Session, caller: Caller, session_id: str,
                                body: JudicialConfirmationIn) -> JudicialConfirmationPublic:
    """The parties applied to a court for 司法确认 (人民调解法 art. 33); recorded once."""
    s, _ = sessions.load_manageable(session, caller, session_id)
    a = _agreement(session, s)
    if body.applied_on < a.effective_on:
        raise field_error("applied_on", "before the agreement took effect", zh="申请日期早于协议生效日期")
    if body.applied_on > local_date(utcnow()):
        raise field_error("applied_on", "in the future", zh="申请日期不能晚于今天")
    if repo.judicial_confirmations(session, [a.id]).get(a.id) is not None:
        raise Conflict("The application is already recorded.", code="already_recorded",
                       detail_zh="司法确认申请已登记。")
    j = JudicialConfirmation(agreement_id=a.id, applied_on=body.applied_on, court=body.court.strip(),
                             recorded_by=caller.login, created_at=utcnow())
    session.add(j)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict("The application is already recorded.", code="already_recorded",
                       detail_zh="司法确认申请已登记。") from None
    out = _jc_public(s, a, j)
    events.publish(session, JUDICIAL_CONFIRMATION_APPLIED, s.case_no, {
        "session_id": s.id, "agreement_id": a.id, "case_no": s.case_no, "applied_on": j.applied_on.isoformat(),
        "court": j.court, "within_window": out.within_window})
    return out


def _followup_public(s: MediationSession, a: Agreement, f: FollowupVisit) -> FollowupPublic:
    return FollowupPublic(id=f.id, session_id=s.id, agreement_id=a.id, visited_on=f.visited_on,
                          performance=f.performance, note=f.note, due_on=a.followup_on,
                          on_time=f.visited_on <= a.followup_on, created_at=f.created_at)


def list_followups(session: Session, caller: Caller, session_id: str) -> list[FollowupPublic]:
    s, _ = sessions.load_visible(session, caller, session_id)
    a = _agreement(session, s)
    return [_followup_public(s, a, f) for f in repo.followups(session, [a.id])[a.id]]


def record_followup(session: Session, caller: Caller, session_id: str, body: FollowupIn) -> FollowupPublic:
    """A follow-up visit (回访) on the agreement's performance."""
    s, _ = sessions.load_manageable(session, caller, session_id)
    a = _agreement(session, s)
    if body.visited_on > local_date(utcnow()):
        raise field_error("visited_on", "in the future", zh="回访日期不能晚于今天")
    f = FollowupVisit(id=new_id(), agreement_id=a.id, visited_on=body.visited_on,
                      performance=body.performance.value, note=body.note.strip(), recorded_by=caller.login,
                      created_at=utcnow())
    session.add(f)
    session.flush()
    out = _followup_public(s, a, f)
    events.publish(session, FOLLOWUP_RECORDED, s.case_no, {
        "session_id": s.id, "agreement_id": a.id, "case_no": s.case_no, "visited_on": f.visited_on.isoformat(),
        "performance": f.performance, "on_time": out.on_time})
    return out
