"""The 调解协议书 (人民调解法 arts. 28–29, 33) and the 调解笔录 (art. 27) as PDF.

Who may print: whoever may read the session's JSON (404 otherwise, as if absent). Phone and ID numbers
are printed in full only for coordinators and the session's mediators, masked (`138****1234`,
`440***********1234`) for anyone else, as in the JSON answers (services/mediation/party/crypto.py).
The wording lives in templates/ (Jinja2 HTML, autoescaped).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlmodel import Session

from services.mediation import labels
from services.mediation.access import Caller
from services.mediation.agreement.models import Agreement
from services.mediation.document import repository as repo
from services.mediation.followthrough import repository as followthrough
from services.mediation.mediator import repository as mediators_repo
from services.mediation.party import crypto as pii
from services.mediation.session import repository as sessions_repo
from services.mediation.session import service as sessions
from services.mediation.session.models import MediationSession, SessionParty
from services.mediation.settings import MediationSettings
from shared import audit
from shared import pii as pii_masks
from shared.calendar import RULES
from shared.errors import NotFound
from shared.pdf import DocumentTemplates, cn_date, render_pdf
from shared.timeutil import local_date, local_dt, to_local

TEMPLATES = DocumentTemplates(Path(__file__).parent / "templates")
CN_NUMERALS = "〇一二三四五六七八九十"


# The masks of every answer (shared/pii.py): phone `138****1234`, ID number `440***********1234`.
mask_phone = pii_masks.mask_phone


def cn_ordinal(n: int) -> str:
    """1 -> 一, 12 -> 十二, 21 -> 二十一 (numbered clauses of a document)."""
    if n <= 10:
        return CN_NUMERALS[n]
    if n < 20:
        return "十" + CN_NUMERALS[n - 10]
    if n < 100:
        tens, ones = divmod(n, 10)
        return CN_NUMERALS[tens] + "十" + (CN_NUMERALS[ones] if ones else "")
    return str(n)


def cn_time(value: datetime | None) -> str:
    return "" if value is None else f"{cn_date(local_date(value))} {to_local(value):%H:%M}"


@dataclass
class SessionFacts:
    s: MediationSession
    mediator_ids: list[str]
    parties: list[SessionParty]
    unmasked: bool


def _load(session: Session, caller: Caller, session_id: str) -> SessionFacts:
    s, mids = sessions.load_visible(session, caller, session_id)
    parties = sessions_repo.parties(session, [s.id])[s.id]
    unmasked = caller.can_manage(mids)
    # audit: printed with phones / ID numbers
    if unmasked and any(p.phone_cipher or p.id_number_cipher for p in parties):
        audit.record(session, "personal_data.view", object_type="session", object_id=s.id,
                     detail={"document": True})
    return SessionFacts(s, mids, parties, unmasked)


def _parties(f: SessionFacts) -> list[dict[str, Any]]:
    crypto = pii.current()
    out = []
    for p in f.parties:
        phone, idn = crypto.shown(p, f.unmasked)
        out.append({"role": labels.ROLE_ZH.get(p.role, p.role), "name": p.name, "phone": phone or "",
                    "id_number": idn or ""})
    return out


def _mediators(session: Session, ids: list[str]) -> list[dict[str, str]]:
    found = mediators_repo.get_many(session, ids)
    return [{"name": found[m].name if m in found else m,
             "kind": labels.MEDIATOR_KIND_ZH.get(found[m].kind, found[m].kind) if m in found else ""} for m in ids]


def agreement_number(session: Session, settings: MediationSettings, a: Agreement) -> str:
    year = local_date(a.created_at).year
    serial = repo.year_serial(session, a, local_dt(date(year, 1, 1), time(0)), local_dt(date(year + 1, 1, 1), time(0)))
    return f"（{year}）{settings.document_number_prefix}字第{serial:04d}号"


def _room_text(session: Session, s: MediationSession) -> str:
    room = repo.room(session, s.room_id)
    if room is None:
        return s.room_id
    return f"{room.name}（{room.location}）" if room.location else room.name


def agreement_pdf(session: Session, settings: MediationSettings, caller: Caller, session_id: str) -> tuple[bytes, str]:
    """The 调解协议书 of a session's agreement (written), or the 口头调解协议登记 of an oral one."""
    f = _load(session, caller, session_id)
    a = repo.agreement_of(session, f.s.id)
    if a is None:
        raise NotFound("This session has no agreement.", detail_zh="该调解没有调解协议。")
    intake = repo.latest_intake(session, f.s.case_no)
    signed = {x.party_position: x for x in followthrough.signatures(session, [a.id])[a.id]}
    jc = followthrough.judicial_confirmations(session, [a.id]).get(a.id)
    number = agreement_number(session, settings, a)
    facts = a.facts or (intake.summary if intake else "") or f.s.notes
    written = a.form == "written"
    context = {
        "title": "人民调解协议书" if written else "口头调解协议登记表",
        "written": written,
        "number": number,
        "case_no": f.s.case_no,
        "category": labels.category_label(intake.category if intake else None),
        "organisation": settings.organisation_name,
        "parties": _parties(f),
        "facts": facts,
        "responsibilities": a.responsibilities,
        "outcome": labels.OUTCOME_ZH.get(a.outcome, a.outcome),
        "partial": a.outcome == "partial_agreement",
        "terms": [(cn_ordinal(i), t) for i, t in enumerate(a.terms, start=1)],
        "performance_method": a.performance_method,
        "performance_due": cn_date(a.performance_due),
        "effective_on": cn_date(a.effective_on),
        "jc_deadline": cn_date(a.judicial_confirmation_deadline),
        "jc_days": RULES["judicial_confirmation"].amount,
        "jc_applied": ({"on": cn_date(jc.applied_on), "court": jc.court} if jc else None),
        "copies": len(f.parties) + 1,
        "signatures": [{"role": labels.ROLE_ZH.get(p.role, p.role), "name": p.name,
                        "signed_on": cn_date(signed[p.position].signed_on) if p.position in signed else ""}
                       for p in f.parties],
        "all_signed": all(p.position in signed for p in f.parties),
        "signed_names": [p.name for p in f.parties if p.position in signed],
        "unsigned_names": [p.name for p in f.parties if p.position not in signed],
        "mediators": _mediators(session, f.mediator_ids),
        "made_on": cn_date(local_date(a.created_at)),
        "room": _room_text(session, f.s),
        "followup_on": cn_date(a.followup_on),
    }
    html = TEMPLATES.render("agreement.html", **context)
    pdf = render_pdf(html, title=f"{context['title']} {number}", subject=f"案件编号 {f.s.case_no}",
                     author=settings.organisation_name, keywords=f"调解协议书 {f.s.case_no}",
                     footer=f"{context['title']}　{number}", created_at=a.created_at)
    return pdf, f"agreement-{f.s.case_no}.pdf"


def record_pdf(session: Session, settings: MediationSettings, caller: Caller, session_id: str) -> tuple[bytes, str]:
    """The 调解笔录 of a session: who attended, when and where, what was said and agreed, the outcome.

    A session not yet concluded prints as the form to fill in during the session.
    """
    f = _load(session, caller, session_id)
    s = f.s
    a = repo.agreement_of(session, s.id)
    intake = repo.latest_intake(session, s.case_no)
    attended = s.outcome != "no_show" if s.status == "concluded" else None
    parties = _parties(f)
    for p in parties:
        p["present"] = "" if attended is None else ("到场" if attended else "未到场")
    start_local, end_local = to_local(s.starts_at), to_local(s.ends_at)
    planned = f"{cn_date(start_local.date())} {start_local:%H:%M}—{end_local:%H:%M}"
    held_from = s.checked_in_at or s.concluded_at
    when, booked_for = planned, ""
    if held_from is not None:
        when = cn_time(held_from) + (f"—{to_local(s.concluded_at):%H:%M}" if s.concluded_at else "")
        if abs(held_from - s.starts_at).total_seconds() >= 3600:  # held early or late: say when it was booked
            booked_for = planned
    context = {
        "title": "人民调解笔录",
        "case_no": s.case_no,
        "organisation": settings.organisation_name,
        "category": labels.category_label(intake.category if intake else None),
        "summary": intake.summary if intake else "",
        "date": cn_date(local_date(held_from) if held_from else start_local.date()),
        "when": when,
        "booked_for": booked_for,
        "room": _room_text(session, s),
        "status": labels.STATUS_ZH.get(s.status, s.status),
        "concluded_flag": s.status == "concluded",
        "cancelled": s.status == "cancelled",
        "cancel_reason": s.cancel_reason or "",
        "mediators": _mediators(session, f.mediator_ids),
        "parties": parties,
        "notes": s.notes,
        "outcome": labels.OUTCOME_ZH.get(s.outcome, s.outcome) if s.outcome else "",
        "terms": [(cn_ordinal(i), t) for i, t in enumerate(a.terms, start=1)] if a else [],
        "agreement_form": labels.FORM_ZH.get(a.form, a.form) if a else "",
        "performance_due": cn_date(a.performance_due) if a else "",
        "performance_method": a.performance_method if a else "",
        "routes": [labels.ROUTE_ZH.get(r, r) for r in (s.routes_told or [])],
        "legal_opinion_question": s.legal_opinion_question or "",
        "recorder": "",
    }
    html = TEMPLATES.render("record.html", **context)
    pdf = render_pdf(html, title=f"人民调解笔录 {s.case_no}", subject=f"案件编号 {s.case_no}",
                     author=settings.organisation_name, keywords=f"调解笔录 {s.case_no}",
                     footer=f"调解笔录　案件编号 {s.case_no}", created_at=s.concluded_at or s.created_at)
    return pdf, f"record-{s.case_no}.pdf"
