"""Rooms: `/api/v1/mediation/rooms`."""
from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.mediation.access import AnyReader, Coordinator
from services.mediation.room import repository as repo
from services.mediation.room import service
from services.mediation.room.answers import room_answers
from services.mediation.room.models import ClosureCreate, ClosurePublic, RoomCreate, RoomPublic
from shared.async_reads import json_answer, json_bytes, reads_of
from shared.db import DbSession
from shared.pagination import Page, PageDep, paginate
from shared.routing import OneHopRoute

ROOM_PAGE = Page[RoomPublic]
router = APIRouter(prefix="/api/v1/mediation/rooms", tags=["rooms"], route_class=OneHopRoute)


@router.post("", status_code=201, response_model=RoomPublic)
def create_room(body: RoomCreate, session: DbSession, _: Coordinator) -> RoomPublic:
    return service.create(session, body)


@router.get("", response_model=Page[RoomPublic])
async def list_rooms(request: Request, page: PageDep, _: AnyReader) -> Response:
    rows = await repo.page_async(reads_of(request), page.after(), page.limit)
    rows, cursor = paginate(rows, page, lambda r: [r["name"], r["id"]])
    return json_answer(ROOM_PAGE.model_validate({"items": rows, "next_cursor": cursor}))


@router.get("/{room_id}", response_model=RoomPublic)
async def get_room(room_id: str, request: Request, _: AnyReader) -> Response:
    # The hot read (issue 11): a room never changes, so its answer is kept once read (room/answers.py);
    # the first read runs on the event loop, no thread hop, the answer built once from its schema.
    answers = room_answers(request)
    body = answers.get(room_id)
    if body is None:
        room = await service.get_public(reads_of(request), room_id)
        body = answers.keep(room_id, json_bytes(room))
    return Response(body, media_type="application/json")


@router.post("/{room_id}/closures", status_code=201, response_model=ClosurePublic)
def close_room(room_id: str, body: ClosureCreate, session: DbSession, _: Coordinator) -> ClosurePublic:
    return service.close(session, room_id, body)


@router.get("/{room_id}/closures", response_model=Page[ClosurePublic])
def list_closures(room_id: str, session: DbSession, _: AnyReader) -> Page[ClosurePublic]:
    return Page(items=service.closures(session, room_id), next_cursor=None)
