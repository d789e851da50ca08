"""The booking's check for claims in the way (repository_claims.overlapping) on SQLite: each wanted
resource is a seek in `ix_resource_claim_lookup`, not a scan of the day's claims, and the answer is the
claims that overlap, nothing else."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from services.mediation.session import repository_claims
from services.mediation.session.models import ResourceClaim
from shared.db import table_of

T0 = datetime(2026, 12, 15, 1, 0, tzinfo=UTC)


def _plan_of_last_statement(engine, run) -> list[str]:
    """SQLite's plan (EXPLAIN QUERY PLAN) of the last statement `run(session)` executes."""
    seen: list[tuple[str, tuple]] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _capture(_conn, _cursor, statement, params, _context, _many):
        seen.append((statement, params))

    with Session(engine) as s:
        run(s)
    sa.event.remove(engine, "before_cursor_execute", _capture)
    statement, params = seen[-1]
    with engine.connect() as c:
        return [row[-1] for row in c.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]


def _claims(rng: random.Random) -> list[dict]:
    rows = []
    for i in range(400):
        start = T0 + timedelta(days=rng.randrange(3), minutes=30 * rng.randrange(16))
        end = start + timedelta(minutes=rng.choice([30, 45, 60, 90]))
        for kind, key in (("room", f"r{rng.randrange(5)}"), ("mediator", f"m{rng.randrange(5)}"),
                          ("party", f"p{rng.randrange(50)}")):
            rows.append({"session_id": f"s{i}", "resource_kind": kind, "resource_key": key, "starts_at": start,
                         "ends_at": end})
    return rows


def test_the_claims_in_the_way_are_exactly_those_that_overlap(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    table_of(ResourceClaim).create(engine)
    rng = random.Random(7)
    rows = _claims(rng)
    with Session(engine) as s:
        s.execute(sa.insert(table_of(ResourceClaim)), rows)
        s.commit()
        for _ in range(60):
            keys = [("room", f"r{rng.randrange(5)}"), ("mediator", f"m{rng.randrange(5)}"),
                    ("party", f"p{rng.randrange(50)}")][: rng.randrange(1, 4)]
            start = T0 + timedelta(days=rng.randrange(3), minutes=15 * rng.randrange(32))
            end = start + timedelta(minutes=45)
            exclude = f"s{rng.randrange(400)}" if rng.random() < 0.3 else None
            found = repository_claims.overlapping(s, keys, start, end, exclude_session=exclude)
            expected = sorted((r["resource_kind"], r["resource_key"], r["session_id"]) for r in rows
                              if (r["resource_kind"], r["resource_key"]) in keys and r["starts_at"] < end
                              and r["ends_at"] > start and r["session_id"] != exclude)
            assert sorted(tuple(f) for f in found) == expected
        assert repository_claims.overlapping(s, [], T0, T0 + timedelta(hours=1)) == []
    engine.dispose()


def test_sqlite_seeks_each_wanted_resource(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    table_of(ResourceClaim).create(engine)  # no statistics, as in a new office database
    keys = [("room", "r1"), ("mediator", "m1"), ("party", "p1"), ("party", "p2")]
    plan = _plan_of_last_statement(engine, lambda s: repository_claims.overlapping(
        s, keys, T0, T0 + timedelta(hours=1), exclude_session="s1"))
    seeks = [p for p in plan if "ix_resource_claim_lookup (resource_kind=? AND resource_key=?" in p]
    assert len(seeks) == len(keys) and not any("ix_resource_claim_start" in p for p in plan), plan
    engine.dispose()


def test_the_same_name_check_starts_from_the_names(tmp_path):
    """Not from every party claim ever made (party/repository.same_name_claims, inside a booking's write lock)."""
    from services.mediation.party import repository as parties_repo
    from services.mediation.session.models import SessionParty

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    table_of(ResourceClaim).create(engine)
    table_of(SessionParty).create(engine)
    plan = _plan_of_last_statement(engine, lambda s: parties_repo.same_name_claims(
        s, ["张三", "李四"], T0, T0 + timedelta(hours=1), "s1"))
    assert "ix_session_party_name_key" in plan[0], plan
    assert not any(p.endswith("ix_resource_claim_lookup (resource_kind=?)") for p in plan), plan
    engine.dispose()


def test_a_day_of_sessions_is_an_index_range_bounded_on_both_sides(tmp_path):
    """Not every earlier session of the room (repository.page: a session is shorter than a day)."""
    from services.mediation.session import repository as sessions_repo
    from services.mediation.session.models import MediationSession

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    table_of(MediationSession).create(engine)
    plan = _plan_of_last_statement(engine, lambda s: sessions_repo.page(
        s, after=None, limit=50, room_id="r1", start=T0, end=T0 + timedelta(days=1)))
    assert any("starts_at>? AND starts_at<?" in p for p in plan), plan
    engine.dispose()
