"""Opinion requests: automatic and manual assignment, decline, filing, amendments.

Assignment (自动分派): a lawyer of an eligible kind, active, inside a contract
(retained counsel), not on leave, with the category among their specialties,
speaking the request's language, with no live conflict with any party
(petitioner and respondent alike), not having declined this request, and under
the open-request cap. Among those who fit: the fewest open requests, then the
least recently assigned. Every decision records why each other lawyer was skipped.
"""
from __future__ import annotations

from typing import Any

from services.lawyers.conflict import service as conflicts
from services.lawyers.context import SOURCE, Ctx, day, iso, new_id
from services.lawyers.hours.service import record_opinion_fee
from services.lawyers.lawyer import repository as lawyers_repo
from services.lawyers.lawyer.snapshot import RosterVerdict
from services.lawyers.opinion import repository as repo
from services.lawyers.opinion.models import (
    AssignmentDecision,
    LegalOpinion,
    OpinionCreate,
    OpinionRequest,
    OpinionRequestCreate,
    as_parties,
)
from shared import vocabulary
from shared.calendar import provisional_fields, rule_deadline_checked
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import emit
from shared.handoff_contract import LAWYERS, OpinionHandoffCompleted, answer_type

READ_ALL = ("coordinator", "auditor", "petition_system")


# -- views ---------------------------------------------------------------------------------
def opinion_public(o: LegalOpinion) -> dict[str, Any]:
    return {"id": o.id, "request_id": o.request_id, "review_id": o.review_id, "case_no": o.case_no,
            "version": o.version, "lawyer_id": o.lawyer_id, "petitioner_request": o.petitioner_request,
            "facts": o.facts, "summary": o.summary, "analysis": o.analysis, "legality": o.legality,
            "recommended_channel": o.recommended_channel, "legal_basis": o.legal_basis,
            "amends_id": o.amends_id, "amendment_reason": o.amendment_reason, "filed_at": iso(o.filed_at)}


def public(ctx: Ctx, r: OpinionRequest, *, with_opinion: bool = True) -> dict[str, Any]:
    out = {"id": r.id, "case_no": r.case_no, "question": r.question,
           **vocabulary.category_fields(r.category, r.category_text),
           **provisional_fields(r.deadline_missing_year), "language": r.language, "parties": r.parties,
           "status": r.status, "assignee_id": r.assignee_id,
           "assigned_at": iso(r.assigned_at), "due_on": day(r.due_on), "due_soon": r.due_soon_at is not None,
           "overdue": r.overdue_at is not None and r.status != "answered", "declined_by": r.declined_by,
           "handoff_id": r.handoff_id, "created_at": iso(r.created_at), "answered_at": iso(r.answered_at)}
    if with_opinion:
        ops = repo.opinions_of_request(ctx.session, r.id) if r.status == "answered" else []
        out["opinion"] = opinion_public(ops[-1]) if ops else None
    return out


def decision_public(d: AssignmentDecision, skip_set: dict | None = None) -> dict[str, Any]:
    """The decision with one entry per skipped lawyer: the shared roster-rule list, then its own reasons."""
    reasons_of: dict[str, list[str]] = {}
    for groups in (skip_set or {}, d.skipped):
        for key, ids in groups.items():
            for lid in ids:
                reasons_of[lid] = key.split("|")
    if d.chosen_id is not None:
        reasons_of.pop(d.chosen_id, None)
    skipped = []
    for lid in sorted(reasons_of):
        item: dict[str, Any] = {"lawyer_id": lid, "reasons": reasons_of[lid]}
        if lid in d.conflicts:
            item["conflicts"] = d.conflicts[lid]
        skipped.append(item)
    return {"id": d.id, "request_id": d.request_id, "at": iso(d.at), "mode": d.mode, "actor": d.actor,
            "chosen_id": d.chosen_id, "note": d.note, "skipped": skipped}


REASONS_ZH = {"inactive": "已停用", "outside_contract": "不在合同期内", "on_leave": "请假中"}


# -- visibility ------------------------------------------------------------------------------
def visible(ctx: Ctx, request_id: str) -> OpinionRequest:
    """The request if the caller may see it: overseers and the petition system all, a lawyer their own."""
    r = repo.get(ctx.session, request_id)
    if r is None or not (ctx.has(*READ_ALL) or (ctx.me is not None and r.assignee_id == ctx.me)):
        raise NotFound(f"No opinion request {request_id}.", detail_zh="未找到该法律意见请求。")
    return r


# -- candidate evaluation ----------------------------------------------------------------------
def evaluate(ctx: Ctx, r: OpinionRequest, *, on=None) -> tuple[list[str], dict[str, str], dict, RosterVerdict]:
    """Lawyers who pass every rule (load included), `id -> "reason|reason"` for every other lawyer,
    the conflict entries behind each conflict, and the roster rules' part of the reasons.

    Rules: eligible kind, active, inside a contract (retained counsel), not on leave, the category among
    the specialties, the language spoken, no live conflict with any party, not declined before, under the cap.
    """
    s = ctx.settings
    on = on or ctx.today
    hits = conflicts.check(ctx, [p["name"] for p in r.parties], on=on, case_no=r.case_no)
    roster = ctx.roster.static_reasons(ctx.session, on, frozenset(s.opinion_kinds),
                                       vocabulary.match_key(vocabulary.category_code(r.category),
                                                            r.category_text), r.language)
    skipped = dict(roster.failing)
    for lid in set(hits) | set(r.declined_by):
        reasons = skipped[lid].split("|") if lid in skipped else []
        if lid in hits:
            reasons.append("conflict_of_interest")
        if lid in r.declined_by:
            reasons.append("declined_before")
        skipped[lid] = "|".join(reasons)
    candidates = [lid for lid in roster.passing if lid not in skipped]
    if candidates:
        full = lawyers_repo.at_cap(ctx.session, candidates, s.open_request_cap)
        if full:
            for lid in full:
                skipped[lid] = "at_cap"
            candidates = [lid for lid in candidates if lid not in full]
    return candidates, skipped, {lid: [h.wire() for h in hs] for lid, hs in hits.items()}, roster


def _record(ctx: Ctx, r: OpinionRequest, mode: str, chosen: str | None, skipped: dict[str, str],
            conflict_detail: dict, roster: RosterVerdict, note: str = "") -> AssignmentDecision:
    """Record the decision: the roster-rule skips as a shared skip set, the rest on the decision."""
    grouped: dict[str, list[str]] = {}  # reasons beyond (or instead of) the roster rules' ones
    for lid, key in skipped.items():
        if lid != chosen and roster.failing.get(lid) != key:
            grouped.setdefault(key, []).append(lid)
    d = AssignmentDecision(id=new_id(), request_id=r.id, at=ctx.now, mode=mode, actor=ctx.actor, chosen_id=chosen,
                           note=note, skipped=grouped,
                           conflicts={k: v for k, v in conflict_detail.items() if k in skipped},
                           skip_set_id=repo.skip_set(ctx.session, roster) if roster.failing else None)
    ctx.session.add(d)
    return d


def _assigned(ctx: Ctx, r: OpinionRequest, lawyer_id: str, mode: str) -> None:
    r.status, r.assignee_id, r.assigned_at = "assigned", lawyer_id, ctx.now
    r.due_soon_at = None
    ctx.session.flush()
    emit(ctx.session, source=SOURCE, type="lawyers.opinion.assigned", subject=r.case_no,
         data={"request_id": r.id, "case_no": r.case_no, "lawyer_id": lawyer_id, "due_on": day(r.due_on),
               **provisional_fields(r.deadline_missing_year),
               "mode": mode, "handoff_id": r.handoff_id})


def auto_assign(ctx: Ctx, r: OpinionRequest, mode: str = "auto", note: str = "") -> str | None:
    """Assign the best fitting lawyer, or leave the request `unassigned` when nobody fits."""
    candidates, skipped, detail, roster = evaluate(ctx, r)
    chosen = None
    if candidates:
        chosen = lawyers_repo.take_best(ctx.session, candidates, ctx.settings.open_request_cap, ctx.now)
    for lid in candidates:
        if lid != chosen:  # fits, but more open requests or more recently assigned (or filled meanwhile)
            skipped[lid] = "ranked_lower" if chosen else "at_cap"
    _record(ctx, r, mode, chosen, skipped, detail, roster, note)
    if chosen:
        _assigned(ctx, r, chosen, mode)
    else:
        r.status, r.assignee_id, r.assigned_at = "unassigned", None, None
        ctx.session.flush()
        emit(ctx.session, source=SOURCE, type="lawyers.opinion.unassigned", subject=r.case_no,
             data={"request_id": r.id, "case_no": r.case_no, "handoff_id": r.handoff_id})
    return chosen


# -- use cases ---------------------------------------------------------------------------------
def create(ctx: Ctx, body: OpinionRequestCreate, *, handoff_id: str | None = None) -> OpinionRequest:
    if body.due_on is not None and body.due_on < ctx.today:
        raise Unprocessable("due_on: the due date is in the past", code="validation_error",
                            detail_zh="due_on：答复期限不能早于今天",
                            errors=[{"field": "due_on", "message": "in the past", "message_zh": "不能早于今天",
                                     "type": "value_error"}])
    due, missing, due_start = body.due_on, None, None
    if due is None:  # the default period: computed again when the calendar changes (services/lawyers/deadlines.py)
        due_start = ctx.today
        due, missing = rule_deadline_checked(ctx.cal, "legal_opinion_due", due_start)
    # The category as a code of the shared vocabulary; unknown words are `other`, kept in `category_text`.
    term = vocabulary.category(body.category)
    text = body.category_text if term is not None and term.code == vocabulary.OTHER and body.category_text \
        else (term.text if term else None)
    r = OpinionRequest(id=new_id(), case_no=body.case_no, question=body.question,
                       category=term.code if term else "", category_text=text, due_start=due_start,
                       deadline_missing_year=missing, language=body.language,
                       parties=[p.model_dump() for p in as_parties(body.parties)],
                       status="unassigned", due_on=due, declined_by=[], handoff_id=handoff_id,
                       created_at=ctx.now, created_by=ctx.actor)
    ctx.session.add(r)
    with ctx.session.no_autoflush:  # the request is inserted once, already assigned (one statement less)
        auto_assign(ctx, r)
    return r


def assign(ctx: Ctx, request_id: str, lawyer_id: str, note: str = "") -> OpinionRequest:
    """Manual assignment by a coordinator (人工指派), still conflict-checked."""
    r = visible(ctx, request_id)
    if r.status == "answered":
        raise Conflict("The request is already answered.", code="already_answered", detail_zh="该请求已答复。")
    lw = lawyers_repo.get(ctx.session, lawyer_id)
    if lw is None:
        raise Unprocessable(f"lawyer_id: no lawyer {lawyer_id}", code="validation_error",
                            detail_zh=f"lawyer_id：律师 {lawyer_id} 不存在",
                            errors=[{"field": "lawyer_id", "message": "unknown lawyer", "message_zh": "律师不存在",
                                     "type": "value_error"}])
    if r.assignee_id == lw.id:
        return r
    candidates, skipped, detail, roster = evaluate(ctx, r)
    mine = [x for x in skipped.get(lw.id, "").split("|") if x not in ("specialty_mismatch", "language_mismatch",
                                                               "kind_not_eligible", "declined_before")]
    if "conflict_of_interest" in mine:
        raise Conflict(f"{lw.name} has a conflict of interest with a party of this case.",
                       code="conflict_of_interest", conflicts=detail.get(lw.id, []),
                       detail_zh=f"{lw.name} 与本案当事人存在利益冲突。")
    unavailable = [x for x in mine if x in ("inactive", "outside_contract", "on_leave")]
    if unavailable:
        raise Conflict(f"{lw.name} cannot take requests now ({', '.join(unavailable)}).",
                       code="lawyer_unavailable", reasons=unavailable,
                       detail_zh=f"{lw.name} 当前无法承接（{'、'.join(REASONS_ZH[x] for x in unavailable)}）。")
    previous = r.assignee_id
    if previous:
        lawyers_repo.release_slot(ctx.session, previous)
    if not lawyers_repo.take_slot(ctx.session, lw.id, ctx.settings.open_request_cap, ctx.now):
        raise Conflict(f"{lw.name} already has {ctx.settings.open_request_cap} open requests.", code="over_cap",
                       detail_zh=f"{lw.name} 已有 {ctx.settings.open_request_cap} 件未结请求，达到上限。")
    skipped.pop(lw.id, None)
    for lid in candidates:
        if lid != lw.id:
            skipped[lid] = "coordinator_choice"
    _record(ctx, r, "manual", lw.id, skipped, detail, roster, note)
    _assigned(ctx, r, lw.id, "manual")
    return r


def decline(ctx: Ctx, request_id: str, reason: str) -> OpinionRequest:
    """The assignee declines (拒绝承办) with a reason; the request is reassigned."""
    r = visible(ctx, request_id)
    if ctx.me is None or r.assignee_id != ctx.me:
        raise Forbidden("Only the assigned lawyer may decline this request.",
                        detail_zh="只有被指派的律师才能拒绝承办此请求。")
    if r.status != "assigned":
        raise Conflict("Only an assigned request can be declined.", code="not_assigned",
                       detail_zh="只有已指派的请求才能拒绝承办。")
    lawyers_repo.release_slot(ctx.session, ctx.me)
    r.declined_by = [*r.declined_by, ctx.me]
    emit(ctx.session, source=SOURCE, type="lawyers.opinion.declined", subject=r.case_no,
         data={"request_id": r.id, "case_no": r.case_no, "lawyer_id": ctx.me, "reason": reason,
               "handoff_id": r.handoff_id})
    auto_assign(ctx, r, mode="reassign", note=f"declined by {ctx.me}: {reason}")
    return r


def reassign_all_of(ctx: Ctx, lawyer_id: str, reason: str) -> None:
    """Move a lawyer's open requests to others (e.g. when the lawyer is deactivated)."""
    for r in repo.open_of(ctx.session, lawyer_id):
        lawyers_repo.release_slot(ctx.session, lawyer_id)
        auto_assign(ctx, r, mode="reassign", note=reason)


def file(ctx: Ctx, request_id: str, body: OpinionCreate) -> LegalOpinion:
    """File the opinion (only the assignee); filing again is an amendment: a new version."""
    r = visible(ctx, request_id)
    if ctx.me is None or r.assignee_id != ctx.me:
        raise Forbidden("Only the assigned lawyer may file the opinion.",
                        detail_zh="只有被指派的律师才能提交法律意见。")
    if r.status not in ("assigned", "answered"):
        raise Conflict("The request is not assigned.", code="not_assigned", detail_zh="该请求尚未指派律师。")
    previous = repo.opinions_of_request(ctx.session, r.id)
    first = not previous
    if not first and not body.amendment_reason.strip():
        raise Unprocessable("amendment_reason: an amendment (new version) needs a reason", code="validation_error",
                            detail_zh="amendment_reason：修改意见（新版本）须说明理由",
                            errors=[{"field": "amendment_reason", "message": "required for an amendment",
                                     "message_zh": "修改意见时必填", "type": "missing"}])
    o = LegalOpinion(id=new_id(), request_id=r.id, case_no=r.case_no, version=len(previous) + 1,
                     lawyer_id=ctx.me, petitioner_request=body.petitioner_request or r.question, facts=body.facts,
                     summary=body.summary, analysis=body.analysis, legality=body.legality,
                     recommended_channel=body.recommended_channel, legal_basis=body.legal_basis,
                     amends_id=previous[-1].id if previous else None, amendment_reason=body.amendment_reason,
                     filed_at=ctx.now)
    ctx.session.add(o)
    if first:
        r.status, r.answered_at = "answered", ctx.now
        lawyers_repo.release_slot(ctx.session, ctx.me)
        record_opinion_fee(ctx, o)
    ctx.session.flush()
    emit(ctx.session, source=SOURCE, type="lawyers.opinion.filed", subject=r.case_no,
         data={"request_id": r.id, "case_no": r.case_no, "opinion_id": o.id, "version": o.version,
               "summary": o.summary, "analysis": o.analysis, "legality": o.legality,
               "recommended_channel": o.recommended_channel, "legal_basis": o.legal_basis,
               "facts": o.facts, "lawyer_id": o.lawyer_id, "handoff_id": r.handoff_id})
    if first and r.handoff_id:
        emit(ctx.session, source=SOURCE, type=answer_type(LAWYERS, "completed"), subject=r.case_no,
             data=OpinionHandoffCompleted(handoff_id=r.handoff_id, case_no=r.case_no, request_id=r.id,
                                          opinion_id=o.id).data())
    return o
