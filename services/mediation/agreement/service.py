"""Agreements (调解协议): concluding a session (结束调解) records one; reading it; satisfaction (满意度评价).

Concluding is the session's last step and the agreement's first: the session is closed here (its
remaining slot freed, its reminders dropped), the agreement gets its 司法确认 deadline and 回访 date,
and the case intake's progress moves on (casefile/progress.py).
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.mediation.access import Caller
from services.mediation.agreement import deadlines as agreement_deadlines
from services.mediation.agreement import events
from services.mediation.agreement import repository as repo
from services.mediation.agreement.models import (
    Agreement,
    AgreementForm,
    AgreementPublic,
    ConcludeIn,
    OtherRoute,
    Satisfaction,
    SatisfactionIn,
    SatisfactionPublic,
)
from services.mediation.casefile import progress
from services.mediation.casefile import repository as casefiles
from services.mediation.ids import new_id
from services.mediation.party import crypto as pii
from services.mediation.rules import WorkingRules, field_error
from services.mediation.session import claims
from services.mediation.session import events as session_events
from services.mediation.session import repository as sessions_repo
from services.mediation.session.models import Outcome, SessionPublic, SessionStatus
from services.mediation.session.service import load_manageable, load_visible, require_status, to_public
from shared.db import utcnow
from shared.errors import Conflict, NotFound
from shared.timeutil import local_date, to_local


# -- rendering ------------------------------------------------------------------------------
def agreement_event(a: Agreement) -> dict:
    """The agreement as `mediation.agreement.recorded` carries it."""
    return {"agreement_id": a.id, "session_id": a.session_id, "case_no": a.case_no, "outcome": a.outcome,
            "form": a.form, "terms": a.terms, "performance_due": a.performance_due.isoformat(),
            "effective_on": a.effective_on.isoformat(),
            "judicial_confirmation_deadline": a.judicial_confirmation_deadline.isoformat(),
            "followup_on": a.followup_on.isoformat(), "deadline_provisional": a.deadline_missing_year is not None,
            "deadline_missing_year": a.deadline_missing_year}


def agreement_public(a: Agreement) -> AgreementPublic:
    out = AgreementPublic.model_validate(a, from_attributes=True)
    return out.model_copy(update={"deadline_provisional": a.deadline_missing_year is not None})


# -- use cases --------------------------------------------------------------------------------
def conclude(session: Session, rules: WorkingRules, caller: Caller, session_id: str,
             body: ConcludeIn) -> SessionPublic:
    """Conclude (结束调解) with an outcome; an agreement gets its 司法确认 deadline and 回访 date."""
    s, mids = load_manageable(session, caller, session_id)
    require_status(s, SessionStatus.scheduled, SessionStatus.in_progress)
    try:
        outcome = Outcome(body.outcome)
    except ValueError:
        raise field_error("outcome", "must be one of " + ", ".join(o.value for o in Outcome),
                          zh="必须是以下之一：" + "、".join(o.value for o in Outcome)) from None
    agreed = outcome in (Outcome.agreement, Outcome.partial_agreement)
    if agreed and body.agreement is None:
        raise field_error("agreement", f"an {outcome.value} needs the agreement (form, terms, performance_due)",
                          zh="达成协议时须填写协议（form、terms、performance_due）")
    if not agreed and body.agreement is not None:
        raise field_error("agreement", f"no agreement is recorded for outcome {outcome.value}",
                          zh="未达成协议时不能填写协议")
    if outcome is not Outcome.no_agreement and body.routes_told:
        raise field_error("routes_told", "routes are told only when no agreement is reached",
                          zh="仅在未达成协议时告知其他救济途径")
    now = utcnow()
    today = local_date(now)
    s.status = SessionStatus.concluded.value
    s.outcome = outcome.value
    s.concluded_at = now
    s.updated_at = now
    if body.notes:
        s.notes = (s.notes + "\n" + body.notes).strip()
    if outcome is Outcome.no_agreement:  # 人民调解法 art. 26: the parties are told the other routes
        s.routes_told = [r.value for r in (body.routes_told or list(OtherRoute))]
    parties = sessions_repo.parties(session, [s.id])[s.id]
    agreement = None
    if body.agreement is not None:  # given exactly when agreed (checked above)
        a = body.agreement
        # An oral agreement takes effect when reached; a written one when all have signed (default today).
        effective = today if a.form is AgreementForm.oral else (a.effective_on or today)
        if a.performance_due < effective:
            raise field_error("agreement.performance_due", "the performance date is before the agreement "
                                                           "takes effect", zh="履行期限早于协议生效日期")
        jc_deadline, followup_on, missing_year = agreement_deadlines.compute(
            rules.calendar, effective, a.performance_due, rules.settings.followup_days_after_performance)
        agreement = Agreement(
            id=new_id(), session_id=s.id, case_no=s.case_no, outcome=outcome.value, form=a.form.value,
            terms=a.terms, facts=a.facts, responsibilities=a.responsibilities,
            performance_method=a.performance_method, performance_due=a.performance_due, effective_on=effective,
            judicial_confirmation_deadline=jc_deadline, followup_on=followup_on,
            deadline_missing_year=missing_year, created_at=now)
        session.add(agreement)
    session.flush()
    sessions_repo.drop_pending_reminders(session, s.id)
    claims.shorten(session, s.id, now + rules.buffer)  # ended early: the rest of the slot is free again
    events.publish(session, session_events.SESSION_CONCLUDED, s.case_no,
                   session_events.session_data(s, mids, parties, outcome=outcome.value, routes_told=s.routes_told,
                                       concluded_at=to_local(now).isoformat()))
    if agreement is not None:
        events.publish(session, events.AGREEMENT_RECORDED, s.case_no, agreement_event(agreement))
    if body.request_legal_opinion is not None:
        ask = body.request_legal_opinion
        s.legal_opinion_question = ask.question
        data = {"case_no": s.case_no, "session_id": s.id, "question": ask.question,
                "parties": [p.name for p in parties]}
        category = ask.category or casefiles.category_of(session, s.case_no)
        if category:
            data["category"] = category
        events.publish(session, session_events.LEGAL_OPINION_REQUESTED, s.case_no, data)
    progress.on_session_concluded(session, s.case_no, outcome.value)
    session.flush()
    return to_public(s, mids, parties, agreement.id if agreement else None, caller)


def get_agreement(session: Session, caller: Caller, session_id: str) -> Agreement:
    """The session's agreement (with the parties who have signed it: flows.agreement_of_session)."""
    load_visible(session, caller, session_id)
    a = repo.of_session(session, session_id)
    if a is None:
        raise NotFound("This session has no agreement.", detail_zh="该调解没有调解协议。")
    return a


def rate(session: Session, caller: Caller, session_id: str, body: SatisfactionIn) -> SatisfactionPublic:
    """满意度评价: one rating per party per session, once the session is concluded."""
    s, _ = load_visible(session, caller, session_id)
    if s.status != SessionStatus.concluded.value:
        raise Conflict("Only a concluded session can be rated.", code="invalid_status", status_now=s.status,
                       detail_zh="只有已结束的调解才能评价。")
    parties = sessions_repo.parties(session, [s.id])[s.id]
    if body.party_name:
        wanted = " ".join(body.party_name.split()).casefold()
        matches = [p for p in parties if " ".join(p.name.split()).casefold() == wanted]
        if body.party_phone:
            phone_hash = pii.current().phone_hash(body.party_phone)
            matches = [p for p in matches if p.phone_hash == phone_hash]
        if not matches:
            raise field_error("party_name", "not a party of this session", zh="不是本次调解的当事人")
        party = matches[0]
    else:
        petitioners = [p for p in parties if p.role == "petitioner"]
        party = (petitioners or parties)[0]
    row = Satisfaction(id=new_id(), session_id=s.id, case_no=s.case_no, party_name=party.name,
                       party_key=party.party_key, rating=body.rating.value, comment=body.comment,
                       recorded_by=caller.login, created_at=utcnow())
    if repo.rated(session, s.id, party.party_key):
        raise Conflict(f"{party.name} has already rated this session.", code="already_rated",
                       detail_zh=f"{party.name} 已评价过本次调解。")
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"{party.name} has already rated this session.", code="already_rated",
                       detail_zh=f"{party.name} 已评价过本次调解。") from None
    events.publish(session, events.SATISFACTION_RECORDED, s.case_no,
                   {"session_id": s.id, "case_no": s.case_no, "party_name": party.name, "rating": row.rating})
    return SatisfactionPublic.model_validate(row, from_attributes=True)
