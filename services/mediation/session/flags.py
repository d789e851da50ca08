"""Flags on scheduled sessions that need the coordinator (e.g. 回避 found after the booking).

A relation added later (`POST /mediators/{id}/relations`) with a party of that mediator's scheduled
sessions does not cancel them: each one is flagged `recusal_conflict` (shown under `flags` and
`flag_details` in the session's answer), and `mediation.session.flagged` is emitted (outbox; it reaches
the webhooks and the console's 工作台). The flag is resolved when the session is rescheduled (a
reschedule passes the recusal check again, so the mediator has been replaced) or cancelled.
"""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from services.mediation.ids import new_id
from services.mediation.session import events
from services.mediation.session import repository as sessions_repo
from services.mediation.session import repository_flags as repo
from services.mediation.session.models import SessionFlag, SessionPublic
from shared.db import utcnow

RECUSAL_CONFLICT = "recusal_conflict"
SESSION_FLAGGED = "mediation.session.flagged"
FLAG_ZH = {RECUSAL_CONFLICT: "调解员须回避（预约后登记的关系）"}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def flag_recusal(session: Session, *, mediator_id: str, party_name: str, relation: str,
                 relation_id: str) -> list[str]:
    """Flag the mediator's scheduled sessions with that party; returns their ids (in start order)."""
    rows = repo.scheduled_sessions_of(session, mediator_id)
    if not rows:
        return []
    wanted = _key(party_name)
    parties = sessions_repo.parties(session, [s.id for s in rows])
    now, flagged = utcnow(), []
    for s in rows:
        hit = [p for p in parties.get(s.id, []) if _key(p.name) == wanted]
        if not hit:
            continue
        detail = f"调解员与当事人{hit[0].name}存在关系（{relation}），应当回避"
        session.add(SessionFlag(id=new_id(), session_id=s.id, flag=RECUSAL_CONFLICT, mediator_id=mediator_id,
                                party_name=hit[0].name, relation_id=relation_id, detail=detail, created_at=now))
        mids = sessions_repo.mediator_ids(session, [s.id])[s.id]
        events.publish(session, SESSION_FLAGGED, s.case_no, events.session_data(
            s, mids, parties.get(s.id, []), flag=RECUSAL_CONFLICT, flag_zh=FLAG_ZH[RECUSAL_CONFLICT],
            mediator_id=mediator_id, party_name=hit[0].name, relation=relation, relation_id=relation_id,
            action="reschedule with another mediator or cancel", action_zh="请更换调解员改期，或取消该场调解",
            notify=["coordinator"]))
        flagged.append(s.id)
    session.flush()
    return flagged


def active(session: Session, session_ids: list[str]) -> dict[str, list[SessionFlag]]:
    out: dict[str, list[SessionFlag]] = {}
    if not session_ids:
        return out
    for f in repo.unresolved(session, session_ids):
        out.setdefault(f.session_id, []).append(f)
    return out


def resolve(session: Session, session_id: str, resolution: str) -> None:
    repo.resolve(session, session_id, resolution, utcnow())


def flag_public(f: SessionFlag) -> dict[str, Any]:
    return {"flag": f.flag, "label": FLAG_ZH.get(f.flag, f.flag), "mediator_id": f.mediator_id,
            "party_name": f.party_name, "relation_id": f.relation_id, "detail": f.detail,
            "flagged_at": f.created_at}


def attach(p: SessionPublic, found: list[SessionFlag] | None) -> SessionPublic:
    if not found:
        return p
    p.flags = sorted({f.flag for f in found})
    p.flag_details = [flag_public(f) for f in found]
    return p
