"""The kept room answer served before FastAPI's routing (issue 11: the hot `GET /rooms/{id}`).

A pure-ASGI layer just inside the edge (shared/edge.py), so the request id, security headers, metrics and
audit of refusals are the same as on the route. It answers only what the route would answer the same way:
a GET of one room already kept (room/answers.py), by a caller whose token is valid and whose role reads
rooms. Anything else (no or bad token, another role, a room not yet read, a 404) goes on to the route,
which gives the answer or the problem+json. Saves FastAPI's routing over the service's ~100 routes and its
dependency solving: about a third of the read's CPU.
"""
from __future__ import annotations

from services.mediation.access import ANY_READER_ROLES
from services.mediation.room.answers import RoomAnswers
from services.mediation.room.api import router
from shared.asgi import RouteLabel, bearer_token

PREFIX = router.prefix + "/"  # `GET {PREFIX}{room_id}`: room/api.get_room
_JSON = (b"content-type", b"application/json")


ROOM_ROUTE = RouteLabel(PREFIX + "{room_id}")


class RoomReadShortcut:
    """`GET /api/v1/mediation/rooms/{id}` from the kept answers; everything else to the app unchanged."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith(PREFIX):
            body = await self._kept(scope)
            if body is not None:
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-length", str(len(body)).encode()), _JSON]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def _kept(self, scope) -> bytes | None:
        room_id = scope["path"][len(PREFIX):]
        if not room_id or "/" in room_id:
            return None
        state = scope["app"].state
        answers: RoomAnswers | None = getattr(state, "room_answers", None)
        body = answers.get(room_id) if answers is not None else None
        token = bearer_token(scope) if body is not None else None
        if token is None:
            return None
        try:
            principal = await state.verifier.verify(token)
        except Exception:  # the route refuses it, with its problem+json and audit record
            return None
        if not principal.has(*ANY_READER_ROLES):
            return None
        scope.setdefault("state", {})["principal"] = principal
        scope["route"] = ROOM_ROUTE
        return body
