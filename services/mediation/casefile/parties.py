"""The parties of a case intake, indexed for finding a person's cases across time (重复信访).

The petition system sends each handoff's parties (name, role, phone, ID number); the intake keeps
them sealed as JSON (party/crypto.py). `index` writes one `intake_party` row per party with the name
as compared and the keyed hashes already computed when sealing, so that `GET /parties/{id}/cases`
matches them with an indexed query. Called whenever an intake's parties are written (a handoff
accepted or rejected, key rotation with `--rehash`).
"""
from __future__ import annotations

from typing import Any

from sqlmodel import Session

from services.mediation.casefile import repository as repo
from services.mediation.casefile.models import CaseIntake
from shared.pii import name_key

ROLES = ("petitioner", "respondent", "third_party")


def rows_of(intake_id: str, case_no: str, parties: list[Any]) -> list[dict[str, Any]]:
    """The index rows of an intake's parties as stored (sealed dicts; a bare string is a name)."""
    out = []
    for i, p in enumerate(parties or []):
        p = p if isinstance(p, dict) else {"name": str(p)}
        name = str(p.get("name") or "").strip()
        if not name:
            continue
        role = p.get("role") if p.get("role") in ROLES else None
        out.append({"intake_id": intake_id, "position": i, "case_no": case_no, "name": name[:200], "role": role,
                    "name_key": name_key(name)[:200], "phone_hash": p.get("phone_hash") or None,
                    "id_hash": p.get("id_hash") or None})
    return out


def index(session: Session, intake: CaseIntake, *, fresh: bool = False) -> None:
    """(Re)write the index rows of `intake`'s parties, in the caller's transaction (`fresh`: none yet)."""
    repo.replace_parties(session, intake.id, rows_of(intake.id, intake.case_no, intake.parties), fresh=fresh)
