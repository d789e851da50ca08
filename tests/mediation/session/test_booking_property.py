"""Property: whatever sequence of book, reschedule and cancel calls, no room, mediator or party is ever
in two overlapping sessions (buffers included), checked afterwards by SQL self-joins."""
from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.mediation.mediation_kit import BASE, at, uniq, working_day

STARTS = ["09:00", "09:15", "09:30", "10:00", "10:30", "11:00", "14:00", "14:30", "15:00", "15:15", "16:00"]
DURATIONS = [30, 45, 60]

book = st.tuples(st.just("book"), st.integers(0, 1), st.sets(st.integers(0, 2), min_size=1, max_size=2),
                 st.sampled_from(STARTS), st.sampled_from(DURATIONS),
                 st.sets(st.integers(0, 3), min_size=1, max_size=2))
move = st.tuples(st.just("reschedule"), st.integers(0, 20), st.integers(0, 1), st.sampled_from(STARTS),
                 st.sampled_from(DURATIONS))
drop = st.tuples(st.just("cancel"), st.integers(0, 20))
ops = st.lists(st.one_of(book, book, book, move, drop), min_size=3, max_size=14)

SQL_PAIRS = {
    "room": """SELECT a.id, b.id FROM mediation_session a JOIN mediation_session b
               ON a.room_id = b.room_id AND a.id < b.id
               WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
                 AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at""",
    "mediator": """SELECT a.id, b.id FROM mediation_session a
                   JOIN session_mediator ma ON ma.session_id = a.id
                   JOIN session_mediator mb ON mb.mediator_id = ma.mediator_id
                   JOIN mediation_session b ON b.id = mb.session_id AND a.id < b.id
                   WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
                     AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at""",
    "party": """SELECT a.id, b.id FROM mediation_session a
                JOIN session_party pa ON pa.session_id = a.id
                JOIN session_party pb ON pb.party_key = pa.party_key
                JOIN mediation_session b ON b.id = pb.session_id AND a.id < b.id
                WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
                  AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at""",
    # The claims carry the buffer: [start, end + 15 min).
    "claim": """SELECT a.id, b.id FROM resource_claim a JOIN resource_claim b
                ON a.resource_kind = b.resource_kind AND a.resource_key = b.resource_key AND a.id < b.id
                WHERE a.starts_at < b.ends_at AND b.starts_at < a.ends_at""",
}


def overlapping_pairs(suite) -> dict[str, list]:
    with suite.db("mediation").engine.connect() as c:
        return {k: c.execute(text(q)).all() for k, q in SQL_PAIRS.items()}


def buffer_violations(suite) -> list:
    """Pairs of live sessions sharing a resource with less than 15 minutes between them."""
    from sqlalchemy import select

    from services.mediation.session.models import MediationSession, SessionMediator, SessionParty

    with suite.db("mediation").session() as s:
        rows = s.execute(select(MediationSession.id, MediationSession.room_id, MediationSession.starts_at,
                                MediationSession.ends_at).where(MediationSession.status != "cancelled")).all()
        meds = s.execute(select(SessionMediator.session_id, SessionMediator.mediator_id)).all()
        parties = s.execute(select(SessionParty.session_id, SessionParty.party_key)).all()
    live = {sid: (start, end) for sid, _, start, end in rows}
    holders: dict = {}
    for sid, room, _, _ in rows:
        holders.setdefault(("room", room), []).append(sid)
    for sid, mid in meds:
        if sid in live:
            holders.setdefault(("mediator", mid), []).append(sid)
    for sid, key in parties:
        if sid in live:
            holders.setdefault(("party", key), []).append(sid)
    bad = []
    gap = timedelta(minutes=15)
    for res, sids in holders.items():
        spans = sorted(live[x] for x in sids)
        for (s1, e1), (s2, e2) in itertools.pairwise(spans):
            if s2 < e1 + gap:
                bad.append((res, (s1, e1), (s2, e2)))
    return bad


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(sequence=ops)
def test_no_overlap_whatever_the_sequence(suite, api, sequence):
    day = working_day(1)
    rooms = [api.room() for _ in range(2)]
    meds = [api.mediator() for _ in range(3)]
    names = [uniq(n) for n in ("甲", "乙", "丙", "丁")]
    booked: list[str] = []
    c = api()

    def end_of(start: str, minutes: int) -> str:
        from datetime import datetime
        return (datetime.fromisoformat(at(day, start)) + timedelta(minutes=minutes)).isoformat()

    for op in sequence:
        if op[0] == "book":
            _, r, ms, start, dur, ps = op
            body = api.session_body(rooms[r], [meds[i] for i in sorted(ms)], at(day, start), end_of(start, dur),
                                    parties=[{"name": names[i], "role": "petitioner" if k == 0 else "respondent"}
                                             for k, i in enumerate(sorted(ps))])
            resp = c.post(f"{BASE}/sessions", json=body)
            assert resp.status_code in (201, 409, 422), resp.text
            if resp.status_code == 201:
                booked.append(resp.json()["id"])
        elif op[0] == "reschedule" and booked:
            _, i, r, start, dur = op
            resp = c.post(f"{BASE}/sessions/{booked[i % len(booked)]}/reschedule",
                          json={"start": at(day, start), "end": end_of(start, dur), "room_id": rooms[r]["id"]})
            assert resp.status_code in (200, 409, 422), resp.text
        elif op[0] == "cancel" and booked:
            resp = c.post(f"{BASE}/sessions/{booked[op[1] % len(booked)]}/cancel", json={})
            assert resp.status_code in (200, 409), resp.text

    assert overlapping_pairs(suite) == {"room": [], "mediator": [], "party": [], "claim": []}
    assert buffer_violations(suite) == []
