"""Deadline tests that give the same answer whatever day they run (tests/conftest.py puts this dir on the path).

Two things decide a deadline besides the rules: today, and how far the packaged holiday data reaches.
`DeadlineClock` fixes both: every service's clock (shared/clock.py) at a given instant, and the packaged
data (`chinese_calendar`) stopping at 2026 whatever version is installed, as it did when the
bureau's 2027 notice had to be loaded through the API.
"""
from __future__ import annotations

from datetime import date, datetime

from shared import calendar, clock
from shared.timeutil import SHANGHAI

SERVICES = ("gateway", "mediation", "lawyers")
PACKAGED_UNTIL = 2026

NOTICE_2027 = [  # a State Council notice as the bureau loads it (元旦, 春节 with its 调休 Sunday)
    {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
    {"date": "2027-02-06", "kind": "holiday", "name": "春节"},
    {"date": "2027-02-07", "kind": "workday", "name": "春节调休"},
]


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 30) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


class DeadlineClock:
    def __init__(self, suite, monkeypatch) -> None:
        self.suite, self.monkeypatch = suite, monkeypatch
        real = calendar._package_says
        monkeypatch.setattr(calendar, "_package_says",
                            lambda d: None if d.year > PACKAGED_UNTIL else real(d))

    def set(self, at: datetime) -> datetime:
        """Every service's today is `at` (an aware instant) until `reset()`."""
        for svc in SERVICES:
            self.suite.app[svc].state.clock = clock.fixed(at)
        return at

    def reset(self) -> None:
        """Back to the real time (call at the end of the test: the fixtures do)."""
        for svc in SERVICES:
            self.suite.app[svc].state.clock = None

    @staticmethod
    def package_knows(day: date) -> bool:
        return calendar._package_says(day) is not None
