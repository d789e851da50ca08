"""Case intake from petition-to-mediation handoffs (访调对接) and legal opinions attached to the case file.

The case file as read (调解卷宗: intake, sessions, agreements, opinions) is composed in flows.py.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.mediation.casefile import deadlines as intake_deadlines
from services.mediation.casefile import parties as intake_parties
from services.mediation.casefile import repository as repo
from services.mediation.casefile.models import CaseIntake, IntakePublic, IntakeStatus, LegalOpinion
from services.mediation.ids import new_id
from services.mediation.party import crypto as pii
from shared import handoff_pii, vocabulary
from shared.calendar import WorkingCalendar, provisional_fields
from shared.db import utcnow
from shared.events import emit
from shared.handoff_contract import (
    MEDIATION,
    HandoffRejected,
    HandoffRequested,
    MediationHandoffAccepted,
    answer_type,
)
from shared.pii import name_key

SOURCE = MEDIATION
HANDOFF_ACCEPTED = answer_type(MEDIATION, "accepted")
HANDOFF_REJECTED = answer_type(MEDIATION, "rejected")
HANDOFF_COMPLETED = answer_type(MEDIATION, "completed")

# Scope of 访调对接 (2025 opinion of the Ministry of Justice and the National Public Complaints Bureau).
ADMINISTRATIVE_CATEGORIES = {"administrative_dispute", "administrative"}
REJECTIONS = {
    "in_litigation": "该事项属于涉法涉诉且尚未终结的事项，应依法通过诉讼等法定途径解决（诉访分离），不予调解。",
    "administrative_dispute": "该事项属于行政争议，不属于人民调解的受理范围，不予调解。",
    "reserved_authority": "该事项依法由特定机关处理，不属于人民调解的受理范围，不予调解。",
    "party_refused": "有当事人明确拒绝调解，根据自愿原则不予调解。",
}


# -- intake ---------------------------------------------------------------------------------
def rejection(req: HandoffRequested) -> str | None:
    """The reason code when a handoff is outside the 访调对接 scope, else None."""
    if req.details.in_litigation:
        return "in_litigation"
    # An administrative dispute: `nature` (or a category naming it, e.g. 行政争议), shared/vocabulary.py.
    if req.category in ADMINISTRATIVE_CATEGORIES or vocabulary.nature_of(req.data()) == "administrative":
        return "administrative_dispute"
    if req.details.get("reserved_authority"):
        return "reserved_authority"
    if req.details.get("party_refused") or any(isinstance(p, dict) and p.get("refused_mediation")
                                               for p in req.parties):
        return "party_refused"
    return None


DECIDED = "decided_handoffs"  # session.info: handoff ids with an intake, loaded once per batch


def load_decided(session: Session, handoff_ids: list[str]) -> None:
    """Before a batch: which of its handoffs already have an intake (one query for the batch)."""
    session.info[DECIDED] = (set(handoff_ids), repo.handoffs_with_intake(session, handoff_ids))


def handoff_decided(session: Session, handoff_id: str) -> bool:
    """True when the handoff already has an intake; marks it decided for the rest of the batch."""
    cached: tuple[set[str], set[str]] = session.info.get(DECIDED) or (set(), set())
    loaded, decided = cached
    if handoff_id in loaded:
        seen = handoff_id in decided
    else:
        seen = repo.has_intake(session, handoff_id)
    decided.add(handoff_id)
    loaded.add(handoff_id)
    session.info[DECIDED] = (loaded, decided)
    return seen


def requested_at(req: HandoffRequested, default: datetime) -> datetime:
    """When the petition system requested the handoff (the gateway's `requested_at`), else `default`."""
    try:
        at = datetime.fromisoformat(req.requested_at or "")
    except ValueError:
        return default
    return at if at.tzinfo is not None else default


def on_handoff_requested(session: Session, calendar: WorkingCalendar, req: HandoffRequested,
                         received: datetime) -> None:
    """Accept or reject a handoff addressed to mediation; accepted ones wait for a session (pending)."""
    received = requested_at(req, received)
    handoff_id, case_no = req.handoff_id, req.case_no
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
               else {"name": str(p)} for p in req.parties]
    code = rejection(req)
    term = vocabulary.category(req.category)  # the code; unknown words kept as category_text
    intake = CaseIntake(id=new_id(), case_no=case_no[:64], handoff_id=handoff_id,
                        category=term.code if term else "",
                        category_text=str(req.details.get("category_text") or (term.text if term else "") or "")[:200]
                        or None,
                        summary=req.summary, parties=parties,
                        received_at=received, status=IntakeStatus.pending.value)
    intake_parties.index(session, intake, fresh=True)  # who they are, for 重复信访 lookups
    if code:
        intake.status, intake.reason_code, intake.reason = IntakeStatus.rejected.value, code, REJECTIONS[code]
        session.add(intake)
        emit(session, source=SOURCE, type=HANDOFF_REJECTED, subject=case_no,
             data=HandoffRejected(handoff_id=handoff_id, case_no=case_no, reason=REJECTIONS[code],
                                  reason_code=code).data())
        return
    # A dispute is normally settled within one month (人民调解工作若干规定): the case's target date,
    # computed again when the calendar changes (casefile/deadlines.py).
    intake.target_on, intake.deadline_missing_year = intake_deadlines.target(calendar, received)
    session.add(intake)
    emit(session, source=SOURCE, type=HANDOFF_ACCEPTED, subject=case_no,
         data=MediationHandoffAccepted(handoff_id=handoff_id, case_no=case_no, intake_id=intake.id,
                                       target_on=intake.target_on,
                                       **provisional_fields(intake.deadline_missing_year)).data())


# -- legal opinions ------------------------------------------------------------------------------
def on_opinion_filed(session: Session, event_id: str, data: dict[str, Any], when: datetime) -> None:
    """Attach a lawyer's legal opinion (法律意见书) to the case file."""
    case_no = str(data.get("case_no") or "")
    if not case_no:
        return
    if repo.opinion_recorded(session, event_id):
        return
    sent = data.get("opinion")
    opinion: dict[str, Any] = sent if isinstance(sent, dict) else {k: v for k, v in data.items() if k != "case_no"}
    session.add(LegalOpinion(id=new_id(), event_id=event_id, case_no=case_no[:64], opinion=opinion,
                             filed_at=when, received_at=utcnow()))
    session.flush()


# -- answering --------------------------------------------------------------------------------
def intake_public(i: CaseIntake, unmasked: bool = False) -> IntakePublic:
    """An intake as answered: the parties' phone and ID number masked unless `unmasked` (party/crypto.py).
    Each party has an `id` (`<intake id>-<position>`) for `GET /parties/{id}/cases` (重复信访)."""
    out = IntakePublic.model_validate(i, from_attributes=True)
    crypto = pii.current()
    out.parties = [{"id": pii.party_id(i.id, n), **crypto.show_intake_party(p, unmasked)} if isinstance(p, dict)
                   else p for n, p in enumerate(out.parties)]
    return out


PARTY_SCAN_BATCH = 500  # intakes read per round while looking for a party name (parties are JSON)


def _names_party(intake: CaseIntake, key: str) -> bool:
    return any(name_key(str(p.get("name") or "")).startswith(key)
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
        return repo.intakes(session, status=status, after=after, limit=limit + 1, case_prefix=case_prefix,
                            only_mediator=only_mediator)
    key = name_key(party)
    found: list[CaseIntake] = []
    while len(found) <= limit:
        batch = repo.intakes(session, status=status, after=after, limit=PARTY_SCAN_BATCH, case_prefix=case_prefix,
                             only_mediator=only_mediator)
        found.extend(i for i in batch if _names_party(i, key))
        if len(batch) < PARTY_SCAN_BATCH:
            break
        after = [batch[-1].received_at.isoformat(), batch[-1].id]
    return found[: limit + 1]
