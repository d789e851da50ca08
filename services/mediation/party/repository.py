"""Every query of parties' identity (当事人身份): the same-name check when booking, a person's cases across
time (重复信访), and key rotation of their personal data."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, text, update
from sqlmodel import Session, col

from services.mediation.agreement.models import Satisfaction
from services.mediation.casefile.models import CaseIntake, IntakeParty
from services.mediation.session.models import (
    MAX_CLAIM,
    ClaimKindUnindexed,
    MediationSession,
    ResourceClaim,
    SessionMediator,
    SessionParty,
    SessionStatus,
)

PartyTable = type[SessionParty] | type[IntakeParty]

# -- the same-name check (party/identity.py) ---------------------------------------------------
NAME_LOCK_SEED = 14  # hashtextextended seed of the name locks (slot locks: repository_claims, 11)
LOCK_NAMES = text("SELECT pg_advisory_xact_lock(hashtextextended(k, 14)) "
                  "FROM unnest(CAST(:keys AS text[])) AS k")


def lock_names(session: Session, names: list[str]) -> None:
    """PostgreSQL: a transaction-scoped advisory lock per name (SQLite: BEGIN IMMEDIATE already serialises).
    A booking takes them together with its slot locks instead (repository_claims.lock_slots)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(LOCK_NAMES, {"keys": names})


# Built once (bind parameters `names`, `start`, `until`, `floor`, `exclude`).
SAME_NAME_CLAIMS = (
    select(col(ResourceClaim.session_id), col(SessionParty.name_key), col(SessionParty.party_key),
           col(SessionParty.id_hash), col(SessionParty.phone_hash))
    .join(SessionParty, (col(SessionParty.session_id) == ResourceClaim.session_id)
          & (col(SessionParty.party_key) == ResourceClaim.resource_key))
    .where(ClaimKindUnindexed() == "party",  # SQLite starts from the names, not every party claim (models.py)
           col(SessionParty.name_key).in_(bindparam("names", expanding=True)),
           col(ResourceClaim.starts_at) < bindparam("until"), col(ResourceClaim.ends_at) > bindparam("start"),
           col(ResourceClaim.starts_at) > bindparam("floor"), col(ResourceClaim.session_id) != bindparam("exclude"))
    .order_by(col(ResourceClaim.starts_at), col(ResourceClaim.session_id)))


def same_name_claims(session: Session, names: list[str], start: datetime, until: datetime,
                     exclude_session: str) -> list[Any]:
    """(session id, name key, party key, id hash, phone hash) of the parties named `names` holding a party
    claim that overlaps [start, until) in another session, in (claim start, session id) order."""
    return list(session.execute(SAME_NAME_CLAIMS, {"names": list(names), "start": start, "until": until,
                                                   "floor": start - MAX_CLAIM, "exclude": exclude_session}))


# -- a person's cases (重复信访, party/service.py) ------------------------------------------------
def same_person(T: PartyTable, name_key: str, phone_hash: str | None, id_hash: str | None) -> Any:
    """The condition on the rows of `T` (SessionParty or IntakeParty) that are that person: the ID number's
    hash (or, for a row without one, name + phone), else name + phone, else the name-only rows of that name."""
    if id_hash:
        by_phone = (and_(col(T.id_hash).is_(None), col(T.name_key) == name_key,
                         col(T.phone_hash) == phone_hash) if phone_hash else None)
        return or_(col(T.id_hash) == id_hash, by_phone) if by_phone is not None else col(T.id_hash) == id_hash
    if phone_hash:
        return and_(col(T.name_key) == name_key, col(T.phone_hash) == phone_hash)
    return and_(col(T.name_key) == name_key, col(T.phone_hash).is_(None), col(T.id_hash).is_(None))


def possibly_same_person(T: PartyTable, name_key: str) -> Any:
    """The condition on the rows of `T` of that name with a phone or ID number (perhaps a name-only person)."""
    return and_(col(T.name_key) == name_key, or_(col(T.phone_hash).is_not(None), col(T.id_hash).is_not(None)))


def _mediated_cases(mediator_id: str) -> Select:
    """The case numbers in which that mediator mediates a session that is not cancelled."""
    return (select(col(MediationSession.case_no))
            .join(SessionMediator, col(SessionMediator.session_id) == MediationSession.id)
            .where(col(SessionMediator.mediator_id) == mediator_id,
                   col(MediationSession.status) != SessionStatus.cancelled.value))


def session_party(session: Session, session_id: str, position: int) -> SessionParty | None:
    return session.get(SessionParty, (session_id, position))


def intake(session: Session, intake_id: str) -> CaseIntake | None:
    return session.get(CaseIntake, intake_id)


def intake_party(session: Session, intake_id: str, position: int) -> IntakeParty | None:
    """An intake's party as indexed (casefile/parties.py)."""
    return session.get(IntakeParty, (intake_id, position))


def mediates_case(session: Session, mediator_id: str, case_no: str) -> bool:
    """True when that mediator mediates a session of the case that is not cancelled."""
    q = _mediated_cases(mediator_id).where(col(MediationSession.case_no) == case_no).limit(1)
    return session.execute(q).first() is not None


def sessions_with_party(session: Session, cond: Any, *, only_mediator: str | None,
                        limit: int) -> list[tuple[SessionParty, MediationSession]]:
    """The session parties matching `cond` with their sessions, oldest first, up to `limit`;
    `only_mediator`: only the sessions that mediator mediates."""
    P = SessionParty
    q = select(P, MediationSession).join(MediationSession, col(MediationSession.id) == P.session_id).where(cond)
    if only_mediator is not None:
        own = select(col(SessionMediator.session_id)).where(col(SessionMediator.mediator_id) == only_mediator)
        q = q.where(col(MediationSession.id).in_(own))
    q = q.order_by(col(MediationSession.starts_at), col(MediationSession.id), col(P.position)).limit(limit)
    return list(session.execute(q).tuples())


def intakes_with_party(session: Session, cond: Any, *, only_mediator: str | None,
                       limit: int) -> list[tuple[IntakeParty, CaseIntake]]:
    """The intake parties matching `cond` with their intakes, oldest first, up to `limit`;
    `only_mediator`: only the cases in which that mediator mediates a session that is not cancelled."""
    T = IntakeParty
    q = select(T, CaseIntake).join(CaseIntake, col(CaseIntake.id) == T.intake_id).where(cond)
    if only_mediator is not None:
        q = q.where(col(CaseIntake.case_no).in_(_mediated_cases(only_mediator)))
    q = q.order_by(col(CaseIntake.received_at), col(CaseIntake.id), col(T.position)).limit(limit)
    return list(session.execute(q).tuples())


# -- key rotation (key_rotation.py) ---------------------------------------------------------------
def _sealed(P: type[SessionParty]) -> Any:
    return or_(col(P.phone_cipher).is_not(None), col(P.id_number_cipher).is_not(None))


def sealed_parties(session: Session, *, not_under: str | None, after: tuple[str, int] | None,
                   limit: int) -> list[SessionParty]:
    """Up to `limit` session parties with sealed data, in (session id, position) order after `after`;
    `not_under`: only those not sealed under that key id."""
    P = SessionParty
    q = select(P).where(_sealed(P))
    if not_under is not None:
        q = q.where(or_(col(P.pii_kid).is_(None), col(P.pii_kid) != not_under))
    if after:
        q = q.where((col(P.session_id) > after[0]) | ((col(P.session_id) == after[0]) & (col(P.position) > after[1])))
    return list(session.execute(q.order_by(col(P.session_id), col(P.position)).limit(limit)).scalars())


def rekey_party(session: Session, session_id: str, old_key: str, new_key: str) -> None:
    """A session party's key changed: its claim and its satisfaction ratings follow."""
    session.execute(update(ResourceClaim).where(
        col(ResourceClaim.session_id) == session_id, col(ResourceClaim.resource_kind) == "party",
        col(ResourceClaim.resource_key) == old_key).values(resource_key=new_key))
    session.execute(update(Satisfaction).where(col(Satisfaction.session_id) == session_id,
                                               col(Satisfaction.party_key) == old_key)
                    .values(party_key=new_key))


def intakes_after(session: Session, after: str | None, limit: int) -> list[CaseIntake]:
    """Up to `limit` case intakes in id order after `after`."""
    q = select(CaseIntake).order_by(CaseIntake.id).limit(limit)
    if after:
        q = q.where(col(CaseIntake.id) > after)
    return list(session.execute(q).scalars())


def sealed_parties_by_key(session: Session) -> dict[str, int]:
    """Sealed parties per key id (session_party)."""
    P = SessionParty
    q = select(col(P.pii_kid), func.count()).where(_sealed(P)).group_by(P.pii_kid)
    return {str(k): int(n) for k, n in session.execute(q)}
