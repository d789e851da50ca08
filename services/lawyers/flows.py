"""Use cases spanning two features of the lawyers service (so that no feature imports another)."""
from __future__ import annotations

from services.lawyers.context import Ctx
from services.lawyers.lawyer import service as roster
from services.lawyers.lawyer.models import Lawyer, LawyerUpdate
from services.lawyers.opinion import service as opinions


def update_lawyer(ctx: Ctx, lw: Lawyer, body: LawyerUpdate) -> Lawyer:
    """Change a roster entry; a lawyer deactivated (停用) hands their open opinion requests to others."""
    roster.update(ctx, lw, body)
    if body.active is False:
        opinions.reassign_all_of(ctx, lw.id, reason="lawyer deactivated")
    return lw
