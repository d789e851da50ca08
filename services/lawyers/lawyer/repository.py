"""Every query of the roster."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import String, cast, select, update
from sqlmodel import Session, col

from services.lawyers.lawyer.models import Lawyer, LawyerContract, LawyerLeave, RosterState
from shared import vocabulary
from shared.db import rowcount


def get(session: Session, lawyer_id: str) -> Lawyer | None:
    return session.get(Lawyer, lawyer_id)


def get_leave(session: Session, leave_id: str) -> LawyerLeave | None:
    return session.get(LawyerLeave, leave_id)


def by_login(session: Session, login: str) -> Lawyer | None:
    return session.execute(select(Lawyer).where(col(Lawyer.login) == login)).scalar_one_or_none()


def id_of_login(session: Session, login: str) -> str | None:
    """The roster id linked to a login (the calling lawyer's own record)."""
    return session.execute(select(col(Lawyer.id)).where(col(Lawyer.login) == login)).scalar_one_or_none()


def by_license(session: Session, license_no: str) -> Lawyer | None:
    return session.execute(select(Lawyer).where(col(Lawyer.license_no) == license_no)).scalar_one_or_none()


def json_list_contains(session: Session, column, value: str):
    """A portable `value in <JSON list column>` test (text match on the serialised list)."""
    ascii_only = session.get_bind().dialect.name == "sqlite"
    return cast(column, String).like("%" + json.dumps(value, ensure_ascii=ascii_only) + "%")


def page(session: Session, *, kind: str | None, specialty: str | None, active: bool | None,
         only_id: str | None, after: str | None, limit: int) -> list[Lawyer]:
    q = select(Lawyer).order_by(Lawyer.id).limit(limit + 1)
    if kind:
        q = q.where(col(Lawyer.kind) == kind)
    if specialty:  # the code, its label or a synonym (shared/vocabulary.py)
        term = vocabulary.specialty(specialty)
        q = q.where(json_list_contains(session, Lawyer.specialties, term.code if term else specialty))
    if active is not None:
        q = q.where(col(Lawyer.active) == active)
    if only_id is not None:
        q = q.where(col(Lawyer.id) == only_id)
    if after:
        q = q.where(col(Lawyer.id) > after)
    return list(session.execute(q).scalars())


def contracts(session: Session, lawyer_id: str) -> list[LawyerContract]:
    return list(session.execute(select(LawyerContract).where(col(LawyerContract.lawyer_id) == lawyer_id)
                                .order_by(col(LawyerContract.start))).scalars())


def contract_on(session: Session, lawyer_id: str, d: date) -> LawyerContract | None:
    return session.execute(select(LawyerContract).where(
        col(LawyerContract.lawyer_id) == lawyer_id, col(LawyerContract.start) <= d, col(LawyerContract.end) >= d)
        .order_by(col(LawyerContract.start).desc()).limit(1)).scalar_one_or_none()


def contracts_between(session: Session, start: date, end: date) -> list[LawyerContract]:
    return list(session.execute(select(LawyerContract).where(
        col(LawyerContract.start) <= end, col(LawyerContract.end) >= start)).scalars())


def leaves(session: Session, lawyer_id: str) -> list[LawyerLeave]:
    return list(session.execute(select(LawyerLeave).where(col(LawyerLeave.lawyer_id) == lawyer_id)
                                .order_by(col(LawyerLeave.start))).scalars())


def on_leave_ids(session: Session, d: date) -> set[str]:
    return set(session.execute(select(col(LawyerLeave.lawyer_id)).where(
        col(LawyerLeave.start) <= d, col(LawyerLeave.end) >= d)).scalars())


def leaves_between(session: Session, start: date, end: date) -> list[LawyerLeave]:
    return list(session.execute(select(LawyerLeave).where(
        col(LawyerLeave.start) <= end, col(LawyerLeave.end) >= start)).scalars())


def is_on_leave(session: Session, lawyer_id: str, d: date) -> bool:
    return session.execute(select(col(LawyerLeave.id)).where(
        col(LawyerLeave.lawyer_id) == lawyer_id, col(LawyerLeave.start) <= d, col(LawyerLeave.end) >= d).limit(1)
    ).first() is not None


def active_of_kinds(session: Session, kinds: list[str]) -> list[Lawyer]:
    return list(session.execute(select(Lawyer).where(col(Lawyer.kind).in_(kinds), col(Lawyer.active).is_(True))
                                .order_by(col(Lawyer.id))).scalars())


def take_slot(session: Session, lawyer_id: str, cap: int, now) -> bool:
    """Count one more open request for the lawyer if under `cap` (atomic; False when full or inactive)."""
    res = session.execute(update(Lawyer).where(col(Lawyer.id) == lawyer_id, col(Lawyer.open_requests) < cap,
                                               col(Lawyer.active).is_(True))
                          .values(open_requests=col(Lawyer.open_requests) + 1, last_assigned_at=now)
                          .execution_options(synchronize_session=False))
    return rowcount(res) == 1


def release_slot(session: Session, lawyer_id: str) -> None:
    session.execute(update(Lawyer).where(col(Lawyer.id) == lawyer_id, col(Lawyer.open_requests) > 0)
                    .values(open_requests=col(Lawyer.open_requests) - 1)
                    .execution_options(synchronize_session=False))


def _among(session: Session, ids: list[str]):
    """`lawyer.id` in `ids`: one text parameter split server-side on PostgreSQL, an IN list elsewhere."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import any_, bindparam, func
        return Lawyer.id == any_(func.string_to_array(bindparam("candidate_ids", ",".join(ids)), ","))
    return col(Lawyer.id).in_(ids)


def at_cap(session: Session, ids: list[str], cap: int) -> set[str]:
    return set(session.execute(select(col(Lawyer.id)).where(_among(session, ids),
                                                            col(Lawyer.open_requests) >= cap)).scalars())


def take_best(session: Session, ids: list[str], cap: int, now) -> str | None:
    """Atomically pick and count the best candidate: fewest open requests, then least recently assigned.

    One statement; on PostgreSQL the row is locked and rows locked by a concurrent assignment are skipped.
    """
    best = (select(col(Lawyer.id)).where(_among(session, ids), col(Lawyer.open_requests) < cap,
                                         col(Lawyer.active).is_(True))
            .order_by(col(Lawyer.open_requests), col(Lawyer.last_assigned_at).asc().nulls_first(),
                      col(Lawyer.id)).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        best = best.with_for_update(skip_locked=True)
    stmt = (update(Lawyer).where(col(Lawyer.id) == best.scalar_subquery(), col(Lawyer.open_requests) < cap)
            .values(open_requests=col(Lawyer.open_requests) + 1, last_assigned_at=now).returning(col(Lawyer.id))
            .execution_options(synchronize_session=False))
    return session.execute(stmt).scalar_one_or_none()


# -- the roster snapshot (lawyer/snapshot.py) --------------------------------------------

def roster_token(session: Session) -> str | None:
    """The roster's current change token (None before the first change)."""
    return session.execute(select(col(RosterState.token)).where(col(RosterState.id) == 1)).scalar_one_or_none()


def store_roster_token(session: Session, token: str) -> None:
    """Write a new change token: update the row, or create it the first time."""
    res = session.execute(update(RosterState).where(col(RosterState.id) == 1).values(token=token)
                          .execution_options(synchronize_session=False))
    if rowcount(res) == 0:
        session.add(RosterState(id=1, token=token))
        session.flush()


def contract_windows(session: Session) -> list[tuple[str, date, date]]:
    """(lawyer id, start, end) of every contract."""
    return list(session.execute(select(col(LawyerContract.lawyer_id), col(LawyerContract.start),
                                       col(LawyerContract.end))).tuples())


def leave_windows(session: Session) -> list[tuple[str, date, date]]:
    """(lawyer id, start, end) of every leave."""
    return list(session.execute(select(col(LawyerLeave.lawyer_id), col(LawyerLeave.start),
                                       col(LawyerLeave.end))).tuples())


def roster_facts(session: Session) -> list[tuple[str, str, bool, list, list, list]]:
    """(id, kind, active, specialties, languages, specialties_text) of every lawyer, by id."""
    return list(session.execute(select(col(Lawyer.id), col(Lawyer.kind), col(Lawyer.active), col(Lawyer.specialties),
                                       col(Lawyer.languages), col(Lawyer.specialties_text))
                                .order_by(col(Lawyer.id))).tuples())
