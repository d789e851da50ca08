"""Every stored copy of a handoff's parties in the gateway, rewritten in one pass (当事人信息密封).

The parties live in `handoff.parties` and, through `handoff.requested`, in `hub_event.data`, in
`outbox_event.data` (the gateway's own outbox keeps published rows), in `dead_letter.event` and in
`webhook_delivery.body`. `rewrite` applies one change to each party of each copy, in batches:

- the migration gateway_0090_handoff_pii seals what was stored in clear (`seal_party`), and its
  downgrade opens it again;
- `python -m services.gateway.cli rotate-handoff-pii-keys` seals again under the first key of
  HANDOFF_PII_KEYS what an older key sealed (`reseal_party`).

Webhook bodies are rewritten as they are sent now: masked, without sealed values (access/masking.py).
Neither the hub nor the outbox is part of the audit chain (shared/audit): rewriting them breaks no hash.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import sqlalchemy as sa

from services.gateway.handoff import repository_parties as repo
from services.gateway.handoff.repository_parties import REQUESTED

PartyChange = Callable[[Any], Any]


def _parties(parties: Any, change: PartyChange) -> Any:
    return [change(p) for p in parties] if isinstance(parties, list) else parties


def _event_data(data: Any, change: PartyChange) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("parties"), list):
        return data
    return {**data, "parties": _parties(data["parties"], change)}


def _dead_event(event: Any, change: PartyChange) -> Any:
    if not isinstance(event, dict) or event.get("type") != REQUESTED:
        return event
    return {**event, "data": _event_data(event.get("data"), change)}


def _webhook_body(body: str) -> str:
    from services.gateway.access.masking import mask_personal

    try:
        wire = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if not isinstance(wire, dict) or not wire.get("data"):
        return body
    new = {**wire, "data": mask_personal(wire["data"])}
    return body if new == wire else orjson.dumps(new).decode()


# (where a copy is stored, how its value changes)
def _plan(change: PartyChange, webhooks: bool) -> list[tuple[repo.StoredCopy, Callable[[Any], Any]]]:
    plan: list[tuple[repo.StoredCopy, Callable[[Any], Any]]] = [
        (repo.HANDOFF_PARTIES, lambda v: _parties(v, change)),
        (repo.HUB_EVENTS, lambda v: _event_data(v, change)),
        (repo.OUTBOX_EVENTS, lambda v: _event_data(v, change)),
        (repo.DEAD_LETTERS, lambda v: _dead_event(v, change)),
    ]
    if webhooks:
        plan.append((repo.WEBHOOK_BODIES, _webhook_body))
    return plan


def rewrite(transaction: Callable[[], contextlib.AbstractContextManager[sa.Connection]], change: PartyChange, *,
            webhooks: bool = False, batch: int = 500) -> dict[str, int]:
    """Apply `change` to every stored party; rows changed per table. Each batch runs in `transaction()`
    (the migration's one connection, or a short transaction each for the CLI)."""
    counts: dict[str, int] = {}
    for copy, new_value in _plan(change, webhooks):
        name = copy.table.name
        counts[name] = 0
        after = None
        while True:
            with transaction() as conn:
                rows = repo.batch_after(conn, copy, after, batch)
                for k, v in rows:
                    new = new_value(v)
                    if new != v:
                        repo.set_value(conn, copy, k, new)
                        counts[name] += 1
            if len(rows) < batch:
                break
            after = rows[-1][0]
    return counts


def one_connection(conn: sa.Connection) -> Callable[[], contextlib.AbstractContextManager[sa.Connection]]:
    """`transaction` for a connection already in a transaction (a migration)."""
    @contextlib.contextmanager
    def same() -> Iterator[sa.Connection]:
        yield conn
    return same


def rotate(db, keys: str, *, batch: int = 500) -> tuple[dict[str, int], dict[str, int]]:
    """Key rotation: (rows re-sealed per table, handoffs per key id left). A short transaction per batch;
    run again, it continues (only rows under another key than the first change)."""
    from shared.handoff_pii import reseal_party, sealed_kids
    from shared.pii import key_ring

    ring = key_ring(keys)

    @contextlib.contextmanager
    def transaction() -> Iterator[sa.Connection]:
        with db.engine.begin() as conn:
            yield conn

    counts = rewrite(transaction, lambda p: reseal_party(ring, p)[0], batch=batch)
    kids: dict[str, int] = {}
    with db.engine.connect() as conn:
        for parties in repo.handoffs_parties(conn):
            for kid in sealed_kids(parties):
                kids[kid] = kids.get(kid, 0) + 1
    return counts, kids
