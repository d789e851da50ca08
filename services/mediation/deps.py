"""Request dependencies of the mediation service."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.mediation.rules import WorkingRules
from shared.db import DbSession


def working_rules(request: Request, session: DbSession) -> WorkingRules:
    """The working rules with the current calendar (overrides cached a few seconds)."""
    return WorkingRules(request.app.state.settings, request.app.state.calendar.get(session))


Rules = Annotated[WorkingRules, Depends(working_rules)]
