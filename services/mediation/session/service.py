"""Session life (调解会): book, reschedule, cancel, check in, conclude; agreements and ratings."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from services.mediation.access import Caller, ensure_manageable, ensure_visible
from services.mediation.agreement import deadlines as agreement_deadlines
from services.mediation.agreement.models import (
    Agreement,
    AgreementForm,
    AgreementPublic,
    ConcludeIn,
    OtherRoute,
    Satisfaction,
    SatisfactionIn,
    SatisfactionPublic,
)
from services.mediation.casefile import progress
from services.mediation.casefile import service as casefile
from services.mediation.ids import new_id
from services.mediation.intervals import covers
from services.mediation.mediator import repository as mediators_repo
from services.mediation.mediator.models import Mediator
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
    SessionMediator,
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
        q = select(col(Agreement.session_id), col(Agreement.id)).where(col(Agreement.session_id).in_(ids))
        agreements = dict(session.execute(q).all())
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
def check_time_rules(rules: WorkingRules, obstacles: repo.Obstacles, meds: list[Mediator], start: datetime,
                     end: datetime, now: datetime) -> None:
    """Range, notice, horizon, office hours of a working day, the mediators' hours, closures and leave."""
    rules.check_range(start, end)
    rules.check_window(start, now)
    day = local_date(start)

    def outside(why: str, zh: str) -> Unprocessable:
        return Unprocessable(f"{describe(start)}–{describe(end)} is outside working hours: {why}.",
                             code="outside_working_hours",
                             detail_zh=f"{describe(start)}–{describe(end)} 不在工作时间内：{zh}。")

    if not rules.calendar.is_working_day(day):
        raise outside(f"{day.isoformat()} is not a working day (rest day or holiday)",
                      f"{day.isoformat()} 不是工作日（休息日或节假日）")
    if local_date(end - timedelta(microseconds=1)) != day or not covers(rules.office_intervals(day), start, end):
        windows = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in rules.settings.office_windows)
        raise outside(f"a session must fit inside the office hours {windows}", f"调解须在办公时间 {windows} 之内")
    for m in meds:
        if not covers(rules.mediator_intervals(m.working_hours, day), start, end):
            raise outside(f"mediator {m.id} does not work then", f"调解员 {m.id} 该时段不工作")
    for room_id, s, e, reason in obstacles.closures:
        raise outside(f"room {room_id} is closed {describe(s)}–{describe(e)}" + (f" ({reason})" if reason else ""),
                      f"调解室 {room_id} 于 {describe(s)}–{describe(e)} 关闭" + (f"（{reason}）" if reason else ""))
    for mediator_id, s, e, _ in obstacles.leave:
        raise outside(f"mediator {mediator_id} is on leave {describe(s)}–{describe(e)}",
                      f"调解员 {mediator_id} 于 {describe(s)}–{describe(e)} 请假")


def check_recusal(obstacles: repo.Obstacles) -> None:
    """回避: a mediator related to a party may not mediate that party's session (409 mediator_recused)."""
    if obstacles.relations:
        items = [{"mediator_id": m, "party_name": p, "relation": r} for m, p, r in obstacles.relations]
        what = ", ".join(f"{i['mediator_id']} ({i['relation']} of {i['party_name']})" for i in items)
        raise Conflict(f"Mediator must recuse (回避): {what}.", code="mediator_recused", recusals=items,
                       detail_zh="调解员须回避：" + "；".join(f"{i['mediator_id']} 与当事人 {i['party_name']} 存在"
                                                       f"关系（{i['relation']}）" for i in items) + "。")


def load_booking_facts(session: Session, room_id: str, mediator_ids: list[str], party_names: list[str],
                       start: datetime, end: datetime) -> tuple[list[Mediator], repo.Obstacles]:
    """The chosen mediators and everything that may stop the booking (two round trips)."""
    found = mediators_repo.get_many(session, mediator_ids)
    obstacles = repo.obstacles(session, room_id, mediator_ids, party_names, start, end)
    if not obstacles.room_exists:
        raise field_error("room_id", f"no room {room_id!r}", code="unknown_room", zh=f"调解室 {room_id} 不存在")
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
    reminders = reminder_plan(rules, s.starts_at)
    if session.get_bind().dialect.name == "postgresql":
        until = s.ends_at + rules.buffer
        check_same_name(session, s.id, parties, wanted, s.starts_at, until)
        rows = claims.rows_for(s.id, wanted, s.starts_at, until)
        claims.guarded(session, s.id, wanted, s.starts_at, until,
                       lambda: repo.insert_booking_pg(session, s, body.mediator_ids, parties, reminders, rows))
    else:
        repo.insert_booking(session, s, body.mediator_ids, parties, reminders)
        claims.take(session, s.id, wanted, s.starts_at, s.ends_at, rules.buffer)
        check_same_name(session, s.id, parties, wanted, s.starts_at, s.ends_at + rules.buffer, taken=True)
        progress.on_session_booked(session, s.case_no)
    events.publish(session, events.SESSION_SCHEDULED, s.case_no, events.session_data(s, body.mediator_ids, parties))
    return to_public(s, body.mediator_ids, parties, caller=caller)


def check_same_name(session: Session, session_id: str, parties: list[SessionParty], wanted: list[claims.Resource],
                    start: datetime, until: datetime, *, taken: bool = False) -> None:
    """Party identity (party/identity.py): a same-name party who may be the same person is a conflict too.

    `taken`: the claims were just taken (SQLite: checked after them, so the many requests that lose a
    contended slot stop at the claims and this query runs only for the one that wins); there is then no
    exact conflict to list. A failure rolls the request's transaction back, the claims with it.
    """
    extra = identity.same_name_conflicts(session, parties, start, until, session_id)
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
    pg = session.get_bind().dialect.name == "postgresql"
    if pg:  # under the name lock before the claims (party/identity.py), as when booking
        check_same_name(session, s.id, parties, wanted, body.start, body.end + rules.buffer)
    claims.take(session, s.id, wanted, body.start, body.end, rules.buffer, release_first=True)
    if not pg:
        check_same_name(session, s.id, parties, wanted, body.start, body.end + rules.buffer, taken=True)
    old: dict[str, Any] = {"previous_start": to_local(s.starts_at).isoformat(),
                           "previous_end": to_local(s.ends_at).isoformat(), "previous_room_id": s.room_id}
    if mids != old_mids:
        old["previous_mediator_ids"] = old_mids
        session.execute(delete(SessionMediator).where(col(SessionMediator.session_id) == s.id))
        session.add_all([SessionMediator(session_id=s.id, mediator_id=m, position=i) for i, m in enumerate(mids)])
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


def conclude(session: Session, rules: WorkingRules, caller: Caller, session_id: str,
             body: ConcludeIn) -> SessionPublic:
    """Conclude (结束调解) with an outcome; an agreement gets its 司法确认 deadline and 回访 date."""
    s, mids = load_manageable(session, caller, session_id)
    require_status(s, SessionStatus.scheduled, SessionStatus.in_progress)
    try:
        outcome = Outcome(body.outcome)
    except ValueError:
        raise field_error("outcome", "must be one of " + ", ".join(o.value for o in Outcome),
                          zh="必须是以下之一：" + "、".join(o.value for o in Outcome)) from None
    agreed = outcome in (Outcome.agreement, Outcome.partial_agreement)
    if agreed and body.agreement is None:
        raise field_error("agreement", f"an {outcome.value} needs the agreement (form, terms, performance_due)",
                          zh="达成协议时须填写协议（form、terms、performance_due）")
    if not agreed and body.agreement is not None:
        raise field_error("agreement", f"no agreement is recorded for outcome {outcome.value}",
                          zh="未达成协议时不能填写协议")
    if outcome is not Outcome.no_agreement and body.routes_told:
        raise field_error("routes_told", "routes are told only when no agreement is reached",
                          zh="仅在未达成协议时告知其他救济途径")
    now = utcnow()
    today = local_date(now)
    s.status = SessionStatus.concluded.value
    s.outcome = outcome.value
    s.concluded_at = now
    s.updated_at = now
    if body.notes:
        s.notes = (s.notes + "\n" + body.notes).strip()
    if outcome is Outcome.no_agreement:  # 人民调解法 art. 26: the parties are told the other routes
        s.routes_told = [r.value for r in (body.routes_told or list(OtherRoute))]
    parties = repo.parties(session, [s.id])[s.id]
    agreement = None
    if body.agreement is not None:  # given exactly when agreed (checked above)
        a = body.agreement
        # An oral agreement takes effect when reached; a written one when all have signed (default today).
        effective = today if a.form is AgreementForm.oral else (a.effective_on or today)
        if a.performance_due < effective:
            raise field_error("agreement.performance_due", "the performance date is before the agreement "
                                                           "takes effect", zh="履行期限早于协议生效日期")
        jc_deadline, followup_on, missing_year = agreement_deadlines.compute(
            rules.calendar, effective, a.performance_due, rules.settings.followup_days_after_performance)
        agreement = Agreement(
            id=new_id(), session_id=s.id, case_no=s.case_no, outcome=outcome.value, form=a.form.value,
            terms=a.terms, facts=a.facts, responsibilities=a.responsibilities,
            performance_method=a.performance_method, performance_due=a.performance_due, effective_on=effective,
            judicial_confirmation_deadline=jc_deadline, followup_on=followup_on,
            deadline_missing_year=missing_year, created_at=now)
        session.add(agreement)
    session.flush()
    repo.drop_pending_reminders(session, s.id)
    claims.shorten(session, s.id, now + rules.buffer)  # ended early: the rest of the slot is free again
    events.publish(session, events.SESSION_CONCLUDED, s.case_no,
                   events.session_data(s, mids, parties, outcome=outcome.value, routes_told=s.routes_told,
                                       concluded_at=to_local(now).isoformat()))
    if agreement is not None:
        events.publish(session, events.AGREEMENT_RECORDED, s.case_no, agreement_event(agreement))
    if body.request_legal_opinion is not None:
        ask = body.request_legal_opinion
        s.legal_opinion_question = ask.question
        data = {"case_no": s.case_no, "session_id": s.id, "question": ask.question,
                "parties": [p.name for p in parties]}
        category = ask.category or casefile.category_of(session, s.case_no)
        if category:
            data["category"] = category
        events.publish(session, events.LEGAL_OPINION_REQUESTED, s.case_no, data)
    progress.on_session_concluded(session, s.case_no, outcome.value)
    session.flush()
    return to_public(s, mids, parties, agreement.id if agreement else None, caller)


def agreement_event(a: Agreement) -> dict:
    return {"agreement_id": a.id, "session_id": a.session_id, "case_no": a.case_no, "outcome": a.outcome,
            "form": a.form, "terms": a.terms, "performance_due": a.performance_due.isoformat(),
            "effective_on": a.effective_on.isoformat(),
            "judicial_confirmation_deadline": a.judicial_confirmation_deadline.isoformat(),
            "followup_on": a.followup_on.isoformat(), "deadline_provisional": a.deadline_missing_year is not None,
            "deadline_missing_year": a.deadline_missing_year}


def agreement_public(a: Agreement) -> AgreementPublic:
    out = AgreementPublic.model_validate(a, from_attributes=True)
    return out.model_copy(update={"deadline_provisional": a.deadline_missing_year is not None})


def get_agreement(session: Session, caller: Caller, session_id: str) -> AgreementPublic:
    load_visible(session, caller, session_id)
    a = session.execute(select(Agreement).where(col(Agreement.session_id) == session_id)).scalar()
    if a is None:
        raise NotFound("This session has no agreement.", detail_zh="该调解没有调解协议。")
    from services.mediation.followthrough.repository import signatures
    signed = [x.party_name for x in signatures(session, [a.id])[a.id]]
    return agreement_public(a).model_copy(update={"signed_by": signed})


def rate(session: Session, caller: Caller, session_id: str, body: SatisfactionIn) -> SatisfactionPublic:
    """满意度评价: one rating per party per session, once the session is concluded."""
    s, _ = load_visible(session, caller, session_id)
    if s.status != SessionStatus.concluded.value:
        raise Conflict("Only a concluded session can be rated.", code="invalid_status", status_now=s.status,
                       detail_zh="只有已结束的调解才能评价。")
    parties = repo.parties(session, [s.id])[s.id]
    if body.party_name:
        wanted = " ".join(body.party_name.split()).casefold()
        matches = [p for p in parties if " ".join(p.name.split()).casefold() == wanted]
        if body.party_phone:
            phone_hash = pii.current().phone_hash(body.party_phone)
            matches = [p for p in matches if p.phone_hash == phone_hash]
        if not matches:
            raise field_error("party_name", "not a party of this session", zh="不是本次调解的当事人")
        party = matches[0]
    else:
        petitioners = [p for p in parties if p.role == "petitioner"]
        party = (petitioners or parties)[0]
    row = Satisfaction(id=new_id(), session_id=s.id, case_no=s.case_no, party_name=party.name,
                       party_key=party.party_key, rating=body.rating.value, comment=body.comment,
                       recorded_by=caller.login, created_at=utcnow())
    exists = session.execute(select(col(Satisfaction.id)).where(col(Satisfaction.session_id) == s.id,
                                                           col(Satisfaction.party_key) == party.party_key)).scalar()
    if exists:
        raise Conflict(f"{party.name} has already rated this session.", code="already_rated",
                       detail_zh=f"{party.name} 已评价过本次调解。")
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"{party.name} has already rated this session.", code="already_rated",
                       detail_zh=f"{party.name} 已评价过本次调解。") from None
    events.publish(session, events.SATISFACTION_RECORDED, s.case_no,
                   {"session_id": s.id, "case_no": s.case_no, "party_name": party.name, "rating": row.rating})
    return SatisfactionPublic.model_validate(row, from_attributes=True)
