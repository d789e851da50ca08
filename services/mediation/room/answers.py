"""Room answers kept in memory: a room (调解室) never changes once created.

The contract has `POST /rooms` and no update or delete, and the database refuses an UPDATE of a room row
(migration mediation_0080), so the JSON of `GET /rooms/{id}`, once read from a committed row, stays right for
the life of the process. A miss (404) is never kept: the room may be created a moment later. Rooms hold no
personal data. Bounded, least recently used out first (issue 11: the hot read without a database round trip).
"""
from __future__ import annotations

from collections import OrderedDict

from starlette.requests import Request

MAX_ROOMS = 4096


class RoomAnswers:
    """The answered JSON of rooms by id, at most `max_rooms` of them."""

    __slots__ = ("_bodies", "_max")

    def __init__(self, max_rooms: int = MAX_ROOMS) -> None:
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._max = max_rooms

    def get(self, room_id: str) -> bytes | None:
        body = self._bodies.get(room_id)
        if body is not None:
            self._bodies.move_to_end(room_id)
        return body

    def keep(self, room_id: str, body: bytes) -> bytes:
        self._bodies[room_id] = body
        self._bodies.move_to_end(room_id)
        while len(self._bodies) > self._max:
            self._bodies.popitem(last=False)
        return body

    def __len__(self) -> int:
        return len(self._bodies)


def room_answers(request: Request) -> RoomAnswers:
    """The app's kept room answers (one per service process, made on first use); none are kept when the
    setting `MEDIATION_KEEP_ROOM_ANSWERS` is false."""
    state = request.app.state
    answers = getattr(state, "room_answers", None)
    if answers is None:
        keep = getattr(state.settings, "keep_room_answers", True)
        answers = state.room_answers = RoomAnswers(MAX_ROOMS if keep else 0)
    return answers
