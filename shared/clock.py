"""The clock deadlines are judged by (今天): the real time, unless an app carries a fixed one.

`now(app)` and `today(app)` read `app.state.clock` (a callable giving an aware instant) when it is
set, else the real time. Only the deadline paths read it: when a handoff is requested and when
its acceptance deadline is set, and which stored deadlines are "not yet passed" when the calendar
changes (shared/deadlines.py). Tests set it (`set_clock`) so that a deadline across 元旦 2027 is
tested the same way whatever the day the tests run; nothing sets it in a running service.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from shared.db import utcnow
from shared.timeutil import local_date


def now(app) -> datetime:
    clock: Callable[[], datetime] | None = getattr(app.state, "clock", None)
    return clock() if clock is not None else utcnow()


def today(app) -> date:
    """Today in Asia/Shanghai by the app's clock."""
    return local_date(now(app))


def fixed(at: datetime) -> Callable[[], datetime]:
    """A clock stopped at `at` (an aware instant)."""
    if at.tzinfo is None:
        raise ValueError("a fixed clock needs an aware instant")
    return lambda: at
