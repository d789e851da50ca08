"""Case files (调解卷宗) and case intake from petition-to-mediation handoffs (访调对接)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from services.mediation.access import Caller
from services.mediation.agreement.models import Agreement, Satisfaction, SatisfactionPublic
from services.mediation.casefile import deadlines as intake_deadlines
from services.mediation.casefile import parties as intake_parties
from services.mediation.casefile.models import CaseIntake, IntakePublic, IntakeStatus, LegalOpinion, LegalOpinionPublic
from services.mediation.ids import new_id
from services.mediation.party import crypto as pii
from services.mediation.session.models import SessionStatus
from shared import handoff_pii, vocabulary
from shared.calendar import WorkingCalendar, provisional_fields
from shared.db import utcnow
from shared.errors import NotFound
from shared.events import emit

SOURCE = "mediation"
HANDOFF_ACCEPTED = "mediation.handoff.accepted"
HANDOFF_REJECTED = "mediation.handoff.rejected"
HANDOFF_COMPLETED = "mediation.handoff.completed"

# Scope of 访调对接 (2025 opinion of the Ministry of Justice and the National Public Complaints Bureau).
ADMINISTRATIVE_CATEGORIES = {"administrative_dispute", "administrative"}
REJECTIONS = {
    "in_litigation": "该事项属于涉法涉诉且尚未终结的事项，应依法通过诉讼等法定途径解决（诉访分离），不予调解。",
    "administrative_dispute": "该事项属于行政争议，不属于人民调解的受理范围，不予调解。",
    "reserved_authority": "该事项依法由特定机关处理，不属于人民调解的受理范围，不予调解。",
    "party_refused": "有当事人明确拒绝调解，根据自愿原则不予调解。",
}


# -- intake ---------------------------------------------------------------------------------
def active_intake(session: Session, case_no: str) -> CaseIntake | None:
    q = (select(CaseIntake).where(col(CaseIntake.case_no) == case_no,
                                  col(CaseIntake.status).in_([IntakeStatus.pending.value,
                                                              IntakeStatus.scheduled.value]))
         .order_by(col(CaseIntake.received_at).desc()))
    return session.execute(q).scalars().first()


def category_of(session: Session, case_no: str) -> str | None:
    q = (select(col(CaseIntake.category)).where(col(CaseIntake.case_no) == case_no, col(CaseIntake.category) != "")
         .order_by(col(CaseIntake.received_at).desc()))
    return session.execute(q).scalars().first()


def rejection(data: dict[str, Any]) -> str | None:
    """The reason code when a handoff is outside the 访调对接 scope, else None."""
    if data.get("in_litigation"):
        return "in_litigation"
    # An administrative dispute: `nature` (or a category naming it, e.g. 行政争议), shared/vocabulary.py.
    if str(data.get("category") or "") in ADMINISTRATIVE_CATEGORIES or vocabulary.nature_of(data) == "administrative":
        return "administrative_dispute"
    if data.get("reserved_authority"):
        return "reserved_authority"
    parties = data.get("parties") or []
    if data.get("party_refused") or any(isinstance(p, dict) and p.get("refused_mediation") for p in parties):
        return "party_refused"
    return None


DECIDED = "decided_handoffs"  # session.info: handoff ids with an intake, loaded once per batch


def load_decided(session: Session, handoff_ids: list[str]) -> None:
    """Before a batch: which of its handoffs already have an intake (one query for the batch)."""
    q = select(col(CaseIntake.handoff_id)).where(col(CaseIntake.handoff_id).in_(handoff_ids))
    found = session.execute(q).scalars()
    session.info[DECIDED] = (set(handoff_ids), set(found))


def handoff_decided(session: Session, handoff_id: str) -> bool:
    """True when the handoff already has an intake; marks it decided for the rest of the batch."""
    cached: tuple[set[str], set[str]] = session.info.get(DECIDED) or (set(), set())
    loaded, decided = cached
    if handoff_id in loaded:
        seen = handoff_id in decided
    else:
        q = select(col(CaseIntake.id)).where(col(CaseIntake.handoff_id) == handoff_id)
        seen = session.execute(q).scalar() is not None
    decided.add(handoff_id)
    loaded.add(handoff_id)
    session.info[DECIDED] = (loaded, decided)
    return seen


def requested_at(data: dict[str, Any], default: datetime) -> datetime:
    """When the petition system requested the handoff (the gateway's `requested_at`), else `default`."""
    try:
        at = datetime.fromisoformat(str(data.get("requested_at") or ""))
    except ValueError:
        return default
    return at if at.tzinfo is not None else default


def on_handoff_requested(session: Session, calendar: WorkingCalendar, data: dict[str, Any],
                         received: datetime) -> None:
    """Accept or reject a handoff addressed to mediation; accepted ones wait for a session (pending)."""
    if data.get("target") != "mediation":
        return
    received = requested_at(data, received)
    handoff_id, case_no = str(data.get("handoff_id") or ""), str(data.get("case_no") or "")
    if not handoff_id or not case_no:
        return
    if handoff_decided(session, handoff_id):
        return  # the same handoff routed again: already decided
    crypto = pii.current()  # phone and ID number sealed at rest, never in clear (party/crypto.py)
    # The event carries them masked, sealed by the gateway beside (shared/handoff_pii.py): opened here and
    # sealed at once under this service's keys. A key missing raises: the event is retried, then a dead
    # letter to replay once the key is configured.
    ring = pii.handoff_ring()
    parties = [crypto.seal_intake_party(handoff_pii.open_party(ring, p)) if isinstance(p, dict)
               else {"name": str(p)} for p in (data.get("parties") or [])]
    code = rejection(data)
    term = vocabulary.category(data.get("category"))  # the code; unknown words kept as category_text
    intake = CaseIntake(id=new_id(), case_no=case_no[:64], handoff_id=handoff_id,
                        category=term.code if term else "",
                        category_text=str(data.get("category_text") or (term.text if term else "") or "")[:200]
                        or None,
                        summary=str(data.get("summary") or ""), parties=parties,
                        received_at=received, status=IntakeStatus.pending.value)
    intake_parties.index(session, intake, fresh=True)  # who they are, for 重复信访 lookups
    if code:
        intake.status, intake.reason_code, intake.reason = IntakeStatus.rejected.value, code, REJECTIONS[code]
        session.add(intake)
        emit(session, source=SOURCE, type=HANDOFF_REJECTED, subject=case_no,
             data={"handoff_id": handoff_id, "case_no": case_no, "reason": intake.reason, "reason_code": code})
        return
    # A dispute is normally settled within one month (人民调解工作若干规定): the case's target date,
    # computed again when the calendar changes (casefile/deadlines.py).
    intake.target_on, intake.deadline_missing_year = intake_deadlines.target(calendar, received)
    session.add(intake)
    emit(session, source=SOURCE, type=HANDOFF_ACCEPTED, subject=case_no,
         data={"handoff_id": handoff_id, "case_no": case_no, "intake_id": intake.id,
               "target_on": intake.target_on.isoformat(), **provisional_fields(intake.deadline_missing_year)})


# -- legal opinions ------------------------------------------------------------------------------
def on_opinion_filed(session: Session, event_id: str, data: dict[str, Any], when: datetime) -> None:
    """Attach a lawyer's legal opinion (法律意见书) to the case file."""
    case_no = str(data.get("case_no") or "")
    if not case_no:
        return
    if session.execute(select(col(LegalOpinion.id)).where(col(LegalOpinion.event_id) == event_id)).scalar():
        return
    sent = data.get("opinion")
    opinion: dict[str, Any] = sent if isinstance(sent, dict) else {k: v for k, v in data.items() if k != "case_no"}
    session.add(LegalOpinion(id=new_id(), event_id=event_id, case_no=case_no[:64], opinion=opinion,
                             filed_at=when, received_at=utcnow()))
    session.flush()


# -- the case file --------------------------------------------------------------------------------
def intake_public(i: CaseIntake, unmasked: bool = False) -> IntakePublic:
    """An intake as answered: the parties' phone and ID number masked unless `unmasked` (party/crypto.py).
    Each party has an `id` (`<intake id>-<position>`) for `GET /parties/{id}/cases` (重复信访)."""
    out = IntakePublic.model_validate(i, from_attributes=True)
    crypto = pii.current()
    out.parties = [{"id": pii.party_id(i.id, n), **crypto.show_intake_party(p, unmasked)} if isinstance(p, dict)
                   else p for n, p in enumerate(out.parties)]
    return out


def case_file(session: Session, caller: Caller, case_no: str) -> dict[str, Any]:
    from services.mediation.session import repository as sessions_repo
    from services.mediation.session.service import agreement_public, render_many

    rows = sessions_repo.of_case(session, case_no)
    intakes = list(session.execute(select(CaseIntake).where(col(CaseIntake.case_no) == case_no)
                                   .order_by(col(CaseIntake.received_at))).scalars())
    opinions = list(session.execute(select(LegalOpinion).where(col(LegalOpinion.case_no) == case_no)
                                    .order_by(col(LegalOpinion.filed_at))).scalars())
    sessions = render_many(session, rows, caller)
    if not caller.sees_all:
        # A mediator sees the case file only when they mediate one of its sessions that is not cancelled
        # (booking and cancelling a session on any case number opens nothing), and in it only the sessions
        # they mediate, with those sessions' agreements and ratings (issue 13 item 3).
        sessions = [s for s in sessions if caller.mediates(s.mediator_ids)]
        if not any(s.status != SessionStatus.cancelled for s in sessions):
            raise NotFound("No such case.", detail_zh="未找到该案件。")
    if not rows and not intakes and not opinions:
        raise NotFound("No such case.", detail_zh="未找到该案件。")
    agreements = list(session.execute(select(Agreement).where(col(Agreement.case_no) == case_no)
                                      .order_by(col(Agreement.created_at))).scalars())
    ratings = list(session.execute(select(Satisfaction).where(col(Satisfaction.case_no) == case_no)
                                   .order_by(col(Satisfaction.created_at))).scalars())
    if not caller.sees_all:  # only what belongs to the caller's own sessions
        own = {s.id for s in sessions}
        agreements = [a for a in agreements if a.session_id in own]
        ratings = [r for r in ratings if r.session_id in own]
    current = intakes[-1] if intakes else None
    # The intake's parties in full for coordinators and the mediators of the case's sessions (party/crypto.py).
    unmasked = caller.manages_all or any(caller.mediates(s.mediator_ids) for s in sessions)
    return {
        "case_no": case_no,
        "intake": intake_public(current, unmasked).model_dump(mode="json") if current else None,
        "handoffs": [intake_public(i, unmasked).model_dump(mode="json") for i in intakes],
        "sessions": [s.model_dump(mode="json") for s in sessions],
        "agreement": agreement_public(agreements[-1]).model_dump(mode="json") if agreements else None,
        "agreements": [agreement_public(a).model_dump(mode="json") for a in agreements],
        "ratings": [SatisfactionPublic.model_validate(r, from_attributes=True).model_dump(mode="json")
                    for r in ratings],
        "legal_opinions": [LegalOpinionPublic.model_validate(o, from_attributes=True).model_dump(mode="json")
                           for o in opinions],
    }


PARTY_SCAN_BATCH = 500  # intakes read per round while looking for a party name (parties are JSON)


def _intake_query(status: str | None, after: list | None, case_prefix: str | None, only_mediator: str | None):
    q = select(CaseIntake)
    if status:
        q = q.where(col(CaseIntake.status) == status)
    if case_prefix:
        q = q.where(func.upper(CaseIntake.case_no).like(case_prefix.upper() + "%"))
    if only_mediator:
        from services.mediation.session.models import MediationSession, SessionMediator
        mediated = (select(col(MediationSession.case_no)).join(SessionMediator,
                                                          col(SessionMediator.session_id) == MediationSession.id)
                    .where(col(SessionMediator.mediator_id) == only_mediator,
                           # a cancelled booking opens nothing
                           col(MediationSession.status) != SessionStatus.cancelled.value))
        q = q.where(col(CaseIntake.case_no).in_(mediated))
    if after:
        t = datetime.fromisoformat(after[0])
        q = q.where((CaseIntake.received_at > t) | ((CaseIntake.received_at == t) & (CaseIntake.id > after[1])))
    return q.order_by(col(CaseIntake.received_at), col(CaseIntake.id))


def _names_party(intake: CaseIntake, key: str) -> bool:
    from services.mediation.session.repository import party_name_key
    return any(party_name_key(str(p.get("name") or "")).startswith(key)
               for p in intake.parties or [] if isinstance(p, dict))


def intakes_page(session: Session, status: str | None, after: list | None, limit: int, *,
                 case_prefix: str | None = None, party: str | None = None,
                 only_mediator: str | None = None) -> list[CaseIntake]:
    """Up to limit+1 intakes in (received_at, id) order after `after`.

    `case_prefix`: case numbers starting with it (case ignored); `party`: a party's name is it or starts
    with it (the parties are JSON, so they are compared here, reading the intakes in batches);
    `only_mediator`: only the cases in which that mediator mediates a session that is not cancelled.
    """
    if not party:
        q = _intake_query(status, after, case_prefix, only_mediator).limit(limit + 1)
        return list(session.execute(q).scalars())
    from services.mediation.session.repository import party_name_key
    key = party_name_key(party)
    found: list[CaseIntake] = []
    while len(found) <= limit:
        batch = list(session.execute(_intake_query(status, after, case_prefix, only_mediator)
                                     .limit(PARTY_SCAN_BATCH)).scalars())
        found.extend(i for i in batch if _names_party(i, key))
        if len(batch) < PARTY_SCAN_BATCH:
            break
        after = [batch[-1].received_at.isoformat(), batch[-1].id]
    return found[: limit + 1]
