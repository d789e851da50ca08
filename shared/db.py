"""Database: one engine per service from `DATABASE_URL`, one session per request or job.

- SQLite (embedded default): WAL, a busy timeout, foreign keys on, and every
  transaction opened with `BEGIN IMMEDIATE`, so a check-then-insert holds the
  write lock from its first read and cannot race another writer.
- PostgreSQL via psycopg 3 (`postgresql+psycopg://...`).

The request dependency or the job wrapper is the only place that commits
(STYLE habit 1); services call `session.flush()` when they need ids.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

# Explicit constraint names (STYLE habit 8); set before any table is declared.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION

JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC (timestamptz on PostgreSQL), always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """Create the engine for `url` with the suite's SQLite or PostgreSQL tuning."""
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=pool_size, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _rec):  # pragma: no cover - exercised by every sqlite test
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


class Database:
    """A service's engine and session factory."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.sessions = sessionmaker(self.engine, class_=Session, expire_on_commit=False)
        # Called after a commit that wrote outbox events (e.g. to wake the relay).
        self.after_event_commit: list = []

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        s = self.sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
        if s.info.pop("events_emitted", False):
            for hook in self.after_event_commit:
                hook()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as c:
                c.execute(text("SELECT 1"))
                c.rollback()
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def retry_on_lock(fn, attempts: int = 5):
    """Run `fn()` again when SQLite reports a transient lock (rare with busy_timeout)."""
    for i in range(attempts):
        try:
            return fn()
        except OperationalError as e:  # pragma: no cover - timing dependent
            if "locked" not in str(e) or i == attempts - 1:
                raise
            time.sleep(0.05 * (i + 1))


def get_db(request: Request) -> Database:
    return request.app.state.db


@contextlib.contextmanager
def write_problems() -> Iterator[None]:
    """Map a failed write to problem+json: a lost uniqueness race is a 409, a busy database a 503."""
    from shared.errors import Conflict, SuiteError

    try:
        yield
    except IntegrityError as e:
        raise Conflict("The change conflicts with data written at the same time; nothing was saved.",
                       code="write_conflict") from e
    except OperationalError as e:
        if any(m in str(e) for m in ("locked", "could not serialize", "deadlock detected", "lock timeout")):
            raise SuiteError("The database is busy; retry shortly.", code="busy", status=503,
                             headers={"Retry-After": "1"}) from e
        raise


def db_session(request: Request) -> Iterator[Session]:
    """Request dependency: the request's one transaction, committed at the boundary.

    It is scoped to the endpoint function (`scope="function"`), so the commit happens
    before the answer is sent: a failed commit is never reported as a success.
    A write that loses a uniqueness race is a 409; a database too busy to take the
    write is a 503 with Retry-After. Either way nothing is half-written.
    """
    with write_problems(), request.app.state.db.session() as s:
        s.info["audit_request"] = request  # the audit trail's record is written in this transaction (shared/audit)
        yield s


DbSession = Annotated[Session, Depends(db_session, scope="function")]


def json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value))
