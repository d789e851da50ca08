"""The availability search reads the period's claims through the start index on SQLite, with or without
the planner's statistics (services/mediation/availability/repository.claims_between)."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from services.mediation.availability import repository
from services.mediation.session.models import ClaimKindUnindexed, ResourceClaim


def _statement(engine, **kw) -> tuple[str, tuple]:
    seen: list[tuple[str, tuple]] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _capture(_conn, _cursor, statement, params, _context, _many):
        seen.append((statement, params))

    lo, hi = datetime(2026, 12, 15, tzinfo=UTC), datetime(2026, 12, 17, tzinfo=UTC)
    with Session(engine) as s:
        repository.claims_between(s, lo, hi, kw.get("rooms", ["r1"]), kw.get("meds", []),
                                  kw.get("all_rooms", False), kw.get("all_meds", True))
    sa.event.remove(engine, "before_cursor_execute", _capture)
    return seen[-1]


def test_sqlite_takes_the_period_from_the_start_index(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    ResourceClaim.__table__.create(engine)  # with its indexes, no statistics (as a new office database)
    for kw in ({}, {"all_rooms": True}, {"all_meds": False, "meds": ["m1", "m2"]}):
        statement, params = _statement(engine, **kw)
        with engine.connect() as c:
            plan = " ".join(row[-1] for row in c.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
        assert "ix_resource_claim_start" in plan and "ix_resource_claim_lookup" not in plan, (kw, plan)
    engine.dispose()


def test_other_databases_get_the_plain_column():
    kind = ClaimKindUnindexed()
    sql = str((kind == "room").compile(dialect=postgresql.dialect()))
    assert sql.startswith("resource_claim.resource_kind =") and "+" not in sql


def test_statements_with_it_stay_in_the_compiled_cache():
    """A construct without a cache key makes SQLAlchemy compile its statement on every execution (it did:
    1.2 ms per availability search)."""
    from services.mediation.party.repository import SAME_NAME_CLAIMS

    assert (ClaimKindUnindexed() == "room")._generate_cache_key() is not None
    assert SAME_NAME_CLAIMS._generate_cache_key() is not None
