"""Roster use cases: lawyers, contracts, leave, the active flag."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from services.lawyers.context import Ctx, day, iso, new_id
from services.lawyers.lawyer import repository as repo
from services.lawyers.lawyer.models import (
    ContractIn,
    Lawyer,
    LawyerContract,
    LawyerCreate,
    LawyerLeave,
    LawyerUpdate,
    LeaveIn,
    contract_public,
)
from services.lawyers.lawyer.snapshot import roster_changed
from shared import vocabulary
from shared.errors import Conflict, NotFound, Unprocessable

READ_ALL = ("coordinator", "auditor", "mediator", "petition_system")


def _bad(field: str, message: str, code: str = "validation_error") -> Unprocessable:
    return Unprocessable(f"{field}: {message}", code=code,
                         errors=[{"field": field, "message": message, "type": code}])


def _years_between(start: date, end: date) -> int:
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def _check_contract(c: ContractIn) -> None:
    if c.end < c.start:
        raise _bad("contract.end", "the contract ends before it starts")


def public(ctx: Ctx, lw: Lawyer, *, contract: LawyerContract | None = None) -> dict[str, Any]:
    if contract is None and lw.kind == "retained_counsel":
        contract = repo.contract_on(ctx.session, lw.id, ctx.today)
        if contract is None:
            cs = repo.contracts(ctx.session, lw.id)
            contract = cs[-1] if cs else None
    return {
        "id": lw.id, "name": lw.name, "kind": lw.kind, "license_no": lw.license_no, "firm": lw.firm,
        "specialties": lw.specialties,
        "specialties_label": [vocabulary.label("specialty", c) for c in lw.specialties],
        "specialties_text": lw.specialties_text or [],
        "warnings": [vocabulary.unknown_specialty_warning(lw.specialties_text)] if lw.specialties_text else [],
        "languages": lw.languages, "user": lw.login, "email": lw.email, "active": lw.active,
        "qualification": lw.qualification or None,
        "contract": contract_public(contract) if contract else None,
        "open_requests": lw.open_requests, "last_assigned_at": iso(lw.last_assigned_at),
        "created_at": iso(lw.created_at),
    }


def create(ctx: Ctx, body: LawyerCreate) -> Lawyer:
    s = ctx.settings
    if not re.fullmatch(s.license_no_pattern, body.license_no):
        raise _bad("license_no", f"licence number does not match the required format {s.license_no_pattern}",
                   "invalid_license_no")
    if body.kind == "retained_counsel" and body.contract is None:
        raise _bad("contract", "retained counsel (常年法律顾问) need a contract {start, end, annual_hours}")
    if body.contract:
        _check_contract(body.contract)
    qualification: dict = {}
    if body.kind == "public_lawyer":
        q = body.qualification
        if q is None:
            raise _bad("qualification", "public lawyers (公职律师) need {certificate_no, legal_work_since}",
                       "not_qualified")
        if _years_between(q.legal_work_since, ctx.today) < s.public_lawyer_min_legal_work_years:
            raise _bad("qualification.legal_work_since",
                       f"a public lawyer needs at least {s.public_lawyer_min_legal_work_years} years of legal work",
                       "not_qualified")
        qualification = q.model_dump(mode="json")
    if repo.by_license(ctx.session, body.license_no):
        raise Conflict(f"Licence number {body.license_no} is already on the roster.", code="license_no_taken")
    if body.user and repo.by_login(ctx.session, body.user):
        raise Conflict(f"Login {body.user!r} is already linked to a lawyer.", code="user_taken")
    # Specialties as codes of the shared vocabulary; unknown words are `other`, kept in `specialties_text`.
    specialties, specialties_text = vocabulary.specialties(_clean(body.specialties))
    lw = Lawyer(id=new_id(), name=body.name, kind=body.kind, license_no=body.license_no, firm=body.firm,
                specialties=specialties, specialties_text=specialties_text, languages=_clean(body.languages),
                login=body.user, email=body.email,
                active=body.active, qualification=qualification, created_at=ctx.now)
    ctx.session.add(lw)
    ctx.session.flush()
    roster_changed(ctx.session)
    if body.contract:
        add_contract(ctx, lw, body.contract)
    return lw


def _clean(items: list[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        i = i.strip()
        if i and i not in out:
            out.append(i)
    return out


def visible(ctx: Ctx, lawyer_id: str) -> Lawyer:
    """The lawyer, if the caller may see it (a lawyer sees only their own record), else 404."""
    lw = repo.get(ctx.session, lawyer_id)
    if lw is None or not (ctx.has(*READ_ALL) or (ctx.me is not None and ctx.me == lw.id)):
        raise NotFound(f"No lawyer {lawyer_id}.")
    return lw


def managed(ctx: Ctx, lawyer_id: str) -> Lawyer:
    """The lawyer a coordinator changes (the route checked the role), else 404."""
    lw = repo.get(ctx.session, lawyer_id)
    if lw is None:
        raise NotFound(f"No lawyer {lawyer_id}.")
    return lw


def update(ctx: Ctx, lw: Lawyer, body: LawyerUpdate) -> Lawyer:
    """Change the roster entry (the open requests of a deactivated lawyer: flows.update_lawyer)."""
    data = body.model_dump(exclude_unset=True)
    if "user" in data:
        login = data.pop("user")
        if login and login != lw.login and repo.by_login(ctx.session, login):
            raise Conflict(f"Login {login!r} is already linked to a lawyer.", code="user_taken")
        lw.login = login
    for k in ("specialties", "languages"):
        if data.get(k) is not None:
            data[k] = _clean(data[k])
    if data.get("specialties") is not None:
        data["specialties"], data["specialties_text"] = vocabulary.specialties(data["specialties"])
    for k, v in data.items():
        if v is not None:
            setattr(lw, k, v)
    ctx.session.flush()
    roster_changed(ctx.session)
    return lw


def add_contract(ctx: Ctx, lw: Lawyer, body: ContractIn) -> LawyerContract:
    _check_contract(body)
    for c in repo.contracts(ctx.session, lw.id):
        if c.start <= body.end and body.start <= c.end:
            raise Conflict(f"The contract overlaps the contract {day(c.start)}..{day(c.end)}.",
                           code="contract_overlap")
    c = LawyerContract(id=new_id(), lawyer_id=lw.id, start=body.start, end=body.end,
                       annual_hours=body.annual_hours, created_at=ctx.now)
    ctx.session.add(c)
    ctx.session.flush()
    roster_changed(ctx.session)
    return c


def add_leave(ctx: Ctx, lw: Lawyer, body: LeaveIn) -> LawyerLeave:
    if body.end < body.start:
        raise _bad("end", "leave ends before it starts")
    lv = LawyerLeave(id=new_id(), lawyer_id=lw.id, start=body.start, end=body.end, reason=body.reason,
                     created_at=ctx.now)
    ctx.session.add(lv)
    ctx.session.flush()
    roster_changed(ctx.session)
    return lv


def remove_leave(ctx: Ctx, lw: Lawyer, leave_id: str) -> None:
    lv = repo.get_leave(ctx.session, leave_id)
    if lv is None or lv.lawyer_id != lw.id:
        raise NotFound(f"No leave {leave_id} for this lawyer.")
    ctx.session.delete(lv)
    ctx.session.flush()
    roster_changed(ctx.session)


def availability_problem(ctx: Ctx, lw: Lawyer, d: date) -> str | None:
    """Why the lawyer cannot work on `d` (inactive / outside_contract / on_leave), or None."""
    if not lw.active:
        return "inactive"
    if lw.kind == "retained_counsel" and repo.contract_on(ctx.session, lw.id, d) is None:
        return "outside_contract"
    if repo.is_on_leave(ctx.session, lw.id, d):
        return "on_leave"
    return None
