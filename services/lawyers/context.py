"""What every use case needs: the session, settings, calendar, clock and caller."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from services.lawyers.lawyer.snapshot import RosterSnapshot
from services.lawyers.settings import LawyersSettings
from shared.auth import READ_ROLES, Principal, current_principal
from shared.calendar import CalendarStore, WorkingCalendar
from shared.db import db_session, utcnow
from shared.errors import Forbidden
from shared.timeutil import local_date, to_local

SOURCE = "lawyers"
OVERSEE = ("coordinator", "auditor")


def new_id() -> str:
    return uuid.uuid4().hex


def iso(value: datetime | None) -> str | None:
    """An instant as RFC 3339 in +08:00."""
    return to_local(value).isoformat() if value else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class Ctx:
    """One unit of work: session, settings, calendar store and (for requests) the caller."""

    session: Session
    settings: LawyersSettings
    store: CalendarStore
    principal: Principal | None = None
    roster: RosterSnapshot = field(default_factory=RosterSnapshot)
    now: datetime = field(default_factory=utcnow)
    _cal: WorkingCalendar | None = None
    _me: str | None = None
    _me_loaded: bool = False

    @property
    def cal(self) -> WorkingCalendar:
        if self._cal is None:
            self._cal = self.store.get(self.session)
        return self._cal

    @property
    def today(self) -> date:
        return local_date(self.now)

    @property
    def actor(self) -> str:
        return self.principal.sub if self.principal else "system"

    def has(self, *roles: str) -> bool:
        return bool(self.principal and self.principal.has(*roles))

    @property
    def oversees(self) -> bool:
        """Coordinators and auditors see everything."""
        return self.has(*OVERSEE)

    @property
    def me(self) -> str | None:
        """The roster id of the calling lawyer (linked by the lawyer's `user` login), if any."""
        if not self._me_loaded:
            self._me_loaded = True
            if self.has("lawyer") and self.principal:
                from services.lawyers.lawyer.repository import id_of_login
                self._me = id_of_login(self.session, self.principal.sub)
        return self._me


def needs_role(*roles: str) -> Forbidden:
    """The 403 naming the roles a call needs."""
    return Forbidden(f"This call needs one of the roles: {', '.join(roles)}.",
                     detail_zh=f"此操作需要以下角色之一：{'、'.join(roles)}。")


def job_ctx(app, session: Session, now: datetime | None = None) -> Ctx:
    return Ctx(session=session, settings=app.state.settings, store=app.state.calendar, roster=app.state.roster,
               now=now or utcnow())


async def get_ctx(request: Request) -> Ctx:
    """The request's context; it touches no database (the calendar and `me` load on first use, in the
    endpoint's worker thread: shared/routing.py). Every public route needs one of the public roles: a
    `service` token is for `/internal/...` only (API.md "Roles"), so it gets 403 here, never a list.
    The token and the unit's session are read here, not as sub-dependencies (one to solve: issue 11)."""
    principal = await current_principal(request)
    session = await db_session(request)
    if not principal.has(*READ_ROLES):
        raise needs_role(*READ_ROLES)
    return Ctx(session=session, settings=request.app.state.settings, store=request.app.state.calendar,
               principal=principal, roster=request.app.state.roster)


CtxDep = Annotated[Ctx, Depends(get_ctx)]
