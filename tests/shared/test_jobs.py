"""Jobs claim their rows: concurrent replicas never take the same row twice."""
from __future__ import annotations

import threading

from sqlalchemy import select, update

from shared.db import utcnow
from shared.events import emit
from shared.events.models import OutboxEvent
from shared.jobs import claim


def test_concurrent_claims_are_disjoint(suite):
    db = suite.db("lawyers")
    with db.session() as s:
        for i in range(60):
            emit(s, "lawyers", "test.job", f"CASE-{i}", {})
    taken: list[list[str]] = []
    barrier = threading.Barrier(4)

    def replica() -> None:
        mine: list[str] = []
        barrier.wait()
        while True:
            with db.session() as s:
                rows = claim(s, select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                             .order_by(OutboxEvent.position).limit(5))
                if not rows:
                    break
                s.execute(update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                          .values(published_at=utcnow()))
                mine.extend(r.id for r in rows)
        taken.append(mine)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    all_ids = [i for mine in taken for i in mine]
    assert len(all_ids) == 60
    assert len(set(all_ids)) == 60
