"""Every query of the calendar API (the working calendar itself: shared/calendar.py)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from shared.calendar import CalendarOverride, CalendarYear


def loaded_year(session: Session, year: int) -> CalendarYear | None:
    """The year as loaded whole (`PUT .../years/{year}`); None: never loaded."""
    return session.get(CalendarYear, year)


def days_of(session: Session, year: int) -> list[CalendarOverride]:
    """The year's listed days (holidays and 调休 working days), in date order."""
    return list(session.execute(select(CalendarOverride).where(col(CalendarOverride.day) >= date(year, 1, 1),
                                                               col(CalendarOverride.day) <= date(year, 12, 31))
                                .order_by(col(CalendarOverride.day))).scalars())
