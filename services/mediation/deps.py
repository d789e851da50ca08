"""Request dependencies of the mediation service."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from services.mediation.rules import WorkingRules
from shared.calendar import CalendarStore, WorkingCalendar
from shared.db import DbSession


class RequestRules(WorkingRules):
    """The working rules of one request: the calendar (overrides cached a few seconds) is loaded on
    first use, inside the endpoint's unit of work and worker thread (shared/routing.py)."""

    def __init__(self, settings, store: CalendarStore, session: Session) -> None:
        self.settings = settings
        self._store, self._session = store, session
        self._calendar: WorkingCalendar | None = None

    @property
    def calendar(self) -> WorkingCalendar:  # type: ignore[override]
        if self._calendar is None:
            self._calendar = self._store.get(self._session)
        return self._calendar


async def working_rules(request: Request, session: DbSession) -> WorkingRules:
    """The working rules with the current calendar; the dependency itself touches no database."""
    return RequestRules(request.app.state.settings, request.app.state.calendar, session)


Rules = Annotated[WorkingRules, Depends(working_rules)]
