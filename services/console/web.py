"""Request plumbing every screen shares: who is signed in, CSRF, rendering, the API with their token.

A screen's router declares `person: Person` (any signed-in person),
`person: Annotated[ConsoleSession, Depends(allow(...roles))]` (only those
roles), and `FormPerson` / `form_allow(...)` on POST routes (the CSRF token of
the form is checked too). `api: Api` is the public API with that person's
token. `render()` fills the layout: navigation by role, the CSRF token, flash.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from services.console import labels
from services.console.formatting import FILTERS, today_local
from services.console.gateway_api import GatewayApi, forwarded_for
from services.console.sessions import ConsoleSession

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters.update(FILTERS)
TEMPLATES.env.filters["label"] = labels.label
TEMPLATES.env.globals["label"] = labels.label
TEMPLATES.env.globals["labels"] = labels

ALL_PEOPLE = ("coordinator", "mediator", "lawyer", "auditor")


@dataclass(frozen=True)
class Screen:
    """One entry of the navigation: its name (the link's accessible name), path and who sees it."""

    name: str
    path: str
    roles: tuple[str, ...]


SCREENS = (
    Screen("工作台", "/", ALL_PEOPLE),
    Screen("排期", "/schedule", ("coordinator", "mediator")),
    Screen("预约", "/bookings", ("coordinator", "mediator")),
    Screen("调解", "/mediation", ("coordinator", "mediator")),
    Screen("案件", "/cases", ("coordinator", "mediator", "auditor")),
    Screen("法律意见", "/opinions", ("lawyer", "coordinator")),
    Screen("值班表", "/duty", ALL_PEOPLE),
    Screen("接访", "/receptions", ("coordinator", "lawyer")),
    Screen("复查复核", "/reviews", ("coordinator", "lawyer")),
    Screen("工时", "/hours", ("coordinator", "lawyer")),
    Screen("统计", "/stats", ("coordinator", "auditor")),
    Screen("审计", "/audit", ("auditor",)),
    Screen("设置", "/settings", ("coordinator",)),
)


class NotSignedIn(Exception):
    """No live session: the person is sent to sign in and back to `next_url`."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class NotAllowed(Exception):
    """The person's role may not use this screen or action."""


class CsrfRefused(Exception):
    """A form without the person's CSRF token (missing or forged)."""


def base(request: Request) -> str:
    return request.app.state.settings.base_path


def url(request: Request, path: str = "/") -> str:
    """A console URL as the browser sees it (`/console/...`)."""
    return base(request) + (path if path.startswith("/") else "/" + path)


def current_person(request: Request) -> ConsoleSession:
    settings = request.app.state.settings
    s = request.app.state.sessions.get(request.cookies.get(settings.cookie_name))
    if s is None:
        target = request.url.path + (("?" + request.url.query) if request.url.query else "")
        if request.method != "GET" or request.headers.get("HX-Request"):
            target = request.headers.get("HX-Current-URL-Path") or base(request) + "/"
        raise NotSignedIn(target)
    request.state.person = s
    return s


Person = Annotated[ConsoleSession, Depends(current_person)]


def allow(*roles: str):
    """A dependency: the signed-in person, who must hold one of `roles`."""

    def dep(person: Person) -> ConsoleSession:
        if not person.has(*roles):
            raise NotAllowed()
        return person

    return dep


async def _check_csrf(request: Request, person: ConsoleSession) -> None:
    sent: object = request.headers.get("X-CSRF-Token")  # header text, or a form field (text or a file)
    if not sent:
        form = await request.form()
        sent = form.get("csrf_token")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, person.csrf):
        raise CsrfRefused()


async def form_person(request: Request, person: Person) -> ConsoleSession:
    await _check_csrf(request, person)
    return person


FormPerson = Annotated[ConsoleSession, Depends(form_person)]


def form_allow(*roles: str):
    """For POST routes: the CSRF token is checked, and the person must hold one of `roles`."""

    async def dep(request: Request, person: Person) -> ConsoleSession:
        await _check_csrf(request, person)
        if not person.has(*roles):
            raise NotAllowed()
        return person

    return dep


class PersonApi:
    """The public API with one person's token (see `GatewayApi`)."""

    def __init__(self, api: GatewayApi, person: ConsoleSession, forwarded: str | None = None) -> None:
        self._api, self._token = api, person.token
        self.forwarded = forwarded  # the browser's address chain, sent on as X-Forwarded-For

    async def get(self, path: str, **params: Any) -> Any:
        return await self._api.get(self._token, path, forwarded=self.forwarded, **params)

    async def get_all(self, path: str, **params: Any) -> list[dict]:
        return await self._api.get_all(self._token, path, forwarded=self.forwarded, **params)

    async def post(self, path: str, body: Any = None) -> Any:
        return await self._api.post(self._token, path, body, forwarded=self.forwarded)

    async def put(self, path: str, body: Any = None) -> Any:
        return await self._api.put(self._token, path, body, forwarded=self.forwarded)

    async def request(self, method: str, path: str, **kw: Any) -> Any:
        kw.setdefault("forwarded", self.forwarded)
        return await self._api.request(self._token, method, path, **kw)


def person_api(request: Request, person: Person) -> PersonApi:
    return PersonApi(request.app.state.api, person, forwarded_for(request.scope))


Api = Annotated[PersonApi, Depends(person_api)]


def render(request: Request, template: str, status_code: int = 200, headers: dict | None = None,
           **context: Any) -> Response:
    """A page (or, for htmx, a fragment) with the layout's context filled in."""
    person: ConsoleSession | None = getattr(request.state, "person", None)
    nav = [s for s in SCREENS if person is not None and person.has(*s.roles)]
    context.update(request=request, person=person, nav=nav, base=base(request),
                   csrf_token=person.csrf if person else "", today=today_local(),
                   current=request.url.path, flash=request.query_params.get("msg", ""))
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code, headers=headers)


def redirect(request: Request, path: str, msg: str = "") -> Response:
    """After a successful form: see-other to a console page (htmx follows `HX-Redirect`)."""
    target = url(request, path)
    if msg:
        target += ("&" if "?" in target else "?") + "msg=" + quote(msg)
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return Response(status_code=303, headers={"Location": target})
