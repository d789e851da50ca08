"""Every query of handoffs addressed to lawyers (案件移交)."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from services.lawyers.duty.models import ReceptionAssist
from services.lawyers.opinion.models import OpinionRequest
from services.lawyers.review.models import ReviewMatter

# The row each target's accepted handoff becomes (its handoff_id says the handoff was taken).
TAKEN_AS: dict[str, type[OpinionRequest] | type[ReviewMatter] | type[ReceptionAssist]] = {
    "legal_opinion": OpinionRequest, "review_studio": ReviewMatter, "reception_assist": ReceptionAssist}


def already_taken(session: Session, target: str, handoff_id: str) -> bool:
    """Whether the handoff was already accepted as a row of the target's kind."""
    model = TAKEN_AS[target]
    q = select(col(model.id)).where(col(model.handoff_id) == handoff_id).limit(1)
    return session.execute(q).first() is not None
