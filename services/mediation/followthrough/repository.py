"""Every query of the follow-through feature (the agreement itself: agreement/repository.py)."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from services.mediation.followthrough.models import AgreementSignature, FollowupVisit, JudicialConfirmation


def signatures(session: Session, agreement_ids: list[str]) -> dict[str, list[AgreementSignature]]:
    out: dict[str, list[AgreementSignature]] = {a: [] for a in agreement_ids}
    if agreement_ids:
        q = (select(AgreementSignature).where(col(AgreementSignature.agreement_id).in_(agreement_ids))
             .order_by(col(AgreementSignature.agreement_id), col(AgreementSignature.party_position)))
        for s in session.execute(q).scalars():
            out[s.agreement_id].append(s)
    return out


def judicial_confirmations(session: Session, agreement_ids: list[str]) -> dict[str, JudicialConfirmation]:
    if not agreement_ids:
        return {}
    q = select(JudicialConfirmation).where(col(JudicialConfirmation.agreement_id).in_(agreement_ids))
    return {j.agreement_id: j for j in session.execute(q).scalars()}


def followups(session: Session, agreement_ids: list[str]) -> dict[str, list[FollowupVisit]]:
    out: dict[str, list[FollowupVisit]] = {a: [] for a in agreement_ids}
    if agreement_ids:
        q = (select(FollowupVisit).where(col(FollowupVisit.agreement_id).in_(agreement_ids))
             .order_by(col(FollowupVisit.visited_on), col(FollowupVisit.id)))
        for f in session.execute(q).scalars():
            out[f.agreement_id].append(f)
    return out
