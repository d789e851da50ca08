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


# -- across processes: more than one worker on one SQLite file (MEDIATION_WORKERS=2) ---------------------
WRITER_PROCESS = """
import sys, time
from sqlalchemy import text
from shared.db import Database
db = Database(sys.argv[1])
for n in range(int(sys.argv[3])):
    with db.session() as s:
        s.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": sys.argv[2]})
        time.sleep(0.002)  # work inside the transaction
    time.sleep(0.001)      # between requests
db.dispose()
"""


def test_a_write_transaction_holds_the_files_writer_lock_across_processes(tmp_path):
    """Another process asking for the lock sleeps in the kernel until the holder commits (no polling)."""
    import fcntl
    import os

    path = tmp_path / "w.db"
    db = Database(f"sqlite:///{path}")
    with db.session() as s:
        s.execute(text("CREATE TABLE t (x INTEGER)"))
    other = os.open(f"{path}-writers.lock", os.O_RDWR)  # as another process would: its own open file
    try:
        with db.session() as s:
            s.execute(text("INSERT INTO t VALUES (1)"))
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = False
            except BlockingIOError:
                held = True
        assert held, "the writer did not hold the file's lock during its transaction"
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again once it committed
        fcntl.flock(other, fcntl.LOCK_UN)
        with db.session(read_only=True) as s:  # a read takes no writer lock
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            assert s.execute(text("SELECT count(*) FROM t")).scalar() == 1
            fcntl.flock(other, fcntl.LOCK_UN)
    finally:
        os.close(other)
        db.dispose()


def test_two_processes_writing_one_file_both_commit_every_transaction(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    url = f"sqlite:///{tmp_path / 'w.db'}"
    db = Database(url)
    with db.session() as s:
        s.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT)"))
    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, "-c", WRITER_PROCESS, url, who, "60"], cwd=root,
                              stderr=subprocess.PIPE, text=True) for who in ("a", "b")]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    with db.session(read_only=True) as s:
        order = s.execute(text("SELECT who FROM t ORDER BY n")).scalars().all()
    db.dispose()
    assert order.count("a") == 60 and order.count("b") == 60
