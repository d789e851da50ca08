"""Session life (调解会): book, reschedule, cancel, check in (concluding: agreement/service.py)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from services.mediation import free_slots
from services.mediation.access import Caller, ensure_manageable, ensure_visible
from services.mediation.ids import new_id
from services.mediation.party import crypto as pii
from services.mediation.party import identity
from services.mediation.rules import WorkingRules, describe, field_error
from services.mediation.session import claims, events, flags
from services.mediation.session import repository as repo
from services.mediation.session.models import (
    CancelIn,
    MediationSession,
    Outcome,
    PartyPublic,
    RescheduleIn,
    SessionCreate,
    SessionParty,
    SessionPublic,
    SessionStatus,
)
from shared.calendar import rule_deadline  # noqa: F401
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.timeutil import local_date, to_local


# -- rendering ------------------------------------------------------------------------------
def parties_public(parties: list[SessionParty], unmasked: bool) -> list[PartyPublic]:
    """The parties as answered: phone and ID number in full only when `unmasked` (party/crypto.py)."""
    crypto = pii.current()
    out = []
    for p in parties:
        phone, idn = crypto.shown(p, unmasked)
        out.append(PartyPublic(id=pii.party_id(p.session_id, p.position), name=p.name, role=p.role, phone=phone,
                               id_number=idn))
    return out


def to_public(s: MediationSession, mediator_ids: list[str], parties: list[SessionParty],
              agreement_id: str | None = None, caller: Caller | None = None) -> SessionPublic:
    """The session as `caller` may see it (no caller: personal data masked)."""
    unmasked = caller is not None and caller.can_manage(mediator_ids)
    return SessionPublic(
        id=s.id, case_no=s.case_no, room_id=s.room_id, mediator_ids=mediator_ids, start=s.starts_at,
        end=s.ends_at, status=s.status, parties=parties_public(parties, unmasked),
        language=s.language, lawyer_id=s.lawyer_id, notes=s.notes, created_at=s.created_at,
        updated_at=s.updated_at, version=s.version, checked_in_at=s.checked_in_at, concluded_at=s.concluded_at,
        outcome=s.outcome, cancel_reason=s.cancel_reason, reschedule_reason=s.reschedule_reason,
        routes_told=s.routes_told, agreement_id=agreement_id, legal_opinion_question=s.legal_opinion_question)


def render_many(session: Session, rows: list[MediationSession], caller: Caller | None = None) -> list[SessionPublic]:
    ids = [s.id for s in rows]
    mids, parties = repo.mediator_ids(session, ids), repo.parties(session, ids)
    agreements = {}
    if any(s.outcome in (Outcome.agreement.value, Outcome.partial_agreement.value) for s in rows):
        agreements = repo.agreement_ids(session, ids)
    flagged = flags.active(session, ids)  # e.g. recusal_conflict (session/flags.py)
    return [flags.attach(to_public(s, mids[s.id], parties[s.id], agreements.get(s.id), caller), flagged.get(s.id))
            for s in rows]


def render(session: Session, s: MediationSession, caller: Caller | None = None) -> SessionPublic:
    return render_many(session, [s], caller)[0]


# -- loading with authorization -------------------------------------------------------------
def load_visible(session: Session, caller: Caller, session_id: str, *, lock: bool = False
                 ) -> tuple[MediationSession, list[str]]:
    s = repo.get(session, session_id, lock=lock)
    if s is None:
        raise NotFound("No such session.", detail_zh="未找到该调解场次。")
    mids = repo.mediator_ids(session, [s.id])[s.id]
    ensure_visible(caller, mids)
    return s, mids


def load_manageable(session: Session, caller: Caller, session_id: str) -> tuple[MediationSession, list[str]]:
    s, mids = load_visible(session, caller, session_id, lock=True)
    ensure_manageable(caller, mids)
    return s, mids


STATUS_ZH = {"scheduled": "已预约", "in_progress": "进行中", "concluded": "已结束", "cancelled": "已取消"}


def require_status(s: MediationSession, *allowed: SessionStatus) -> None:
    if s.status not in {a.value for a in allowed}:
        raise Conflict(f"The session is {s.status}; this needs it to be "
                       + " or ".join(a.value for a in allowed) + ".", code="invalid_status", status_now=s.status,
                       detail_zh=f"该调解{STATUS_ZH.get(s.status, s.status)}，此操作要求其状态为"
                                 + "或".join(STATUS_ZH[a.value] for a in allowed) + "。")


# -- the booking rules ----------------------------------------------------------------------
def check_time_rules(rules: WorkingRules, obstacles: repo.Obstacles, meds: list[repo.BookingMediator],
                     start: datetime, end: datetime, now: datetime) -> None:
    """Range, notice, horizon, then the free-slot rule (free_slots.py) but for the claims:
    office hours of a working day, the mediators' hours, closures and leave."""
    rules.check_range(start, end)
    rules.check_window(start, now)
    why = free_slots.refusal(rules, start, end, [(m.id, m.working_hours) for m in meds], obstacles.closures,
                             obstacles.leave)
    if why is None:
        return
    day = local_date(start)
    if why.reason == "rest_day":
        en, zh = (f"{day.isoformat()} is not a working day (rest day or holiday)",
                  f"{day.isoformat()} 不是工作日（休息日或节假日）")
    elif why.reason == "office_hours":
        windows = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in rules.settings.office_windows)
        en, zh = f"a session must fit inside the office hours {windows}", f"调解须在办公时间 {windows} 之内"
    elif why.reason == "mediator_hours":
        en, zh = f"mediator {why.who} does not work then", f"调解员 {why.who} 该时段不工作"
    else:
        assert why.start is not None and why.end is not None
        s, e, note = describe(why.start), describe(why.end), why.note
        if why.reason == "closure":
            en = f"room {why.who} is closed {s}–{e}" + (f" ({note})" if note else "")
            zh = f"调解室 {why.who} 于 {s}–{e} 关闭" + (f"（{note}）" if note else "")
        else:
            en, zh = f"mediator {why.who} is on leave {s}–{e}", f"调解员 {why.who} 于 {s}–{e} 请假"
    raise Unprocessable(f"{describe(start)}–{describe(end)} is outside working hours: {en}.",
                        code="outside_working_hours",
                        detail_zh=f"{describe(start)}–{describe(end)} 不在工作时间内：{zh}。")


def check_recusal(obstacles: repo.Obstacles) -> None:
    """回避: a mediator related to a party may not mediate that party's session (409 mediator_recused)."""
    if obstacles.relations:
        items = [{"mediator_id": m, "party_name": p, "relation": r} for m, p, r in obstacles.relations]
        what = ", ".join(f"{i['mediator_id']} ({i['relation']} of {i['party_name']})" for i in items)
        raise Conflict(f"Mediator must recuse (回避): {what}.", code="mediator_recused", recusals=items,
                       detail_zh="调解员须回避：" + "；".join(f"{i['mediator_id']} 与当事人 {i['party_name']} 存在"
                                                       f"关系（{i['relation']}）" for i in items) + "。")


def load_booking_facts(session: Session, room_id: str, mediator_ids: list[str], party_names: list[str],
                       start: datetime, end: datetime) -> tuple[list[repo.BookingMediator], repo.Obstacles]:
    """The chosen mediators and everything that may stop the booking (one round trip)."""
    obstacles = repo.obstacles(session, room_id, mediator_ids, party_names, start, end)
    if not obstacles.room_exists:
        raise field_error("room_id", f"no room {room_id!r}", code="unknown_room", zh=f"调解室 {room_id} 不存在")
    found = obstacles.mediators
    missing = [m for m in mediator_ids if m not in found]
    if missing:
        raise field_error("mediator_ids", f"no mediator {', '.join(missing)}", code="unknown_mediator",
                          zh=f"调解员 {'、'.join(missing)} 不存在")
    return [found[m] for m in mediator_ids], obstacles


def reminder_plan(rules: WorkingRules, start: datetime) -> dict[int, datetime]:
    return {h: start - timedelta(hours=h) for h in rules.settings.reminder_leads}


# -- use cases --------------------------------------------------------------------------------
def book(session: Session, rules: WorkingRules, caller: Caller, body: SessionCreate) -> SessionPublic:
    """Book a session (预约调解): every rule, then the claims (no double booking)."""
    if not caller.manages_all and not caller.mediates(body.mediator_ids):
        raise Forbidden("A mediator books only sessions they mediate: put your own mediator id in mediator_ids.",
                        detail_zh="调解员只能预约自己参与的调解：请在 mediator_ids 中包含本人的调解员编号。")
    rules.check_range(body.start, body.end)
    # Sealed and hashed before the first query: on SQLite that starts the write lock (party/crypto.py).
    crypto = pii.current()
    sealed = [crypto.columns(p.name, p.phone, p.id_number) for p in body.parties]
    meds, obstacles = load_booking_facts(session, body.room_id, body.mediator_ids, [p.name for p in body.parties],
                                         body.start, body.end)
    if body.language and not any(body.language in m.languages for m in meds):
        raise field_error("language", f"no chosen mediator speaks {body.language!r}", code="language_unavailable",
                          zh=f"所选调解员均不使用语言 {body.language}")
    now = utcnow()
    check_time_rules(rules, obstacles, meds, body.start, body.end, now)
    check_recusal(obstacles)

    s = MediationSession(id=new_id(), case_no=body.case_no, room_id=body.room_id,
                         status=SessionStatus.scheduled.value, starts_at=body.start, ends_at=body.end,
                         language=body.language, lawyer_id=body.lawyer_id, notes=body.notes,
                         created_by=caller.login, created_at=now, updated_at=now, version=0)
    parties = [SessionParty(session_id=s.id, position=i, name=p.name, role=p.role.value, **sealed[i])
               for i, p in enumerate(body.parties)]
    wanted = claims.resources(s.room_id, body.mediator_ids, [(p.party_key, p.name) for p in parties])
    until = s.ends_at + rules.buffer
    # The session, its claims and its case intake's progress (casefile/repository.booked_intake_update) in one write.
    found = repo.insert_booking(session, s, body.mediator_ids, parties, reminder_plan(rules, s.starts_at),
                                claims.rows_for(s.id, wanted, s.starts_at, until),
                                check_names=lambda taken, locked: check_same_name(
                                    session, s.id, parties, wanted, s.starts_at, until, taken=taken,
                                    names_locked=locked))
    if found:
        raise claims.slot_conflict(claims.labelled(wanted, found))
    events.publish(session, events.SESSION_SCHEDULED, s.case_no, events.session_data(s, body.mediator_ids, parties))
    return to_public(s, body.mediator_ids, parties, caller=caller)


def check_same_name(session: Session, session_id: str, parties: list[SessionParty], wanted: list[claims.Resource],
                    start: datetime, until: datetime, *, taken: bool = False, names_locked: bool = False) -> None:
    """Party identity (party/identity.py): a same-name party who may be the same person is a conflict too.

    `taken`: the claims were just taken (SQLite: checked after them, so the many requests that lose a
    contended slot stop at the claims and this query runs only for the one that wins; PostgreSQL: before
    them, under the name lock); there is then no exact conflict to list. A failure rolls the request's
    transaction back, the claims with it. `names_locked`: the booking took the name locks with its slot locks.
    """
    extra = identity.same_name_conflicts(session, parties, start, until, session_id, names_locked=names_locked)
    if extra:
        exact = [] if taken else claims.conflicts(session, wanted, start, until, exclude_session=session_id)
        raise claims.slot_conflict(identity.merge(exact, extra))


def reschedule(session: Session, rules: WorkingRules, caller: Caller, session_id: str,
               body: RescheduleIn) -> SessionPublic:
    """Move a session (改期): same id, the old slot freed, the same rules for the new one."""
    s, mids = load_manageable(session, caller, session_id)
    require_status(s, SessionStatus.scheduled)
    room_id = body.room_id or s.room_id
    old_mids, mids = mids, body.mediator_ids or mids
    if not caller.manages_all and not caller.mediates(mids):
        raise Forbidden("A mediator cannot move a session to mediators that exclude themself.",
                        detail_zh="调解员不能把调解改给不含本人的调解员。")
    rules.check_range(body.start, body.end)
    parties = repo.parties(session, [s.id])[s.id]
    meds, obstacles = load_booking_facts(session, room_id, mids, [p.name for p in parties], body.start, body.end)
    now = utcnow()
    check_time_rules(rules, obstacles, meds, body.start, body.end, now)
    check_recusal(obstacles)
    wanted = claims.resources(room_id, mids, [(p.party_key, p.name) for p in parties])
    claims.take(session, s.id, wanted, body.start, body.end, rules.buffer, release_first=True,
                check_names=lambda taken, locked: check_same_name(session, s.id, parties, wanted, body.start,
                                                                  body.end + rules.buffer, taken=taken,
                                                                  names_locked=locked))
    old: dict[str, Any] = {"previous_start": to_local(s.starts_at).isoformat(),
                           "previous_end": to_local(s.ends_at).isoformat(), "previous_room_id": s.room_id}
    if mids != old_mids:
        old["previous_mediator_ids"] = old_mids
        repo.replace_mediators(session, s.id, mids)
    s.room_id, s.starts_at, s.ends_at = room_id, body.start, body.end
    s.reschedule_reason = body.reason or None
    s.version += 1
    s.updated_at = now
    session.flush()
    repo.replace_reminders(session, s.id, reminder_plan(rules, s.starts_at))
    events.publish(session, events.SESSION_RESCHEDULED, s.case_no,
                   events.session_data(s, mids, parties, reason=body.reason, **old))
    flags.resolve(session, s.id, "rescheduled")  # the recusal check passed again
    return render(session, s, caller)


def cancel(session: Session, caller: Caller, session_id: str, body: CancelIn) -> SessionPublic:
    """Cancel (取消): the slot is freed at once."""
    s, mids = load_manageable(session, caller, session_id)
    require_status(s, SessionStatus.scheduled)
    claims.release(session, s.id)
    repo.drop_pending_reminders(session, s.id)
    s.status = SessionStatus.cancelled.value
    s.cancel_reason = body.reason
    s.version += 1
    s.updated_at = utcnow()
    session.flush()
    parties = repo.parties(session, [s.id])[s.id]
    events.publish(session, events.SESSION_CANCELLED, s.case_no,
                   events.session_data(s, mids, parties, reason=body.reason))
    flags.resolve(session, s.id, "cancelled")
    return render(session, s, caller)


def check_in(session: Session, caller: Caller, session_id: str) -> SessionPublic:
    """Check in (签到): the session starts; accepted any time once scheduled, the actual time recorded."""
    s, mids = load_manageable(session, caller, session_id)
    require_status(s, SessionStatus.scheduled)
    now = utcnow()
    s.status = SessionStatus.in_progress.value
    s.checked_in_at = now
    s.updated_at = now
    session.flush()
    repo.drop_pending_reminders(session, s.id)
    parties = repo.parties(session, [s.id])[s.id]
    events.publish(session, events.SESSION_STARTED, s.case_no,
                   events.session_data(s, mids, parties, checked_in_at=to_local(now).isoformat()))
    return render(session, s, caller)
