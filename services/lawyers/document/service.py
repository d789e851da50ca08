"""The 法律意见书 of an opinion request as PDF: the case, the question, the petitioner's request, facts,
summary, analysis, whether the claim is lawful and reasonable, the recommended channel (诉访分离), the
legal basis, the lawyer and firm, and the date (DOMAIN.md "Lawyers": what a legal opinion states).

Who may print: whoever may read the request (coordinators, auditors, the petition system, the
assigned lawyer); anyone else gets 404 as if it did not exist. The latest version is printed.
"""
from __future__ import annotations

from pathlib import Path

from services.lawyers.context import Ctx
from services.lawyers.labels import CHANNEL_ZH, KIND_ZH, LEGALITY_ZH, ROLE_ZH, category_label
from services.lawyers.lawyer import repository as lawyers_repo
from services.lawyers.opinion import repository as opinions_repo
from services.lawyers.opinion import service as opinions
from services.lawyers.opinion.models import LegalOpinion
from shared.errors import NotFound
from shared.pdf import DocumentTemplates, cn_date, render_pdf
from shared.timeutil import local_date, local_dt

TEMPLATES = DocumentTemplates(Path(__file__).parent / "templates")


def _serial(ctx: Ctx, first: LegalOpinion) -> int:
    """The opinion's number in its year, by first filing (opinions are never deleted: stable)."""
    from datetime import date, time
    year = local_date(first.filed_at).year
    lo, hi = local_dt(date(year, 1, 1), time(0)), local_dt(date(year + 1, 1, 1), time(0))
    return opinions_repo.year_serial(ctx.session, first, lo, hi)


def opinion_pdf(ctx: Ctx, request_id: str) -> tuple[bytes, str]:
    r = opinions.visible(ctx, request_id)
    versions = opinions_repo.opinions_of_request(ctx.session, r.id)
    if not versions:
        raise NotFound("No opinion has been filed for this request yet.", detail_zh="该请求尚未出具法律意见。")
    o, first = versions[-1], versions[0]
    lw = lawyers_repo.get(ctx.session, o.lawyer_id)
    st = ctx.settings
    year = local_date(first.filed_at).year
    number = f"（{year}）{st.opinion_number_prefix}字第{_serial(ctx, first):04d}号"
    parties = []
    for p in r.parties or []:
        name, role = (p.get("name"), p.get("role")) if isinstance(p, dict) else (str(p), None)
        parties.append({"name": name, "role": ROLE_ZH.get(role, "当事人") if role else "当事人"})
    context = {
        "title": "法律意见书",
        "number": number,
        "case_no": r.case_no,
        "category": category_label(r.category),
        "addressee": st.bureau_name,
        "parties": parties,
        "question": r.question,
        "petitioner_request": o.petitioner_request,
        "facts": o.facts,
        "summary": o.summary,
        "analysis": o.analysis,
        "legality": LEGALITY_ZH.get(o.legality, o.legality),
        "channel": CHANNEL_ZH.get(o.recommended_channel, o.recommended_channel),
        "legal_basis": o.legal_basis or [],
        "lawyer": lw.name if lw else o.lawyer_id,
        "license_no": lw.license_no if lw else "",
        "kind": KIND_ZH.get(lw.kind, lw.kind) if lw else "",
        "firm": (lw.firm if lw else "") or "",
        "filed_on": cn_date(local_date(o.filed_at)),
        "requested_on": cn_date(local_date(r.created_at)),
        "due_on": cn_date(r.due_on),
        "version": o.version,
        "amendment_reason": o.amendment_reason,
    }
    html = TEMPLATES.render("opinion.html", **context)
    pdf = render_pdf(html, title=f"法律意见书 {number}", subject=f"案件编号 {r.case_no}",
                     author=f"{context['firm']} {context['lawyer']}".strip(), keywords=f"法律意见书 {r.case_no}",
                     footer=f"法律意见书　{number}", created_at=o.filed_at)
    return pdf, f"opinion-{r.case_no}.pdf"
