"""Database: one engine per service from `DATABASE_URL`, one session per request or job.

- SQLite (embedded default): WAL, a busy timeout, foreign keys on. A unit of work that
  may write opens its transaction with `BEGIN IMMEDIATE`, so a check-then-insert holds the
  write lock from its first read and cannot race another writer. A read-only unit (a GET or
  HEAD request, `Database.session(read_only=True)`) opens a deferred `BEGIN`: it reads its WAL
  snapshot and never waits for, or holds, the write lock.
- PostgreSQL via psycopg 3 (`postgresql+psycopg://...`). A read-only unit runs in autocommit:
  each statement its own snapshot, as in a READ COMMITTED transaction, without the BEGIN and COMMIT
  round trips; it takes no locks.
- A read-only unit that tries to write is refused (`ReadOnlyViolation`) before the database sees it.

`UnitOfWork.finish` is the only place that commits (STYLE habit 1): the request dependency,
the one-hop route (shared/routing.py) and the job wrapper all end there; services call
`session.flush()` when they need ids.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError
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

# Execution option on `Database.read_engine`: the transaction only reads (deferred / READ ONLY).
READ_ONLY = "suite_read_only"
# Requests whose unit of work is read-only.
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
# Where the request's unit of work is kept in the ASGI scope (read by the one-hop route).
UNIT_SCOPE_KEY = "suite.unit_of_work"
# session.info: the unit only reads; its statements are refused if they write.
READ_ONLY_SESSION = "read_only"
# session.info entries a read-only unit passes on to a short write transaction of its own when it ends:
# the audit trail's records of a look at unmasked personal data (shared/audit/writer.py).
WRITES_AFTER_READ = ("audit_pending",)
# connection.info: this connection holds the process's SQLite writer lock (released at commit/rollback).
_HOLDS_WRITER = "suite_holds_writer"

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
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table (SQLModel sets `__table__` on the class but does not declare it)."""
    return model.__table__  # type: ignore[attr-defined]  # declared by SQLAlchemy's mapper, not by SQLModel


def rowcount(result: Any) -> int:
    """Rows matched by an UPDATE/DELETE (Session.execute is typed as a plain Result; it is a CursorResult)."""
    return result.rowcount


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


PING_AFTER_IDLE = 10.0  # seconds: a pooled PostgreSQL connection idle longer is pinged at checkout
_READ_STATEMENTS = ("SELECT", "WITH", "SHOW", "VALUES", "EXPLAIN", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK",
                    "SAVEPOINT", "RELEASE")
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.I)


class ReadOnlyViolation(RuntimeError):
    """A read-only unit of work (a GET or HEAD request) tried to write."""


def _read_statement(statement: str) -> bool:
    head = statement.lstrip()[:9].upper()
    if not head.startswith(_READ_STATEMENTS):
        return False
    return not head.startswith("WITH") or _WRITES.search(statement) is None


def _guard_reads(engine: Engine) -> None:
    """A read-only unit may only read: it holds no write lock (SQLite) and has no transaction to roll a
    write back (PostgreSQL autocommit), so a write there is a bug, refused before it reaches the database."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes(conn, _cursor, statement, _params, _context, _many):
        if conn.get_execution_options().get(READ_ONLY) and not _read_statement(statement):
            raise ReadOnlyViolation(f"a read-only unit of work (GET/HEAD) tried to write: {statement[:80]!r}")


class _FileLock:
    """The writers of every process on one SQLite file queue on an exclusive `flock` of a file beside it
    (`<database>-writers.lock`), taken by a process's one holder of its own writer lock.

    With more than one worker process on the file (`MEDIATION_WORKERS=2`), a waiting process sleeps in
    the kernel and is woken the moment the holder lets go; without it, it met SQLite's busy handler, which
    polls with sleeps of up to 100 ms and let one process take the lock again and again (bookings p99 8 s,
    docs/benchmarks.md). The kernel drops the lock of a process that dies. SQLite's own lock still
    guarantees the serialisation; this only decides who asks for it next.
    """

    __slots__ = ("fd",)

    def __init__(self, database: str) -> None:
        self.fd = os.open(database + "-writers.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def acquire(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)  # the GIL is released while it waits

    def release(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)


class _WriterLock:
    """A first-come, first-served lock that knows its holder (SQLite writers of one process queue on it;
    see make_engine). `threading.Lock` is not fair: under a queue of bookings a waiter could lose the
    race again and again (the tail of bench/embedded_mix.py); here the holder hands the lock to the
    longest waiter. The holder also takes the file's lock across processes (`_FileLock`), if any."""

    __slots__ = ("_file", "_mutex", "_waiters", "owner")

    def __init__(self, file: _FileLock | None = None) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[tuple[int, threading.Event]] = deque()
        self.owner: int | None = None
        self._file = file

    def acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        turn: tuple[int, threading.Event] | None = None
        with self._mutex:
            if self.owner is None and not self._waiters:
                self.owner = me
            else:
                turn = (me, threading.Event())
                self._waiters.append(turn)
        if turn is not None and not turn[1].wait(timeout):
            with self._mutex:
                if not turn[1].is_set():  # not handed over just as the wait gave up
                    self._waiters.remove(turn)
                    return False
        # The file's lock is waited for outside the mutex: the threads asking meanwhile still join the queue.
        return self._across_processes()

    def _across_processes(self) -> bool:
        if self._file is not None:
            try:
                self._file.acquire()
            except BaseException:
                self.release(file=False)
                raise
        return True

    def release(self, file: bool = True) -> None:
        if file and self._file is not None:
            self._file.release()
        with self._mutex:
            if self._waiters:
                ident, event = self._waiters.popleft()
                self.owner = ident
                event.set()
            else:
                self.owner = None


_WRITER_LOCKS: dict[str, _WriterLock] = {}
_WRITER_LOCKS_MUTEX = threading.Lock()


def _writer_lock(path: str) -> _WriterLock:
    """One writer lock per SQLite file and process, whichever engines open it (a file-less database: one
    of its own)."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return _WriterLock()
    key = str(Path(path).resolve())
    with _WRITER_LOCKS_MUTEX:
        lock = _WRITER_LOCKS.get(key)
        if lock is None:
            lock = _WRITER_LOCKS[key] = _WriterLock(_FileLock(key))
        return lock


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    """Create the engine for `url` with the suite's SQLite or PostgreSQL tuning."""
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=pool_size, max_overflow=max(20, pool_size))

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _rec):  # pragma: no cover - exercised by every sqlite test
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        writers = _writer_lock(path.split("?", 1)[0])

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # A read-only unit reads its snapshot without the write lock; any other takes the lock first.
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
                return
            # Writers of this process queue on a lock of their own before asking SQLite for its write
            # lock: a waiter is woken the moment the holder ends, where SQLite's busy handler polls with
            # sleeps of up to 100 ms (bench/embedded_mix.py: 64 clients mixing reads and bookings).
            # The holder then queues across processes (a second worker) on the file's lock (_FileLock).
            # A thread that already holds it (a nested write) and a waiter past the busy timeout go on to
            # SQLite as before, which then answers "database is locked" (a 503) rather than hang.
            queued = writers.owner != threading.get_ident() and writers.acquire(timeout=30)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if queued:
                    writers.release()
                raise
            if queued:
                conn.info[_HOLDS_WRITER] = writers

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _on_end(conn):
            held = conn.info.pop(_HOLDS_WRITER, None)
            if held is not None:
                held.release()

        @event.listens_for(engine, "close")
        @event.listens_for(engine, "invalidate")
        def _on_close(dbapi_conn, record, *_exc):
            held = record.info.pop(_HOLDS_WRITER, None) if record is not None else None
            if held is not None:  # pragma: no cover - a connection dropped inside a write transaction
                held.release()

        _guard_reads(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url, pool_size=pool_size, max_overflow=max(20, pool_size))

    # Instead of `pool_pre_ping` (a round trip on every checkout): ping only a connection that sat in
    # the pool a while; a dead one is replaced before use (DisconnectionError makes the pool retry).
    # A connection in use that the server drops fails its request, and SQLAlchemy then renews the pool.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since > PING_AFTER_IDLE:
            try:
                engine.dialect.do_ping(dbapi_conn)
            except Exception as e:
                raise DisconnectionError("a pooled connection failed its ping") from e

    _guard_reads(engine)
    return engine


class Database:
    """A service's engine and session factories (read-write, and read-only)."""

    def __init__(self, url: str, *, pool_size: int = 20, read_threads: int = 4) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.read_threads = read_threads  # units that only read, in worker threads at once (shared/routing.py)
        # Same pool, for units that only read: deferred transactions on SQLite (a consistent snapshot,
        # no write lock); autocommit on PostgreSQL (each statement is its own snapshot, as in a READ
        # COMMITTED transaction, without the BEGIN and COMMIT round trips). Writes are refused there.
        options = {READ_ONLY: True} if self.engine.dialect.name == "sqlite" else {
            READ_ONLY: True, "isolation_level": "AUTOCOMMIT"}
        self.read_engine = self.engine.execution_options(**options)
        self.sessions = sessionmaker(self.engine, class_=Session, expire_on_commit=False)
        self.read_sessions = sessionmaker(self.read_engine, class_=Session, expire_on_commit=False)
        # Called after a commit that wrote outbox events (e.g. to wake the relay).
        self.after_event_commit: list = []

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        unit = UnitOfWork(self, read_only=read_only)
        try:
            yield unit.session
        except BaseException:
            unit.abort()
            raise
        unit.finish()

    def ping(self) -> bool:
        try:
            with self.read_engine.connect() as c:
                c.execute(text("SELECT 1"))
                c.rollback()
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()


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


class UnitOfWork:
    """One transaction: its session, and the one place it ends (`finish` commits, `abort` rolls back).

    The session is made on first use (a unit that is never used costs nothing). Both ends close it;
    `finish` then runs the database's after-commit hooks when the transaction wrote outbox events.
    Either may run in any thread, once.
    """

    __slots__ = ("_session", "db", "done", "info", "read_only")

    def __init__(self, db: Database, *, read_only: bool = False, info: dict[str, Any] | None = None) -> None:
        self.db = db
        self.read_only = read_only
        self.info = info  # put in the session's info when it is made
        self._session: Session | None = None
        self.done = False

    @property
    def session(self) -> Session:
        if self._session is None:
            s = (self.db.read_sessions if self.read_only else self.db.sessions)()
            if self.info:
                s.info.update(self.info)
            if self.read_only:
                s.info[READ_ONLY_SESSION] = True
            self._session = s
        return self._session

    @property
    def idle(self) -> bool:
        """No transaction was begun: ending the unit touches no database."""
        return self._session is None or not self._session.in_transaction()

    def finish(self) -> None:
        """Commit (the boundary) and close; a failed commit rolls back and raises."""
        self.done = True
        s = self._session
        if s is None:
            return
        try:
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
        if s.info.pop("events_emitted", False):
            for hook in self.db.after_event_commit:
                hook()
        handed = {k: s.info.pop(k) for k in WRITES_AFTER_READ if s.info.get(k)} if self.read_only else None
        if handed:  # written (and committed) before the answer leaves; a failure fails the request
            writer = UnitOfWork(self.db, info={**(self.info or {}), **handed})
            writer.run(lambda: writer.session)  # the session made, so its commit writes the records

    def abort(self) -> None:
        self.done = True
        if self._session is None:
            return
        try:
            self._session.rollback()
        finally:
            self._session.close()

    def run(self, work: Callable[[], Any]) -> Any:
        """`work()`, then the commit, in the calling thread; any error rolls back (one thread hop in all)."""
        try:
            result = work()
        except BaseException:
            self.abort()
            raise
        self.finish()
        return result


async def _end(unit: UnitOfWork, how: Callable[[], None]) -> None:
    """End a unit from the event loop: inline when it never touched the database, else in a worker
    thread of its own (a fresh limiter: ending never waits for a worker that may wait on this unit)."""
    if unit.idle:
        how()
        return
    with anyio.CancelScope(shield=True):
        await anyio.to_thread.run_sync(how, limiter=anyio.CapacityLimiter(1))


def open_request_unit(request: Request) -> UnitOfWork:
    """The request's unit of work (read-only for GET and HEAD), kept in its scope; no database yet.

    Its session carries the request: the audit trail's record is written in its transaction (shared/audit).
    """
    unit = UnitOfWork(request.app.state.db, read_only=request.method in READ_ONLY_METHODS,
                      info={"audit_request": request})
    request.scope[UNIT_SCOPE_KEY] = unit
    return unit


async def end_request_unit(unit: UnitOfWork, error: BaseException | None) -> None:
    """End the request's unit unless its endpoint did (one-hop routes commit in their worker thread):
    roll back after an error, else commit. Database errors, the endpoint's or the commit's, become
    problems: a lost uniqueness race a 409, a database too busy to take the write a 503."""
    with write_problems():
        if error is not None:
            if not unit.done:
                await _end(unit, unit.abort)
            if isinstance(error, (IntegrityError, OperationalError)):
                raise error
            return
        if not unit.done:
            await _end(unit, unit.finish)


async def db_session(request: Request) -> Session:
    """Request dependency: the session of the request's one unit of work, committed at the boundary.

    GET and HEAD requests get a read-only unit (deferred on SQLite: no write lock; autocommit on
    PostgreSQL). On a `OneHopRoute` (shared/routing.py) the route opened the unit before solving the
    dependencies and ends it: a sync endpoint commits in its own worker thread, before its answer is
    sent. On any other route the unit is opened here and ended when the endpoint function's scope
    closes (FastAPI's function exit stack), also before the answer is sent: a failed commit is never
    reported as a success. Either way nothing is half-written. No database work happens here, so
    this runs on the event loop and needs no worker thread.
    """
    unit = request.scope.get(UNIT_SCOPE_KEY)
    if unit is None:
        unit = open_request_unit(request)
        stack = request.scope.get("fastapi_function_astack")
        if stack is None:  # pragma: no cover - FastAPI always sets it for a request
            raise RuntimeError("db_session needs FastAPI's per-endpoint exit stack")

        async def _exit(_type, error, _tb) -> bool:
            await end_request_unit(unit, error)
            return False

        stack.push_async_exit(_exit)
    return unit.session


DbSession = Annotated[Session, Depends(db_session)]
