"""Conflict-of-interest check (利益冲突审查): register, waive, and check parties against lawyers.

Rules (律师法 arts. 23, 39, 41; 律师执业行为规范 art. 52): an entry with no end date
blocks for good; a former client blocks for `former_client_block_years` after the
relationship ended; a former judge or prosecutor for `former_judicial_block_years`;
other relations until their end date. A waivable entry stops blocking once the
party's signed informed consent (知情同意书) is recorded.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.lawyers.conflict import repository as repo
from services.lawyers.conflict.models import ConflictCreate, ConflictEntry, ConflictWaiver, WaiverCreate, normalise_name
from services.lawyers.context import Ctx, day, iso, new_id
from services.lawyers.settings import LawyersSettings
from shared.errors import NotFound, Unprocessable


@dataclass(frozen=True)
class Hit:
    conflict_id: str
    lawyer_id: str
    party_name: str
    relation: str
    matter: str

    def wire(self) -> dict[str, Any]:
        return {"conflict_id": self.conflict_id, "party_name": self.party_name, "relation": self.relation,
                "matter": self.matter}


def _plus_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def blocks_until(entry: ConflictEntry, s: LawyersSettings) -> date | None:
    """The last day the entry blocks; None when it blocks with no end."""
    if entry.ends_on is None:
        return None
    if entry.relation == "former_client":
        return _plus_years(entry.ends_on, s.former_client_block_years)
    if entry.relation == "former_judicial_office":
        return _plus_years(entry.ends_on, s.former_judicial_block_years)
    return entry.ends_on


def public(ctx: Ctx, e: ConflictEntry, waivers: list[ConflictWaiver] | None = None) -> dict[str, Any]:
    until = blocks_until(e, ctx.settings)
    return {"id": e.id, "lawyer_id": e.lawyer_id, "party_name": e.party_name, "relation": e.relation,
            "matter": e.matter, "case_no": e.case_no, "ends_on": day(e.ends_on), "blocks_until": day(until),
            "waivers": [waiver_public(w) for w in (waivers or [])], "created_at": iso(e.created_at)}


def waiver_public(w: ConflictWaiver) -> dict[str, Any]:
    return {"id": w.id, "conflict_id": w.conflict_id, "consent_ref": w.consent_ref, "signed_by": w.signed_by,
            "signed_on": day(w.signed_on), "case_no": w.case_no, "created_at": iso(w.created_at)}


def register(ctx: Ctx, lawyer_id: str, body: ConflictCreate) -> ConflictEntry:
    key = normalise_name(body.party_name)
    if not key:
        raise Unprocessable("party_name: a party name needs at least one letter", code="validation_error",
                            errors=[{"field": "party_name", "message": "empty after normalisation",
                                     "type": "value_error"}])
    e = ConflictEntry(id=new_id(), lawyer_id=lawyer_id, party_name=body.party_name.strip(), party_key=key,
                      relation=body.relation, matter=body.matter, case_no=body.case_no, ends_on=body.ends_on,
                      created_at=ctx.now, created_by=ctx.actor)
    ctx.session.add(e)
    ctx.session.flush()
    return e


def waive(ctx: Ctx, conflict_id: str, body: WaiverCreate) -> ConflictWaiver:
    e = repo.get(ctx.session, conflict_id)
    if e is None:
        raise NotFound(f"No conflict entry {conflict_id}.")
    if e.relation not in ctx.settings.waivable_relations:
        raise Unprocessable(f"A conflict of relation {e.relation!r} cannot be waived.", code="conflict_not_waivable")
    w = ConflictWaiver(id=new_id(), conflict_id=e.id, consent_ref=body.consent_ref, signed_by=body.signed_by,
                       signed_on=body.signed_on, case_no=body.case_no, created_at=ctx.now, created_by=ctx.actor)
    ctx.session.add(w)
    ctx.session.flush()
    return w


def party_keys(names: Iterable[str]) -> list[str]:
    return sorted({k for k in (normalise_name(n) for n in names) if k})


def check(ctx: Ctx, names: Iterable[str], *, on: date | None = None, case_no: str | None = None,
          lawyer_ids: list[str] | None = None) -> dict[str, list[Hit]]:
    """Blocking conflicts by lawyer id for these party names (petitioner and respondent alike)."""
    on = on or ctx.today
    entries = repo.by_party_keys(ctx.session, party_keys(names), lawyer_ids)
    live = []
    for e in entries:
        until = blocks_until(e, ctx.settings)
        if until is not None and on > until:
            continue
        live.append(e)
    waived: set[str] = set()
    for w in repo.waivers_for(ctx.session, [e.id for e in live if e.relation in ctx.settings.waivable_relations]):
        if w.case_no is None or w.case_no == case_no:
            waived.add(w.conflict_id)
    out: dict[str, list[Hit]] = {}
    for e in live:
        if e.id in waived:
            continue
        out.setdefault(e.lawyer_id, []).append(Hit(e.id, e.lawyer_id, e.party_name, e.relation, e.matter))
    return out
