"""SQLite writers of one process (shared/db.py): they queue first come, first served; readers never wait."""
from __future__ import annotations

import threading
import time

from sqlalchemy import text

from shared.db import Database, _WriterLock


def test_writers_get_the_lock_in_the_order_they_asked():
    lock = _WriterLock()
    assert lock.acquire(timeout=1)
    order: list[int] = []
    threads = []
    for n in range(6):
        def wait_turn(n=n) -> None:
            assert lock.acquire(timeout=10)
            order.append(n)
            lock.release()

        t = threading.Thread(target=wait_turn)
        t.start()
        threads.append(t)
        time.sleep(0.05)  # each one is queued before the next asks
    lock.release()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4, 5]
    assert lock.owner is None


def test_a_waiter_that_gives_up_leaves_the_queue():
    lock = _WriterLock()
    assert lock.acquire(timeout=1)
    got: list[bool] = []
    t = threading.Thread(target=lambda: got.append(lock.acquire(timeout=0.1)))
    t.start()
    t.join(5)
    assert got == [False]
    lock.release()
    assert lock.owner is None and lock.acquire(timeout=0.1)  # nobody was handed a lock they no longer wait for


def test_a_reader_does_not_wait_for_a_writer_holding_the_lock(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with db.session() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.execute(text("INSERT INTO t VALUES (1)"))
    writing = threading.Event()
    done = threading.Event()

    def writer() -> None:
        with db.session() as s:
            s.execute(text("INSERT INTO t VALUES (2)"))
            writing.set()
            done.wait(10)  # holds the write lock until the reader has read

    t = threading.Thread(target=writer)
    t.start()
    assert writing.wait(10)
    started = time.monotonic()
    with db.session(read_only=True) as s:
        rows = s.execute(text("SELECT x FROM t")).scalars().all()
    took = time.monotonic() - started
    done.set()
    t.join(10)
    db.dispose()
    assert rows == [1]  # the committed snapshot, not the writer's row
    assert took < 1.0


def test_a_writer_that_lets_go_cannot_take_the_lock_back_ahead_of_a_waiter():
    """The unfairness the queue removes: a plain lock lets the thread that just released it barge in again."""
    lock = _WriterLock()
    assert lock.acquire(timeout=1)
    events: list[str] = []

    def waiter() -> None:
        assert lock.acquire(timeout=10)
        events.append("waiter")
        time.sleep(0.05)
        lock.release()

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.05)  # the waiter is queued
    lock.release()
    assert lock.acquire(timeout=10)
    events.append("the holder again")
    lock.release()
    t.join(10)
    assert events == ["waiter", "the holder again"]
