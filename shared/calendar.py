"""The working-day calendar (工作日历) and statutory deadlines, computed in one place.

Working days follow the State Council's yearly holiday notice, adjustment
working days (调休) included: the `chinese-calendar` package's data, then the
bureau's overrides (entered through `PUT /api/v1/calendar/days/{date}`), which
win over the package. A year loaded whole (`PUT /api/v1/calendar/years/{year}`,
the State Council notice: its holidays and 调休 days, every other day Monday–Friday)
is covered (`CalendarYear`). A date beyond all known data falls back to Monday–Friday
with a logged warning, never an error; a deadline computed on it is provisional
(`rule_deadline_checked` tells the missing year; shared/deadlines.py recomputes it).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import chinese_calendar
from sqlalchemy import Column, Date, Integer, String, delete, select
from sqlmodel import Field, Session, SQLModel, col

log = logging.getLogger("suite.calendar")

DayKind = Literal["holiday", "workday"]


class CalendarOverride(SQLModel, table=True):
    """A day the bureau declared a holiday or a working day (e.g. next year's published notice)."""

    __tablename__ = "calendar_override"
    __table_args__ = ({"info": {"owner": "shared"}},)

    day: date = Field(sa_column=Column(Date, primary_key=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    name: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))


class CalendarYear(SQLModel, table=True):
    """A year whose State Council notice was loaded whole (`PUT /api/v1/calendar/years/{year}`): covered."""

    __tablename__ = "calendar_year"
    __table_args__ = ({"info": {"owner": "shared"}},)

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    days: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    name: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    # The `calendar.year.set` event's sequence that loaded it: an older load delivered late is ignored.
    sequence: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))


def _package_says(d: date) -> bool | None:
    """True/False from the packaged data, None when the date is beyond it."""
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:
        return None


class WorkingCalendar:
    """Working days: overrides, then packaged data, then Monday–Friday (with a warning)."""

    def __init__(self, overrides: dict[date, str] | None = None, covered_years: set[int] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.covered_years = set(covered_years or ())  # years loaded whole: a day not listed is Mon–Fri
        self._warned_years: set[int] = set()
        self.missing: set[int] | None = None  # on a `tracking()` copy: years the fallback was used for

    def tracking(self) -> WorkingCalendar:
        """A copy that records in `missing` every year for which it fell back to Monday–Friday."""
        t = object.__new__(type(self))
        t.__dict__.update(self.__dict__)
        t.missing = set()
        return t

    def is_working_day(self, d: date) -> bool:
        kind = self.overrides.get(d)
        if kind is not None:
            return kind == "workday"
        if d.year in self.covered_years:  # a loaded notice lists every exception: the rest is Mon–Fri
            return d.weekday() < 5
        known = _package_says(d)
        if known is not None:
            return known
        if self.missing is not None:
            self.missing.add(d.year)
        if d.year not in self._warned_years:
            self._warned_years.add(d.year)
            log.warning("no holiday data for this year; using Monday-Friday", extra={"year": d.year})
        return d.weekday() < 5

    def is_known(self, d: date) -> bool:
        """Whether the day is covered by packaged data or an override (not a fallback guess)."""
        return d in self.overrides or d.year in self.covered_years or _package_says(d) is not None

    def year_covered(self, year: int) -> bool:
        """Whether the whole year is known: loaded through the API or in the packaged data."""
        return year in self.covered_years or _package_says(date(year, 6, 1)) is not None

    def next_working_day(self, d: date, *, include: bool = True) -> date:
        """The first working day on or after `d` (`include`), or strictly after it."""
        cur = d if include else d + timedelta(days=1)
        while not self.is_working_day(cur):
            cur += timedelta(days=1)
        return cur

    def add_working_days(self, start: date, n: int) -> date:
        cur = start
        while n > 0:
            cur += timedelta(days=1)
            if self.is_working_day(cur):
                n -= 1
        return cur

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days in [start, end]."""
        out, cur = [], start
        while cur <= end:
            if self.is_working_day(cur):
                out.append(cur)
            cur += timedelta(days=1)
        return out

    def deadline(self, start: date, amount: int, unit: Literal["days", "working_days", "months"] = "days",
                 *, excluded_days: int = 0) -> date:
        """The last day of a period that starts on `start` (the start day is not counted).

        - `days` (日): calendar days; an end that falls on a rest day or holiday
          moves to the next working day (民法典 arts. 201, 203 by analogy).
        - `working_days` (工作日): counts working days only.
        - `months` (月): the same day number `amount` months later (last day of a
          shorter month), moved off rest days like `days`.
        `excluded_days` are added first (e.g. hearing days not counted, 听证).
        """
        if unit == "working_days":
            return self.add_working_days(start, amount + excluded_days)
        if unit == "months":
            m = start.month - 1 + amount
            y, m = start.year + m // 12, m % 12 + 1
            import calendar as _cal
            end = date(y, m, min(start.day, _cal.monthrange(y, m)[1])) + timedelta(days=excluded_days)
        else:
            end = start + timedelta(days=amount + excluded_days)
        return self.next_working_day(end)


@dataclass(frozen=True)
class DeadlineRule:
    """A statutory or practice period, as data (DOMAIN.md)."""

    amount: int
    unit: Literal["days", "working_days", "months"]
    source: str


# Every deadline rule of DOMAIN.md in one table; services look them up by name.
RULES: dict[str, DeadlineRule] = {
    "petition_register": DeadlineRule(15, "days", "信访工作条例 art. 22"),
    "petition_acceptance_notice": DeadlineRule(15, "days", "信访工作条例 art. 23"),
    "remit_objection": DeadlineRule(5, "working_days", "信访工作条例 art. 23"),
    "petition_handling": DeadlineRule(60, "days", "信访工作条例 art. 34"),
    "petition_handling_extension": DeadlineRule(30, "days", "信访工作条例 art. 34"),
    "review_request_window": DeadlineRule(30, "days", "信访工作条例 art. 35"),
    "review_opinion": DeadlineRule(30, "days", "信访工作条例 art. 35"),
    "re_examination_request_window": DeadlineRule(30, "days", "信访工作条例 art. 36"),
    "re_examination_opinion": DeadlineRule(30, "days", "信访工作条例 art. 36"),
    "judicial_confirmation": DeadlineRule(30, "days", "人民调解法 art. 33"),
    "mediation_target": DeadlineRule(1, "months", "人民调解工作若干规定 (2002)"),
    "legal_opinion_due": DeadlineRule(15, "days", "practice"),
}


def rule_deadline(cal: WorkingCalendar, rule: str, start: date, *, excluded_days: int = 0) -> date:
    r = RULES[rule]
    return cal.deadline(start, r.amount, r.unit, excluded_days=excluded_days)


def rule_deadline_checked(cal: WorkingCalendar, rule: str, start: date, *,
                          excluded_days: int = 0) -> tuple[date, int | None]:
    """The deadline and the first year it rested on the Monday–Friday fallback for (None: not provisional)."""
    t = cal.tracking()
    d = rule_deadline(t, rule, start, excluded_days=excluded_days)
    return d, min(t.missing) if t.missing else None


def next_working_day_checked(cal: WorkingCalendar, d: date) -> tuple[date, int | None]:
    """`next_working_day` and the first year it fell back to Monday–Friday for (None: not provisional)."""
    t = cal.tracking()
    out = t.next_working_day(d)
    return out, min(t.missing) if t.missing else None


def provisional_fields(missing_year: int | None) -> dict:
    """What an answer that shows a deadline carries (API.md "Calendar")."""
    return {"deadline_provisional": missing_year is not None, "deadline_missing_year": missing_year}


class CalendarStore:
    """Loads a service's overrides from its database, cached for a few seconds."""

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._cal: WorkingCalendar | None = None
        self._loaded = 0.0
        self._lock = threading.Lock()

    def get(self, session: Session) -> WorkingCalendar:
        with self._lock:
            if self._cal is None or time.monotonic() - self._loaded > self.ttl:
                self._cal = self.fresh(session)
                self._loaded = time.monotonic()
            return self._cal

    @staticmethod
    def fresh(session: Session) -> WorkingCalendar:
        """The calendar as this transaction sees it (not cached): after a change, before commit."""
        rows = session.execute(select(CalendarOverride)).scalars().all()
        years = set(session.execute(select(col(CalendarYear.year))).scalars())
        return WorkingCalendar({r.day: r.kind for r in rows}, years)

    def invalidate(self) -> None:
        with self._lock:
            self._cal = None

    def set_day(self, session: Session, day: date, kind: DayKind, name: str = "") -> CalendarOverride:
        row = session.get(CalendarOverride, day)
        if row is None:
            row = CalendarOverride(day=day, kind=kind, name=name)
            session.add(row)
        else:
            row.kind, row.name = kind, name
        session.flush()
        self.invalidate()
        return row

    def set_year(self, session: Session, year: int, days: list[tuple[date, str, str]], name: str = "",
                 sequence: int | None = None) -> bool:
        """Load a year's notice whole: its days replace the year's overrides, and the year is covered.

        Returns False (and changes nothing) for a load older than the one applied (`sequence`)."""
        row = session.get(CalendarYear, year)
        if row is not None and sequence is not None and row.sequence is not None and sequence < row.sequence:
            return False
        session.execute(delete(CalendarOverride).where(col(CalendarOverride.day) >= date(year, 1, 1),
                                                       col(CalendarOverride.day) <= date(year, 12, 31)))
        session.flush()
        for d, kind, day_name in days:
            session.add(CalendarOverride(day=d, kind=kind, name=day_name))
        if row is None:
            session.add(CalendarYear(year=year, days=len(days), name=name, sequence=sequence))
        else:
            row.days, row.name, row.sequence = len(days), name, sequence
        session.flush()
        self.invalidate()
        return True
