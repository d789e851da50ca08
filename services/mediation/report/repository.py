"""Every query of the monthly report (read only). IN lists are split so a large month stays within
every database's parameter limit."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from services.mediation.agreement.models import Agreement, Satisfaction
from services.mediation.casefile.models import CaseIntake
from services.mediation.followthrough.models import AgreementSignature, FollowupVisit, JudicialConfirmation
from services.mediation.mediator.models import Mediator
from services.mediation.room.models import Room
from services.mediation.session.models import MediationSession, SessionMediator, SessionParty

CHUNK = 500


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(ids))
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def concluded_between(session: Session, start: datetime, end: datetime) -> list[MediationSession]:
    q = (select(MediationSession).where(col(MediationSession.concluded_at) >= start,
                                        col(MediationSession.concluded_at) < end)
         .order_by(col(MediationSession.concluded_at), col(MediationSession.id)))
    return list(session.execute(q).scalars())


def starting_between(session: Session, start: datetime, end: datetime) -> list[MediationSession]:
    q = (select(MediationSession).where(col(MediationSession.starts_at) >= start, col(MediationSession.starts_at) < end)
         .order_by(col(MediationSession.starts_at), col(MediationSession.id)))
    return list(session.execute(q).scalars())


def mediators_of(session: Session, session_ids: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for chunk in _chunks(session_ids):
        q = (select(col(SessionMediator.session_id), col(SessionMediator.mediator_id))
             .where(col(SessionMediator.session_id).in_(chunk)).order_by(col(SessionMediator.position)))
        for sid, mid in session.execute(q):
            out.setdefault(sid, []).append(mid)
    return out


def party_counts(session: Session, session_ids: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in _chunks(session_ids):
        q = select(col(SessionParty.session_id)).where(col(SessionParty.session_id).in_(chunk))
        for sid, in session.execute(q):
            out[sid] = out.get(sid, 0) + 1
    return out


def ratings_of(session: Session, session_ids: Iterable[str]) -> list[Satisfaction]:
    out: list[Satisfaction] = []
    for chunk in _chunks(session_ids):
        out += session.execute(select(Satisfaction).where(col(Satisfaction.session_id).in_(chunk))).scalars()
    return out


def agreements_of(session: Session, session_ids: Iterable[str]) -> dict[str, Agreement]:
    out: dict[str, Agreement] = {}
    for chunk in _chunks(session_ids):
        for a in session.execute(select(Agreement).where(col(Agreement.session_id).in_(chunk))).scalars():
            out[a.session_id] = a
    return out


def written_with_deadline_between(session: Session, start: date, end: date) -> list[Agreement]:
    q = select(Agreement).where(col(Agreement.form) == "written",
                                col(Agreement.judicial_confirmation_deadline) >= start,
                                col(Agreement.judicial_confirmation_deadline) <= end)
    return list(session.execute(q).scalars())


def followups_due_between(session: Session, start: date, end: date) -> list[Agreement]:
    q = select(Agreement).where(col(Agreement.followup_on) >= start, col(Agreement.followup_on) <= end)
    return list(session.execute(q).scalars())


def applications(session: Session, agreement_ids: Iterable[str]) -> dict[str, JudicialConfirmation]:
    out: dict[str, JudicialConfirmation] = {}
    for chunk in _chunks(agreement_ids):
        q = select(JudicialConfirmation).where(col(JudicialConfirmation.agreement_id).in_(chunk))
        out.update({j.agreement_id: j for j in session.execute(q).scalars()})
    return out


def first_visits(session: Session, agreement_ids: Iterable[str]) -> dict[str, date]:
    out: dict[str, date] = {}
    for chunk in _chunks(agreement_ids):
        q = select(col(FollowupVisit.agreement_id),
                   col(FollowupVisit.visited_on)).where(col(FollowupVisit.agreement_id).in_(chunk))
        for aid, d in session.execute(q):
            if aid not in out or d < out[aid]:
                out[aid] = d
    return out


def signatures_complete(session: Session, agreement_ids: Iterable[str]) -> set[str]:
    """Written agreements every party of whose session has signed."""
    ids = set(agreement_ids)
    if not ids:
        return set()
    signed: dict[str, int] = {}
    for chunk in _chunks(ids):
        signers = select(col(AgreementSignature.agreement_id)).where(col(AgreementSignature.agreement_id).in_(chunk))
        for aid, in session.execute(signers):
            signed[aid] = signed.get(aid, 0) + 1
    session_of: dict[str, str] = {}
    for chunk in _chunks(ids):
        q = select(col(Agreement.id), col(Agreement.session_id)).where(col(Agreement.id).in_(chunk))
        session_of.update(dict(session.execute(q).all()))
    parties = party_counts(session, session_of.values())
    return {aid for aid, sid in session_of.items() if parties.get(sid, 0) and signed.get(aid, 0) >= parties[sid]}


def categories_of(session: Session, case_nos: Iterable[str]) -> dict[str, str]:
    """The category of each case (its latest intake that carries one)."""
    out: dict[str, str] = {}
    for chunk in _chunks(case_nos):
        q = (select(col(CaseIntake.case_no), col(CaseIntake.category))
             .where(col(CaseIntake.case_no).in_(chunk),
                    col(CaseIntake.category) != "").order_by(col(CaseIntake.received_at)))
        out.update(dict(session.execute(q).all()))  # later intakes override earlier ones
    return out


def room_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(ids):
        out.update(dict(session.execute(select(col(Room.id), col(Room.name)).where(col(Room.id).in_(chunk))).all()))
    return out


def mediator_names(session: Session, ids: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(ids):
        out.update(dict(session.execute(select(col(Mediator.id),
                                               col(Mediator.name)).where(col(Mediator.id).in_(chunk))).all()))
    return out
