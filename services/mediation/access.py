"""Who may do what in mediation (object-level authorization).

- coordinator: manages rooms, mediators and every session;
- mediator: books sessions and manages only the sessions they mediate (others are 404);
  the login name is linked to a mediator record through its `user` field;
- petition_system: reads the sessions and case files of its cases, rates sessions;
- auditor: reads everything.
"""

from typing import Annotated

from fastapi import Depends, Request

from services.mediation.mediator import repository as mediators_repo
from shared.auth import CurrentPrincipal, Principal, require_roles
from shared.db import db_session
from shared.errors import Forbidden, NotFound

READERS = ("coordinator", "mediator", "petition_system", "auditor")


class Caller:
    """The principal, and (mediator role) their own mediator record.

    With a session the record is looked up on first use, i.e. inside the endpoint's unit of work
    and worker thread: the dependency itself touches no database (shared/routing.py).
    """

    __slots__ = ("_mediator_id", "_session", "principal")

    def __init__(self, principal: Principal, mediator_id: str | None = None, *, session=None) -> None:
        self.principal = principal
        self._mediator_id = mediator_id
        self._session = session if principal.has("mediator") else None

    @property
    def mediator_id(self) -> str | None:
        if self._session is not None:
            session, self._session = self._session, None
            self._mediator_id = mediators_repo.id_of_user(session, self.principal.sub)
        return self._mediator_id

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Caller) and self.principal == other.principal
                and self.mediator_id == other.mediator_id)

    __hash__ = None  # type: ignore[assignment]

    @property
    def sees_all(self) -> bool:
        """Coordinators, auditors and the petition system see every session."""
        return self.principal.has("coordinator", "auditor", "petition_system")

    @property
    def manages_all(self) -> bool:
        return self.principal.has("coordinator")

    @property
    def login(self) -> str:
        return self.principal.sub

    def mediates(self, mediator_ids: list[str]) -> bool:
        return self.mediator_id is not None and self.mediator_id in mediator_ids

    def can_see(self, mediator_ids: list[str]) -> bool:
        return self.sees_all or self.mediates(mediator_ids)

    def can_manage(self, mediator_ids: list[str]) -> bool:
        return self.manages_all or self.mediates(mediator_ids)


def reader(roles: tuple[str, ...] = READERS):
    """Dependency: a caller holding one of `roles` (else 403); their mediator record is read on first use."""
    guard = require_roles(*roles)

    async def _dep(request: Request) -> Caller:
        # One dependency, not three (issue 11): the role check and the unit's session called in turn.
        principal = await guard(request)
        return Caller(principal, session=await db_session(request))

    return _dep


SessionReader = Annotated[Caller, Depends(reader())]
SessionWriter = Annotated[Caller, Depends(reader(("coordinator", "mediator")))]
Rater = Annotated[Caller, Depends(reader(("coordinator", "mediator", "petition_system")))]
Coordinator = Annotated[Principal, Depends(require_roles("coordinator"))]
ANY_READER_ROLES = ("coordinator", "mediator", "lawyer", "petition_system", "auditor")
AnyReader = Annotated[Principal, Depends(require_roles(*ANY_READER_ROLES))]


def ensure_visible(caller: Caller, mediator_ids: list[str]) -> None:
    if not caller.can_see(mediator_ids):
        raise NotFound("No such session.", detail_zh="未找到该调解场次。")


def ensure_manageable(caller: Caller, mediator_ids: list[str]) -> None:
    """404 when the caller may not even see the session, 403 when they may see but not change it."""
    ensure_visible(caller, mediator_ids)
    if not caller.can_manage(mediator_ids):
        raise Forbidden("This call needs the coordinator role or to be a mediator of the session.",
                        detail_zh="此操作需要协调员角色，或为该调解的调解员。")


__all__ = [
    "ANY_READER_ROLES",
    "AnyReader",
    "Caller",
    "Coordinator",
    "CurrentPrincipal",
    "Rater",
    "SessionReader",
    "SessionWriter",
    "ensure_manageable",
    "ensure_visible",
]
