"""Retention (网络安全法 art. 21: at least 6 months): export old records, then drop them.

`drop_old(app)` (a daily job in every service) takes the chain's lock, writes the records older than
`AUDIT_RETENTION_DAYS` (default 183, never fewer) that form the start of the chain to a JSON-lines file
under `AUDIT_EXPORT_DIR` (a first line names the chain and its base, each record line carries its
`prev_hash` and `hash`, so the file verifies on its own), syncs it to disk, and only then drops them,
in the same transaction: the guard row lets the trigger pass the DELETE, and is gone again before the
commit. The last dropped record's seq and hash become the chain's base, so `verify` still walks an
unbroken chain. The drop is itself recorded (`audit.retention.drop`).
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import sqlalchemy as sa

from shared.audit import chain, writer
from shared.audit.models import audit_chain, audit_event
from shared.db import utcnow

log = logging.getLogger("suite.audit")
MIN_DAYS = 183  # six months


def drop_old(app, now: datetime | None = None) -> dict | None:
    settings = app.state.settings
    service = settings.service_name
    days = max(int(settings.audit_retention_days), MIN_DAYS)
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    t = audit_event.c
    with app.state.db.session() as s:
        head = chain._head(s, service, lock=True)
        first_kept = s.execute(sa.select(sa.func.min(t.seq)).where(t.service == service, t.at >= cutoff)).scalar()
        bound = int(first_kept) - 1 if first_kept is not None else int(head["seq"])
        if bound <= int(head["base_seq"]):
            return None
        rows = [dict(r) for r in s.execute(sa.select(audit_event).where(t.service == service, t.seq <= bound)
                                           .order_by(t.seq)).mappings().all()]
        if not rows:
            return None
        folder = Path(settings.audit_export_dir)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{service}-audit-{rows[0]['seq']:012d}-{rows[-1]['seq']:012d}.jsonl"
        tmp = folder / (name + ".part")
        with open(tmp, "wb") as f:
            f.write(orjson.dumps({"chain": service, "base_seq": int(head["base_seq"]), "base_hash": head["base_hash"],
                                  "exported_at": now.isoformat(), "cutoff": cutoff.isoformat()}) + b"\n")
            for rec in rows:
                f.write(chain.export_line(rec))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / name)
        chain.open_guard(s)
        s.execute(sa.delete(audit_event).where(t.service == service, t.seq <= bound))
        chain.close_guard(s)
        s.execute(sa.update(audit_chain).where(audit_chain.c.service == service)
                  .values(base_seq=rows[-1]["seq"], base_hash=rows[-1]["hash"]))
        out = {"dropped": len(rows), "first_seq": rows[0]["seq"], "last_seq": rows[-1]["seq"], "file": name,
               "cutoff": cutoff.isoformat()}
        writer.record(s, "audit.retention.drop", service=service, actor="system", object_type="audit_chain",
                      object_id=service, detail=out)
    log.info("audit records exported and dropped", extra={"service": service, **out})
    return out


def retention_job(app) -> None:
    drop_old(app)
