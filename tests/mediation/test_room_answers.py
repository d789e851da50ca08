"""A room's answer kept once read (room/answers.py) and served before the routing (room/shortcut.py):
the same answer as the route's, to the same callers, and a room row the database will not change."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.mediation.room.answers import RoomAnswers
from tests.mediation.mediation_kit import BASE
from tests.problem_kit import problem

# What the edge adds to every answer: the caller's request id, the route template, the security headers.
SAME_HEADERS = ("content-type", "content-length", "x-suite-route", "x-content-type-options", "cache-control")


def kept(suite) -> RoomAnswers | None:
    return getattr(suite.app["mediation"].state, "room_answers", None)


def test_kept_answer_is_the_routes_answer(suite, api):
    room = api.room("调解室甲", capacity=6)
    direct = suite.direct("mediation", "coordinator")
    first = direct.get(f"{BASE}/rooms/{room['id']}", headers={"X-Request-ID": "first-read"})
    assert first.status_code == 200, first.text
    assert kept(suite).get(room["id"]) == first.content  # kept from the committed row
    again = direct.get(f"{BASE}/rooms/{room['id']}", headers={"X-Request-ID": "kept-read"})
    assert again.status_code == 200
    assert again.content == first.content
    assert again.json() == {**room, "name": "调解室甲", "capacity": 6}
    for name in SAME_HEADERS:
        assert again.headers.get(name) == first.headers.get(name), name
    assert again.headers["x-suite-route"] == f"{BASE}/rooms/{{room_id}}"
    assert (first.headers["x-request-id"], again.headers["x-request-id"]) == ("first-read", "kept-read")
    # every reading role gets it, through the gateway too
    for who in ("mediator1", "lawyer1", "petition-system", "auditor"):
        r = api(who).get(f"{BASE}/rooms/{room['id']}")
        assert r.status_code == 200 and r.content == first.content, (who, r.text)


def test_kept_answer_still_needs_a_readers_token(suite, api):
    room = api.room()
    url = f"{BASE}/rooms/{room['id']}"
    assert suite.direct("mediation", "coordinator").get(url).status_code == 200
    assert kept(suite).get(room["id"]) is not None
    problem(suite.direct("mediation", None).get(url), 401, "unauthorized")
    problem(suite.direct("mediation", None).get(url, headers={"Authorization": "Bearer not.a.token"}), 401)
    problem(suite.direct("mediation", None).get(url, headers={"Authorization": "Basic eDp5"}), 401)
    problem(suite.direct("mediation", "mediation-service").get(url), 403, "forbidden")  # a machine, not a reader
    problem(api(None).get(url), 401, "unauthorized")


def test_a_missing_room_is_never_kept(suite, api):
    direct = suite.direct("mediation", "coordinator")
    for _ in range(2):
        problem(direct.get(f"{BASE}/rooms/no-such-room"), 404, "not_found")
    answers = kept(suite)
    assert answers is None or answers.get("no-such-room") is None
    # a path below a room is the route's, not a kept answer
    room = api.room()
    direct.get(f"{BASE}/rooms/{room['id']}")
    r = direct.get(f"{BASE}/rooms/{room['id']}/closures")
    assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}


def test_the_database_refuses_to_change_a_room(suite, api):
    room = api.room("不可改的调解室")
    with pytest.raises(DBAPIError, match="never changed once created"), suite.db("mediation").engine.begin() as conn:
        conn.execute(text("UPDATE room SET name = 'changed' WHERE id = :id"), {"id": room["id"]})
    assert api().get(f"{BASE}/rooms/{room['id']}").json()["name"] == "不可改的调解室"


def test_answers_are_bounded_least_recently_used_out_first():
    answers = RoomAnswers(max_rooms=2)
    answers.keep("a", b"A")
    answers.keep("b", b"B")
    assert answers.get("a") == b"A"  # a is now the most recently used
    answers.keep("c", b"C")
    assert (answers.get("a"), answers.get("b"), answers.get("c"), len(answers)) == (b"A", None, b"C", 2)


def test_none_kept_when_turned_off():
    answers = RoomAnswers(max_rooms=0)  # MEDIATION_KEEP_ROOM_ANSWERS=false
    assert answers.keep("a", b"A") == b"A"
    assert (answers.get("a"), len(answers)) == (None, 0)
