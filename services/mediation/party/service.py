"""A person's cases across time (重复信访): `GET /api/v1/mediation/parties/{party_id}/cases`.

The party is one booked in a session (`parties[].id` of a session answer). The same person is
matched on the ID number's keyed hash when known (a party without an ID number still matches on
name + phone), otherwise on name + phone; a party booked by name alone matches the other name-only
bookings of that name, and the bookings of that name with a phone or ID number are listed apart
as `possible_matches` (perhaps the same person). Only what the caller may see is answered: a
mediator sees the sessions they mediate, coordinators, auditors and the petition system all.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session

from services.mediation.access import Caller
from services.mediation.party import crypto as pii
from services.mediation.session.models import MediationSession, SessionMediator, SessionParty
from services.mediation.session.service import load_visible, parties_public
from shared.errors import NotFound
from shared.timeutil import to_local

MAX_ROWS = 2000


def _not_found() -> NotFound:
    return NotFound("No such party.", detail_zh="未找到该当事人。")


def cases_of(session: Session, caller: Caller, party_id: str) -> dict[str, Any]:
    parsed = pii.parse_party_id(party_id)
    if parsed is None:
        raise _not_found()
    sid, pos = parsed
    try:
        s, mids = load_visible(session, caller, sid)
    except NotFound:
        raise _not_found() from None
    p = session.get(SessionParty, (s.id, pos))
    if p is None:
        raise _not_found()

    P = SessionParty
    if p.id_hash:
        matched_on = "id_number"
        same = or_(P.id_hash == p.id_hash,
                   and_(P.id_hash.is_(None), P.name_key == p.name_key, P.phone_hash == p.phone_hash)
                   if p.phone_hash else P.id_hash == p.id_hash)
    elif p.phone_hash:
        matched_on = "name_phone"
        same = and_(P.name_key == p.name_key, P.phone_hash == p.phone_hash)
    else:
        matched_on = "name"
        same = and_(P.name_key == p.name_key, P.phone_hash.is_(None), P.id_hash.is_(None))
    possible = (and_(P.name_key == p.name_key, or_(P.phone_hash.is_not(None), P.id_hash.is_not(None)))
                if matched_on == "name" else None)

    def rows(cond) -> list[tuple[SessionParty, MediationSession]]:
        q = select(P, MediationSession).join(MediationSession, MediationSession.id == P.session_id).where(cond)
        if not caller.sees_all:
            q = q.where(MediationSession.id.in_(select(SessionMediator.session_id)
                                                .where(SessionMediator.mediator_id == (caller.mediator_id or "-"))))
        q = q.order_by(MediationSession.starts_at, MediationSession.id, P.position).limit(MAX_ROWS)
        return list(session.execute(q).tuples())

    cases: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for party, sess in rows(same):
        c = cases.setdefault(sess.case_no, {"case_no": sess.case_no, "sessions": [], "first_start": None,
                                            "last_start": None})
        start = to_local(sess.starts_at).isoformat()
        c["sessions"].append({"session_id": sess.id, "party_id": pii.party_id(party.session_id, party.position),
                              "name": party.name, "role": party.role, "start": start, "status": sess.status,
                              "outcome": sess.outcome})
        c["first_start"] = c["first_start"] or start
        c["last_start"] = start
    maybe = [{"case_no": sess.case_no, "session_id": sess.id,
              "party_id": pii.party_id(party.session_id, party.position), "name": party.name,
              "start": to_local(sess.starts_at).isoformat()}
             for party, sess in (rows(possible) if possible is not None else [])]
    shown = parties_public([p], caller.can_manage(mids))[0]
    return {"party": shown.model_dump(mode="json"), "matched_on": matched_on, "items": list(cases.values()),
            "possible_matches": maybe}
